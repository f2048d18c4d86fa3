// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/store"
)

// contactTags reads a contact's tags, failing the test on an error.
func contactTags(t *testing.T, r store.Reader, id string) []string {
	t.Helper()
	tags, err := r.ContactTags(context.Background(), id)
	if err != nil {
		t.Fatalf("tags of %s: %v", id, err)
	}
	return tags
}

func setTags(t *testing.T, s store.Store, id string, tags ...string) {
	t.Helper()
	tx(t, s, func(tx store.Tx) error { return tx.SetContactTags(context.Background(), id, tags) })
}

// tagFixture tags the campaign fixture's contacts (see campaignFixture:
// c1, c2, c4, c6 and c7 have active consent for "offers", c4 speaks English):
// c1 vip; c2 oslo; c3 vip but withdrew; c4 vip and oslo; c5 vip but consented
// to "news" only; c6 b2b; c7 nothing.
func tagFixture(t *testing.T, s store.Store) campaign.Campaign {
	t.Helper()
	c := campaignFixture(t, s)
	for id, tags := range map[string][]string{"c1": {"vip"}, "c2": {"oslo"}, "c3": {"vip"}, "c4": {"vip", "oslo"},
		"c5": {"vip"}, "c6": {"b2b"}} {
		setTags(t, s, id, tags...)
	}
	return c
}

// exerciseTags covers contact tags: setting, replacing and reading them,
// the database's refusal of a malformed tag, erasure, and the campaign
// audience narrowed by tags (any of them) and language.
func exerciseTags(t *testing.T, b Backend) {
	t.Run("set, replace and read", parallel(b, exerciseTagsSet))
	t.Run("a malformed tag is refused by the database and changes nothing", parallel(b, exerciseTagsMalformed))
	t.Run("erasure deletes the tags", parallel(b, exerciseTagsErasure))
	t.Run("campaign tags round trip", parallel(b, exerciseCampaignTags))
	t.Run("audience narrowed by tags", parallel(b, exerciseTagAudience))
}

func exerciseTagsSet(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error {
		for i, id := range []string{"c1", "c2"} {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
		}
		return nil
	})
	if got := contactTags(t, s, "c1"); len(got) != 0 {
		t.Errorf("a new contact has tags %v", got)
	}
	steps := []struct {
		set  []string
		want []string
	}{
		{[]string{"vip", "b2b", "oslo-2"}, []string{"b2b", "oslo-2", "vip"}},
		{[]string{"oslo-2", "a"}, []string{"a", "oslo-2"}}, // replaced, not added to
		{[]string{"vip", "vip"}, []string{"vip"}},
		{nil, []string{}},
		{[]string{"ab", "a-c", "0"}, []string{"0", "a-c", "ab"}}, // byte order on both backends
	}
	for _, st := range steps {
		setTags(t, s, "c1", st.set...)
		if got := contactTags(t, s, "c1"); !gocmp.Equal(st.want, got) {
			t.Errorf("after setting %v: tags = %v, want %v", st.set, got, st.want)
		}
		// Inside a transaction, which reads its own writes.
		tx(t, s, func(tx store.Tx) error {
			if got := contactTags(t, tx, "c1"); !gocmp.Equal(st.want, got) {
				t.Errorf("after setting %v: tags in a transaction = %v, want %v", st.set, got, st.want)
			}
			return nil
		})
	}
	setTags(t, s, "c2", "vip")
	if got := contactTags(t, s, "c1"); !gocmp.Equal([]string{"0", "a-c", "ab"}, got) {
		t.Errorf("tagging c2 changed c1: %v", got)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM contact_tags`); n != 4 {
		t.Errorf("%d tag rows, want 4", n)
	}
	if got := contactTags(t, s, "nobody"); len(got) != 0 {
		t.Errorf("an unknown contact has tags %v", got)
	}
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.SetContactTags(ctx, "nobody", []string{"vip"}) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tagging an unknown contact: %v, want ErrNotFound", err)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM contact_tags`); n != 4 {
		t.Errorf("%d tag rows after refusals, want 4", n)
	}
}

func exerciseTagsMalformed(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	tx(t, s, func(tx store.Tx) error { return tx.CreateContact(ctx, newContact("c1", 1)) })
	setTags(t, s, "c1", "vip", "b2b")
	for _, bad := range []string{"", "-vip", "VIP", "v_ip", "v ip", "vip\n", "vïp", "é", strings.Repeat("a", 33)} {
		// Through the store: the old tags are deleted first, so the
		// refusal must roll the whole replacement back.
		err := s.Tx(ctx, func(tx store.Tx) error { return tx.SetContactTags(ctx, "c1", []string{"oslo", bad}) })
		if err == nil {
			t.Errorf("SetContactTags accepted %q", bad)
		}
		// Beneath the store, as a script with database access would.
		if err := b.Exec(t, s, `INSERT INTO contact_tags (contact_id, tag) VALUES ('c1', $1)`, bad); err == nil {
			t.Errorf("the database accepted the tag %q", bad)
		}
		if got := contactTags(t, s, "c1"); !gocmp.Equal([]string{"b2b", "vip"}, got) {
			t.Fatalf("after refusing %q: tags = %v, want [b2b vip]", bad, got)
		}
	}
	if err := b.Exec(t, s, `INSERT INTO contact_tags (contact_id, tag) VALUES ('c1', $1)`, strings.Repeat("a", 32)); err != nil {
		t.Errorf("the database refused a tag of 32 characters: %v", err)
	}
	if err := b.Exec(t, s, `INSERT INTO contact_tags (contact_id, tag) VALUES ('nobody', 'vip')`); err == nil {
		t.Errorf("the database accepted a tag of no contact")
	}
}

