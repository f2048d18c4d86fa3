// SPDX-License-Identifier: AGPL-3.0-only

package admin_test

import (
	"cmp"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// The platform's templates the campaign tests sync: one with a bokmål and
// an American English variant that pass the checks, one in bokmål alone,
// one that offers no opt-out.
var simTemplates = []sim.Template{
	{Name: "vinter_tilbud", Language: "nb", Category: "MARKETING", Components: []whatsapp.TemplateComponent{
		{Type: "BODY", Text: "Vintersalg hos Butikken AS. Personvern: http://localhost/privacy"},
		{Type: "FOOTER", Text: "Svar STOPP for å melde deg av"}}},
	{Name: "vinter_tilbud", Language: "en_US", Category: "MARKETING", Components: []whatsapp.TemplateComponent{
		{Type: "BODY", Text: "Winter sale at Butikken AS. Privacy: http://localhost/privacy"},
		{Type: "BUTTONS", Buttons: []whatsapp.TemplateButton{{Type: "MARKETING_OPT_OUT", Text: "Stop promotions"}}}}},
	{Name: "bare_norsk", Language: "nb", Category: "MARKETING", Components: []whatsapp.TemplateComponent{
		{Type: "BODY", Text: "Nattåpent hos Butikken AS. http://localhost/privacy Svar STOPP for å melde deg av."}}},
	{Name: "uten_stopp", Language: "nb", Category: "MARKETING", Components: []whatsapp.TemplateComponent{
		{Type: "BODY", Text: "Kjøp nå hos Butikken AS! http://localhost/privacy"}}},
}

// withSims assembles the server with two sending numbers, each on a
// simulator of its own that knows simTemplates: the main number and a
// further one (SAMTYKKE_WHATSAPP_MORE_PHONE_NUMBER_IDS).
func withSims(t *testing.T, b storetest.Backend) (tb *bundle, main, more *sim.Server) {
	t.Helper()
	clock := func() time.Time { return tb.now }
	start := func(phoneID string) (*sim.Server, *whatsapp.Client) {
		cfg := sim.DefaultConfig()
		cfg.PhoneNumberID, cfg.PairRateEvery, cfg.NowFunc, cfg.Templates = phoneID, 0, clock, simTemplates
		s, err := sim.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: "test", PhoneNumberID: s.PhoneNumberID(),
			BusinessAccountID: s.BusinessAccountID()})
		if err != nil {
			t.Fatal(err)
		}
		return s, c
	}
	main, mainClient := start(sim.DefaultPhoneNumberID)
	more, moreClient := start("100000000000009")
	tb = setup(t, b, func(c *server.Config) {
		c.App.WhatsApp, c.App.BusinessNumber, c.App.Senders = mainClient, main.DisplayNumber(), []*whatsapp.Client{moreClient}
	})
	return tb, main, more
}

// oslo is a time of day in Norway.
func oslo(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, campaign.Oslo).UTC()
}

// campaignsMade counts the campaigns there are.
func (tb *bundle) campaignsMade() int {
	tb.t.Helper()
	res, err := tb.app.Campaigns(tb.t.Context(), app.Actor{Name: "cli:test", Role: staff.Admin}, "", "", 0)
	if err != nil {
		tb.t.Fatal(err)
	}
	return len(res.Campaigns)
}

// syncedForm is the new campaign form for a synced template, as a browser
// posts it.
func syncedForm(csrf, name string) url.Values {
	return url.Values{"name": {"Vintersalg"}, "purpose": {"tilbud"}, "source": {"synced"}, "synced_template": {name},
		"sender": {""}, "csrf": {csrf}}
}

