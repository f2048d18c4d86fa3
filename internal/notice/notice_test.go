// SPDX-License-Identifier: AGPL-3.0-only

package notice_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/notice"
)

// complete has every Art. 13 item and a summary (T-01, T-02).
func complete() notice.Notice {
	n := notice.Notice{ID: "n1", Language: "nb", Version: 1, Summary: "Vi sender tilbud på WhatsApp når du har sagt ja."}
	for _, it := range notice.Required {
		n.Sections = append(n.Sections, notice.Section{Item: it, Title: string(it), Body: "Tekst om " + string(it)})
	}
	return n
}

// TestValidateDraft checks the shape of a draft; refusals wrap ErrInvalid (T-01).
func TestValidateDraft(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(n *notice.Notice)
		wantErr string // "" when valid
	}{
		{name: "complete notice", edit: func(*notice.Notice) {}},
		{name: "english", edit: func(n *notice.Notice) { n.Language = "en" }},
		{name: "incomplete draft is still a valid draft", edit: func(n *notice.Notice) { n.Sections = n.Sections[:1]; n.Summary = "" }},
		{name: "untitled sections without an item, twice", edit: func(n *notice.Notice) {
			n.Sections = append(n.Sections, notice.Section{Body: "a"}, notice.Section{Body: "b"})
		}},
		{name: "summary of 4000 bytes", edit: func(n *notice.Notice) { n.Summary = strings.Repeat("x", 4000) }},
		{name: "50 sections", edit: func(n *notice.Notice) {
			for len(n.Sections) < 50 {
				n.Sections = append(n.Sections, notice.Section{Body: "more"})
			}
		}},
		{name: "title of 200 and body of 20000 bytes", edit: func(n *notice.Notice) {
			n.Sections[0].Title, n.Sections[0].Body = strings.Repeat("t", 200), strings.Repeat("b", 20000)
		}},

		{name: "no language", edit: func(n *notice.Notice) { n.Language = "" }, wantErr: "language"},
		{name: "nynorsk", edit: func(n *notice.Notice) { n.Language = "nn" }, wantErr: "language"},
		{name: "upper-case language", edit: func(n *notice.Notice) { n.Language = "NB" }, wantErr: "language"},
		{name: "summary of 4001 bytes", edit: func(n *notice.Notice) { n.Summary = strings.Repeat("x", 4001) }, wantErr: "summary"},
		{name: "no sections", edit: func(n *notice.Notice) { n.Sections = nil }, wantErr: "1 to 50 sections"},
		{name: "51 sections", edit: func(n *notice.Notice) {
			for len(n.Sections) < 51 {
				n.Sections = append(n.Sections, notice.Section{Body: "more"})
			}
		}, wantErr: "1 to 50 sections"},
		{name: "unknown item", edit: func(n *notice.Notice) { n.Sections[3].Item = "cookies" }, wantErr: `section 3: unknown item "cookies"`},
		{name: "item twice", edit: func(n *notice.Notice) { n.Sections[5].Item = notice.Controller }, wantErr: `section 5: item "controller" appears twice`},
		{name: "title of 201 bytes", edit: func(n *notice.Notice) { n.Sections[2].Title = strings.Repeat("t", 201) }, wantErr: "section 2 is too long"},
		{name: "body of 20001 bytes", edit: func(n *notice.Notice) { n.Sections[4].Body = strings.Repeat("b", 20001) }, wantErr: "section 4 is too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := complete()
			tc.edit(&n)
			err := n.ValidateDraft()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateDraft() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateDraft() = nil, want an error saying %q", tc.wantErr)
			}
			if !errors.Is(err, notice.ErrInvalid) {
				t.Errorf("ValidateDraft() = %v, which does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ValidateDraft() = %q, want it to say %q", err, tc.wantErr)
			}
		})
	}
}

