// SPDX-License-Identifier: AGPL-3.0-only

package campaign_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
)

const (
	business  = "Butikk AS"
	noticeURL = "https://butikk.example/privacy"
)

// Bodies that meet G-05, R-09 and M-05: the business, the opt-out line and
// the notice link.
const (
	goodNB = "Hei {{first_name}}! Butikk AS har vårsalg. Svar STOPP for å melde deg av. Personvern: https://butikk.example/privacy"
	goodEN = "Hi {{first_name}}! Butikk AS has a spring sale. Reply STOP to unsubscribe. Privacy: https://butikk.example/privacy"
)

func validCampaign() campaign.Campaign {
	return campaign.Campaign{
		ID:      "k1",
		Name:    "Vårsalg",
		Purpose: "offers",
		Template: campaign.Template{
			Name:      "spring_sale_2026",
			Languages: map[string]campaign.Variant{"nb": {Body: goodNB}, "en": {Body: goodEN}},
			Params:    []string{"first_name"},
		},
		Window: &campaign.Window{From: "08:00", To: "21:00"},
		Status: campaign.Draft,
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(c *campaign.Campaign)
		field  string // named in the error; "" means valid
	}{
		{"valid", func(*campaign.Campaign) {}, ""},
		{"valid without window", func(c *campaign.Campaign) { c.Window = nil }, ""},
		{"valid overnight window", func(c *campaign.Campaign) { c.Window = &campaign.Window{From: "21:00", To: "08:00"} }, ""},
		{"valid audience in en", func(c *campaign.Campaign) { c.Language = "en" }, ""},
		{"valid name of 200 characters", func(c *campaign.Campaign) { c.Name = strings.Repeat("x", 200) }, ""},
		// The limits are in characters, as the error says; Norwegian names
		// and bodies have æ, ø and å, which take two bytes each.
		{"valid name of 195 characters with æøå", func(c *campaign.Campaign) { c.Name = strings.Repeat("Høstkampanje ", 15) }, ""},
		{"valid body of 1024 characters", func(c *campaign.Campaign) {
			c.Template.Languages["nb"] = campaign.Variant{Body: strings.Repeat("x", 1024)}
		}, ""},
		// The platform's body limit is 1024 characters (whatsapp-cloud-api.md §1.3).
		{"valid body of 1000 characters with æøå", func(c *campaign.Campaign) {
			c.Template.Languages["nb"] = campaign.Variant{Body: strings.Repeat("Vårsalg på smør og brød. ", 40)}
		}, ""},

		{"empty name", func(c *campaign.Campaign) { c.Name = "" }, "name"},
		{"blank name", func(c *campaign.Campaign) { c.Name = "   " }, "name"},
		{"name of 201 characters", func(c *campaign.Campaign) { c.Name = strings.Repeat("x", 201) }, "name"},
		{"no purpose", func(c *campaign.Campaign) { c.Purpose = "" }, "purpose"},
		{"audience language de", func(c *campaign.Campaign) { c.Language = "de" }, "language"},
		{"audience language without a variant", func(c *campaign.Campaign) {
			c.Language = "en"
			delete(c.Template.Languages, "en")
		}, "en variant"},
		{"template name empty", func(c *campaign.Campaign) { c.Template.Name = "" }, "template.name"},
		{"template name upper case", func(c *campaign.Campaign) { c.Template.Name = "Spring_Sale" }, "template.name"},
		{"template name with a dash", func(c *campaign.Campaign) { c.Template.Name = "spring-sale" }, "template.name"},
		{"template name of 513 characters", func(c *campaign.Campaign) { c.Template.Name = strings.Repeat("a", 513) }, "template.name"},
		{"no template languages", func(c *campaign.Campaign) { c.Template.Languages = nil }, "template.languages"},
		{"template language sv", func(c *campaign.Campaign) {
			c.Template.Languages["sv"] = campaign.Variant{Body: goodEN}
		}, `"sv"`},
		{"empty body", func(c *campaign.Campaign) { c.Template.Languages["en"] = campaign.Variant{} }, "body in en"},
		{"body of 1025 characters", func(c *campaign.Campaign) {
			c.Template.Languages["nb"] = campaign.Variant{Body: strings.Repeat("x", 1025)}
		}, "body in nb"},
		{"variant code en_US", func(c *campaign.Campaign) { c.Template.Languages["en"] = campaign.Variant{Body: goodEN, Code: "en_US"} }, ""},
		{"variant code nb_NO", func(c *campaign.Campaign) { c.Template.Languages["nb"] = campaign.Variant{Body: goodEN, Code: "nb_NO"} }, ""},
		{"variant code of another language", func(c *campaign.Campaign) {
			c.Template.Languages["en"] = campaign.Variant{Body: goodEN, Code: "de_DE"}
		}, "code in en"},
		{"variant code not a code", func(c *campaign.Campaign) {
			c.Template.Languages["en"] = campaign.Variant{Body: goodEN, Code: "en-us"}
		}, "code in en"},
		{"window 25:00", func(c *campaign.Campaign) { c.Window = &campaign.Window{From: "08:00", To: "25:00"} }, "window"},
		{"window 8am", func(c *campaign.Campaign) { c.Window = &campaign.Window{From: "8am", To: "21:00"} }, "window"},
		{"window empty", func(c *campaign.Campaign) { c.Window = &campaign.Window{} }, "window"},
		{"window from equals to", func(c *campaign.Campaign) { c.Window = &campaign.Window{From: "09:00", To: "09:00"} }, "window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := validCampaign()
			tt.change(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, campaign.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Validate() = %q, want it to name %q", err, tt.field)
			}
		})
	}
}