// TestCampaignFormFields (issue 23 points 1-3; G-05, R-09, M-05): the form
// offers the configured sending numbers by label, the synced templates with
// their checks (one without the opt-out cannot be chosen), a start time and
// a daily window in Norwegian time. Each bad value comes back on its field,
// bokmål or English, and creates nothing; a good form stores every field,
// and the campaign's page and the list show sender, schedule and window.
func TestCampaignFormFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, _, more := withSims(t, b)
		tb.offers(t)
		mk := tb.signIn("markedsforer", staff.Marketer)
		tpls := mk.get("/admin/templates", 200)
		if r := mk.do("POST", "/admin/templates/sync", url.Values{"csrf": {csrfFor(t, tpls, "/admin/templates/sync")}}); r.status != 303 {
			t.Fatalf("sync: %d\n%s", r.status, r.body)
		}
		page := mk.get("/admin/campaigns/new", 200)
		for _, want := range []string{
			`<option value="" selected>Hovednummeret (&#43;4722334455)</option>`,
			`<option value="` + more.PhoneNumberID() + `">Nummer 2 (telefonnummer-ID ` + more.PhoneNumberID() + `)</option>`,
			`<option value="vinter_tilbud">vinter_tilbud (en_US, nb)</option>`,
			`<option value="uten_stopp" disabled>uten_stopp (nb) – kan ikke brukes</option>`,
			`id="source-synced" name="source" value="synced" checked`,
			`<input type="date" id="start_date" name="start_date"`, `<input type="time" id="window_from" name="window_from"`,
		} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the form lacks %s\n%s", want, regexp.MustCompile(`(?s)<select id="sender".*?</select>`).FindString(page.body))
			}
		}
		if !regexp.MustCompile(`<code>uten_stopp</code>.*?nb: has neither the line`).MatchString(page.body) {
			t.Error("the form does not show why uten_stopp cannot be chosen")
		}
		csrf := csrfFor(t, page, "/admin/campaigns")
		good := syncedForm(csrf, "vinter_tilbud")
		for _, c := range []struct {
			name, field, lang, want string
			status                  int
			form                    url.Values
		}{
			{"date without time", "start", "", "både dato og klokkeslett", 400, with(good, "start_date", "2026-11-30")},
			{"time without date", "start", "en", "both the date and the time", 400, with(good, "start_time", "10:00")},
			{"no such date", "start", "", "ÅÅÅÅ-MM-DD", 400, with(with(good, "start_date", "2026-13-01"), "start_time", "10:00")},
			{"a time 25:00", "start", "", "TT:MM", 400, with(with(good, "start_date", "2026-11-30"), "start_time", "25:00")},
			{"a past start", "start", "", "allerede vært", 400, with(with(good, "start_date", "2026-11-29"), "start_time", "12:59")},
			{"window from alone", "window", "", "både fra og til", 400, with(good, "window_from", "08:00")},
			{"window 24:00", "window", "en", "HH:MM", 400, with(with(good, "window_from", "08:00"), "window_to", "24:00")},
			{"window 8am", "window", "", "TT:MM", 400, with(with(good, "window_from", "8am"), "window_to", "21:00")},
			{"window from = to", "window", "", "ikke samme tid", 400, with(with(good, "window_from", "09:00"), "window_to", "09:00")},
			{"a sender not configured", "sender", "", "avsendernummer", 400, with(good, "sender", "123456")},
			{"a customer's number as sender", "sender", "", "avsendernummer", 400, with(good, "sender", "+4791234567")},
			{"no template chosen", "synced_template", "", "Velg en meldingsmal", 400, with(good, "synced_template", "")},
			{"synced and typed", "synced_template", "", "Velg det ene", 400, with(good, "body_nb", "Hei")},
			{"a template without the opt-out", "synced_template", "", "STOPP", 422, with(good, "synced_template", "uten_stopp")},
			{"a template not synced", "synced_template", "", "sync the templates first", 422, with(good, "synced_template", "finnes_ikke")},
			{"an unknown source", "source", "", "mal fra WhatsApp", 400, with(good, "source", "both")},
		} {
			path := "/admin/campaigns?lang=" + cmp.Or(c.lang, "nb")
			r := mk.do("POST", path, c.form)
			errID := c.field + "-error"
			if r.status != c.status || !strings.Contains(r.body, `id="`+errID+`"`) || !strings.Contains(r.body, c.want) {
				t.Errorf("%s: %d, want %d with %q on %s\n%s", c.name, r.status, c.status, c.want, c.field, r.body)
				continue
			}
			if c.field != "source" && !regexp.MustCompile(`aria-describedby="[^"]*\b`+regexp.QuoteMeta(errID)+`"[^>]*aria-invalid="true"`).MatchString(r.body) {
				t.Errorf("%s: no field is described by %s and marked invalid", c.name, errID)
			}
			if !strings.Contains(r.body, `value="Vintersalg"`) {
				t.Errorf("%s: the form did not keep its fields", c.name)
			}
		}
		if n := tb.campaignsMade(); n != 0 {
			t.Fatalf("refused forms created %d campaigns", n)
		}
		// Every field, good: 14:00 in Oslo on 29 November is 13:00 UTC.
		form := with(with(with(with(with(good, "sender", more.PhoneNumberID()), "start_date", "2026-11-29"), "start_time", "14:00"),
			"window_from", "08:00"), "window_to", "21:00")
		r := mk.do("POST", "/admin/campaigns", form)
		if r.status != 303 {
			t.Fatalf("create: %d\n%s", r.status, r.body)
		}
		path := strings.TrimSuffix(r.header.Get("Location"), "?done=campaign_created")
		c, err := tb.app.Campaign(t.Context(), app.Actor{Role: staff.Admin}, strings.TrimPrefix(path, "/admin/campaigns/"))
		if err != nil {
			t.Fatal(err)
		}
		nb, en := c.Template.Languages["nb"], c.Template.Languages["en"]
		if c.Sender != more.PhoneNumberID() || !c.ScheduledAt.Equal(time.Date(2026, 11, 29, 13, 0, 0, 0, time.UTC)) ||
			c.Window == nil || *c.Window != (campaign.Window{From: "08:00", To: "21:00"}) || !c.Template.Synced ||
			c.Template.Name != "vinter_tilbud" || nb.Code != "" || nb.Footer != "Svar STOPP for å melde deg av" || en.Code != "en_US" || !en.OptOutButton {
			t.Errorf("the campaign stored = %+v", c.Campaign)
		}
		show := mk.get(path+"?lang=nb", 200)
		for _, want := range []string{"Nummer 2 (telefonnummer-ID", "29.11.2026 kl. 14.00", "08.00–21.00 norsk tid",
			"Planlagt: sender fra 29.11.2026 kl. 14.00.", "(<code>en_US</code>)", "Avmelding: avmeldingsknappen.",
			"Avmelding: linjen i teksten.", "Winter sale at Butikken AS", "hentet fra WhatsApp"} {
			if !strings.Contains(show.body, want) {
				t.Errorf("the campaign's page lacks %q", want)
			}
		}
		list := mk.get("/admin/campaigns?lang=en", 200)
		for _, want := range []string{"29 Nov 2026 14:00", "08:00–21:00", "Scheduled: sends from 29 Nov 2026 14:00."} {
			if !strings.Contains(list.body, want) {
				t.Errorf("the list lacks %q", want)
			}
		}
	})
}