// TestMissing checks the publication check (T-01): every absent or empty
// Art. 13 item is listed, in the order of Required, then the summary (T-02).
func TestMissing(t *testing.T) {
	t.Parallel()
	allItems := append(append([]notice.Item(nil), notice.Required...), "summary")
	tests := []struct {
		name string
		edit func(n *notice.Notice)
		want []notice.Item
	}{
		{name: "complete", edit: func(*notice.Notice) {}, want: nil},
		{name: "empty notice", edit: func(n *notice.Notice) { *n = notice.Notice{} }, want: allItems},
		{name: "no summary (T-02)", edit: func(n *notice.Notice) { n.Summary = "" }, want: []notice.Item{"summary"}},
		{name: "blank summary (T-02)", edit: func(n *notice.Notice) { n.Summary = " \n\t" }, want: []notice.Item{"summary"}},
		{name: "no objection section (Art. 21(4))", edit: func(n *notice.Notice) { n.Sections = dropItem(n.Sections, notice.Objection) },
			want: []notice.Item{notice.Objection}},
		{name: "complaint section with a blank body", edit: func(n *notice.Notice) { setBody(n, notice.Complaint, "   ") },
			want: []notice.Item{notice.Complaint}},
		{name: "a title alone is not the information", edit: func(n *notice.Notice) { setBody(n, notice.Transfers, "") },
			want: []notice.Item{notice.Transfers}},
		{name: "three gone and no summary", edit: func(n *notice.Notice) {
			n.Sections = dropItem(dropItem(dropItem(n.Sections, notice.DPO), notice.Retention), notice.Automated)
			n.Summary = ""
		}, want: []notice.Item{notice.DPO, notice.Retention, notice.Automated, "summary"}},
		{name: "sections without an item count for nothing", edit: func(n *notice.Notice) {
			n.Sections = []notice.Section{{Title: "Om oss", Body: "Alt om oss"}}
		}, want: notice.Required},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := complete()
			tc.edit(&n)
			got := n.Missing()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Missing() (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("each required item alone", func(t *testing.T) {
		t.Parallel()
		if len(notice.Required) != 13 {
			t.Errorf("len(Required) = %d, want the 13 items of T-01", len(notice.Required))
		}
		for _, it := range notice.Required {
			n := complete()
			n.Sections = dropItem(n.Sections, it)
			if diff := cmp.Diff([]notice.Item{it}, n.Missing()); diff != "" {
				t.Errorf("without %s, Missing() (-want +got):\n%s", it, diff)
			}
		}
	})
}

func dropItem(sections []notice.Section, it notice.Item) []notice.Section {
	var out []notice.Section
	for _, s := range sections {
		if s.Item != it {
			out = append(out, s)
		}
	}
	return out
}

func setBody(n *notice.Notice, it notice.Item, body string) {
	for i := range n.Sections {
		if n.Sections[i].Item == it {
			n.Sections[i].Body = body
		}
	}
}

// TestMissingError checks that the refusal names every missing item (T-01).
func TestMissingError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		items []notice.Item
		want  string
	}{
		{"one item", []notice.Item{notice.DPO}, "notice lacks required Art. 13 items: dpo"},
		{"items and summary", []notice.Item{notice.Transfers, notice.Objection, "summary"},
			"notice lacks required Art. 13 items: transfers, objection, summary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error = &notice.MissingError{Items: tc.items}
			if got := err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
			var me *notice.MissingError
			if !errors.As(err, &me) || len(me.Items) != len(tc.items) {
				t.Errorf("errors.As did not recover the items")
			}
		})
	}
	t.Run("from Missing", func(t *testing.T) {
		t.Parallel()
		n := notice.Notice{Language: "nb"}
		msg := (&notice.MissingError{Items: n.Missing()}).Error()
		for _, it := range append(append([]notice.Item(nil), notice.Required...), "summary") {
			if !strings.Contains(msg, string(it)) {
				t.Errorf("message %q does not name %s", msg, it)
			}
		}
	})
}

// TestContentHash checks that the hash identifies what the person was shown
// (T-01): stable, and changed by any text of it.
func TestContentHash(t *testing.T) {
	t.Parallel()
	base := complete()
	want := base.ContentHash()
	if len(want) != 64 || strings.Trim(want, "0123456789abcdef") != "" {
		t.Fatalf("ContentHash() = %q, want 64 lower-case hex digits", want)
	}
	t.Run("stable", func(t *testing.T) {
		t.Parallel()
		for range 10 {
			if got := complete().ContentHash(); got != want {
				t.Fatalf("ContentHash() = %s, then %s", want, got)
			}
		}
	})
	unchanged := []struct {
		name string
		edit func(n *notice.Notice)
	}{
		{"id", func(n *notice.Notice) { n.ID = "other" }},
		{"stored hash", func(n *notice.Notice) { n.Hash = "abc" }},
		{"created at", func(n *notice.Notice) { n.CreatedAt = time.Now() }},
		{"published at", func(n *notice.Notice) { now := time.Now(); n.PublishedAt = &now }},
	}
	for _, tc := range unchanged {
		t.Run("metadata "+tc.name+" does not change it", func(t *testing.T) {
			t.Parallel()
			n := complete()
			tc.edit(&n)
			if got := n.ContentHash(); got != want {
				t.Errorf("ContentHash() = %s, want %s", got, want)
			}
		})
	}
	changed := []struct {
		name string
		edit func(n *notice.Notice)
	}{
		{"language", func(n *notice.Notice) { n.Language = "en" }},
		{"version", func(n *notice.Notice) { n.Version = 2 }},
		{"summary", func(n *notice.Notice) { n.Summary += "." }},
		{"section order", func(n *notice.Notice) { n.Sections[0], n.Sections[1] = n.Sections[1], n.Sections[0] }},
		{"section removed", func(n *notice.Notice) { n.Sections = n.Sections[1:] }},
		{"section added", func(n *notice.Notice) { n.Sections = append(n.Sections, notice.Section{Body: "x"}) }},
		{"text moved from title to body", func(n *notice.Notice) {
			n.Sections[0].Title, n.Sections[0].Body = n.Sections[0].Title+" Tekst", strings.TrimPrefix(n.Sections[0].Body, "Tekst")
		}},
	}
	for i := range base.Sections {
		for _, field := range []string{"item", "title", "body"} {
			changed = append(changed, struct {
				name string
				edit func(n *notice.Notice)
			}{
				name: "section " + string(base.Sections[i].Item) + " " + field,
				edit: func(n *notice.Notice) {
					s := &n.Sections[i]
					switch field {
					case "item":
						s.Item = ""
					case "title":
						s.Title += "!"
					case "body":
						s.Body = strings.Replace(s.Body, "o", "ø", 1)
					}
				},
			})
		}
	}
	for _, tc := range changed {
		t.Run(tc.name+" changes it", func(t *testing.T) {
			t.Parallel()
			n := complete()
			tc.edit(&n)
			if got := n.ContentHash(); got == want {
				t.Errorf("ContentHash() unchanged after editing %s", tc.name)
			}
		})
	}
}
