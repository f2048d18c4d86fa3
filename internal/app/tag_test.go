// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/tag"
)

var declaredTags = []tag.Tag{
	{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}},
	{Key: "oslo", Description: consent.Text{NB: "Butikken i Oslo", EN: "The Oslo shop"}},
	{Key: "b2b", Description: consent.Text{NB: "Bedriftskunder", EN: "Business customers"}},
}

// tagRows counts the rows a refused tag write must leave as they were.
func (tb *bundle) tagRows(t *testing.T) int64 {
	t.Helper()
	return tb.rows(t) + tb.b.Int(t, tb.store, `SELECT count(*) FROM contact_tags`) +
		tb.b.Int(t, tb.store, `SELECT count(*) FROM campaigns`)
}

// TestContactTags: a contact carries only declared tags (P-03); an
// undeclared or malformed one is refused, named, and changes nothing; setting
// tags replaces them and is recorded as an access.
func TestContactTags(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Tags: declaredTags})
		tb.seed(t)
		ctx := tb.ctx

		view := func(id string) app.ContactView {
			t.Helper()
			v, err := tb.app.Contact(ctx, admin, id)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		refused := func(what string, err error, name string) {
			t.Helper()
			if !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), name) {
				t.Errorf("%s: err = %v, want ErrRefused naming %s", what, err, name)
			}
		}

		before := tb.tagRows(t)
		_, _, err := tb.app.CreateContact(ctx, integrator, app.NewContact{Phone: "+47 912 34 567", Tags: []string{"vip", "gold"}})
		refused("create with an undeclared tag", err, `"gold"`)
		_, _, err = tb.app.CreateContact(ctx, integrator, app.NewContact{Phone: "+47 912 34 567", Tags: []string{"Vip"}})
		refused("create with a malformed tag", err, `"Vip"`)
		if n := tb.tagRows(t); n != before {
			t.Fatalf("refused creations changed %d rows", n-before)
		}

		id, created, err := tb.app.CreateContact(ctx, integrator, app.NewContact{Phone: "+47 912 34 567", Tags: []string{"vip", "b2b", "vip"}})
		if err != nil || !created {
			t.Fatalf("create = %v, %v", created, err)
		}
		if got := view(id).Tags; !cmp.Equal([]string{"b2b", "vip"}, got) {
			t.Errorf("tags after create = %v, want [b2b vip]", got)
		}
		// A known number is found, not changed: its tags stay.
		if again, created, err := tb.app.CreateContact(ctx, integrator, app.NewContact{Phone: "91234567", Tags: []string{"oslo"}}); err != nil || created || again != id {
			t.Fatalf("create a known number = %q, %v, %v", again, created, err)
		}
		if got := view(id).Tags; !cmp.Equal([]string{"b2b", "vip"}, got) {
			t.Errorf("tags after finding the number = %v, want [b2b vip]", got)
		}

		got, err := tb.app.SetContactTags(ctx, integrator, id, []string{"oslo", "vip"})
		if err != nil || !cmp.Equal([]string{"oslo", "vip"}, got) {
			t.Fatalf("SetContactTags = %v, %v", got, err)
		}
		if got := view(id).Tags; !cmp.Equal([]string{"oslo", "vip"}, got) {
			t.Errorf("tags after replacing = %v, want [oslo vip]", got)
		}
		accesses, err := tb.app.Accesses(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		recorded := false
		for _, e := range accesses {
			recorded = recorded || (e.Action == access.Tags && e.Actor == integrator.String())
		}
		if !recorded {
			t.Errorf("setting tags was not recorded: %+v", accesses)
		}

		before = tb.tagRows(t)
		_, err = tb.app.SetContactTags(ctx, integrator, id, []string{"b2b", "gold"})
		refused("set an undeclared tag", err, `tags[1] "gold"`)
		_, err = tb.app.SetContactTags(ctx, integrator, id, []string{"b2b", "Bad Tag"})
		refused("set a malformed tag", err, `"Bad Tag"`)
		_, err = tb.app.SetContactTags(ctx, integrator, id, []string{"91234567"})
		if !errors.Is(err, app.ErrRefused) || strings.Contains(err.Error(), "91234567") {
			t.Errorf("set a number as a tag: err = %v, want ErrRefused without the digits", err)
		}
		if _, err := tb.app.SetContactTags(ctx, marketer, id, []string{"vip"}); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("marketer set tags: %v, want ErrForbidden", err)
		}
		if _, err := tb.app.SetContactTags(ctx, integrator, "nobody", []string{"vip"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("tags of an unknown contact: %v, want ErrNotFound", err)
		}
		if n := tb.tagRows(t); n != before {
			t.Errorf("refused tag writes changed %d rows", n-before)
		}
		if got := view(id).Tags; !cmp.Equal([]string{"oslo", "vip"}, got) {
			t.Errorf("tags after refusals = %v, want [oslo vip]", got)
		}

		if got, err := tb.app.SetContactTags(ctx, integrator, id, []string{}); err != nil || len(got) != 0 {
			t.Fatalf("remove every tag = %v, %v", got, err)
		}
		if got := view(id).Tags; got == nil || len(got) != 0 {
			t.Errorf("tags after removing them = %#v, want an empty list", got)
		}

		ts, err := tb.app.Tags(ctx, app.Actor{Role: staff.Auditor})
		if err != nil || !cmp.Equal(declaredTags, ts) {
			t.Errorf("Tags = %v, %v; want the declaration", ts, err)
		}
	})
}

// TestCampaignTags: a campaign's audience may be narrowed only by declared
// tags; they are stored sorted, each once.
func TestCampaignTags(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, app.Config{Tags: declaredTags})
		tb.seed(t)
		c := campaign.Campaign{Name: "Vårsalg", Purpose: "offers", Language: "nb", Template: campaign.Template{Name: "spring_sale",
			Languages: map[string]campaign.Variant{"nb": {Body: "Butikken AS har salg. https://butikk.example/privacy. Svar STOPP for å melde deg av."}}}}

		before := tb.tagRows(t)
		for _, bad := range [][]string{{"vip", "gold"}, {"VIP"}, {""}} {
			c.Tags = bad
			if _, err := tb.app.CreateCampaign(tb.ctx, marketer, c); !errors.Is(err, app.ErrRefused) {
				t.Errorf("campaign with tags %q: err = %v, want ErrRefused", bad, err)
			}
		}
		if n := tb.tagRows(t); n != before {
			t.Errorf("refused campaigns changed %d rows", n-before)
		}

		c.Tags = []string{"vip", "b2b", "vip"}
		made, err := tb.app.CreateCampaign(tb.ctx, marketer, c)
		if err != nil {
			t.Fatal(err)
		}
		v, err := tb.app.Campaign(tb.ctx, marketer, made.ID)
		if err != nil || !cmp.Equal([]string{"b2b", "vip"}, v.Tags) || v.Language != "nb" {
			t.Errorf("stored campaign tags = %v, language %q, %v; want [b2b vip], nb", v.Tags, v.Language, err)
		}
		c.Tags = nil
		made, err = tb.app.CreateCampaign(tb.ctx, marketer, c)
		if err != nil || made.Tags != nil {
			t.Errorf("campaign without tags = %v, %v", made.Tags, err)
		}
	})
}