func exerciseTagsErasure(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := tagFixture(t, s)
	c.Tags = []string{"vip"}
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c1", t0) })
	if got := contactTags(t, s, "c1"); len(got) != 0 {
		t.Errorf("an erased contact has tags %v", got)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM contact_tags WHERE contact_id = 'c1'`); n != 0 {
		t.Errorf("%d tag rows of the erased contact", n)
	}
	if got := contactTags(t, s, "c4"); !gocmp.Equal([]string{"oslo", "vip"}, got) {
		t.Errorf("erasing c1 changed c4's tags: %v", got)
	}
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.SetContactTags(ctx, "c1", []string{"vip"}) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("tagging an erased contact: %v, want ErrConflict", err)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM contact_tags WHERE contact_id = 'c1'`); n != 0 {
		t.Errorf("an erased contact was tagged again")
	}
	// The erased contact's consent state is still active in this
	// fixture, but without its tag it is out of a tagged audience.
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
	if added, _ := walkAll(t, s, c, "", 10); added != 1 {
		t.Errorf("audience of vip after erasing c1: %d, want 1 (c4)", added)
	}
	if _, err := s.Message(ctx, msgID(c.ID, "c1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the erased c1 is in the audience of vip: %v", err)
	}
}

func exerciseCampaignTags(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaignFixture(t, s)
	c.Tags, c.Language = []string{"b2b", "vip"}, "nb"
	bare := c
	bare.ID, bare.Tags, bare.Language = "k2", nil, ""
	roundTrip(t, s, c, bare)
	// Updating a campaign's progress keeps its tags.
	c.Status, c.Audience = campaign.Done, 2
	tx(t, s, func(tx store.Tx) error { return tx.UpdateCampaign(ctx, c, "c9") })
	if got, err := s.Campaign(ctx, c.ID); err != nil || !gocmp.Equal(c.Tags, got.Tags) {
		t.Errorf("tags after an update = %v, %v; want %v", got.Tags, err, c.Tags)
	}
	if n := b.Int(t, s, `SELECT count(*) FROM campaigns WHERE tags = '[]'`); n != 1 {
		t.Errorf("%d campaigns store no tags as '[]', want 1", n)
	}
}

func exerciseTagAudience(t *testing.T, b Backend) {
	ctx := context.Background()
	tests := []struct {
		name     string
		tags     []string
		language string
		want     []string
	}{
		{"no tags: everyone with consent", nil, "", audienceAll},
		{"one tag", []string{"vip"}, "", []string{"c1", "c4"}},
		{"any of two tags, a contact with both once", []string{"vip", "oslo"}, "", []string{"c1", "c2", "c4"}},
		{"tags and language en", []string{"oslo"}, "en", []string{"c4"}},
		{"tags and language nb", []string{"vip", "oslo"}, "nb", []string{"c1", "c2"}},
		{"no tags, language en", nil, "en", audienceEN},
		{"a tag only one contact carries", []string{"b2b"}, "", []string{"c6"}},
		{"a tag nobody carries", []string{"gone"}, "", nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 2, 100} {
			t.Run(fmt.Sprintf("%s, slices of %d", tt.name, limit), func(t *testing.T) {
				t.Parallel()
				s := b.Open(t)
				c := tagFixture(t, s)
				c.Tags, c.Language = tt.tags, tt.language
				tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
				added, last := walkAll(t, s, c, "", limit)
				if added != len(tt.want) {
					t.Errorf("added %d, want %d", added, len(tt.want))
				}
				wantLast := ""
				if len(tt.want) > 0 {
					wantLast = tt.want[len(tt.want)-1]
				}
				if last != wantLast {
					t.Errorf("last cursor = %q, want %q", last, wantLast)
				}
				if n := b.Int(t, s, `SELECT count(*) FROM messages WHERE campaign_id = 'k1'`); n != int64(len(tt.want)) {
					t.Errorf("%d message rows, want %d", n, len(tt.want))
				}
				for i := 1; i <= 7; i++ {
					id := fmt.Sprintf("c%d", i)
					_, err := s.Message(ctx, msgID("k1", id))
					switch in := slices.Contains(tt.want, id); {
					case in && err != nil:
						t.Errorf("%s is in the audience but has no message: %v", id, err)
					case !in && !errors.Is(err, store.ErrNotFound):
						t.Errorf("%s is not in the audience but has a message: %v", id, err)
					}
				}
			})
		}
	}
}
