// SPDX-License-Identifier: AGPL-3.0-only

package rights

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func oslo(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, Oslo) }

// T-03: a request is due at the end of the same date one month later, in
// Oslo; a month without that date ends on its last day.
func TestDue(t *testing.T) {
	for _, c := range []struct {
		received time.Time
		want     string // the Oslo date of the deadline
	}{
		{oslo(2026, time.March, 10, 9), "2026-04-10"},
		{oslo(2026, time.January, 31, 12), "2026-02-28"},
		{oslo(2028, time.January, 31, 12), "2028-02-29"}, // leap year
		{oslo(2026, time.December, 15, 23), "2027-01-15"},
		{oslo(2026, time.March, 31, 1), "2026-04-30"},
		{oslo(2026, time.October, 25, 1), "2026-11-25"}, // across the end of summer time
	} {
		due := Due(c.received)
		if got := due.In(Oslo).Format("2006-01-02"); got != c.want {
			t.Errorf("Due(%s) = %s, want %s", c.received, got, c.want)
		}
		if h, m, s := due.In(Oslo).Clock(); h != 23 || m != 59 || s != 59 {
			t.Errorf("Due(%s) at %02d:%02d:%02d, want the end of the day", c.received, h, m, s)
		}
	}
}

// T-03: clock tests at day 29, 30 and 31 of a 30-day month (received 1 April,
// due 1 May at the end of the day).
func TestOverdueAtTheBoundary(t *testing.T) {
	r := Request{State: Open, ReceivedAt: oslo(2026, time.April, 1, 10)}
	r.DueAt = Due(r.ReceivedAt)
	for _, c := range []struct {
		now            time.Time
		overdue, close bool
	}{
		{oslo(2026, time.April, 24, 12), false, false},
		{oslo(2026, time.April, 25, 12), false, true}, // within 7 days
		{oslo(2026, time.April, 30, 12), false, true}, // day 29
		{oslo(2026, time.May, 1, 12), false, true},    // day 30: still due today
		{oslo(2026, time.May, 2, 0), true, false},     // day 31
	} {
		if got := r.Overdue(c.now); got != c.overdue {
			t.Errorf("Overdue at %s = %v, want %v", c.now, got, c.overdue)
		}
		if got := r.NearlyDue(c.now); got != c.close {
			t.Errorf("NearlyDue at %s = %v, want %v", c.now, got, c.close)
		}
	}
	r.State = Done
	if r.Overdue(oslo(2026, time.June, 1, 0)) || r.NearlyDue(oslo(2026, time.May, 1, 0)) {
		t.Error("an answered request counts as due")
	}
}

// T-03: an extension is granted once, by one or two months, with a reason
// told to the person within the first month; without notice it is refused.
func TestExtend(t *testing.T) {
	received := oslo(2026, time.April, 1, 10)
	open := Request{State: Open, ReceivedAt: received, DueAt: Due(received), Language: "nb"}
	reason := "Mange forespørsler samtidig, og saken er omfattende."
	day := func(d int) time.Time { return received.AddDate(0, 0, d) }
	ok := Extension{Months: 2, Reason: reason, ToldAt: day(29), ToldHow: "whatsapp"}

	got, err := Extend(open, ok, day(29))
	if err != nil {
		t.Fatalf("Extend on day 29: %v", err)
	}
	if d := got.DueAt.In(Oslo).Format("2006-01-02"); d != "2026-07-01" || !got.Extended() {
		t.Errorf("extended due %s, want 2026-07-01", d)
	}
	if _, err := Extend(got, Extension{Months: 1, Reason: reason, ToldAt: day(29), ToldHow: "letter"}, day(29)); !errors.Is(err, ErrRefused) {
		t.Errorf("a second extension: %v, want refused", err)
	}
	for name, c := range map[string]struct {
		x   Extension
		now time.Time
		err error
	}{
		"no notice":               {Extension{Months: 1, Reason: reason, ToldHow: "letter"}, day(10), ErrInvalid},
		"no way of telling":       {Extension{Months: 1, Reason: reason, ToldAt: day(10)}, day(10), ErrInvalid},
		"told after the month":    {Extension{Months: 1, Reason: reason, ToldAt: day(31), ToldHow: "letter"}, day(31), ErrRefused},
		"asked after the month":   {Extension{Months: 1, Reason: reason, ToldAt: day(20), ToldHow: "letter"}, day(31), ErrRefused},
		"told in the future":      {Extension{Months: 1, Reason: reason, ToldAt: day(12), ToldHow: "letter"}, day(10), ErrInvalid},
		"three more months":       {Extension{Months: 3, Reason: reason, ToldAt: day(10), ToldHow: "letter"}, day(10), ErrInvalid},
		"no reason":               {Extension{Months: 1, Reason: "  ", ToldAt: day(10), ToldHow: "letter"}, day(10), ErrInvalid},
		"told before the receipt": {Extension{Months: 1, Reason: reason, ToldAt: day(-1), ToldHow: "letter"}, day(10), ErrInvalid},
	} {
		if _, err := Extend(open, c.x, c.now); !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", name, err, c.err)
		}
	}
	// Day 30 (1 May) is still within the first month.
	if _, err := Extend(open, Extension{Months: 1, Reason: reason, ToldAt: day(30), ToldHow: "letter"}, day(30)); err != nil {
		t.Errorf("extension on day 30: %v", err)
	}
}

