// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// withSim is setupWith a WhatsApp simulator on the bundle's clock whose
// webhooks the app receives: the person's messages and the delivery
// statuses of what the app sends.
func withSim(t *testing.T, b storetest.Backend, cfg app.Config) (*bundle, *sim.Server) {
	t.Helper()
	var tb *bundle
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := tb.app.ReceiveWebhook(r.Context(), body); err != nil {
			http.Error(w, "not taken", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(hook.Close)
	simCfg := sim.DefaultConfig()
	simCfg.WebhookURL, simCfg.AppSecret, simCfg.PairRateEvery = hook.URL, "secret", 0
	simCfg.NowFunc = func() time.Time { return tb.now }
	simCfg.Templates = []sim.Template{{Name: "spring_sale", Language: "nb", Category: "MARKETING"}}
	for _, st := range app.ServiceTemplates {
		for _, lang := range st.Languages {
			simCfg.Templates = append(simCfg.Templates, sim.Template{Name: st.Name, Language: lang, Category: st.Category})
		}
	}
	s, err := sim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	simSrv := httptest.NewServer(s)
	t.Cleanup(simSrv.Close)
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: simSrv.URL, Token: "test", PhoneNumberID: s.PhoneNumberID(),
		BusinessAccountID: s.BusinessAccountID()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.WhatsApp, cfg.BusinessNumber = client, s.DisplayNumber()
	tb = setupWith(t, b, cfg)
	return tb, s
}

// subjectFlow runs a person's life on the list: created with a first name
// and a tag, an opt-in on the web confirmed from their WhatsApp, its
// receipt, a campaign message, and STOPP with its confirmation. It returns
// the contact's id.
func subjectFlow(t *testing.T, tb *bundle, s *sim.Server) string {
	t.Helper()
	ctx := tb.ctx
	tb.seed(t)
	if _, err := tb.app.CreatePurpose(ctx, admin, consent.Purpose{Key: "news", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
		RetentionDays: 365, Fields: []string{"first_name"}, Description: consent.Text{NB: "Nyheter", EN: "News"}}); err != nil {
		t.Fatal(err)
	}
	id, _, err := tb.app.CreateContact(ctx, integrator, app.NewContact{Phone: "+47 912 34 567", Language: "nb", FirstName: "Kari", Tags: []string{"vip"}})
	if err != nil {
		t.Fatal(err)
	}
	started, err := tb.app.RequestOptIn(ctx, app.OptInRequest{Phone: "912 34 567", Language: "nb", Purposes: []string{"offers"},
		AgeConfirmed: true, IP: "192.0.2.10", UserAgent: "Firefox/140"})
	if err != nil {
		t.Fatal(err)
	}
	write := func(text string) {
		t.Helper()
		tb.now = tb.now.Add(time.Minute)
		if d, err := s.Inbound(sim.Inbound{From: "4791234567", Text: text}); err != nil || !d.Delivered {
			t.Fatalf("inbound %q: delivered %v, %v", strings.Fields(text)[0], d.Delivered, err)
		}
	}
	send := func(kind message.Kind) {
		t.Helper()
		m, err := tb.store.LastMessage(ctx, id, kind)
		if err != nil {
			t.Fatalf("no %s queued: %v", kind, err)
		}
		if err := tb.app.SendMessage(ctx, m.ID); err != nil {
			t.Fatalf("send %s %s: %v", kind, m.ID, err)
		}
	}
	write("JA " + started.Code)
	send(message.Receipt)

	tb.now = tb.now.Add(time.Hour)
	c, err := tb.app.CreateCampaign(ctx, marketer, campaign.Campaign{Name: "Vårsalg", Purpose: "offers",
		Template: campaign.Template{Name: "spring_sale",
			Languages: map[string]campaign.Variant{"nb": {Body: "Butikken AS har salg. https://butikk.example/privacy. Svar STOPP for å melde deg av."}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.app.CampaignAction(ctx, marketer, c.ID, "start"); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		wait, err := tb.app.DispatchCampaign(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if wait == 0 {
			break
		}
		if i == 20 {
			t.Fatalf("campaign %s still dispatching", c.ID)
		}
	}

	tb.now = tb.now.Add(time.Hour)
	write("STOPP")
	send(message.OptOutConfirmation)
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.WaitIdle(wctx); err != nil {
		t.Fatal(err)
	}
	tb.now = tb.now.Add(time.Minute)
	return id
}

// TestSubjectPackageHoldsEachPiece: after a real flow, the package holds
// the contact's data opened, every consent event with its evidence and the
// notice shown, in the very text published, every message with the event
// that authorised it, and every access, the package's own included; and it
// validates against the published schema.
func TestSubjectPackageHoldsEachPiece(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, s := withSim(t, b, app.Config{Tags: declaredTags, Controller: controller.Controller{OrgNumber: "923609016",
			Email: "personvern@butikk.example", DPO: controller.Contact{Email: "pvo@butikk.example"}, Hosting: "Driftsleverandøren AS", HostingCountry: "NO"}})
		id := subjectFlow(t, tb, s)
		filed, err := tb.app.FileRequest(tb.ctx, dpo, app.RightsInput{Type: "access", ContactID: id, Via: "letter"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.Restrict(tb.ctx, dpo, id, true, "personen bestrider opplysningene"); err != nil {
			t.Fatal(err)
		}
		const reason = "innsynsbegjæring sak 1"
		p, err := tb.app.SubjectPackage(tb.ctx, dpo, id, reason)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.RightsRequests) != 1 || p.RightsRequests[0].ID != filed.ID || p.RightsRequests[0].Type != "access" ||
			p.RightsRequests[0].Via != "letter" || !p.RightsRequests[0].Due.Equal(filed.DueAt) {
			t.Errorf("rights requests = %+v; want %s, access by letter, due %v", p.RightsRequests, filed.ID, filed.DueAt)
		}

		c := p.Contact
		if c.ID != id || c.Phone != "+4791234567" || c.Fields["first_name"] != "Kari" || !slices.Equal(c.Tags, []string{"vip"}) ||
			c.Language != "nb" || c.SuppressedSince.IsZero() {
			t.Errorf("contact %s: id %s, number right %v, first name right %v, tags %v, language %s, suppressed since %v",
				id, c.ID, c.Phone == "+4791234567", c.Fields["first_name"] == "Kari", c.Tags, c.Language, c.SuppressedSince)
		}
		if p.Controller.Name != "Butikken AS" || p.Controller.PublicURL != "https://butikk.example" || p.Controller.OrgNumber != "923609016" ||
			p.Controller.DPO == nil || p.Controller.DPO.Email != "pvo@butikk.example" {
			t.Errorf("controller = %+v", p.Controller)
		}
		var recipients []string
		for _, st := range p.Statements {
			if st.Key == portability.KeyRecipients {
				for _, it := range st.Items {
					recipients = append(recipients, it.EN)
				}
			}
		}
		if len(recipients) != 2 || !strings.HasPrefix(recipients[0], "Meta Platforms Ireland") || !strings.HasPrefix(recipients[1], "Driftsleverandøren AS") {
			t.Errorf("recipients = %q; want Meta and the configured hosting provider", recipients)
		}

		// Every event, in order, with its evidence.
		var kinds []string
		var confirmed portability.ConsentEvent
		for i, e := range p.ConsentEvents {
			kinds = append(kinds, e.Kind)
			if e.Seq != int64(i+1) || len(e.Hash) != 64 {
				t.Errorf("event %s: seq %d, hash %q", e.ID, e.Seq, e.Hash)
			}
			if e.Kind == "confirmed" {
				confirmed = e
			}
		}
		if !slices.Equal(kinds[:2], []string{"requested", "confirmed"}) || !slices.Contains(kinds, "objected") {
			t.Fatalf("event kinds %v; want requested, confirmed, ... objected", kinds)
		}
		req := p.ConsentEvents[0].Evidence
		if req.IP != "192.0.2.10" || req.UserAgent != "Firefox/140" || req.NoticeID == "" || p.ConsentEvents[0].NoticeID != req.NoticeID {
			t.Errorf("the opt-in's evidence: ip %q, user agent %q, notice %q", req.IP, req.UserAgent, req.NoticeID)
		}
		if confirmed.Evidence.ConfirmationChannel != "whatsapp" || confirmed.Evidence.NoticeID != req.NoticeID {
			t.Errorf("the confirmation's evidence: channel %q, notice %q", confirmed.Evidence.ConfirmationChannel, confirmed.Evidence.NoticeID)
		}

		// The notice shown, once, exactly as published.
		published, err := tb.store.CurrentNotice(tb.ctx, "nb")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Notices) != 1 {
			t.Fatalf("%d notices; want the one shown", len(p.Notices))
		}
		n := p.Notices[0]
		if n.ID != published.ID || n.Version != published.Version || n.Hash != published.Hash || n.Summary != published.Summary ||
			!n.PublishedAt.Equal(*published.PublishedAt) {
			t.Errorf("notice %s v%d differs from the published %s v%d", n.ID, n.Version, published.ID, published.Version)
		}
		if diff := cmp.Diff(published.Sections, n.Sections); diff != "" {
			t.Errorf("notice text (-published +package):\n%s", diff)
		}
		if published.ContentHash() != n.Hash {
			t.Errorf("the package's notice hash is not its content's")
		}

		// Every message, the campaign's with the consent that allowed it.
		got := map[string]portability.Message{}
		for _, m := range p.Messages {
			got[m.Kind] = m
		}
		camp := got["campaign"]
		if camp.CampaignName != "Vårsalg" || camp.Template != "spring_sale" || camp.Purpose != "offers" ||
			camp.ConsentEventID != confirmed.ID || !slices.Contains([]string{"sent", "delivered", "read"}, camp.Status) {
			t.Errorf("campaign message = %+v; want Vårsalg, spring_sale, authorised by %s, sent", camp, confirmed.ID)
		}
		for _, kind := range []string{"receipt", "optout_confirmation"} {
			if m, ok := got[kind]; !ok || m.Template != kind || m.Status == "queued" {
				t.Errorf("%s message = %+v", kind, m)
			}
		}

		// The restriction and its history (Art. 18).
		if !c.Restricted || len(p.Restrictions) != 1 || !p.Restrictions[0].Restricted ||
			p.Restrictions[0].Reason != "personen bestrider opplysningene" || p.Restrictions[0].Actor != "token:t-dpo" {
			t.Errorf("restricted %v, history %+v", c.Restricted, p.Restrictions)
		}

		// Consents now, and the purposes they are for.
		if len(p.Consents) != 1 || p.Consents[0].Purpose != "offers" || p.Consents[0].Status != "withdrawn" {
			t.Errorf("consents = %+v; want offers withdrawn", p.Consents)
		}
		if len(p.Purposes) != 1 || p.Purposes[0].Key != "offers" {
			t.Errorf("purposes = %+v; want offers alone", p.Purposes)
		}

		// The access is recorded, and the package lists it.
		last := p.Accesses[len(p.Accesses)-1]
		if last.Action != access.Package || last.Reason != reason || last.Actor != "token:t-dpo" {
			t.Errorf("the package's last access = %+v", last)
		}
		if p.Accesses[0].Action != access.Create {
			t.Errorf("first access = %s, want create", p.Accesses[0].Action)
		}
		logged, err := tb.store.Accesses(tb.ctx, id)
		if err != nil || logged[len(logged)-1].Action != access.Package || logged[len(logged)-1].Actor != dpo.String() {
			t.Errorf("access log ends with %+v, %v", logged[len(logged)-1], err)
		}

		// The real package validates, and renders in both languages.
		var j bytes.Buffer
		if err := portability.WriteJSON(&j, p); err != nil {
			t.Fatal(err)
		}
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(portability.Schema))
		comp := jsonschema.NewCompiler()
		comp.AssertFormat()
		if err := comp.AddResource("https://x.invalid/p.json", doc); err != nil {
			t.Fatal(err)
		}
		schema, err := comp.Compile("https://x.invalid/p.json")
		if err != nil {
			t.Fatal(err)
		}
		inst, _ := jsonschema.UnmarshalJSON(&j)
		if err := schema.Validate(inst); err != nil {
			t.Errorf("the package does not validate: %v", err)
		}
		for _, lang := range []string{"nb", "en"} {
			var h bytes.Buffer
			if err := portability.WriteHTML(&h, p, lang); err != nil || !strings.Contains(h.String(), published.Summary) {
				t.Errorf("%s page: %v, or the notice's summary missing", lang, err)
			}
		}
	})
}

// TestSubjectPackageRefusals: only the DPO, an admin or the verified person
// get a package, always with a reason; a refusal records nothing; an
// unknown contact is not found, and an erased one is refused, saying why.
func TestSubjectPackageRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		ctx := tb.ctx
		id := tb.consented(t, "+47 912 34 567").ContactID
		accesses := func() int64 { return tb.b.Int(t, tb.store, `SELECT count(*) FROM access_log`) }
		before := accesses()
		// S-02: an admin runs the service but sees no number in clear.
		for _, actor := range []app.Actor{admin, marketer, integrator, {ID: "t-aud", Name: "revisor", Role: staff.Auditor}, app.Public} {
			if _, err := tb.app.SubjectPackage(ctx, actor, id, "innsynsbegjæring sak 2"); !errors.Is(err, app.ErrForbidden) {
				t.Errorf("%s: err = %v, want ErrForbidden", actor.Role, err)
			}
		}
		for _, reason := range []string{"", "x", "ring 912 34 567 i morgen", "to\nlinjer"} {
			if _, err := tb.app.SubjectPackage(ctx, dpo, id, reason); !errors.Is(err, app.ErrInvalid) {
				t.Errorf("reason of %d characters: err = %v, want ErrInvalid", len(reason), err)
			}
		}
		if _, err := tb.app.SubjectPackage(ctx, dpo, "nobody", "innsynsbegjæring sak 2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown contact: err = %v, want ErrNotFound", err)
		}
		if n := accesses(); n != before {
			t.Errorf("refused calls recorded %d accesses", n-before)
		}

		// The person, once verified, gets their own package; so does the DPO.
		p, err := tb.app.SubjectPackage(ctx, app.VerifiedSubject("r-1"), id, "eget innsyn, sak r-1")
		if err != nil || p.Contact.ID != id || p.Accesses[len(p.Accesses)-1].Actor != "data-subject:request:r-1" {
			t.Errorf("the verified person: contact %s, %v", p.Contact.ID, err)
		}
		if _, err := tb.app.SubjectPackage(ctx, dpo, id, "innsynsbegjæring sak 3"); err != nil {
			t.Errorf("dpo: %v", err)
		}

		// An erased contact has no package.
		gone, _, err := tb.app.CreateContact(ctx, integrator, app.NewContact{Phone: "+47 412 34 567"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.store.Tx(ctx, func(tx store.Tx) error { return tx.EraseContact(ctx, gone, tb.now) }); err != nil {
			t.Fatal(err)
		}
		before = accesses()
		if _, err := tb.app.SubjectPackage(ctx, dpo, gone, "innsynsbegjæring sak 4"); !errors.Is(err, app.ErrRefused) ||
			!strings.Contains(err.Error(), "erased") {
			t.Errorf("erased contact: err = %v, want ErrRefused saying it was erased", err)
		}
		if n := accesses(); n != before {
			t.Errorf("the refused package recorded %d accesses", n-before)
		}
	})
}

// TestPackageHoldsTheirReplies (R-01, RT-01, issue 23): a person writes to
// the business on WhatsApp, then asks for their data there (INNSYN); the
// package their request's link opens holds both messages, oldest first,
// with their text, time and class, and its JSON validates against the
// published schema. After their erasure no package is given and nothing
// they wrote is left.
func TestPackageHoldsTheirReplies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		kari := tb.consented(t, "+47 912 34 567").ContactID
		var times []time.Time
		write := func(id, text string) {
			t.Helper()
			raw := webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: "4791234567", ID: id,
				Timestamp: tb.ts(), Type: "text", Text: &whatsapp.InboundText{Body: text}}}})
			if err := tb.app.ReceiveWebhook(tb.ctx, raw); err != nil {
				t.Fatal(err)
			}
			times = append(times, tb.now.Truncate(time.Second).UTC())
			tb.now = tb.now.Add(time.Hour)
		}
		write("wamid.q", "Hei! Har dere åpent på søndag?")
		write("wamid.i", "Innsyn")
		done, err := tb.store.RightsRequests(tb.ctx, store.RightsFilter{ContactID: kari, State: rights.Done})
		if err != nil || len(done) != 1 {
			t.Fatalf("after INNSYN: %d answered requests, %v", len(done), err)
		}
		link := tb.app.RightsLink(done[0].ID)
		p, err := tb.app.PersonPackage(tb.ctx, link[strings.LastIndex(link, "/")+1:])
		if err != nil {
			t.Fatal(err)
		}
		want := []portability.Reply{{At: times[0], Text: "Hei! Har dere åpent på søndag?", Class: string(reply.None)},
			{At: times[1], Text: "Innsyn", Class: string(reply.Rights)}}
		if diff := cmp.Diff(want, p.Replies, cmpopts.IgnoreFields(portability.Reply{}, "ID")); diff != "" {
			t.Errorf("the package's replies (-want +got):\n%s", diff)
		}
		for _, r := range p.Replies {
			if r.ID == "" {
				t.Error("a reply without its id")
			}
		}
		var j bytes.Buffer
		if err := portability.WriteJSON(&j, p); err != nil {
			t.Fatal(err)
		}
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(portability.Schema))
		comp := jsonschema.NewCompiler()
		comp.AssertFormat()
		if err := comp.AddResource("https://x.invalid/p.json", doc); err != nil {
			t.Fatal(err)
		}
		schema, err := comp.Compile("https://x.invalid/p.json")
		if err != nil {
			t.Fatal(err)
		}
		if inst, err := jsonschema.UnmarshalJSON(&j); err != nil || schema.Validate(inst) != nil {
			t.Errorf("the package does not validate: %v, %v", err, schema.Validate(inst))
		}
		for _, lang := range []string{"nb", "en"} {
			var h bytes.Buffer
			if err := portability.WriteHTML(&h, p, lang); err != nil || !strings.Contains(h.String(), "åpent på søndag") {
				t.Errorf("%s page: %v, or the reply's text missing", lang, err)
			}
		}

		if _, err := tb.app.Erase(tb.ctx, admin, kari, "the person asked to be erased"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.SubjectPackage(tb.ctx, dpo, kari, "innsynsbegjæring sak 5"); !errors.Is(err, app.ErrRefused) {
			t.Errorf("a package of an erased contact: %v", err)
		}
		if n := b.Int(t, tb.store, "SELECT count(*) FROM replies"); n != 0 {
			t.Errorf("%d replies left after the erasure of the only person who wrote", n)
		}
		if page, err := tb.app.Replies(tb.ctx, admin, "", 0); err != nil || len(page.Replies) != 0 {
			t.Errorf("staff still see %d replies after the erasure: %v", len(page.Replies), err)
		}
		for _, f := range b.Files(t, tb.store) {
			if data, _ := os.ReadFile(f); bytes.Contains(data, []byte("åpent på søndag")) {
				t.Errorf("%s holds the reply's text in clear", f)
			}
		}
	})
}
