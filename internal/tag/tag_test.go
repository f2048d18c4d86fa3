// SPDX-License-Identifier: AGPL-3.0-only

package tag_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/tag"
)

var declared = []tag.Tag{
	{Key: "vip", Description: consent.Text{NB: "Faste kunder", EN: "Regular customers"}},
	{Key: "oslo-2", Description: consent.Text{NB: "Butikken i Oslo", EN: "The Oslo shop"}},
	{Key: "b2b", Description: consent.Text{NB: "Bedriftskunder", EN: "Business customers"}},
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	for k, want := range map[string]bool{
		"a": true, "0": true, "vip": true, "oslo-2": true, "b2b": true, "a-": true, strings.Repeat("a", 32): true,
		"": false, "-a": false, "VIP": false, "v_ip": false, "v ip": false, "vip\n": false, "vïp": false,
		strings.Repeat("a", 33): false,
	} {
		if got := tag.ValidKey(k); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", k, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	got, err := tag.Parse(`[{"key":"vip","description":{"nb":"Faste kunder","en":"Regular customers"}},
		{"key":"oslo-2","description":{"nb":"Butikken i Oslo","en":"The Oslo shop"}},
		{"key":"b2b","description":{"nb":"Bedriftskunder","en":"Business customers"}}]`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(declared, got); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
	for _, empty := range []string{"", "  ", "[]"} {
		if got, err := tag.Parse(empty); err != nil || got != nil {
			t.Errorf("Parse(%q) = %v, %v; want nothing declared", empty, got, err)
		}
	}
	bad := map[string]string{
		"not JSON":            `vip=Faste kunder`,
		"an object":           `{"key":"vip"}`,
		"an unknown field":    `[{"key":"vip","description":{"nb":"a","en":"b"},"colour":"red"}]`,
		"text after the list": `[{"key":"vip","description":{"nb":"a","en":"b"}}] x`,
		"a malformed key":     `[{"key":"VIP","description":{"nb":"a","en":"b"}}]`,
		"an empty key":        `[{"key":"","description":{"nb":"a","en":"b"}}]`,
		"a key twice":         `[{"key":"vip","description":{"nb":"a","en":"b"}},{"key":"vip","description":{"nb":"c","en":"d"}}]`,
		"no English":          `[{"key":"vip","description":{"nb":"a"}}]`,
		"a blank bokmål":      `[{"key":"vip","description":{"nb":" ","en":"b"}}]`,
		"a long description":  `[{"key":"vip","description":{"nb":"` + strings.Repeat("å", tag.MaxDescription+1) + `","en":"b"}}]`,
	}
	for name, s := range bad {
		if _, err := tag.Parse(s); !errors.Is(err, tag.ErrDeclaration) {
			t.Errorf("%s: err = %v, want ErrDeclaration", name, err)
		}
	}
	if _, err := tag.Parse(`[{"key":"vip","description":{"nb":"` + strings.Repeat("å", tag.MaxDescription) + `","en":"b"}}]`); err != nil {
		t.Errorf("a description of %d characters: %v", tag.MaxDescription, err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		declared []tag.Tag
		keys     []string
		want     []string
		err      error
		msg      []string // the message holds each
		notInMsg string
	}{
		{name: "none", declared: declared, keys: nil, want: []string{}},
		{name: "sorted, repeats dropped", declared: declared, keys: []string{"vip", "b2b", "vip"}, want: []string{"b2b", "vip"}},
		{name: "undeclared names the tag and the declared ones", declared: declared, keys: []string{"vip", "gold"},
			err: tag.ErrUndeclared, msg: []string{`tags[1] "gold"`, "vip, oslo-2, b2b"}},
		{name: "nothing declared", declared: nil, keys: []string{"vip"}, err: tag.ErrUndeclared, msg: []string{`"vip"`, "no tags are declared"}},
		{name: "malformed names the tag", declared: declared, keys: []string{"Bad Tag"}, err: tag.ErrMalformed,
			msg: []string{`tags[0] "Bad Tag"`, tag.KeyRule}},
		{name: "empty", declared: declared, keys: []string{""}, err: tag.ErrMalformed, msg: []string{`tags[0] ""`}},
		{name: "a number is not echoed", declared: declared, keys: []string{"b2b", "4791234567"}, err: tag.ErrUndeclared,
			msg: []string{"tags[1] (value not shown)"}, notInMsg: "91234567"},
		{name: "a malformed number is not echoed", declared: declared, keys: []string{"+47 912 34 567"}, err: tag.ErrMalformed,
			msg: []string{"tags[0] (value not shown)"}, notInMsg: "912"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tag.Check(tt.declared, tt.keys)
			if tt.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" || got == nil {
					t.Errorf("Check (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tt.err) || got != nil {
				t.Fatalf("Check = %v, %v; want %v", got, err, tt.err)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not hold %q", err, m)
				}
			}
			if tt.notInMsg != "" && strings.Contains(err.Error(), tt.notInMsg) {
				t.Errorf("message %q holds %q", err, tt.notInMsg)
			}
		})
	}
}