// TestCampaignScheduleWindowTemplate (issue 23 point 2-4; M-10, G-05): a
// started campaign sends nothing before its start time, nor outside its
// window (an overnight one too); then it goes from the number chosen, as
// the synced template, each person's variant in the platform's language
// code (en_US), bokmål for a language the template lacks. The page says
// what it waits for.
func TestCampaignScheduleWindowTemplate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, main, more := withSims(t, b)
		ctx := t.Context()
		admin := app.Actor{Name: "cli:test", Role: staff.Admin}
		if _, err := tb.app.CreatePurpose(ctx, admin, purpose); err != nil {
			t.Fatal(err)
		}
		tb.publish("nb")
		tb.publish("en")
		for _, p := range []struct{ phone, lang string }{{"+4791234567", "nb"}, {"+4741234568", "en"}} {
			if _, err := tb.app.RecordConsent(ctx, app.Actor{Name: "cli:test", Role: staff.Integrator}, app.ConsentInput{
				Subject: app.Subject{Phone: p.phone, Language: p.lang}, Purpose: "tilbud", Method: "web_form",
				CollectedAt: tb.now.Add(-time.Hour), AgeConfirmed: true,
				Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "sha256:abc", IP: "192.0.2.10",
					UserAgent: "Firefox", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}}); err != nil {
				t.Fatal(err)
			}
		}
		mk := tb.signIn("markedsforer", staff.Marketer)
		tpls := mk.get("/admin/templates", 200)
		mk.do("POST", "/admin/templates/sync", url.Values{"csrf": {csrfFor(t, tpls, "/admin/templates/sync")}})
		create := func(form url.Values) string {
			t.Helper()
			page := mk.get("/admin/campaigns/new", 200)
			form.Set("csrf", csrfFor(t, page, "/admin/campaigns"))
			r := mk.do("POST", "/admin/campaigns", form)
			if r.status != 303 {
				t.Fatalf("create: %d\n%s", r.status, r.body)
			}
			path := strings.TrimSuffix(r.header.Get("Location"), "?done=campaign_created")
			show := mk.get(path+"?lang=nb", 200)
			if r := mk.do("POST", path+"/start", url.Values{"csrf": {csrfFor(t, show, path+"/start")}}); r.status != 303 {
				t.Fatalf("start: %d\n%s", r.status, r.body)
			}
			return path
		}
		dispatch := func(path string) time.Duration {
			t.Helper()
			wait, err := tb.app.DispatchCampaign(ctx, strings.TrimPrefix(path, "/admin/campaigns/"))
			if err != nil {
				t.Fatal(err)
			}
			return wait
		}
		sent := func(s *sim.Server, name string) map[string]string { // language code → template messages
			out := map[string]string{}
			for _, m := range s.Messages("") {
				if m.TemplateName == name {
					out[m.TemplateLanguage] += m.Type
				}
			}
			return out
		}
		// Now 13:00 in Oslo; the first starts at 14:00, sends 08:00-21:00, from the second number.
		scheduled := create(with(with(with(with(with(syncedForm("", "vinter_tilbud"), "sender", more.PhoneNumberID()),
			"start_date", "2026-11-29"), "start_time", "14:00"), "window_from", "08:00"), "window_to", "21:00"))
		if wait := dispatch(scheduled); wait != time.Hour || len(sent(more, "vinter_tilbud")) != 0 {
			t.Fatalf("before its start time: wait %s, sent %v", wait, sent(more, "vinter_tilbud"))
		}
		if page := mk.get(scheduled, 200); !strings.Contains(page.body, "Planlagt: sender fra 29.11.2026 kl. 14.00.") {
			t.Errorf("the page does not say it is scheduled:\n%s", page.body)
		}
		// 21:30: the start time has passed, the window has closed.
		tb.now = oslo(2026, 11, 29, 21, 30)
		mk = tb.signIn("kveld", staff.Marketer) // the day's session has ended
		if wait := dispatch(scheduled); wait != 10*time.Hour+30*time.Minute || len(sent(more, "vinter_tilbud")) != 0 {
			t.Fatalf("outside the window: wait %s, sent %v", wait, sent(more, "vinter_tilbud"))
		}
		if page := mk.get(scheduled+"/progress", 200); !strings.Contains(page.body, "Venter på sendevinduet, som åpner 30.11.2026 kl. 08.00.") {
			t.Errorf("the progress does not say it waits for the window: %s", page.body)
		}
		// An overnight window, the main number, a template in bokmål alone.
		night := create(with(with(syncedForm("", "bare_norsk"), "window_from", "22:00"), "window_to", "02:00"))
		if wait := dispatch(night); wait != 30*time.Minute || len(sent(main, "bare_norsk")) != 0 {
			t.Fatalf("before the overnight window: wait %s, sent %v", wait, sent(main, "bare_norsk"))
		}
		// 08:05 the next morning: the day window is open, the night one closed.
		tb.now = oslo(2026, 11, 30, 8, 5)
		mk = tb.signIn("morgen", staff.Marketer)
		for wait := dispatch(scheduled); wait != 0; wait = dispatch(scheduled) {
		}
		if got := sent(more, "vinter_tilbud"); len(got) != 2 || got["nb"] != "template" || got["en_US"] != "template" {
			t.Errorf("the scheduled campaign sent %v; want one template message in nb and one in en_US", got)
		}
		if got := sent(main, "vinter_tilbud"); len(got) != 0 {
			t.Errorf("the main number sent the second number's campaign: %v", got)
		}
		if wait := dispatch(night); wait != 13*time.Hour+55*time.Minute || len(sent(main, "bare_norsk")) != 0 {
			t.Fatalf("at 08:05 the overnight window is closed: wait %s, sent %v", wait, sent(main, "bare_norsk"))
		}
		// 01:00, inside the overnight window.
		tb.now = oslo(2026, 12, 1, 1, 0)
		for wait := dispatch(night); wait != 0; wait = dispatch(night) {
		}
		if got := sent(main, "bare_norsk"); len(got) != 1 || got["nb"] != "templatetemplate" {
			t.Errorf("the overnight campaign sent %v; want both people the nb variant, the English speaker's fallback", got)
		}
		for _, path := range []string{scheduled, night} {
			c, err := tb.app.Campaign(ctx, admin, strings.TrimPrefix(path, "/admin/campaigns/"))
			if err != nil || c.Status != campaign.Done || c.Counts["sent"] != 2 {
				t.Errorf("%s: status %s, counts %v, %v", path, c.Status, c.Counts, err)
			}
		}
		if logs := tb.logs.String(); strings.Contains(logs, "91234567") || strings.Contains(logs, "41234568") {
			t.Error("a log line holds a number")
		}
	})
}