// Art. 12(4): a refusal tells the person of their right to complain; a
// request whose identity is unproven cannot be answered (T-04).
func TestClose(t *testing.T) {
	now := oslo(2026, time.May, 1, 10)
	r := Request{State: Open, Language: "en"}
	got, err := Close(r, Refused, "The request is manifestly unfounded.", now)
	if err != nil || got.State != Refused || !strings.Contains(got.Answer, "Datatilsynet") {
		t.Fatalf("refusal: %+v, %v", got, err)
	}
	if _, err := Close(r, Refused, "no", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("a refusal without a reason: %v", err)
	}
	if _, err := Close(Request{State: Unverified}, Done, "", now); !errors.Is(err, ErrRefused) {
		t.Errorf("closing an unverified request: %v", err)
	}
	if _, err := Close(got, Done, "", now); !errors.Is(err, ErrRefused) {
		t.Errorf("closing twice: %v", err)
	}
	if _, err := Verify(r, now); !errors.Is(err, ErrRefused) {
		t.Errorf("verifying an open request: %v", err)
	}
}

func TestParse(t *testing.T) {
	for _, ty := range Types {
		if got, err := ParseType(string(ty)); err != nil || got != ty {
			t.Errorf("ParseType(%q) = %q, %v", ty, got, err)
		}
	}
	if _, err := ParseType("delete"); !errors.Is(err, ErrInvalid) {
		t.Error("ParseType accepted delete")
	}
	if _, err := ParseState("closed"); !errors.Is(err, ErrInvalid) {
		t.Error("ParseState accepted closed")
	}
}

// the words of a request written on WhatsApp, in any case and with
// punctuation; anything longer is no request.
func TestWords(t *testing.T) {
	w := DefaultWords()
	for text, want := range map[string]Type{"innsyn": Access, "Slett meg!": Erasure, " RETTING. ": Rectification,
		"delete me": Erasure, "Protest": Objection} {
		if got, ok := w.Match(text); !ok || got != want {
			t.Errorf("Match(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
	for _, text := range []string{"innsyn i saken min takk", "slett meldingen", "", "STOPP"} {
		if got, ok := w.Match(text); ok {
			t.Errorf("Match(%q) = %q", text, got)
		}
	}
	custom, err := ParseWords("innsyn=access, Fjern dataene=erasure")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := custom.Match("fjern dataene"); !ok || got != Erasure {
		t.Errorf("custom word: %q, %v", got, ok)
	}
	if _, ok := custom.Match("SLETT MEG"); ok {
		t.Error("custom words do not replace the defaults")
	}
	for _, bad := range []string{"innsyn", "=access", "innsyn=look"} {
		if _, err := ParseWords(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseWords(%q): %v", bad, err)
		}
	}
}
