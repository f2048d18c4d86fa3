// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

// The audience of the campaign fixture: contacts c1..c7, of whom c1, c2, c4,
// c6 and c7 have active consent for "offers"; c3 withdrew it; c5 consented to
// "news" only; c4 speaks English.
var (
	audienceAll = []string{"c1", "c2", "c4", "c6", "c7"}
	audienceEN  = []string{"c4"}
)

func activeState(contactID, purpose string) consent.State {
	return consent.State{ContactID: contactID, Purpose: purpose, Status: consent.StatusActive, EventID: "e-" + contactID + "-" + purpose,
		Since: t0.Add(-24 * time.Hour), ValidUntil: t0.Add(730 * 24 * time.Hour), AgeOK: true, Basis: consent.BasisConsent}
}

// campaignFixture stores the purposes, the seven contacts and their consent
// states, and returns a draft campaign for "offers" (not stored).
func campaignFixture(t *testing.T, s store.Store) campaign.Campaign {
	t.Helper()
	ctx := context.Background()
	tx(t, s, func(tx store.Tx) error {
		for _, key := range []string{"offers", "news"} {
			p := consent.Purpose{Key: key, Channel: consent.WhatsApp, Basis: consent.BasisConsent,
				Description: consent.Text{NB: key, EN: key}, RetentionDays: 365, Fields: []string{"first_name"}, CreatedAt: t0}
			if err := tx.CreatePurpose(ctx, p); err != nil {
				return err
			}
		}
		for i := 1; i <= 7; i++ {
			id := fmt.Sprintf("c%d", i)
			c := newContact(id, byte(i))
			if id == "c4" {
				c.Language = "en"
			}
			if err := tx.CreateContact(ctx, c); err != nil {
				return err
			}
			st := activeState(id, "offers")
			switch id {
			case "c3":
				st.Status, st.ValidUntil, st.Basis = consent.StatusWithdrawn, time.Time{}, ""
			case "c5":
				st = activeState(id, "news")
			}
			if err := tx.PutConsentState(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
	return campaign.Campaign{ID: "k1", Name: "Vårsalg", Purpose: "offers", Status: campaign.Running, CreatedAt: t0,
		Template: campaign.Template{Name: "spring_sale", Params: []string{"first_name"}, Languages: map[string]campaign.Variant{
			"nb": {Body: "Hei {{first_name}}! Butikk AS har vårsalg. Svar STOPP for å melde deg av. https://butikk.example/privacy"},
			"en": {Body: "Hi {{first_name}}! Butikk AS has a sale. https://butikk.example/privacy", OptOutButton: true},
		}}}
}

// walkAll walks a campaign's audience in slices of limit with
// ClaimAudience and records each slice as queued messages (as a dispatcher
// records its decisions), following the cursor to the end; it returns how
// many messages it recorded and the last contact reached.
func walkAll(t *testing.T, s store.Store, c campaign.Campaign, after string, limit int) (added int, last string) {
	t.Helper()
	ctx := context.Background()
	last = after
	for calls := 0; ; calls++ {
		if calls > 20 {
			t.Fatalf("ClaimAudience still finds more after %d calls", calls)
		}
		var n int
		done := false
		tx(t, s, func(tx store.Tx) error {
			rows, err := tx.ClaimAudience(ctx, c, last, limit)
			if err != nil || len(rows) == 0 {
				done = true
				return err
			}
			if len(rows) > limit {
				t.Fatalf("ClaimAudience(limit %d) took %d", limit, len(rows))
			}
			ds := make([]store.Decision, len(rows))
			for i, r := range rows {
				ds[i] = store.Decision{MessageID: r.MessageID, ContactID: r.Contact.ID, Status: message.Queued}
			}
			last = rows[len(rows)-1].Contact.ID
			ids, err := tx.DecideMessages(ctx, c, ds, t0)
			n = len(ids)
			return err
		})
		added += n
		if done {
			return added, last
		}
	}
}

// decideIn records decisions on campaign messages named campaign:contact, of
// campaigns for the purpose "offers".
func decideIn(ctx context.Context, tx store.Tx, ds []store.Decision, at time.Time) error {
	if len(ds) == 0 {
		_, err := tx.DecideMessages(ctx, campaign.Campaign{ID: "k1", Purpose: "offers"}, nil, at)
		return err
	}
	byCampaign := map[string][]store.Decision{}
	var order []string
	for _, d := range ds {
		k, contactID, _ := strings.Cut(d.MessageID, ":")
		d.ContactID = contactID
		if _, ok := byCampaign[k]; !ok {
			order = append(order, k)
		}
		byCampaign[k] = append(byCampaign[k], d)
	}
	for _, k := range order {
		if _, err := tx.DecideMessages(ctx, campaign.Campaign{ID: k, Purpose: "offers"}, byCampaign[k], at); err != nil {
			return err
		}
	}
	return nil
}

// startCampaign stores the fixture's campaign and records its whole audience as queued.
func startCampaign(t *testing.T, s store.Store) campaign.Campaign {
	t.Helper()
	c := campaignFixture(t, s)
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(context.Background(), c) })
	if n, _ := walkAll(t, s, c, "", 100); n != len(audienceAll) {
		t.Fatalf("walked %d, want %d", n, len(audienceAll))
	}
	return c
}

// roundTrip stores campaigns and reads each back unchanged.
func roundTrip(t *testing.T, s store.Store, cs ...campaign.Campaign) {
	t.Helper()
	ctx := context.Background()
	tx(t, s, func(tx store.Tx) error {
		for _, c := range cs {
			if err := tx.CreateCampaign(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range cs {
		got, err := s.Campaign(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("campaign %s round trip (-want +got):\n%s", want.ID, diff)
		}
	}
}

func msgID(campaignID, contactID string) string { return campaignID + ":" + contactID }

// messageStatuses reads the status of each contact's message in a campaign.
func messageStatuses(t *testing.T, s store.Store, campaignID string, contacts ...string) map[string]message.Message {
	t.Helper()
	out := map[string]message.Message{}
	for _, id := range contacts {
		m, err := s.Message(context.Background(), msgID(campaignID, id))
		if err != nil {
			t.Fatalf("message of %s: %v", id, err)
		}
		out[id] = m
	}
	return out
}

// manyTokens is n tokens that no one has, but for those placed at an index.
func manyTokens(n int, placed map[int][]byte) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		if out[i] = placed[i]; out[i] == nil {
			out[i] = []byte(fmt.Sprintf("unlisted-%d", i))
		}
	}
	return out
}

// exerciseCampaigns covers the store methods of campaigns: the audience,
// the dispatch (gate decisions and send results, reference §6), pacing and
// the retention of message logs (RT-08).
func exerciseCampaigns(t *testing.T, b Backend) {
	ctx := context.Background()

	t.Run("campaigns round trip", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		c := campaignFixture(t, s)
		c.Status, c.ScheduledAt = campaign.Draft, t0.Add(2*time.Hour)
		c.Window = &campaign.Window{From: "21:00", To: "08:00"}
		bare := campaign.Campaign{ID: "k2", Name: "Nyheter", Purpose: "news", Language: "en", Status: campaign.Draft, CreatedAt: t0,
			Template: campaign.Template{Name: "news", Languages: map[string]campaign.Variant{"en": {Body: "x"}}}}
		roundTrip(t, s, c, bare)
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) }); !errors.Is(err, store.ErrConflict) {
			t.Errorf("same id twice: %v, want ErrConflict", err)
		}
		if _, err := s.Campaign(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown campaign: %v, want ErrNotFound", err)
		}

		tx(t, s, func(tx store.Tx) error {
			cur, err := tx.CampaignCursor(ctx, "k1")
			if cur != "" {
				t.Errorf("cursor of a new campaign = %q, want empty", cur)
			}
			return err
		})
		c.Status, c.Audience, c.Walked = campaign.Done, 5, true
		c.StartedAt, c.FinishedAt = t0.Add(3*time.Hour), t0.Add(4*time.Hour)
		tx(t, s, func(tx store.Tx) error { return tx.UpdateCampaign(ctx, c, "c7") })
		got, err := s.Campaign(ctx, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(c, got); diff != "" {
			t.Errorf("updated campaign (-want +got):\n%s", diff)
		}
		tx(t, s, func(tx store.Tx) error {
			cur, err := tx.CampaignCursor(ctx, "k1")
			if cur != "c7" {
				t.Errorf("cursor after update = %q, want c7", cur)
			}
			return err
		})
		if got, _ := s.Campaign(ctx, "k2"); got.Status != campaign.Draft || got.Audience != 0 {
			t.Errorf("updating k1 changed k2: %+v", got)
		}
		err = s.Tx(ctx, func(tx store.Tx) error { return tx.UpdateCampaign(ctx, campaign.Campaign{ID: "nope"}, "") })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update unknown campaign: %v, want ErrNotFound", err)
		}
		err = s.Tx(ctx, func(tx store.Tx) error { _, err := tx.CampaignCursor(ctx, "nope"); return err })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("cursor of unknown campaign: %v, want ErrNotFound", err)
		}
	})

	t.Run("the audience walk records one message per contact", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name     string
			language string
			limit    int
			want     []string
		}{
			{"all languages in slices of 2", "", 2, audienceAll},
			{"all languages in slices of 5 (the last slice is empty)", "", 5, audienceAll},
			{"all languages in one slice", "", 100, audienceAll},
			{"en only in slices of 2", "en", 2, audienceEN},
			{"nb only in slices of 1", "nb", 1, []string{"c1", "c2", "c6", "c7"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				s := b.Open(t)
				c := campaignFixture(t, s)
				c.Language = tt.language
				tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
				added, last := walkAll(t, s, c, "", tt.limit)
				if added != len(tt.want) {
					t.Errorf("added %d, want %d", added, len(tt.want))
				}
				if want := tt.want[len(tt.want)-1]; last != want {
					t.Errorf("last cursor = %q, want %q", last, want)
				}
				if n := b.Int(t, s, `SELECT count(*) FROM messages WHERE campaign_id = 'k1'`); n != int64(len(tt.want)) {
					t.Errorf("%d message rows, want %d", n, len(tt.want))
				}
				for _, id := range tt.want {
					m, err := s.Message(ctx, msgID("k1", id))
					if err != nil {
						t.Fatalf("message of %s: %v", id, err)
					}
					want := message.Message{ID: "k1:" + id, ContactID: id, Kind: message.Campaign, Purpose: "offers",
						Status: message.Queued, CreatedAt: t0, UpdatedAt: t0}
					if diff := gocmp.Diff(want, m); diff != "" {
						t.Errorf("message of %s (-want +got):\n%s", id, diff)
					}
				}
				for _, id := range []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7"} {
					if slices.Contains(tt.want, id) {
						continue
					}
					if _, err := s.Message(ctx, msgID("k1", id)); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("%s is not in the audience but has a message: %v", id, err)
					}
				}

				// Walking again from the start adds no row (one message per
				// campaign and contact, whatever crashes): a queued message is
				// decided again, a decided one is not.
				for i, want := range []int{len(tt.want), 0} {
					tx(t, s, func(tx store.Tx) error {
						rows, err := tx.ClaimAudience(ctx, c, "", 100)
						if err != nil {
							return err
						}
						var ds []store.Decision
						for _, r := range rows {
							ds = append(ds, store.Decision{MessageID: r.MessageID, ContactID: r.Contact.ID, Status: message.Sending, ConsentEventID: r.State.EventID})
						}
						ids, err := tx.DecideMessages(ctx, c, ds, t0)
						if len(ids) != want {
							t.Errorf("walk %d recorded %d, want %d", i+2, len(ids), want)
						}
						return err
					})
				}
				if n := b.Int(t, s, `SELECT count(*) FROM messages WHERE campaign_id = 'k1'`); n != int64(len(tt.want)) {
					t.Errorf("%d message rows after a second expansion, want %d", n, len(tt.want))
				}
				// Past the end: nothing.
				tx(t, s, func(tx store.Tx) error {
					rows, err := tx.ClaimAudience(ctx, c, "c9", 10)
					if len(rows) != 0 {
						t.Errorf("ClaimAudience after the end = %+v", rows)
					}
					return err
				})
				tx(t, s, func(tx store.Tx) error {
					n, err := tx.CountAudience(ctx, c)
					if n != int64(len(tt.want)) {
						t.Errorf("CountAudience = %d, want %d", n, len(tt.want))
					}
					return err
				})
				// Another campaign for the same people gets its own messages.
				k2 := c
				k2.ID = "k2"
				tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, k2) })
				if n, _ := walkAll(t, s, k2, "", 10); n != len(tt.want) {
					t.Errorf("second campaign added %d, want %d", n, len(tt.want))
				}
			})
		}
	})

	t.Run("the walk's gate rows, cursor and end", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		c := campaignFixture(t, s)
		tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
		tx(t, s, func(tx store.Tx) error {
			rows, err := tx.ClaimAudience(ctx, c, "c1", 2)
			if err != nil {
				return err
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.MessageID+" "+r.Contact.ID+" "+string(r.State.Status)+" "+r.State.EventID+" "+r.State.Purpose)
				if r.Contact.KeyWrapped == nil || r.Contact.PhoneCT == nil {
					t.Errorf("%s: no key or number to send with", r.Contact.ID)
				}
			}
			want := []string{"k1:c2 c2 active e-c2-offers offers", "k1:c4 c4 active e-c4-offers offers"}
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("ClaimAudience after c1 (-want +got):\n%s", diff)
			}
			return nil
		})
		tx(t, s, func(tx store.Tx) error {
			if err := tx.SetCampaignAudience(ctx, "k1", 42); err != nil {
				return err
			}
			return tx.SetCampaignCursor(ctx, "k1", "c4")
		})
		tx(t, s, func(tx store.Tx) error {
			cur, err := tx.CampaignCursor(ctx, "k1")
			if cur != "c4" {
				t.Errorf("cursor = %q, want c4", cur)
			}
			return err
		})
		if got, err := s.Campaign(ctx, "k1"); err != nil || got.Audience != 42 || got.Walked {
			t.Fatalf("after SetCampaignAudience: %+v, %v", got, err)
		}
		// A contact whose consent ended after the campaign started is still
		// walked (the gate skips it, with the reason); one who withdrew
		// before the start is not in the audience.
		c.StartedAt = t0.Add(time.Hour)
		for id, at := range map[string]time.Time{"c6": t0.Add(2 * time.Hour), "c7": t0.Add(30 * time.Minute)} {
			w := activeState(id, "offers")
			w.Status, w.Basis, w.ValidUntil, w.Since, w.EventID = consent.StatusWithdrawn, "", time.Time{}, at, "w-"+id
			tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, w) })
		}
		tx(t, s, func(tx store.Tx) error {
			rows, err := tx.ClaimAudience(ctx, c, "c4", 10)
			if len(rows) != 1 || rows[0].Contact.ID != "c6" || rows[0].State.Status != consent.StatusWithdrawn {
				t.Errorf("ClaimAudience after c4 = %+v; want c6, withdrawn during the campaign", rows)
			}
			return err
		})
		tx(t, s, func(tx store.Tx) error {
			n, err := tx.CountAudience(ctx, c)
			if n != 3 {
				t.Errorf("CountAudience = %d, want 3 (c1, c2, c4 active)", n)
			}
			return err
		})
		walkAll(t, s, c, "c4", 10) // c6
		tx(t, s, func(tx store.Tx) error { return tx.FinishWalk(ctx, "k1") })
		if got, err := s.Campaign(ctx, "k1"); err != nil || got.Audience != 1 || !got.Walked {
			t.Fatalf("after FinishWalk: audience %d, walked %v, %v; want 1 message, walked", got.Audience, got.Walked, err)
		}
	})

	t.Run("a contact who withdrew is left out of the slice", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		c := campaignFixture(t, s)
		tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
		w := activeState("c2", "offers")
		w.Status, w.Basis, w.ValidUntil = consent.StatusWithdrawn, "", time.Time{}
		tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, w) })
		if added, _ := walkAll(t, s, c, "", 2); added != len(audienceAll)-1 {
			t.Errorf("added %d, want %d", added, len(audienceAll)-1)
		}
		if _, err := s.Message(ctx, msgID("k1", "c2")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("withdrawn c2 has a message: %v", err)
		}
	})

	// Both ways a dispatcher takes contacts, the audience walk and the pass
	// over messages put back for another try, wait for a withdrawal that
	// holds a contact and then read it.
	for _, claim := range []struct {
		name    string
		queued  bool // the campaign's messages were put back to queued
		claimed func(tx store.Tx, c campaign.Campaign) ([]store.DispatchRow, error)
	}{
		{"the walk", false, func(tx store.Tx, c campaign.Campaign) ([]store.DispatchRow, error) {
			return tx.ClaimAudience(ctx, c, "", 10)
		}},
		{"the pass over retries", true, func(tx store.Tx, c campaign.Campaign) ([]store.DispatchRow, error) {
			return tx.ClaimQueued(ctx, c.ID, c.Purpose, "", 10, t0.Add(time.Hour))
		}},
	} {
		t.Run("a withdrawal committed while "+claim.name+" waits for its contact is seen (K-06)", func(t *testing.T) {
			t.Parallel()
			s := b.Open(t)
			c := campaignFixture(t, s)
			c.StartedAt = t0.Add(time.Hour)
			tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
			if claim.queued {
				walkAll(t, s, c, "", 10)
			}
			// The withdrawal holds c2 as the ledger does (the contact first, then
			// its state) and commits only once the claim has had time to block on it.
			locked, release := make(chan struct{}), make(chan struct{})
			var committed time.Time
			withdrew := make(chan error, 1)
			go func() {
				withdrew <- s.Tx(ctx, func(tx store.Tx) error {
					if _, err := tx.LockContact(ctx, "c2"); err != nil {
						return err
					}
					w := activeState("c2", "offers")
					w.Status, w.Basis, w.ValidUntil, w.Since, w.EventID = consent.StatusWithdrawn, "", time.Time{}, t0.Add(2*time.Hour), "w-c2"
					if err := tx.PutConsentState(ctx, w); err != nil {
						return err
					}
					if _, err := tx.ConsentState(ctx, "c2", "offers"); err != nil { // the held write reaches the database
						return err
					}
					close(locked)
					<-release
					committed = time.Now()
					return nil
				})
			}()
			<-locked
			claimed := make(chan []store.DispatchRow, 1)
			var returned time.Time
			go func() {
				tx(t, s, func(tx store.Tx) error {
					rows, err := claim.claimed(tx, c)
					returned = time.Now()
					claimed <- rows
					return err
				})
			}()
			time.Sleep(200 * time.Millisecond)
			close(release)
			if err := <-withdrew; err != nil {
				t.Fatal(err)
			}
			rows := <-claimed
			if !returned.After(committed) {
				t.Fatal("the claim did not wait for the withdrawal's commit")
			}
			var got *store.DispatchRow
			for i := range rows {
				if rows[i].Contact.ID == "c2" {
					got = &rows[i]
				}
			}
			if got == nil {
				t.Fatal("c2, who withdrew after the start, is not claimed")
			}
			if got.State.Status != consent.StatusWithdrawn || got.State.EventID != "w-c2" {
				t.Errorf("c2 read as %s by %s; want withdrawn by w-c2", got.State.Status, got.State.EventID)
			}
		})
	}

	t.Run("lock queued and dispatch rows", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		startCampaign(t, s)
		for _, tt := range []struct {
			limit int
			want  []string
		}{{3, audienceAll[:3]}, {1, audienceAll[:1]}, {10, audienceAll}} {
			tx(t, s, func(tx store.Tx) error {
				ids, err := tx.LockQueued(ctx, "k1", "", tt.limit, t0)
				if diff := gocmp.Diff(tt.want, ids); diff != "" {
					t.Errorf("LockQueued(limit %d) (-want +got):\n%s", tt.limit, diff)
				}
				return err
			})
		}
		tx(t, s, func(tx store.Tx) error {
			ids, err := tx.LockQueued(ctx, "nope", "", 10, t0)
			if len(ids) != 0 {
				t.Errorf("LockQueued of an unknown campaign = %v", ids)
			}
			return err
		})
		// A message no longer queued is not picked up.
		tx(t, s, func(tx store.Tx) error {
			return decideIn(ctx, tx, []store.Decision{{MessageID: "k1:c1", Status: message.Skipped, Reason: "suppressed"}}, t0)
		})
		tx(t, s, func(tx store.Tx) error {
			ids, err := tx.LockQueued(ctx, "k1", "", 2, t0)
			if diff := gocmp.Diff([]string{"c2", "c4"}, ids); diff != "" {
				t.Errorf("LockQueued after c1 was skipped (-want +got):\n%s", diff)
			}
			return err
		})

		type row struct {
			MessageID string
			Status    message.Status
			ContactID string
			PhoneCT   string
			Key       string
			Region    string
			Mobile    bool
			Language  string
			State     consent.State
		}
		project := func(rs []store.DispatchRow) []row {
			var out []row
			for _, r := range rs {
				out = append(out, row{r.MessageID, r.Status, r.Contact.ID, string(r.Contact.PhoneCT), string(r.Contact.KeyWrapped),
					r.Contact.Region, r.Contact.Mobile, r.Contact.Language, r.State})
			}
			return out
		}
		contactRow := func(id, lang string, st message.Status, state consent.State) row {
			return row{"k1:" + id, st, id, "sealed-" + id, "wrapped-" + id, "NO", true, lang, state}
		}
		tests := []struct {
			name     string
			purpose  string
			contacts []string
			want     []row
		}{
			{"rows in contact order", "offers", []string{"c4", "c2", "c1"}, []row{
				contactRow("c1", "nb", message.Skipped, activeState("c1", "offers")),
				contactRow("c2", "nb", message.Queued, activeState("c2", "offers")),
				contactRow("c4", "en", message.Queued, activeState("c4", "offers")),
			}},
			{"contacts without a message in the campaign are left out", "offers", []string{"c3", "c5", "c7", "zz"}, []row{
				contactRow("c7", "nb", message.Queued, activeState("c7", "offers")),
			}},
			// The state is read for the purpose asked: without a state for
			// it, the status is none and nothing else is set.
			{"no consent state gives status none", "news", []string{"c6"}, []row{
				contactRow("c6", "nb", message.Queued, consent.State{ContactID: "c6", Purpose: "news", Status: consent.StatusNone}),
			}},
			{"an empty list", "offers", []string{}, nil},
		}
		for _, tt := range tests {
			tx(t, s, func(tx store.Tx) error {
				rs, err := tx.DispatchRows(ctx, "k1", tt.purpose, tt.contacts)
				if diff := gocmp.Diff(tt.want, project(rs)); diff != "" {
					t.Errorf("%s: DispatchRows (-want +got):\n%s", tt.name, diff)
				}
				return err
			})
		}
		// No contacts at all (a nil list) reads nothing, and is no error.
		err := s.Tx(ctx, func(tx store.Tx) error {
			rs, err := tx.DispatchRows(ctx, "k1", "offers", nil)
			if len(rs) != 0 {
				t.Errorf("DispatchRows(nil) = %+v, want none", rs)
			}
			return err
		})
		if err != nil {
			t.Errorf("DispatchRows(nil): %v, want no error", err)
		}
		// A withdrawn state is reported as such (the gate then skips).
		w := activeState("c2", "offers")
		w.Status, w.EventID, w.Basis, w.ValidUntil, w.Since = consent.StatusWithdrawn, "e-w", "", time.Time{}, t0
		tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, w) })
		tx(t, s, func(tx store.Tx) error {
			rs, err := tx.DispatchRows(ctx, "k1", "offers", []string{"c2"})
			if diff := gocmp.Diff([]row{contactRow("c2", "nb", message.Queued, w)}, project(rs)); diff != "" {
				t.Errorf("DispatchRows after withdrawal (-want +got):\n%s", diff)
			}
			return err
		})
	})

	t.Run("suppressed tokens", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		a, bb, none := []byte{0x00, 0xff, 'a'}, []byte{0x80, 0x01, 'b'}, []byte{0x00, 0xff, 'c'}
		tx(t, s, func(tx store.Tx) error {
			if err := tx.Suppress(ctx, a, "stopp", t0); err != nil {
				return err
			}
			return tx.Suppress(ctx, bb, "user_preferences", t0.Add(time.Hour))
		})
		tests := []struct {
			name   string
			tokens [][]byte
			want   map[string]time.Time
		}{
			{"nil", nil, map[string]time.Time{}},
			{"empty", [][]byte{}, map[string]time.Time{}},
			{"none listed", [][]byte{none}, map[string]time.Time{}},
			{"one of two listed", [][]byte{a, none}, map[string]time.Time{string(a): t0}},
			{"both listed", [][]byte{bb, none, a}, map[string]time.Time{string(a): t0, string(bb): t0.Add(time.Hour)}},
			// More than one statement's worth on SQLite (64): one in each part.
			{"150, one listed early and one late", manyTokens(150, map[int][]byte{3: a, 140: bb}),
				map[string]time.Time{string(a): t0, string(bb): t0.Add(time.Hour)}},
		}
		for _, tt := range tests {
			tx(t, s, func(tx store.Tx) error {
				got, err := tx.SuppressedTokens(ctx, tt.tokens)
				if got == nil && err == nil {
					t.Errorf("%s: SuppressedTokens returned a nil map", tt.name)
				}
				if diff := gocmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s: SuppressedTokens (-want +got):\n%s", tt.name, diff)
				}
				return err
			})
		}
	})

	t.Run("decisions and results", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		startCampaign(t, s)
		at1, at2, at3 := t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(3*time.Minute)
		decidedAt := func(id string) int64 {
			return b.Int(t, s, `SELECT decided_at FROM messages WHERE id = '`+msgID("k1", id)+`'`)
		}
		tx(t, s, func(tx store.Tx) error { return decideIn(ctx, tx, nil, at1) })
		tx(t, s, func(tx store.Tx) error {
			return decideIn(ctx, tx, []store.Decision{
				{MessageID: "k1:c1", Status: message.Sending, ConsentEventID: "e-c1-offers"},
				{MessageID: "k1:c2", Status: message.Skipped, Reason: "suppressed"},
				{MessageID: "k1:c4", Status: message.Sending, ConsentEventID: "e-c4-offers"},
				{MessageID: "k1:c6", Status: message.Sending, ConsentEventID: "e-c6-offers"},
				{MessageID: "k1:c7", Status: message.Sending, ConsentEventID: "e-c7-offers"},
			}, at1)
		})
		// A second decision on a decided message changes nothing.
		tx(t, s, func(tx store.Tx) error {
			return decideIn(ctx, tx, []store.Decision{
				{MessageID: "k1:c1", Status: message.Skipped, Reason: "withdrawn"},
				{MessageID: "k1:c2", Status: message.Sending, ConsentEventID: "e-other"},
			}, at2)
		})
		got := messageStatuses(t, s, "k1", "c1", "c2")
		if m := got["c1"]; m.Status != message.Sending || m.ConsentEventID != "e-c1-offers" || m.ErrorTitle != "" || !m.UpdatedAt.Equal(at1) {
			t.Errorf("c1 after decisions = %+v; want sending with e-c1-offers at %v", m, at1)
		}
		if m := got["c2"]; m.Status != message.Skipped || m.ErrorTitle != "suppressed" || m.ConsentEventID != "" {
			t.Errorf("c2 after decisions = %+v; want skipped, suppressed", m)
		}
		for _, id := range []string{"c1", "c2"} {
			if d := decidedAt(id); d != at1.UnixMicro() {
				t.Errorf("decided_at of %s = %d, want %d (the first decision)", id, d, at1.UnixMicro())
			}
		}

		// A status webhook overtakes the answer to c6's send (reference §6).
		tx(t, s, func(tx store.Tx) error {
			ok, err := applyStatus(ctx, tx, store.StatusUpdate{ID: "k1:c6", WAMID: "wamid.6", Status: message.Delivered}, at2)
			if !ok {
				t.Errorf("ApplyStatus(delivered) on a sending message changed nothing")
			}
			return err
		})
		tx(t, s, func(tx store.Tx) error {
			return tx.RecordResults(ctx, []store.Result{
				{MessageID: "k1:c1", Status: message.Sent, WAMID: "wamid.1"},
				{MessageID: "k1:c2", Status: message.Sent, WAMID: "wamid.2"}, // skipped: not sending
				{MessageID: "k1:c4", Status: message.Failed, Code: 131026, Title: "Message undeliverable"},
				{MessageID: "k1:c6", Status: message.Sent, WAMID: "wamid.6"}, // the webhook came first
				{MessageID: "k1:c7", Status: message.Queued, Code: 130429, Title: "Rate limit hit"},
			}, at3, 5)
		})
		tx(t, s, func(tx store.Tx) error { return tx.RecordResults(ctx, nil, at3, 5) })
		got = messageStatuses(t, s, "k1", audienceAll...)
		type outcome struct {
			Status  message.Status
			WAMID   string
			Code    int
			Title   string
			Consent string
		}
		gotOut := map[string]outcome{}
		for id, m := range got {
			gotOut[id] = outcome{m.Status, m.WAMID, m.ErrorCode, m.ErrorTitle, m.ConsentEventID}
		}
		wantOut := map[string]outcome{
			"c1": {message.Sent, "wamid.1", 0, "", "e-c1-offers"},
			"c2": {message.Skipped, "", 0, "suppressed", ""},
			"c4": {message.Failed, "", 131026, "Message undeliverable", "e-c4-offers"},
			"c6": {message.Delivered, "wamid.6", 0, "", "e-c6-offers"},
			"c7": {message.Queued, "", 130429, "Rate limit hit", "e-c7-offers"},
		}
		if diff := gocmp.Diff(wantOut, gotOut); diff != "" {
			t.Errorf("after results (-want +got):\n%s", diff)
		}
		if d := decidedAt("c7"); d != 0 {
			t.Errorf("decided_at of c7 queued again = %d, want 0", d)
		}
		if d := decidedAt("c1"); d != at1.UnixMicro() {
			t.Errorf("decided_at of sent c1 = %d, want %d", d, at1.UnixMicro())
		}
		// The wamid finds the message among its recipient's, for webhooks
		// without our id; not among another contact's.
		tx(t, s, func(tx store.Tx) error {
			ok, err := applyStatus(ctx, tx, store.StatusUpdate{WAMID: "wamid.1", ContactID: "c2", Status: message.Read}, at3)
			if ok {
				t.Errorf("read webhook by wamid.1 for c2 changed c1's message")
			}
			if err != nil {
				return err
			}
			ok, err = applyStatus(ctx, tx, store.StatusUpdate{WAMID: "wamid.1", ContactID: "c1", Status: message.Read}, at3)
			if !ok {
				t.Errorf("read webhook by wamid.1 changed nothing")
			}
			return err
		})
		// c7, queued again, takes no result until it is decided again...
		tx(t, s, func(tx store.Tx) error {
			return tx.RecordResults(ctx, []store.Result{{MessageID: "k1:c7", Status: message.Sent, WAMID: "wamid.7"}}, at3, 5)
		})
		if m := messageStatuses(t, s, "k1", "c7")["c7"]; m.Status != message.Queued || m.WAMID != "" {
			t.Errorf("a result for a queued message was applied: %+v", m)
		}
		// ...and can be decided again.
		tx(t, s, func(tx store.Tx) error {
			return decideIn(ctx, tx, []store.Decision{{MessageID: "k1:c7", Status: message.Sending, ConsentEventID: "e-c7-offers"}}, at3)
		})
		tx(t, s, func(tx store.Tx) error {
			return tx.RecordResults(ctx, []store.Result{{MessageID: "k1:c7", Status: message.Unknown, Title: "timeout"}}, at3, 5)
		})
		if m := messageStatuses(t, s, "k1", "c7")["c7"]; m.Status != message.Unknown || m.ErrorCode != 0 || m.ErrorTitle != "timeout" {
			t.Errorf("c7 after a second try = %+v, want unknown", m)
		}

		// Retries (issue 4 point 4): a retry that is not counted (the
		// number's own rate limit) uses no attempt; the third counted one of
		// three fails the message with the platform's reason. Each round
		// passes the gate again.
		walked := func(id string) {
			k := campaign.Campaign{ID: id, Name: id, Purpose: "offers", Status: campaign.Running, CreatedAt: t0,
				Template: campaign.Template{Name: "other", Languages: map[string]campaign.Variant{"nb": {Body: "x"}}}}
			tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, k) })
			if n, _ := walkAll(t, s, k, "", 10); n != len(audienceAll) {
				t.Fatalf("%s walked %d", id, n)
			}
		}
		// tried decides c7 again and records r, its outcome, at that time.
		tried := func(r store.Result, at time.Time) {
			tx(t, s, func(tx store.Tx) error {
				return decideIn(ctx, tx, []store.Decision{{MessageID: r.MessageID, Status: message.Sending, ConsentEventID: "e-c7-offers"}}, at)
			})
			tx(t, s, func(tx store.Tx) error { return tx.RecordResults(ctx, []store.Result{r}, at, 3) })
		}
		walked("k3")
		for i, counted := range []bool{true, false, true, true} {
			tried(store.Result{MessageID: "k3:c7", Status: message.Queued, Code: 131000, Title: "Something went wrong", Counted: counted}, at3)
			m := messageStatuses(t, s, "k3", "c7")["c7"]
			wantStatus, wantTitle := message.Queued, "Something went wrong"
			if i == 3 {
				wantStatus, wantTitle = message.Failed, "gave up after 3 attempts: Something went wrong"
			}
			if m.Status != wantStatus || m.ErrorTitle != wantTitle || m.ErrorCode != 131000 {
				t.Errorf("c7 after retry %d = %s %d %q, want %s 131000 %q", i+1, m.Status, m.ErrorCode, m.ErrorTitle, wantStatus, wantTitle)
			}
		}
		if n := b.Int(t, s, `SELECT attempts FROM messages WHERE id = '`+msgID("k3", "c7")+`'`); n != 3 {
			t.Errorf("attempts of c7 = %d, want 3", n)
		}

		// The recipient's pair rate limit (131056, reference §3.2) uses no
		// attempt: the message waits 1, 4, 16 ... s before it is due again,
		// is not picked up before, and fails on the PairLimitTries-th refusal.
		walked("k4")
		tx(t, s, func(tx store.Tx) error { _, err := tx.SkipQueued(ctx, "k4", "not this one", t0); return err })
		if err := b.Exec(t, s, `UPDATE messages SET status = 'queued' WHERE id = $1`, msgID("k4", "c7")); err != nil { // c7 alone
			t.Fatal(err)
		}
		due := func(at time.Time) bool {
			var ids []string
			tx(t, s, func(tx store.Tx) error {
				var err error
				ids, err = tx.LockQueued(ctx, "k4", "", 10, at)
				return err
			})
			return slices.Equal(ids, []string{"c7"})
		}
		at := at3
		for i := 1; i <= store.PairLimitTries; i++ {
			if !due(at) {
				t.Fatalf("before refusal %d: c7 is not due at %v", i, at)
			}
			tried(store.Result{MessageID: "k4:c7", Status: message.Queued, Code: 131056, Title: "Pair rate limit hit", PairLimited: true}, at)
			m := messageStatuses(t, s, "k4", "c7")["c7"]
			if i == store.PairLimitTries {
				if want := fmt.Sprintf("gave up after %d pair rate limits: Pair rate limit hit", i); m.Status != message.Failed || m.ErrorTitle != want {
					t.Errorf("c7 after refusal %d = %s %q, want failed %q", i, m.Status, m.ErrorTitle, want)
				}
				if due(at.Add(24 * time.Hour)) {
					t.Errorf("c7 is picked up again after it failed")
				}
				tx(t, s, func(tx store.Tx) error {
					if _, queued, err := tx.NextQueued(ctx, "k4"); err != nil || queued {
						t.Errorf("NextQueued after c7 failed: queued %v, %v", queued, err)
					}
					return nil
				})
				break
			}
			wait := time.Second << (2 * (i - 1))
			if m.Status != message.Queued || m.ErrorCode != 131056 {
				t.Errorf("c7 after refusal %d = %s %d, want queued 131056", i, m.Status, m.ErrorCode)
			}
			tx(t, s, func(tx store.Tx) error {
				due, queued, err := tx.NextQueued(ctx, "k4")
				if !queued || !due.Equal(at.Add(wait)) {
					t.Errorf("NextQueued after refusal %d = %v, %v; want due %v", i, due, queued, at.Add(wait))
				}
				return err
			})
			if due(at.Add(wait - time.Microsecond)) {
				t.Errorf("c7 is due again before %v after refusal %d", wait, i)
			}
			at = at.Add(wait)
		}
		if n := b.Int(t, s, `SELECT attempts FROM messages WHERE id = '`+msgID("k4", "c7")+`'`); n != 0 {
			t.Errorf("attempts of c7 after pair rate limits = %d, want 0", n)
		}
	})

	t.Run("late decisions: a message decided after a withdrawal of its consent", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		startCampaign(t, s)
		given, gone, after := t0.Add(-time.Hour), t0.Add(10*time.Minute), t0.Add(20*time.Minute)
		events := map[string]string{} // contact: the event that authorised its message
		tx(t, s, func(tx store.Tx) error {
			for _, id := range audienceAll {
				e, err := appendEvent(ctx, tx, id, ledger.Confirmed, "offers", given)
				if err != nil {
					return err
				}
				events[id] = e.ID
			}
			for _, w := range []struct {
				contact, purpose string
				kind             ledger.Kind
			}{
				{"c1", "offers", ledger.Withdrawn}, // decided after: late
				{"c2", "offers", ledger.Withdrawn}, // decided before: in time
				{"c4", "news", ledger.Withdrawn},   // another purpose: in time
				{"c6", "", ledger.Objected},        // objection to all marketing, decided after: late
				{"c7", "offers", ledger.Withdrawn}, // decided after, but skipped: nothing went
			} {
				if _, err := appendEvent(ctx, tx, w.contact, w.kind, w.purpose, gone); err != nil {
					return err
				}
			}
			return nil
		})
		decide := func(at time.Time, ds ...store.Decision) {
			tx(t, s, func(tx store.Tx) error { return decideIn(ctx, tx, ds, at) })
		}
		sending := func(contact string) store.Decision {
			return store.Decision{MessageID: "k1:" + contact, Status: message.Sending, ConsentEventID: events[contact]}
		}
		decide(t0.Add(5*time.Minute), sending("c2"))
		decide(after, sending("c1"), sending("c4"), sending("c6"), store.Decision{MessageID: "k1:c7", Status: message.Skipped, Reason: "withdrawn"})
		tx(t, s, func(tx store.Tx) error {
			n, err := tx.LateDecisions(ctx, "k1")
			if n != 2 {
				t.Errorf("LateDecisions = %d, want 2 (c1 and c6)", n)
			}
			return err
		})
		tx(t, s, func(tx store.Tx) error {
			n, err := tx.LateDecisions(ctx, "nope")
			if n != 0 {
				t.Errorf("LateDecisions of an unknown campaign = %d", n)
			}
			return err
		})
	})

	t.Run("counts, skip and abandon", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		startCampaign(t, s)
		// A second campaign to the same people, which none of this may touch.
		other := campaign.Campaign{ID: "k2", Name: "Andre", Purpose: "offers", Status: campaign.Running, CreatedAt: t0,
			Template: campaign.Template{Name: "other", Languages: map[string]campaign.Variant{"nb": {Body: "x"}}}}
		tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, other) })
		if n, _ := walkAll(t, s, other, "", 10); n != len(audienceAll) {
			t.Fatalf("k2 walked %d", n)
		}

		tx(t, s, func(tx store.Tx) error {
			return decideIn(ctx, tx, []store.Decision{
				{MessageID: "k1:c1", Status: message.Skipped, Reason: "suppressed"},
				{MessageID: "k1:c2", Status: message.Skipped, Reason: "suppressed"},
				{MessageID: "k1:c4", Status: message.Sending, ConsentEventID: "e"},
				{MessageID: "k1:c6", Status: message.Sending, ConsentEventID: "e"},
				{MessageID: "k2:c1", Status: message.Sending, ConsentEventID: "e"},
			}, t0)
		})
		tx(t, s, func(tx store.Tx) error {
			return tx.RecordResults(ctx, []store.Result{{MessageID: "k1:c4", Status: message.Failed, Code: 131049, Title: "ecosystem"}}, t0, 5)
		})
		counts := func(id string) []store.Count {
			t.Helper()
			cs, err := s.CampaignCounts(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(cs, func(a, b store.Count) int {
				return cmp.Or(cmp.Compare(a.Status, b.Status), cmp.Compare(a.Reason, b.Reason))
			})
			return cs
		}
		want := []store.Count{
			{Status: message.Failed, Reason: "ecosystem", N: 1},
			{Status: message.Queued, N: 1},
			{Status: message.Sending, N: 1},
			{Status: message.Skipped, Reason: "suppressed", N: 2},
		}
		if diff := gocmp.Diff(want, counts("k1")); diff != "" {
			t.Errorf("CampaignCounts (-want +got):\n%s", diff)
		}

		// A crash left c6 in sending: it may have left, so it becomes
		// unknown and is never re-sent (reference §6).
		tx(t, s, func(tx store.Tx) error {
			n, err := tx.AbandonDispatching(ctx, "k1", t0.Add(time.Minute))
			if n != 1 {
				t.Errorf("AbandonDispatching = %d, want 1", n)
			}
			return err
		})
		tx(t, s, func(tx store.Tx) error {
			n, err := tx.SkipQueued(ctx, "k1", "cancelled", t0.Add(time.Minute))
			if n != 1 {
				t.Errorf("SkipQueued = %d, want 1", n)
			}
			return err
		})
		want = []store.Count{
			{Status: message.Failed, Reason: "ecosystem", N: 1},
			{Status: message.Skipped, Reason: "cancelled", N: 1},
			{Status: message.Skipped, Reason: "suppressed", N: 2},
			{Status: message.Unknown, N: 1}, // its note is not a reason
		}
		if diff := gocmp.Diff(want, counts("k1")); diff != "" {
			t.Errorf("CampaignCounts after skip and abandon (-want +got):\n%s", diff)
		}
		if m, _ := s.Message(ctx, "k1:c6"); m.Status != message.Unknown {
			t.Errorf("abandoned message = %+v, want unknown", m)
		}
		if m, _ := s.Message(ctx, "k1:c7"); m.Status != message.Skipped || m.ErrorTitle != "cancelled" {
			t.Errorf("skipped message = %+v, want skipped, cancelled", m)
		}
		// Nothing left to move.
		tx(t, s, func(tx store.Tx) error {
			n1, err := tx.AbandonDispatching(ctx, "k1", t0.Add(2*time.Minute))
			if err != nil {
				return err
			}
			n2, err := tx.SkipQueued(ctx, "k1", "cancelled", t0.Add(2*time.Minute))
			if n1 != 0 || n2 != 0 {
				t.Errorf("second AbandonDispatching, SkipQueued = %d, %d; want 0, 0", n1, n2)
			}
			return err
		})
		// The other campaign is untouched: one sending, four queued.
		want = []store.Count{{Status: message.Queued, N: 4}, {Status: message.Sending, N: 1}}
		if diff := gocmp.Diff(want, counts("k2")); diff != "" {
			t.Errorf("CampaignCounts of the other campaign (-want +got):\n%s", diff)
		}
		if cs := counts("nope"); len(cs) != 0 {
			t.Errorf("CampaignCounts of an unknown campaign = %v", cs)
		}
		// By the recipient's language (c4 speaks English), what was not skipped.
		for id, want := range map[string]map[string]int64{"k1": {"en": 1, "nb": 1}, "k2": {"en": 1, "nb": 4}, "nope": {}} {
			if got, err := s.CampaignLanguages(ctx, id); err != nil || !maps.Equal(got, want) {
				t.Errorf("CampaignLanguages(%s) = %v, %v; want %v", id, got, err, want)
			}
		}
	})

	t.Run("token buckets", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		const rate, burst = 10.0, 5.0
		steps := []struct {
			name   string
			sender string
			at     time.Duration // after t0
			want   int
			got    int
		}{
			{"a new bucket is full", "A", 0, 3, 3},
			{"what is left", "A", 0, 3, 2},
			{"empty", "A", 0, 3, 0},
			{"500 ms refill 5", "A", 500 * time.Millisecond, 10, 5},
			{"empty again", "A", 500 * time.Millisecond, 1, 0},
			{"a second sender has its own bucket", "B", 500 * time.Millisecond, 10, 5},
			{"100 ms refill 1", "A", 600 * time.Millisecond, 10, 1},
			{"150 ms refill 1.5", "A", 750 * time.Millisecond, 10, 1},
			{"the half token is kept", "A", 800 * time.Millisecond, 10, 1},
			{"an hour refills to burst, not more", "A", time.Hour, 100, 5},
			{"the same instant gives nothing more", "A", time.Hour, 100, 0},
			{"taking none takes none", "B", time.Hour, 0, 0},
			{"B still has its burst", "B", time.Hour, 4, 4},
		}
		for _, st := range steps {
			tx(t, s, func(tx store.Tx) error {
				got, err := tx.TakeTokens(ctx, st.sender, st.want, rate, burst, t0.Add(st.at))
				if got != st.got {
					t.Errorf("%s: TakeTokens(%s, %d, +%v) = %d, want %d", st.name, st.sender, st.want, st.at, got, st.got)
				}
				return err
			})
		}
	})

	t.Run("token buckets with a fractional rate", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		// Half a message per second; a burst of 1.5.
		for _, st := range []struct {
			at   time.Duration
			want int
		}{{0, 1}, {0, 0}, {time.Second, 1}, {time.Second, 0}, {time.Minute, 1}} {
			tx(t, s, func(tx store.Tx) error {
				got, err := tx.TakeTokens(ctx, "A", 10, 0.5, 1.5, t0.Add(st.at))
				if got != st.want {
					t.Errorf("TakeTokens(+%v) = %d, want %d", st.at, got, st.want)
				}
				return err
			})
		}
	})

	t.Run("unknown outcomes are settled in batches", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		startCampaign(t, s)
		cutoff, at := t0.Add(time.Hour), t0.Add(2*time.Hour)
		// A new message was last updated when it was created.
		msg := func(id string, st message.Status, updated time.Time) message.Message {
			return message.Message{ID: id, ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: st, CreatedAt: updated}
		}
		tx(t, s, func(tx store.Tx) error {
			for _, m := range []message.Message{
				msg("u1", message.Unknown, t0), msg("u2", message.Unknown, t0), msg("u3", message.Unknown, cutoff.Add(-time.Microsecond)),
				msg("u-at-cutoff", message.Unknown, cutoff), msg("u-new", message.Unknown, at), msg("sent-old", message.Sent, t0),
				msg("u-then-delivered", message.Unknown, t0),
			} {
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
			}
			// A late webhook explained this one.
			_, err := applyStatus(ctx, tx, store.StatusUpdate{ID: "u-then-delivered", Status: message.Delivered}, t0)
			return err
		})
		var got []int64
		for range 3 {
			tx(t, s, func(tx store.Tx) error {
				n, err := tx.SettleUnknown(ctx, cutoff, "no status", at, 2)
				got = append(got, n)
				return err
			})
		}
		if diff := gocmp.Diff([]int64{2, 1, 0}, got); diff != "" {
			t.Errorf("SettleUnknown batches (-want +got):\n%s", diff)
		}
		want := map[string]message.Status{"u1": message.Failed, "u2": message.Failed, "u3": message.Failed,
			"u-at-cutoff": message.Unknown, "u-new": message.Unknown, "sent-old": message.Sent, "u-then-delivered": message.Delivered}
		for id, st := range want {
			m, err := s.Message(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != st {
				t.Errorf("%s = %s, want %s", id, m.Status, st)
			}
			if st == message.Failed && (m.ErrorTitle != "no status" || !m.UpdatedAt.Equal(at)) {
				t.Errorf("%s settled as %q at %v", id, m.ErrorTitle, m.UpdatedAt)
			}
		}
	})

	t.Run("message logs are purged in batches (RT-08)", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		startCampaign(t, s) // five campaign messages created at t0
		cutoff := t0.Add(time.Hour)
		tx(t, s, func(tx store.Tx) error {
			for _, m := range []message.Message{
				{ID: "old", ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: t0.Add(-time.Hour)},
				{ID: "at-cutoff", ContactID: "c1", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: cutoff},
				{ID: "new", ContactID: "c2", Kind: message.Receipt, BodyKey: "receipt", Status: message.Sent, CreatedAt: cutoff.Add(time.Hour)},
			} {
				if err := tx.CreateMessage(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		var got []int64
		for range 4 {
			tx(t, s, func(tx store.Tx) error {
				ids, err := s.ExpiredMessages(ctx, cutoff, 4)
				if err != nil {
					return err
				}
				n, err := tx.DeleteMessages(ctx, ids)
				got = append(got, n)
				return err
			})
		}
		if diff := gocmp.Diff([]int64{4, 2, 0, 0}, got); diff != "" {
			t.Errorf("PurgeMessages batches (-want +got):\n%s", diff)
		}
		if n := b.Int(t, s, `SELECT count(*) FROM messages`); n != 2 {
			t.Errorf("%d messages left, want 2", n)
		}
		for _, id := range []string{"at-cutoff", "new"} {
			if _, err := s.Message(ctx, id); err != nil {
				t.Errorf("message %s created at or after the cutoff: %v", id, err)
			}
		}
		for _, id := range []string{"old", "k1:c1"} {
			if _, err := s.Message(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("message %s created before the cutoff: %v, want ErrNotFound", id, err)
			}
		}
	})

	// A batch is written in pieces on SQLite (64 rows a statement): one of
	// 150 spans three, the last part full of padding.
	t.Run("batches longer than a statement's rows", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		c := campaign.Campaign{ID: "k9", Purpose: "offers"}
		const n = 150
		ds := make([]store.Decision, n)
		var rs []store.Result
		var us []store.StatusUpdate
		tx(t, s, func(tx store.Tx) error {
			for i := range n {
				id := fmt.Sprintf("b%03d", i)
				if err := tx.CreateContact(ctx, contact.Contact{ID: id, PhoneCT: []byte("sealed"), KeyWrapped: []byte("wrapped"),
					BlindIndex: []byte("batch" + id), Region: "NO", Mobile: true, Language: "nb", CreatedAt: t0}); err != nil {
					return err
				}
				mid := msgID(c.ID, id)
				if i%3 == 0 {
					ds[i] = store.Decision{MessageID: mid, ContactID: id, Status: message.Skipped, Reason: "withdrawn"}
					continue
				}
				ds[i] = store.Decision{MessageID: mid, ContactID: id, Status: message.Sending, ConsentEventID: "e-" + id}
				if i%3 == 1 {
					rs = append(rs, store.Result{MessageID: mid, Status: message.Sent, WAMID: "wamid." + id})
					us = append(us, store.StatusUpdate{ID: mid, WAMID: "wamid." + id, Status: message.Delivered})
				} else {
					rs = append(rs, store.Result{MessageID: mid, Status: message.Failed, Code: 131026, Title: "undeliverable " + id})
				}
			}
			ids, err := tx.DecideMessages(ctx, c, ds, t0)
			if len(ids) != n {
				t.Errorf("DecideMessages recorded %d of %d", len(ids), n)
			}
			return err
		})
		tx(t, s, func(tx store.Tx) error { return tx.RecordResults(ctx, rs, t0.Add(time.Second), 5) })
		tx(t, s, func(tx store.Tx) error {
			applied, err := tx.ApplyStatuses(ctx, us, t0.Add(2*time.Second))
			if got := len(slices.DeleteFunc(applied, func(ok bool) bool { return !ok })); got != len(us) {
				t.Errorf("ApplyStatuses applied %d of %d", got, len(us))
			}
			return err
		})
		for i := range n {
			id := fmt.Sprintf("b%03d", i)
			m, err := s.Message(ctx, msgID(c.ID, id))
			if err != nil {
				t.Fatal(err)
			}
			var want message.Message
			switch i % 3 {
			case 0:
				want = message.Message{Status: message.Skipped, ErrorTitle: "withdrawn"}
			case 1:
				want = message.Message{Status: message.Delivered, WAMID: "wamid." + id, ConsentEventID: "e-" + id}
			default:
				want = message.Message{Status: message.Failed, ErrorCode: 131026, ErrorTitle: "undeliverable " + id, ConsentEventID: "e-" + id}
			}
			got := message.Message{Status: m.Status, WAMID: m.WAMID, ErrorCode: m.ErrorCode, ErrorTitle: m.ErrorTitle, ConsentEventID: m.ConsentEventID}
			if got != want {
				t.Errorf("message %d = %+v, want %+v", i, got, want)
			}
		}
	})
}
