// SPDX-License-Identifier: AGPL-3.0-only

package admin_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/tag"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// withTags declares the tags the contact page offers.
func withTags(c *server.Config) {
	c.App.Tags = []tag.Tag{{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}},
		{Key: "oslo", Description: consent.Text{NB: "Butikken i Oslo", EN: "The Oslo shop"}}}
}

// consentedContact publishes the notices and records a confirmed consent
// to the tests' purpose for phone; it returns the contact's id.
func (tb *bundle) consentedContact(phone string) string {
	tb.t.Helper()
	if _, err := tb.app.Purposes(tb.t.Context(), app.Actor{Role: staff.Admin}); err != nil {
		tb.t.Fatal(err)
	}
	rec, err := tb.app.RecordConsent(tb.t.Context(), app.Actor{Name: "cli:test", Role: staff.Integrator}, app.ConsentInput{
		Subject: app.Subject{Phone: phone, Language: "nb"}, Purpose: purpose.Key, Method: "web_form", CollectedAt: tb.now.Add(-time.Hour),
		AgeConfirmed: true, Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "sha256:abc", IP: "192.0.2.10",
			UserAgent: "Firefox", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
	if err != nil {
		tb.t.Fatal(err)
	}
	return rec.ContactID
}

// contactFixture is a purpose, the notices and one consented contact.
func (tb *bundle) contactFixture() string {
	tb.t.Helper()
	if _, err := tb.app.CreatePurpose(tb.t.Context(), app.Actor{Name: "cli:test", Role: staff.Admin}, purpose); err != nil {
		tb.t.Fatal(err)
	}
	tb.publish("nb")
	tb.publish("en")
	return tb.consentedContact(number)
}

// noNumber fails the test when a response shows the tests' number in clear.
func noNumber(t *testing.T, what string, r response) {
	t.Helper()
	for _, c := range append(inClear, "&#43;4791234567") {
		if strings.Contains(r.body, c) {
			t.Errorf("%s shows the number in clear (%s)", what, c)
		}
	}
}

// TestContactPageActs (issue 23 point 1): the contact page's forms act
// through the API's use cases, each for a role the policy allows, with a
// confirmation in bokmål or English: tags (P-03), the number revealed with
// a written reason, once, in the access log (S-02, invariant 6), the
// restriction set and lifted with a reason, a withdrawal the person
// gave by phone (C-05). A form is absent for a role that may not use it;
// the same post from that role, or without its CSRF token, is refused 403
// and changes nothing; bad input comes back with the reason, nothing
// changed. No page but the reveal's response shows the number.
func TestContactPageActs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b, withTags)
		id := tb.contactFixture()
		ctx, reader := t.Context(), app.Actor{Name: "cli:test", Role: staff.DPO}
		path := "/admin/contacts/" + id
		dpo := tb.signIn("personvern", staff.DPO)
		adm := tb.signIn("kari", staff.Admin)
		mk := tb.signIn("markedsforer", staff.Marketer)
		mkToken := csrfFor(t, mk.get("/admin/campaigns", 200), "/admin/logout")
		actions := map[string]staff.Permission{"tags": staff.WriteContacts, "reveal": staff.RevealNumbers,
			"restrict": staff.RestrictContacts, "withdraw": staff.WriteConsents}

		// Which forms each role is offered, in both languages.
		for role, br := range map[staff.Role]*browser{staff.DPO: dpo, staff.Admin: adm} {
			for _, lang := range []string{"nb", "en"} {
				page := br.get(path+"?lang="+lang, 200)
				noNumber(t, string(role)+" GET "+path, page)
				if k := keyRE.FindString(stripTags(page.body)); k != "" {
					t.Errorf("%s GET %s?lang=%s shows a catalog key: %s", role, path, lang, k)
				}
				for action, perm := range actions {
					if has := strings.Contains(page.body, `action="`+path+`/`+action+`"`); has != role.Can(perm) {
						t.Errorf("%s: a form to %s = %v, want %v", role, action, has, role.Can(perm))
					}
				}
			}
		}
		if r := mk.do("GET", path, nil); r.status != 403 {
			t.Errorf("the marketer's GET of the contact: %d, want 403", r.status)
		}
		page := adm.get(path, 200)

		// Tags.
		tags := path + "/tags"
		form := url.Values{"tag": {"vip", "oslo"}}
		for name, r := range map[string]response{
			"no token":        adm.do("POST", tags, form),
			"the marketer":    mk.do("POST", tags, with(form, "csrf", mkToken)),
			"another's token": adm.do("POST", tags, with(form, "csrf", csrfFor(t, page, path+"/withdraw"))),
		} {
			if r.status != 403 {
				t.Errorf("tags, %s: %d, want 403", name, r.status)
			}
		}
		if r := adm.do("POST", tags, url.Values{"tag": {"vip", "gull"}, "csrf": {csrfFor(t, page, tags)}}); r.status != 422 || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("an undeclared tag: %d\n%s", r.status, r.body)
		}
		if c, _ := tb.app.Contact(ctx, reader, id); len(c.Tags) != 0 {
			t.Fatalf("refused forms set tags: %v", c.Tags)
		}
		r := adm.do("POST", tags, with(form, "csrf", csrfFor(t, page, tags)))
		tb.expect("tags", r, 303, path+"?done=contact_tags")
		if c, _ := tb.app.Contact(ctx, reader, id); strings.Join(c.Tags, ",") != "oslo,vip" {
			t.Errorf("tags after the form: %v", c.Tags)
		}
		if after := adm.get(path+"?done=contact_tags&lang=en", 200); !strings.Contains(after.body, "The tags are saved.") ||
			!strings.Contains(after.body, `value="vip" checked`) {
			t.Errorf("no confirmation, or the box is not ticked:\n%s", after.body)
		}

		// Reveal: the DPO, with a reason; the number once, on that response.
		reveal := path + "/reveal"
		dpage := dpo.get(path, 200)
		reveals := func() int {
			es, err := tb.app.Accesses(ctx, reader, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range es {
				if e.Action == access.Reveal {
					n++
				}
			}
			return n
		}
		for name, r := range map[string]response{
			"no token":               dpo.do("POST", reveal, url.Values{"reason": {"Kunden ringte, sak 42"}}),
			"the admin (no reveal)":  adm.do("POST", reveal, url.Values{"reason": {"Kunden ringte, sak 42"}, "csrf": {csrfFor(t, page, path+"/withdraw")}}),
			"the marketer":           mk.do("POST", reveal, url.Values{"reason": {"Kunden ringte, sak 42"}, "csrf": {mkToken}}),
			"the DPO, another token": dpo.do("POST", reveal, url.Values{"reason": {"Kunden ringte, sak 42"}, "csrf": {csrfFor(t, dpage, tags)}}),
		} {
			if r.status != 403 {
				t.Errorf("reveal, %s: %d, want 403", name, r.status)
			}
			noNumber(t, "a refused reveal ("+name+")", r)
		}
		for _, reason := range []string{"sak", "ring 912 34 567 tilbake"} {
			r := dpo.do("POST", reveal, url.Values{"reason": {reason}, "csrf": {csrfFor(t, dpage, reveal)}})
			if r.status != 400 || !strings.Contains(r.body, `role="alert"`) {
				t.Errorf("reveal with reason %q: %d", reason, r.status)
			}
			noNumber(t, "a reveal with a bad reason", r)
		}
		if n := reveals(); n != 0 {
			t.Fatalf("refused reveals are in the access log: %d", n)
		}
		r = dpo.do("POST", reveal, url.Values{"reason": {"Kunden ringte, sak 42"}, "csrf": {csrfFor(t, dpage, reveal)}, "lang": {"en"}})
		if r.status != 200 || !strings.Contains(r.body, `<strong id="revealed-number">&#43;4791234567</strong>`) {
			t.Fatalf("the reveal does not show the number:\n%d %s", r.status, r.body)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("the reveal's Cache-Control: %q", r.header.Get("Cache-Control"))
		}
		es, _ := tb.app.Accesses(ctx, reader, id)
		for _, e := range es {
			if e.Action == access.Reveal && (e.Reason != "Kunden ringte, sak 42" || !strings.Contains(e.Actor, "personvern")) {
				t.Errorf("the reveal in the access log: %+v", e)
			}
		}
		if n := reveals(); n != 1 {
			t.Errorf("%d reveals in the access log, want 1", n)
		}
		noNumber(t, "the page after the reveal", dpo.get(path, 200))

		// Restriction: set and lifted, each with a reason.
		restrict := path + "/restrict"
		dpage = dpo.get(path, 200)
		if r := mk.do("POST", restrict, url.Values{"reason": {"personen bestrider opplysningene"}, "csrf": {mkToken}}); r.status != 403 {
			t.Errorf("the marketer's restriction: %d, want 403", r.status)
		}
		if r := dpo.do("POST", restrict, url.Values{"reason": {"nei"}, "csrf": {csrfFor(t, dpage, restrict)}}); r.status != 400 {
			t.Errorf("a restriction without a real reason: %d", r.status)
		}
		if c, _ := tb.app.Contact(ctx, reader, id); c.Restricted {
			t.Fatal("refused forms restricted the contact")
		}
		r = dpo.do("POST", restrict, url.Values{"reason": {"personen bestrider opplysningene"}, "csrf": {csrfFor(t, dpage, restrict)}})
		tb.expect("restrict", r, 303, path+"?done=contact_restrict")
		if d, _ := tb.app.Gate(ctx, reader, id, purpose.Key); d.Allowed {
			t.Error("the gate allows a restricted contact")
		}
		dpage = dpo.get(path, 200)
		unrestrict := path + "/unrestrict"
		if strings.Contains(dpage.body, `action="`+restrict+`"`) || !strings.Contains(dpage.body, "personen bestrider opplysningene") {
			t.Errorf("a restricted contact's page offers to restrict it, or lacks the history:\n%s", dpage.body)
		}
		r = dpo.do("POST", unrestrict, url.Values{"reason": {"opplysningene er rettet"}, "csrf": {csrfFor(t, dpage, unrestrict)}})
		tb.expect("unrestrict", r, 303, path+"?done=contact_unrestrict")
		if rs, _ := tb.app.Restrictions(ctx, reader, id); len(rs) != 2 || rs[1].Action != "lift" || rs[1].Reason != "opplysningene er rettet" {
			t.Errorf("the restriction's history: %+v", rs)
		}

		// A withdrawal the person gave by phone (C-05).
		withdraw := path + "/withdraw"
		page = adm.get(path, 200)
		wform := url.Values{"purpose": {purpose.Key}, "method": {"phone_call"}}
		if r := mk.do("POST", withdraw, with(wform, "csrf", mkToken)); r.status != 403 {
			t.Errorf("the marketer's withdrawal: %d, want 403", r.status)
		}
		if r := adm.do("POST", withdraw, wform); r.status != 403 {
			t.Errorf("a withdrawal without a token: %d, want 403", r.status)
		}
		if r := adm.do("POST", withdraw, with(with(wform, "method", "telepati"), "csrf", csrfFor(t, page, withdraw))); r.status != 400 {
			t.Errorf("a withdrawal by an unknown method: %d", r.status)
		}
		if d, _ := tb.app.Gate(ctx, reader, id, purpose.Key); !d.Allowed {
			t.Fatalf("refused forms withdrew the consent: %+v", d)
		}
		r = adm.do("POST", withdraw, with(wform, "csrf", csrfFor(t, page, withdraw)))
		tb.expect("withdraw", r, 303, path+"?done=contact_withdraw")
		if d, _ := tb.app.Gate(ctx, reader, id, purpose.Key); d.Allowed || d.Reason != consent.ReasonWithdrawn {
			t.Errorf("the gate after the withdrawal: %+v", d)
		}
		h, _ := tb.app.ConsentHistory(ctx, reader, id)
		if last := h.Events[len(h.Events)-1]; last.Kind != ledger.Withdrawn || last.Method != "phone_call" || !strings.Contains(last.Actor, "kari") {
			t.Errorf("the ledger's last event: %+v", last)
		}
		r = adm.do("POST", withdraw, with(wform, "csrf", csrfFor(t, page, withdraw)))
		tb.expect("withdraw again", r, 303, path+"?done=contact_nothing_to_withdraw")
		if after := adm.get(path+"?done=contact_withdraw&lang=nb", 200); !strings.Contains(after.body, "Tilbaketrekkingen er registrert") {
			t.Error("no confirmation of the withdrawal in bokmål")
		}
		if strings.Contains(tb.logs.String(), "91234567") {
			t.Error("a log line holds the number")
		}
	})
}