func TestTemplateLint(t *testing.T) {
	t.Parallel()
	declared := []string{"first_name"}
	tpl := func(nb, en campaign.Variant, params ...string) campaign.Template {
		langs := map[string]campaign.Variant{}
		if nb.Body != "" {
			langs["nb"] = nb
		}
		if en.Body != "" {
			langs["en"] = en
		}
		return campaign.Template{Name: "spring_sale", Languages: langs, Params: params}
	}
	nbWithout := func(s string) campaign.Variant { return campaign.Variant{Body: strings.ReplaceAll(goodNB, s, "")} }
	enWithout := func(s string) campaign.Variant { return campaign.Variant{Body: strings.ReplaceAll(goodEN, s, "")} }
	good := func(b string) campaign.Variant { return campaign.Variant{Body: b} }
	tests := []struct {
		name     string
		tpl      campaign.Template
		problems []string // substrings of the error, in order; none means it passes
	}{
		{name: "nb and en with every element pass (G-05, R-09, M-05, P-01)", tpl: tpl(good(goodNB), good(goodEN), "first_name")},
		{name: "nb only passes", tpl: tpl(good(goodNB), campaign.Variant{})},
		{name: "en accepts Reply STOPP to unsubscribe",
			tpl: tpl(campaign.Variant{}, good(strings.Replace(goodEN, "Reply STOP to", "Reply STOPP to", 1)))},
		{name: "en accepts Reply STOP to unsubscribe", tpl: tpl(campaign.Variant{}, good(goodEN))},
		{name: "business name matches case-insensitively",
			tpl: tpl(good(strings.Replace(goodNB, "Butikk AS", "BUTIKK as", 1)), campaign.Variant{})},
		{name: "opt-out line matches case-insensitively",
			tpl: tpl(good(strings.Replace(goodNB, "Svar STOPP for å melde deg av", "svar stopp for å melde deg av", 1)), campaign.Variant{})},
		{name: "opt-out button stands in for the line (reference §5.3)",
			tpl: tpl(campaign.Variant{Body: nbWithout("Svar STOPP for å melde deg av.").Body, OptOutButton: true},
				campaign.Variant{Body: enWithout("Reply STOP to unsubscribe.").Body, OptOutButton: true})},
		{name: "no params at all pass", tpl: tpl(good(goodNB), good(goodEN))},

		{name: "nb without the business (G-05)", tpl: tpl(nbWithout("Butikk AS"), good(goodEN)),
			problems: []string{`nb: does not name the business "Butikk AS"`}},
		{name: "en without the business (G-05)", tpl: tpl(good(goodNB), enWithout("Butikk AS")),
			problems: []string{`en: does not name the business`}},
		{name: "nb without the opt-out line (R-09, M-05)", tpl: tpl(nbWithout("Svar STOPP for å melde deg av"), good(goodEN)),
			problems: []string{`nb: has neither the line "Svar STOPP for å melde deg av" nor the opt-out button`}},
		{name: "en without the opt-out line (R-09, M-05)", tpl: tpl(good(goodNB), enWithout("Reply STOP to unsubscribe")),
			problems: []string{`en: has neither the line "Reply STOPP to unsubscribe" nor the opt-out button`}},
		{name: "the nb line does not count in en", tpl: tpl(good(goodNB),
			good(strings.Replace(goodEN, "Reply STOP to unsubscribe", "Svar STOPP for å melde deg av", 1))),
			problems: []string{"en: has neither the line"}},
		{name: "a half line is not the opt-out line", tpl: tpl(good(strings.Replace(goodNB, "Svar STOPP for å melde deg av", "Svar STOPP", 1)), campaign.Variant{}),
			problems: []string{"nb: has neither the line"}},
		{name: "nb without the notice link (P-01)", tpl: tpl(nbWithout(noticeURL), good(goodEN)),
			problems: []string{"nb: does not link to the privacy notice (" + noticeURL + ")"}},
		{name: "en without the notice link (P-01)", tpl: tpl(good(goodNB), enWithout(noticeURL)),
			problems: []string{"en: does not link to the privacy notice"}},
		{name: "the notice link in another site's query does not count (G-05)",
			tpl:      tpl(good(strings.Replace(goodNB, noticeURL, "https://evil.example/?x="+noticeURL, 1)), campaign.Variant{}),
			problems: []string{"nb: does not link to the privacy notice"}},
		{name: "the notice link behind user info does not count",
			tpl:      tpl(good(strings.Replace(goodNB, noticeURL, "https://butikk.example@evil.example/privacy", 1)), campaign.Variant{}),
			problems: []string{"nb: does not link to the privacy notice"}},
		{name: "the notice link on a look-alike host does not count",
			tpl:      tpl(good(strings.Replace(goodNB, noticeURL, "https://butikk.example.evil.example/privacy", 1)), campaign.Variant{}),
			problems: []string{"nb: does not link to the privacy notice"}},
		{name: "another page of the service does not count",
			tpl:      tpl(good(strings.Replace(goodNB, noticeURL, "https://butikk.example/privacyx", 1)), campaign.Variant{}),
			problems: []string{"nb: does not link to the privacy notice"}},
		{name: "the notice link ending a sentence, or a version of it, counts",
			tpl: tpl(good(strings.Replace(goodNB, noticeURL, "(se HTTPS://Butikk.example/privacy/3).", 1)), campaign.Variant{})},
		{name: "every element missing is reported per language, en first", tpl: tpl(good("Hei!"), good("Hi!")),
			problems: []string{"en: does not name", "en: has neither", "en: does not link", "nb: does not name", "nb: has neither", "nb: does not link"}},
		{name: "a param the purpose does not declare (P-03)", tpl: tpl(good(goodNB), good(goodEN), "first_name", "birth_date"),
			problems: []string{`parameter "birth_date" is not a field the purpose declares (P-03)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.tpl.Lint(business, noticeURL, declared)
			if len(tt.problems) == 0 {
				if err != nil {
					t.Fatalf("Lint() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, campaign.ErrTemplate) {
				t.Fatalf("Lint() = %v, want an error wrapping ErrTemplate", err)
			}
			msg, at := err.Error(), 0
			for _, p := range tt.problems {
				i := strings.Index(msg[at:], p)
				if i < 0 {
					t.Fatalf("Lint() = %q, want %q (after offset %d)", msg, p, at)
				}
				at += i + len(p)
			}
			if n := strings.Count(msg, ";") + 1; n != len(tt.problems) {
				t.Errorf("Lint() reported %d problems, want %d: %q", n, len(tt.problems), msg)
			}
		})
	}

	t.Run("params are checked against what the purpose declares (P-03)", func(t *testing.T) {
		t.Parallel()
		tp := tpl(good(goodNB), good(goodEN), "first_name")
		if err := tp.Lint(business, noticeURL, nil); !errors.Is(err, campaign.ErrTemplate) {
			t.Errorf("first_name with a purpose declaring nothing: %v, want ErrTemplate", err)
		}
		if err := tp.Lint(business, noticeURL, []string{"first_name"}); err != nil {
			t.Errorf("first_name declared: %v, want nil", err)
		}
	})
}

// oslo builds a wall-clock time in Europe/Oslo.
func oslo(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, campaign.Oslo)
}

func utc(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

func TestWindowOpen(t *testing.T) {
	t.Parallel()
	day := campaign.Window{From: "08:00", To: "21:00"}
	night := campaign.Window{From: "21:00", To: "08:00"}
	tests := []struct {
		name string
		w    campaign.Window
		at   time.Time
		open bool
	}{
		{"day: 07:59 closed", day, oslo(2026, 6, 10, 7, 59), false},
		{"day: 08:00 opens", day, oslo(2026, 6, 10, 8, 0), true},
		{"day: noon", day, oslo(2026, 6, 10, 12, 0), true},
		{"day: 20:59 open", day, oslo(2026, 6, 10, 20, 59), true},
		{"day: 21:00 closes", day, oslo(2026, 6, 10, 21, 0), false},
		{"day: midnight closed", day, oslo(2026, 6, 10, 0, 0), false},
		// Times are read in Oslo, whatever zone they come in.
		{"day: 06:30 UTC in summer is 08:30 in Oslo", day, utc(2026, 6, 10, 6, 30), true},
		{"day: 06:30 UTC in winter is 07:30 in Oslo", day, utc(2026, 1, 10, 6, 30), false},
		{"day: 19:30 UTC in summer is 21:30 in Oslo", day, utc(2026, 6, 10, 19, 30), false},
		{"day: 19:30 UTC in winter is 20:30 in Oslo", day, utc(2026, 1, 10, 19, 30), true},
		// Spring forward, 2026-03-29 02:00 CET -> 03:00 CEST.
		{"day: 06:30 UTC the day before spring forward is 07:30", day, utc(2026, 3, 28, 6, 30), false},
		{"day: 06:30 UTC on spring forward is 08:30", day, utc(2026, 3, 29, 6, 30), true},
		{"day: 18:59 UTC on spring forward is 20:59", day, utc(2026, 3, 29, 18, 59), true},
		{"day: 19:00 UTC on spring forward is 21:00", day, utc(2026, 3, 29, 19, 0), false},
		// Fall back, 2026-10-25 03:00 CEST -> 02:00 CET.
		{"day: 06:30 UTC the day before fall back is 08:30", day, utc(2026, 10, 24, 6, 30), true},
		{"day: 06:30 UTC on fall back is 07:30", day, utc(2026, 10, 25, 6, 30), false},
		{"day: 19:30 UTC on fall back is 20:30", day, utc(2026, 10, 25, 19, 30), true},
		{"day: 20:00 UTC on fall back is 21:00", day, utc(2026, 10, 25, 20, 0), false},

		{"night: 21:00 opens", night, oslo(2026, 6, 10, 21, 0), true},
		{"night: 20:59 closed", night, oslo(2026, 6, 10, 20, 59), false},
		{"night: midnight open", night, oslo(2026, 6, 10, 0, 0), true},
		{"night: 07:59 open", night, oslo(2026, 6, 10, 7, 59), true},
		{"night: 08:00 closes", night, oslo(2026, 6, 10, 8, 0), false},
		{"night: noon closed", night, oslo(2026, 6, 10, 12, 0), false},
		{"night: 01:30 UTC on spring forward is 03:30", night, utc(2026, 3, 29, 1, 30), true},
		{"night: 06:30 UTC on spring forward is 08:30", night, utc(2026, 3, 29, 6, 30), false},
		{"night: 06:30 UTC the day before spring forward is 07:30", night, utc(2026, 3, 28, 6, 30), true},
		{"night: 00:30 UTC on fall back is 02:30 CEST", night, utc(2026, 10, 25, 0, 30), true},
		{"night: 01:30 UTC on fall back is 02:30 CET", night, utc(2026, 10, 25, 1, 30), true},
		{"night: 06:30 UTC on fall back is 07:30", night, utc(2026, 10, 25, 6, 30), true},
		{"night: 07:00 UTC on fall back is 08:00", night, utc(2026, 10, 25, 7, 0), false},

		{"a broken window is never open", campaign.Window{From: "8am", To: "21:00"}, oslo(2026, 6, 10, 12, 0), false},
		{"an empty window is never open", campaign.Window{From: "09:00", To: "09:00"}, oslo(2026, 6, 10, 9, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.w.Open(tt.at); got != tt.open {
				t.Errorf("%v.Open(%v = %v Oslo) = %v, want %v", tt.w, tt.at, tt.at.In(campaign.Oslo), got, tt.open)
			}
		})
	}
}

func TestWindowNextOpen(t *testing.T) {
	t.Parallel()
	day := campaign.Window{From: "08:00", To: "21:00"}
	night := campaign.Window{From: "21:00", To: "08:00"}
	tests := []struct {
		name string
		w    campaign.Window
		from time.Time
		want time.Time
	}{
		{"open now: the same minute", day, oslo(2026, 6, 10, 12, 0), oslo(2026, 6, 10, 12, 0)},
		{"open now: seconds are dropped", day, oslo(2026, 6, 10, 12, 0).Add(30 * time.Second), oslo(2026, 6, 10, 12, 0)},
		{"before the window: today's opening", day, oslo(2026, 6, 10, 6, 15), oslo(2026, 6, 10, 8, 0)},
		{"a second before opening", day, oslo(2026, 6, 10, 8, 0).Add(-time.Second), oslo(2026, 6, 10, 8, 0)},
		{"after closing: tomorrow's opening", day, oslo(2026, 6, 10, 21, 0), oslo(2026, 6, 11, 8, 0)},
		{"after closing at month end", day, oslo(2026, 6, 30, 22, 0), oslo(2026, 7, 1, 8, 0)},
		{"spring forward night: 08:00 CEST", day, oslo(2026, 3, 28, 21, 30), utc(2026, 3, 29, 6, 0)},
		{"fall back night: 08:00 CET", day, oslo(2026, 10, 24, 21, 30), utc(2026, 10, 25, 7, 0)},
		{"overnight: this evening", night, oslo(2026, 6, 10, 9, 0), oslo(2026, 6, 10, 21, 0)},
		{"overnight: open after midnight", night, oslo(2026, 6, 11, 3, 0), oslo(2026, 6, 11, 3, 0)},
		{"overnight: spring forward evening", night, utc(2026, 3, 29, 12, 0), utc(2026, 3, 29, 19, 0)},
		{"overnight: fall back evening", night, utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 20, 0)},
		// A window inside the hour the clocks skip on 2026-03-29 has no open
		// minute that day; the first one is 02:00 CEST on the 30th, 25 hours on.
		{"a window in the skipped hour waits for the next day", campaign.Window{From: "02:00", To: "03:00"},
			oslo(2026, 3, 28, 3, 0), oslo(2026, 3, 30, 2, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.w.NextOpen(tt.from)
			if !got.Equal(tt.want) {
				t.Errorf("%v.NextOpen(%v) = %v, want %v", tt.w, tt.from.In(campaign.Oslo), got.In(campaign.Oslo), tt.want.In(campaign.Oslo))
			}
			if !tt.w.Open(got) {
				t.Errorf("NextOpen returned %v, when the window is closed", got.In(campaign.Oslo))
			}
			if prev := got.Add(-time.Minute); !prev.Before(tt.from.Truncate(time.Minute)) && tt.w.Open(prev) {
				t.Errorf("NextOpen returned %v, but the minute before it is open too", got.In(campaign.Oslo))
			}
		})
	}
}

func TestTemplateJSON(t *testing.T) {
	t.Parallel()
	// The store keeps the template as JSON; nothing may be lost on the way.
	want := validCampaign().Template
	want.Languages["nb"] = campaign.Variant{Body: goodNB, OptOutButton: true}
	b, err := jsonRoundTrip(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("template JSON round trip (-want +got):\n%s", diff)
	}
}

func jsonRoundTrip(t campaign.Template) (campaign.Template, error) {
	var out campaign.Template
	b, err := json.Marshal(t)
	if err != nil {
		return out, err
	}
	return out, json.Unmarshal(b, &out)
}

// TestPreviews: each language is rendered with its footer, the parameters
// filled with example values, never left as placeholders (issue 23).
func TestPreviews(t *testing.T) {
	t.Parallel()
	tpl := campaign.Template{Name: "jul", Params: []string{"first_name"}, Languages: map[string]campaign.Variant{
		"nb": {Body: "Hei {{first_name}}! Tilbud fra Butikken AS.", Footer: "Svar STOPP for å melde deg av"},
		"en": {Body: "Hi {{first_name}}! Offers from Butikken AS.", OptOutButton: true},
	}}
	got := tpl.Previews()
	if len(got) != 2 || got[0].Language != "en" || got[1].Language != "nb" {
		t.Fatalf("previews = %+v; want en then nb", got)
	}
	if got[1].Text != "Hei Kari! Tilbud fra Butikken AS.\nSvar STOPP for å melde deg av" || got[1].Footer != "Svar STOPP for å melde deg av" {
		t.Errorf("nb preview = %+v", got[1])
	}
	if got[0].Text != "Hi Kari! Offers from Butikken AS." || !got[0].OptOutButton || strings.Contains(got[0].Body, "{{") {
		t.Errorf("en preview = %+v", got[0])
	}
}

// TestLintReadsTheFooter: the opt-out line may stand in the footer;
// a footer longer than the platform allows is refused.
func TestLintReadsTheFooter(t *testing.T) {
	t.Parallel()
	v := campaign.Variant{Body: "Tilbud fra Butikken AS: https://b.example/privacy", Footer: "Svar STOPP for å melde deg av"}
	tpl := campaign.Template{Name: "jul", Languages: map[string]campaign.Variant{"nb": v}}
	if err := tpl.Lint("Butikken AS", "https://b.example/privacy", nil); err != nil {
		t.Errorf("opt-out line in the footer: %v", err)
	}
	v.Footer = ""
	tpl.Languages["nb"] = v
	if err := tpl.Lint("Butikken AS", "https://b.example/privacy", nil); err == nil {
		t.Error("no opt-out line anywhere: accepted")
	}
	v.Footer = strings.Repeat("x", campaign.MaxFooter+1)
	c := campaign.Campaign{Name: "Jul", Purpose: "offers", Template: campaign.Template{Name: "jul", Languages: map[string]campaign.Variant{"nb": v}}}
	if err := c.Validate(); err == nil {
		t.Error("a 61-character footer passed Validate")
	}
}
