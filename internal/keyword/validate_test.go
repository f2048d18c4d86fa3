// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"errors"
	"fmt"
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
	// at names the entry appended to a default list, as errors name it.
	d := DefaultLists()
	at := func(list string, n int, text string) string { return fmt.Sprintf("%s[%d] %q", list, n, text) }
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
		{"empty_entry", base(func(l *Lists) { l.OptOut = append(l.OptOut, "") }), []string{at("OptOut", len(d.OptOut), "") + " is empty"}},
		{"blank_filler", base(func(l *Lists) { l.Fillers = append(l.Fillers, " \u00a0 ") }), []string{at("Fillers", len(d.Fillers), " \u00a0 ") + " is empty"}},
		{"emoji_only_phrase", base(func(l *Lists) { l.OptOutPhrases = append(l.OptOutPhrases, "🛑!!") }), []string{at("OptOutPhrases", len(d.OptOutPhrases), "🛑!!") + " is empty"}},
		{"invalid_utf8", base(func(l *Lists) { l.OptIn = append(l.OptIn, "JA\xff") }), []string{"is not valid UTF-8"}},
		{"too_many_words", base(func(l *Lists) { l.OptOutPhrases = append(l.OptOutPhrases, strings.Repeat("ord ", 17)) }), []string{"more than 16 words"}},
		{"opt_in_and_opt_out", base(func(l *Lists) { l.OptIn = append(l.OptIn, "stopp") }), []string{`OptOut[0] "STOPP" and OptIn[5] "stopp"`}},
		{"opt_in_and_opt_out_after_normalisation", base(func(l *Lists) { l.OptOut = append(l.OptOut, "Paameld!") }), []string{at("OptOut", len(d.OptOut), "Paameld!")}},
		{"opt_in_and_phrase", base(func(l *Lists) { l.OptOutPhrases = append(l.OptOutPhrases, "ja") }), []string{at("OptOutPhrases", len(d.OptOutPhrases), "ja") + ` and OptIn[0] "JA"`}},
		{"K02_refusal_opt_in", base(func(l *Lists) { l.Refusals = append(l.Refusals, "YES") }), []string{`OptIn[4] "YES" and Refusals[2] "YES"`}},
		{"filler_opt_out", base(func(l *Lists) { l.Fillers = append(l.Fillers, "STOP") }), []string{at("Fillers", len(d.Fillers), "STOP")}},
		{"filler_phrase", base(func(l *Lists) { l.Fillers = append(l.Fillers, "fjern meg") }), []string{at("Fillers", len(d.Fillers), "fjern meg")}},
		{"filler_refusal", base(func(l *Lists) { l.Fillers = append(l.Fillers, "nei") }), []string{at("Fillers", len(d.Fillers), "nei")}},
		{"K04_opt_in_shadowed_by_phrase", base(func(l *Lists) { l.OptIn = append(l.OptIn, "ikke fjern meg") }), []string{`OptIn[5] "ikke fjern meg" can never match`}},
		{"K04_stop_verb_also_opt_out", base(func(l *Lists) { l.StopVerbs = append(l.StopVerbs, "STOPP", "ikke send mer") }), nil},
		{"K04_empty_request_lists", base(func(l *Lists) { l.StopVerbs, l.Sending, l.Negations, l.ServiceWords = nil, nil, nil, nil }), nil},
		{"K04_stop_verb_opt_in", base(func(l *Lists) { l.StopVerbs = append(l.StopVerbs, "Start") }), []string{at("StopVerbs", len(d.StopVerbs), "Start")}},
		{"K04_sending_two_words", base(func(l *Lists) { l.Sending = append(l.Sending, "e-post") }), []string{at("Sending", len(d.Sending), "e-post") + " must be a single word"}},
		{"K04_negation_two_words", base(func(l *Lists) { l.Negations = append(l.Negations, "do not") }), []string{at("Negations", len(d.Negations), "do not") + " must be a single word"}},
		{"K04_service_two_words", base(func(l *Lists) { l.ServiceWords = append(l.ServiceWords, "min ordre") }), []string{at("ServiceWords", len(d.ServiceWords), "min ordre") + " must be a single word"}},
		{"K04_sending_and_service", base(func(l *Lists) { l.ServiceWords = append(l.ServiceWords, "Meldinger") }), []string{`Sending[3] "meldinger" and ` + at("ServiceWords", len(d.ServiceWords), "Meldinger")}},
		{"K04_negation_filler", base(func(l *Lists) { l.Negations = append(l.Negations, "takk") }), []string{at("Negations", len(d.Negations), "takk")}},
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