// say delivers a person's WhatsApp message to the app as the platform's
// webhook would, sent at at.
func (tb *bundle) say(from, id, text string, at time.Time) {
	tb.t.Helper()
	raw, _ := json.Marshal(whatsapp.WebhookPayload{Object: "whatsapp_business_account", Entry: []whatsapp.WebhookEntry{{ID: "waba",
		Changes: []whatsapp.WebhookChange{{Field: "messages", Value: whatsapp.WebhookValue{MessagingProduct: "whatsapp",
			Messages: []whatsapp.InboundMessage{{From: from, ID: id, Timestamp: whatsapp.UnixTime(at.Unix()), Type: "text",
				Text: &whatsapp.InboundText{Body: text}}}}}}}}})
	if err := tb.app.ReceiveWebhook(tb.t.Context(), raw); err != nil {
		tb.t.Fatal(err)
	}
}

// TestReplyAnswerPage (issue 23 point 2): from the replies page staff open
// a person's message and answer it while the service window is open; the
// page says an answer is a service message, never marketing. The answer
// goes through the API's use case (an answer message queued, in the access
// log) and shows in the conversation. A role that may not answer gets no
// form and its post is refused 403, as is one without its CSRF token; an
// empty answer comes back with the reason; after the window the page
// offers no form and says why. Nothing shows a number in clear.
func TestReplyAnswerPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		kari := tb.contactFixture()
		ola := tb.consentedContact("+4791234568")
		tb.say("4791234567", "wamid.k", "Hei! Når åpner butikken i morgen?", tb.now.Add(-time.Minute))
		tb.say("4791234568", "wamid.o", "Har dere parkering?", tb.now.Add(-25*time.Hour)) // the window is closed
		ctx, reader := t.Context(), app.Actor{Name: "cli:test", Role: staff.Admin}
		replies, err := tb.app.Replies(ctx, reader, "", 0)
		if err != nil || len(replies.Replies) != 2 {
			t.Fatalf("replies: %+v, %v", replies, err)
		}
		var open, closed string
		for _, r := range replies.Replies {
			switch r.ContactID {
			case kari:
				open = r.ID
			case ola:
				closed = r.ID
			}
		}
		count := func(q string) int64 { return b.Int(t, tb.store, q) }
		mk := tb.signIn("markedsforer", staff.Marketer)
		aud := tb.signIn("revisor", staff.Auditor)
		list := mk.get("/admin/replies", 200)
		if !strings.Contains(list.body, `href="/admin/replies/`+open+`"`) || !strings.Contains(list.body, `href="/admin/replies/`+closed+`"`) {
			t.Fatalf("the replies page does not link the messages:\n%s", list.body)
		}
		path, answer := "/admin/replies/"+open, "/admin/replies/"+open+"/answer"
		for _, lang := range []string{"nb", "en"} {
			page := mk.get(path+"?lang="+lang, 200)
			noNumber(t, "the reply page", page)
			if k := keyRE.FindString(stripTags(page.body)); k != "" {
				t.Errorf("GET %s?lang=%s shows a catalog key: %s", path, lang, k)
			}
			if !strings.Contains(page.body, `action="`+answer+`"`) || !strings.Contains(page.body, "+47 9** ** *67") && !strings.Contains(page.body, "&#43;47 9** ** *67") {
				t.Errorf("the reply page lacks the form or the masked sender:\n%s", page.body)
			}
			if !strings.Contains(page.body, map[string]string{"nb": "ikke markedsføring", "en": "not marketing"}[lang]) {
				t.Errorf("the reply page (%s) does not say an answer is never marketing", lang)
			}
		}
		if r := aud.do("GET", path, nil); r.status != 403 {
			t.Errorf("the auditor's GET of a reply: %d, want 403", r.status)
		}
		page := mk.get(path, 200)
		token := csrfFor(t, page, answer)
		for name, r := range map[string]response{
			"no token":        mk.do("POST", answer, url.Values{"text": {"Vi åpner klokka 9."}}),
			"another's token": mk.do("POST", answer, url.Values{"text": {"Vi åpner klokka 9."}, "csrf": {csrfFor(t, page, "/admin/logout")}}),
			"the auditor":     aud.do("POST", answer, url.Values{"text": {"Vi åpner klokka 9."}, "csrf": {csrfFor(t, aud.get("/admin/rights", 200), "/admin/logout")}}),
		} {
			if r.status != 403 {
				t.Errorf("answer, %s: %d, want 403", name, r.status)
			}
		}
		if r := mk.do("POST", answer, url.Values{"text": {"   "}, "csrf": {token}}); r.status != 400 || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("an empty answer: %d\n%s", r.status, r.body)
		}
		if n := count("SELECT count(*) FROM answers") + count("SELECT count(*) FROM messages WHERE kind = 'answer'"); n != 0 {
			t.Fatalf("refused answers stored %d rows", n)
		}
		r := mk.do("POST", answer, url.Values{"text": {"Vi åpner klokka 9. Velkommen!"}, "csrf": {token}})
		tb.expect("answer", r, 303, path+"?done=reply_answered")
		if n := count("SELECT count(*) FROM messages WHERE kind = 'answer' AND contact_id = '" + kari + "'"); n != 1 {
			t.Errorf("%d answer messages queued, want 1", n)
		}
		if n := count("SELECT count(*) FROM access_log WHERE action = 'answer' AND contact_id = '" + kari + "' AND actor LIKE '%markedsforer%'"); n != 1 {
			t.Errorf("%d answers by the marketer in the access log, want 1", n)
		}
		after := mk.get(path+"?done=reply_answered&lang=nb", 200)
		if !strings.Contains(after.body, "Vi åpner klokka 9. Velkommen!") || !strings.Contains(after.body, "Svaret er sendt") {
			t.Errorf("the conversation lacks the answer or the confirmation:\n%s", after.body)
		}

		// Ola wrote 25 hours ago: no form, the reason instead.
		old := mk.get("/admin/replies/"+closed+"?lang=en", 200)
		if strings.Contains(old.body, `action="/admin/replies/`+closed+`/answer"`) || !strings.Contains(old.body, "customer service window is closed") {
			t.Errorf("the page of a message past its window:\n%s", old.body)
		}
		if n := count("SELECT count(*) FROM answers WHERE contact_id = '" + ola + "'"); n != 0 {
			t.Errorf("%d answers to Ola", n)
		}
		if strings.Contains(tb.logs.String(), "91234567") || strings.Contains(tb.logs.String(), "klokka 9") {
			t.Error("a log line holds the number or the answer")
		}
	})
}
