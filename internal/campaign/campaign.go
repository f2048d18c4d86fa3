// SPDX-License-Identifier: AGPL-3.0-only

// Package campaign describes a marketing campaign: one purpose, one approved
// marketing template in its language variants, an audience, a schedule and an
// optional send window in Europe/Oslo time. The rules a template must meet
// before anything is sent with it live here (G-05, R-09, M-05).
package campaign

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata"
	"unicode/utf8" // send windows need Europe/Oslo on machines without zoneinfo
)

// Status is where a campaign stands.
type Status string

// The statuses.
const (
	Draft     Status = "draft"
	Running   Status = "running" // started; dispatching when its schedule and window allow
	Paused    Status = "paused"
	Cancelled Status = "cancelled"
	Done      Status = "done"
)

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid campaign")

// ErrTemplate is wrapped when a template breaks a rule (422).
var ErrTemplate = errors.New("template refused")

// Variant is a template's text in one language, as approved by the platform.
type Variant struct {
	Body string `json:"body"`
	// Footer is the template's footer, if it has one (at most 60
	// characters): the opt-out line may stand there instead of in the body.
	Footer string `json:"footer,omitempty"`
	// OptOutButton says the template carries the platform's marketing opt-out
	// quick reply, which stands in for the opt-out line (reference §5.3).
	OptOutButton bool `json:"opt_out_button,omitempty"`
	// Code is the platform's language code the variant is approved in
	// ("en_US"), when it is not the language itself; a template message
	// must name it exactly (reference §1.3).
	Code string `json:"code,omitempty"`
}

// Template is an approved marketing template (reference §1.3).
type Template struct {
	Name      string             `json:"name"`
	Languages map[string]Variant `json:"languages"`
	// Params are the named body parameters, filled per contact; only fields a
	// purpose declares may be used (P-03).
	Params []string `json:"params,omitempty"`
	// Synced says the variants were taken from the platform's message
	// templates as last synced, not typed in.
	Synced bool `json:"synced,omitempty"`
}

// Window is a daily interval, in Europe/Oslo time, when sending is allowed;
// From after To spans midnight ("08:00"-"21:00" allows the day only).
type Window struct {
	From string `json:"from"` // "08:00"
	To   string `json:"to"`   // "21:00"
}

// Campaign is one marketing send.
type Campaign struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Purpose     string    `json:"purpose"`
	Template    Template  `json:"template"`
	Language    string    `json:"language,omitempty"` // audience narrowed to one language; empty: all
	Tags        []string  `json:"tags,omitempty"`     // audience narrowed to contacts with any of these declared tags; empty: all
	Sender      string    `json:"sender,omitempty"`   // the sending number's phone-number id; empty: the default
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	Window      *Window   `json:"window,omitempty"`
	Status      Status    `json:"status"`
	Audience    int64     `json:"audience"` // contacts counted at the start; once walked, those decided
	Walked      bool      `json:"walked"`   // the dispatcher has walked the whole audience
	CreatedAt   time.Time `json:"created_at"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
}

// MaxFooter is the longest footer a template may have (reference §1.3).
const MaxFooter = 60

// Text is the variant as the person reads it: the body, then the footer on
// a line of its own.
func (v Variant) Text() string {
	if v.Footer == "" {
		return v.Body
	}
	return v.Body + "\n" + v.Footer
}

var namePattern = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)

// codePattern is a platform language code: nb, en_US.
var codePattern = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

// OptOutLines are the sentences that offer the opt-out in a template's text
// (glossary: "Svar STOPP for å melde deg av").
var OptOutLines = map[string][]string{
	"nb": {"Svar STOPP for å melde deg av"},
	"en": {"Reply STOPP to unsubscribe", "Reply STOP to unsubscribe"},
}

// Validate checks a campaign's fields; Lint checks its template's content.
func (c Campaign) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	switch {
	case strings.TrimSpace(c.Name) == "" || utf8.RuneCountInString(c.Name) > 200:
		return bad("name must be 1 to 200 characters")
	case c.Purpose == "":
		return bad("purpose is required")
	case c.Language != "" && c.Language != "nb" && c.Language != "en":
		return bad("language must be nb or en")
	case !namePattern.MatchString(c.Template.Name):
		return bad("template.name must be lower-case letters, digits and _ (the approved template's name)")
	case len(c.Template.Languages) == 0:
		return bad("template.languages needs at least one language")
	}
	for lang, v := range c.Template.Languages {
		if lang != "nb" && lang != "en" {
			return bad("template language %q: only nb and en", lang)
		}
		if n := utf8.RuneCountInString(v.Body); n == 0 || n > 1024 { // the platform counts characters (§1.3)
			return bad("template body in %s must be 1 to 1024 characters", lang)
		}
		if utf8.RuneCountInString(v.Footer) > MaxFooter {
			return bad("template footer in %s must be at most %d characters", lang, MaxFooter)
		}
		if v.Code != "" && (!codePattern.MatchString(v.Code) || !strings.HasPrefix(v.Code, lang) && !(lang == "nb" && v.Code == "no")) {
			return bad("template code in %s must be the platform's code of that language (%s, %s_XX)", lang, lang, lang)
		}
	}
	if c.Language != "" {
		if _, ok := c.Template.Languages[c.Language]; !ok {
			return bad("the template has no %s variant for an audience in %s", c.Language, c.Language)
		}
	}
	if c.Window != nil {
		if _, _, err := c.Window.bounds(); err != nil {
			return bad("window: %v", err)
		}
	}
	return nil
}

// Lint refuses a template that does not name the business, offer the opt-out
// in each language (the line or the platform's button) and link to the
// privacy notice (G-05, R-09, M-05, P-01); declared lists the fields the
// purpose declares, which are the only parameters allowed.
func (t Template) Lint(business, noticeURL string, declared []string) error {
	var problems []string
	langs := make([]string, 0, len(t.Languages))
	for l := range t.Languages {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, lang := range langs {
		v := t.Languages[lang]
		text := v.Text()
		body := strings.ToLower(text)
		if !strings.Contains(body, strings.ToLower(business)) {
			problems = append(problems, fmt.Sprintf("%s: does not name the business %q", lang, business))
		}
		optOut := v.OptOutButton
		for _, line := range OptOutLines[lang] {
			optOut = optOut || strings.Contains(body, strings.ToLower(line))
		}
		if !optOut {
			problems = append(problems, fmt.Sprintf("%s: has neither the line %q nor the opt-out button", lang, OptOutLines[lang][0]))
		}
		if !LinksTo(text, noticeURL) {
			problems = append(problems, fmt.Sprintf("%s: does not link to the privacy notice (%s)", lang, noticeURL))
		}
	}
	for _, p := range t.Params {
		if !slices.Contains(declared, p) {
			problems = append(problems, fmt.Sprintf("parameter %q is not a field the purpose declares (P-03)", p))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrTemplate, strings.Join(problems, "; "))
	}
	return nil
}

// links finds the web addresses in a text, without the punctuation that
// ends a sentence after them.
var links = regexp.MustCompile(`(?i)https?://[^\s<>"'\x60]+`)

