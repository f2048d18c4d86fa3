// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"errors"
	"strings"
	"testing"
)

// TestValidate checks the configuration errors of Lists (the keyword lists
// are configuration, K-02 to K-04).
func TestValidate(t *testing.T) {
	t.Parallel()
	base := func(edit func(*Lists)) Lists {
		l := DefaultLists()
		edit(&l)
		return l
	}
	cases := []struct {
		name  string
		lists Lists
		want  []string // substrings, one per expected error; nil means valid
	}{
		{"defaults", DefaultLists(), nil},
		{"only_one_opt_out", Lists{OptOut: []string{"AVSLUTT"}}, nil},
		{"duplicates_within_list", base(func(l *Lists) { l.OptOut = append(l.OptOut, "stopp", "Stopp!") }), nil},
		{"same_opt_out_and_phrase", base(func(l *Lists) { l.OptOutPhrases = append(l.OptOutPhrases, "STOPP") }), nil},
		{"refusal_also_opt_out", base(func(l *Lists) { l.OptOut = append(l.OptOut, "NEI") }), nil},
		{"K01_no_opt_out", Lists{OptIn: []string{"JA"}}, []string{"OptOut is empty"}},
		{"K01_zero_lists", Lists{}, []string{"OptOut is empty"}},
		{"empty_entry", base(func(l *Lists) { l.OptOut = append(l.OptOut, "") }), []string{`OptOut[17] "" is empty`}},
		{"blank_filler", base(func(l *Lists) { l.Fillers = append(l.Fillers, " \u00a0 ") }), []string{`Fillers[10] " \u00a0 " is empty`}},
		{"emoji_only_phrase", base(func(l *Lists) { l.OptOutPhrases = append(l.OptOutPhrases, "🛑!!") }), []string{`OptOutPhrases[12] "🛑!!" is empty`}},
		{"invalid_utf8", base(func(l *Lists) { l.OptIn = append(l.OptIn, "JA\xff") }), []string{"is not valid UTF-8"}},
		{"too_many_words", base(func(l *Lists) { l.OptOutPhrases = append(l.OptOutPhrases, strings.Repeat("ord ", 17)) }), []string{"more than 16 words"}},
		{"opt_in_and_opt_out", base(func(l *Lists) { l.OptIn = append(l.OptIn, "stopp") }), []string{`OptOut[0] "STOPP" and OptIn[5] "stopp"`}},
		{"opt_in_and_opt_out_after_normalisation", base(func(l *Lists) { l.OptOut = append(l.OptOut, "Paameld!") }), []string{`OptOut[17] "Paameld!"`}},
		{"opt_in_and_phrase", base(func(l *Lists) { l.OptOutPhrases = append(l.OptOutPhrases, "ja") }), []string{`OptOutPhrases[12] "ja" and OptIn[0] "JA"`}},
		{"K02_refusal_opt_in", base(func(l *Lists) { l.Refusals = append(l.Refusals, "YES") }), []string{`OptIn[4] "YES" and Refusals[2] "YES"`}},
		{"filler_opt_out", base(func(l *Lists) { l.Fillers = append(l.Fillers, "STOP") }), []string{`Fillers[10] "STOP"`}},
		{"filler_phrase", base(func(l *Lists) { l.Fillers = append(l.Fillers, "fjern meg") }), []string{`Fillers[10] "fjern meg"`}},
		{"filler_refusal", base(func(l *Lists) { l.Fillers = append(l.Fillers, "nei") }), []string{`Fillers[10] "nei"`}},
		{"K04_opt_in_shadowed_by_phrase", base(func(l *Lists) { l.OptIn = append(l.OptIn, "ikke fjern meg") }), []string{`OptIn[5] "ikke fjern meg" can never match`}},
		{"several_problems", Lists{OptOutPhrases: []string{"", "ja"}, OptIn: []string{"JA"}, Fillers: []string{"ja"}}, []string{
			"OptOut is empty", `OptOutPhrases[0] "" is empty`,
			`OptOutPhrases[1] "ja" and OptIn[0] "JA"`, `OptOutPhrases[1] "ja" and Fillers[0] "ja"`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.lists.Validate()
			m, newErr := New(tc.lists)
			if tc.want == nil {
				if err != nil || newErr != nil || m == nil {
					t.Fatalf("Validate() = %v, New() = %v, %v; want valid", err, m, newErr)
				}
				return
			}
			if err == nil || newErr == nil || m != nil {
				t.Fatalf("Validate() = %v, New() = %v, %v; want errors %q", err, m, newErr, tc.want)
			}
			if !errors.Is(err, ErrInvalidLists) {
				t.Errorf("Validate() = %v, want it to wrap ErrInvalidLists", err)
			}
			if err.Error() != newErr.Error() {
				t.Errorf("New() error %q differs from Validate() error %q", newErr, err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("Validate() returned %d errors, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v\nwant it to mention %q", err, w)
				}
			}
		})
	}
}
