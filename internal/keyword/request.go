// SPDX-License-Identifier: AGPL-3.0-only

package keyword

// The request rule (K-04): a sentence that asks the business to stop
// sending, such as "Kan dere slutte å sende meg meldinger?", "Stop texting
// me" or "Reklamen deres må stoppe!". See the package documentation.

// Flags of a vocabulary word in the request rule (Matcher.flags).
const (
	wSending    uint16 = 1 << iota // Lists.Sending: "sende", "meldinger", "ads"
	wNegation                      // Lists.Negations: "ikke", "don't"
	wService                       // Lists.ServiceWords: "pakken", "order"
	wAddressee                     // "kan dere ikke ...", "why don't you ...": a request, not a negation
	wMust                          // "må", "must", "need": "reklamen må stoppe"
	wNounAfter                     // "på", "of", "by" after a verb: "slutt på", "end of", "stop by"
	wNounBefore                    // "the", "til", "neste" before a verb: "the end", "til slutt"
	wExists                        // "har", "det", "får" before "ikke flere" etc.: about stock or receiving, no request
	wNone                          // "no", "ingen": a verb beginning with it is a quantity, like a negation
	wVerb                          // the first word of a verb: Lists.OptOut and Lists.StopVerbs
)

// grammar are the function words of the request rule. They are part of the
// rule, not configuration: they say how a sentence is built, not which
// words mean "stop" or "messages".
var grammar = []struct {
	flag  uint16
	words []string
}{
	{wAddressee, []string{"dere", "du", "de", "dokker", "you", "u", "ye"}},
	{wMust, []string{"må", "must", "need", "needs", "have", "has", "got", "gotta"}},
	{wNounAfter, []string{"på", "of", "by"}},
	{wNounBefore, []string{
		"the", "an", "this", "that", "next", "last", "final",
		"til", "en", "et", "ei", "denne", "dette", "neste", "siste",
	}},
	{wExists, []string{
		"har", "det", "finnes", "fins", "finst", "there", "have", "has",
		"får", "fikk", "mottar", "get", "got", "receive",
	}},
	{wNone, []string{"no", "ingen"}},
}

// Windows of the request rule, in words.
const (
	negBefore    = 4 // a negation this close before a verb, in its clause, negates it
	sendAfter    = 5 // what is sent comes at most this far after the verb
	serviceAfter = 3 // a service word this close after what is sent makes it a service
	mustBefore   = 2 // "må"/"must" this close before the verb ...
	sendBefore   = 4 // ... and what is sent at most this far before "må"
	existsBefore = 2 // "har dere ikke flere tilbud?", "får jeg ikke flere": this close before the verb
)

// request reports the first verb entry of a request to stop sending in
// toks, or -1.
func (m *Matcher) request(toks []token) int32 {
	for i := range toks {
		id := toks[i].id
		if id < 0 {
			continue
		}
		for _, ei := range m.verbs[id] {
			e := &m.entries[ei]
			end := i + len(e.ids)
			if end > len(toks) || toks[end-1].seg != toks[i].seg || !idsAt(e.ids, toks, i) {
				continue
			}
			if m.isRequest(toks, i, e) {
				return ei
			}
		}
	}
	return -1
}

// flag reports whether toks[k] exists, is in sentence seg and has flag f.
func (m *Matcher) flag(toks []token, k int, seg int32, f uint16) bool {
	if k < 0 || k >= len(toks) || toks[k].seg != seg || toks[k].id < 0 {
		return false
	}
	return m.flags[toks[k].id]&f != 0
}

// negated reports whether a negation in the clause of toks[i] comes at most
// negBefore words before the entry e that starts there ("ikke slutt å
// sende", "don't stop sending", "jeg vil ikke at dere skal stoppe"). A
// negation next to an addressee is a plea, not a negation: "kan dere ikke
// bare slutte", "why don't you stop". An entry that holds a negation itself
// ("ikke send", "vil ikke ha flere meldinger") is never negated: a second
// negation is emphasis more often than not.
func (m *Matcher) negated(toks []token, i int, e *entry) bool {
	for _, id := range e.ids {
		if m.flags[id]&wNegation != 0 {
			return false
		}
	}
	t := toks[i]
	for k := i - 1; k >= 0 && k >= i-negBefore && toks[k].clause == t.clause; k-- {
		if m.flag(toks, k, t.seg, wNegation) &&
			!m.flag(toks, k-1, t.seg, wAddressee) && !m.flag(toks, k+1, t.seg, wAddressee) {
			return true
		}
	}
	return false
}

// serviceAt reports whether a service word comes in toks[lo:hi] within
// sentence seg.
func (m *Matcher) serviceAt(toks []token, lo, hi int, seg int32) bool {
	for k := max(lo, 0); k < hi && k < len(toks); k++ {
		if m.flag(toks, k, seg, wService) {
			return true
		}
	}
	return false
}

// isRequest reports whether the verb e at toks[i] asks to stop sending: not
// a noun ("slutt på", "the end"), not negated, not a question about stock
// ("har dere ikke flere tilbud?"), and with a sending word shortly after it
// ("slutte å sende", "stop the ads") or before "må"/"must" and it
// ("reklamen må stoppe"), and no service word in between or right after
// ("stoppe sendingen av pakken").
func (m *Matcher) isRequest(toks []token, i int, e *entry) bool {
	t := toks[i]
	seg, end := t.seg, i+len(e.ids)
	if m.flag(toks, end, seg, wNounAfter) || m.flag(toks, i-1, seg, wNounBefore) || m.negated(toks, i, e) {
		return false
	}
	if m.flags[t.id]&(wNegation|wNone) != 0 {
		for k := i - 1; k >= i-existsBefore && k >= 0 && toks[k].clause == t.clause; k-- {
			if m.flag(toks, k, seg, wExists) {
				return false
			}
		}
	}
	// What is sent, after the verb.
	for j := end; j < len(toks) && j < end+sendAfter && toks[j].seg == seg; j++ {
		var f uint16
		if id := toks[j].id; id >= 0 {
			f = m.flags[id]
		}
		switch {
		case f&wSending != 0:
			return !m.serviceAt(toks, j+1, j+1+serviceAfter, seg)
		case f&wService != 0:
			return false
		case toks[j].clause != t.clause:
		case f&wNegation != 0:
			return false // "stopp ikke tilbudene"
		case f&wVerb != 0:
			return false // "don't want you to stop sending": judged on its own
		}
	}
	// What is sent, before "må"/"must" and the verb.
	for k := i - 1; k >= i-mustBefore; k-- {
		if !m.flag(toks, k, seg, wMust) {
			continue
		}
		for j := k - 1; j >= 0 && j >= k-sendBefore && toks[j].seg == seg; j-- {
			if m.flag(toks, j, seg, wSending) {
				return !m.serviceAt(toks, j+1, i, seg)
			}
		}
		return false
	}
	return false
}

// phraseAllowed reports whether the opt-out phrase e at toks[i] stands: not
// negated ("don't stop sending") and not about a service right after it
// ("don't send the package").
func (m *Matcher) phraseAllowed(toks []token, i int, e *entry) bool {
	end := i + len(e.ids)
	return !m.negated(toks, i, e) && !m.serviceAt(toks, end, end+serviceAfter, toks[i].seg)
}