// LinksTo reports whether text holds a link to the page at target itself:
// the same scheme and host, and target's path (or one of its versions,
// target/N), with nothing hiding in user info. A link to another site that
// carries target in its query or path does not count (G-05).
func LinksTo(text, target string) bool {
	want, err := url.Parse(target)
	if err != nil || want.Host == "" {
		return false
	}
	base := strings.TrimSuffix(want.Path, "/")
	for _, raw := range links.FindAllString(text, -1) {
		u, err := url.Parse(strings.TrimRight(raw, ".,;:!?)]}"))
		if err != nil || u.User != nil || !strings.EqualFold(u.Scheme, want.Scheme) || !strings.EqualFold(u.Host, want.Host) {
			continue
		}
		p := strings.TrimSuffix(u.Path, "/")
		if v, ok := strings.CutPrefix(p, base+"/"); p == base || ok && v != "" && strings.Trim(v, "0123456789") == "" {
			return true
		}
	}
	return false
}

// Oslo is the time zone of send windows.
var Oslo = mustZone("Europe/Oslo")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // cannot happen: time/tzdata is linked in
	}
	return loc
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (w Window) bounds() (from, to int, err error) {
	if from, err = parseClock(w.From); err != nil {
		return
	}
	if to, err = parseClock(w.To); err != nil {
		return
	}
	if from == to {
		err = errors.New("from and to are the same time")
	}
	return
}

// Open reports whether t falls inside the window, in Oslo time.
func (w Window) Open(t time.Time) bool {
	from, to, err := w.bounds()
	if err != nil {
		return false
	}
	lt := t.In(Oslo)
	m := lt.Hour()*60 + lt.Minute()
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to
}

// NextOpen is the first minute at or after t when the window is open.
func (w Window) NextOpen(t time.Time) time.Time {
	t = t.Truncate(time.Minute)
	for i := 0; i < 2*24*60+120; i++ { // two days and the hour a clock change may add
		if w.Open(t) {
			return t
		}
		t = t.Add(time.Minute)
	}
	return t
}

// VariantFor is the variant a person whose language is lang gets, and the
// language it is in: their own if the template has it, else bokmål, else
// English, else the first there is. The platform itself never falls back:
// a template message names one approved translation (reference §1.3).
func (t Template) VariantFor(lang string) (string, Variant) {
	for _, l := range []string{lang, "nb", "en"} {
		if v, ok := t.Languages[l]; ok {
			return l, v
		}
	}
	langs := make([]string, 0, len(t.Languages))
	for l := range t.Languages {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	if len(langs) == 0 {
		return lang, Variant{}
	}
	return langs[0], t.Languages[langs[0]]
}

// CodeFor is the platform's language code of the variant in lang.
func (v Variant) CodeFor(lang string) string {
	if v.Code != "" {
		return v.Code
	}
	return lang
}

// Wait says why a running campaign sends nothing now.
type Wait string

// The reasons.
const (
	NotWaiting      Wait = ""
	WaitingSchedule Wait = "scheduled" // its start time has not come
	WaitingWindow   Wait = "window"    // outside its daily send window
)

// Waiting reports whether the campaign's schedule or window holds its
// sending back at now, and until when.
func (c Campaign) Waiting(now time.Time) (Wait, time.Time) {
	if c.ScheduledAt.After(now) {
		if c.Window != nil && !c.Window.Open(c.ScheduledAt) {
			return WaitingSchedule, c.Window.NextOpen(c.ScheduledAt)
		}
		return WaitingSchedule, c.ScheduledAt
	}
	if c.Window != nil && !c.Window.Open(now) {
		return WaitingWindow, c.Window.NextOpen(now)
	}
	return NotWaiting, time.Time{}
}

// LocalTime reads a date (YYYY-MM-DD) and a time of day (HH:MM) in
// Europe/Oslo, as a form gives them. A time the clock skips in spring is
// read as the hour after.
func LocalTime(date, clock string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", date, Oslo)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", date)
	}
	m, err := parseClock(clock)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, Oslo), nil
}

// Check checks the window's two times.
func (w Window) Check() error {
	_, _, err := w.bounds()
	return err
}
