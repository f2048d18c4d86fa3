// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"strings"
	"testing"
)

// FuzzClassify checks, for any message, that Classify does not panic, is
// deterministic, returns a well-formed Match, agrees with ClassifyReply
// without a pending question, keeps an opt-out an opt-out when refusals are
// enabled (K-02, K-04), and that surrounding white space or a trailing
// "!!!" never changes the Kind (K-01).
func FuzzClassify(f *testing.F) {
	for _, tc := range classifyCases {
		f.Add(tc.text)
	}
	for _, l := range [][]string{DefaultLists().OptOut, DefaultLists().OptIn, DefaultLists().OptOutPhrases, DefaultLists().StopVerbs} {
		for _, kw := range l {
			f.Add(kw)
		}
	}
	for _, s := range []string{
		"\u0301stopp", " \u0301", "don´t send", "a\u00a0\u200b\u2060b", "\xe2\x80", "stopp\xc2",
		"ja k7p2qx\r\n", "NEI", "nei takk", "meld pa\u030a", "ｓｔｏｐｐ", "ﬁn", "stopp'", "'ja'",
		"slutte å sende", "ikke, slutte å sende", "stopp, pakken", "må stoppe", "reklamen må",
		"har ikke flere tilbud", "slutt på", "the end", "dere ikke slutte å sende",
	} {
		f.Add(s)
	}
	m := defaultMatcher(f)
	words := map[string]bool{}
	l := DefaultLists()
	for _, list := range [][]string{l.OptOut, l.OptOutPhrases, l.OptIn, l.Refusals, l.StopVerbs} {
		for _, w := range list {
			words[w] = true
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := m.Classify(text)
		if again := m.Classify(text); again != got {
			t.Fatalf("Classify(%q) not deterministic: %+v then %+v", text, got, again)
		}
		if reply := m.ClassifyReply(text, false); reply != got {
			t.Fatalf("ClassifyReply(%q, false) = %+v, Classify = %+v", text, reply, got)
		}
		switch got.Kind {
		case None:
			if got.Word != "" || got.Code != "" {
				t.Fatalf("Classify(%q) = %+v: None with a word or code", text, got)
			}
		case OptOut, OptIn:
			if !words[got.Word] {
				t.Fatalf("Classify(%q) = %+v: word is not a list entry", text, got)
			}
		default:
			t.Fatalf("Classify(%q) = %+v: unknown kind", text, got)
		}
		if got.Code != "" && (got.Kind != OptIn || !isCode([]byte(strings.ToLower(got.Code))) || strings.ToUpper(got.Code) != got.Code) {
			t.Fatalf("Classify(%q) = %+v: malformed code", text, got)
		}
		if got.Kind == OptOut {
			if reply := m.ClassifyReply(text, true); reply.Kind != OptOut {
				t.Fatalf("ClassifyReply(%q, true) = %+v, want OptOut like Classify", text, reply)
			}
		}
		for _, v := range []string{
			" " + text, text + " ", "\t" + text + "\n", "\u00a0" + text + "\u00a0",
			"\u200b" + text + "\u200b", "\r\n" + text + "\r\n", text + "!!!", "  " + text + " !!!",
		} {
			if k := m.Classify(v).Kind; k != got.Kind {
				t.Fatalf("Classify(%q) = %v but Classify(%q) = %v", text, got.Kind, v, k)
			}
		}
	})
}
