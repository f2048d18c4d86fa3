// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// entry is a compiled list entry.
type entry struct {
	ids  []int32 // vocabulary ids of its words
	role uint8
	word string // as configured, for Match.Word
}

// Matcher classifies inbound messages against compiled [Lists]. Create one
// with [New]; it is safe for concurrent use and must not be copied. The zero
// Matcher classifies every message as [None].
type Matcher struct {
	vocab   map[string]int32 // folded word -> id
	entries []entry
	cmd     [][]int32 // per first-word id: keyword, filler and refusal entries, longest first
	phrases [][]int32 // per first-word id: opt-out phrase entries, longest first
	inCmd   []bool    // per id: the word occurs in a keyword, filler or refusal entry
	verbs   [][]int32 // per first-word id: opt-out keyword and stop verb entries, longest first
	flags   []uint16  // per id: the word's roles in the request rule (wSending, ...)
	pool    sync.Pool // of *scratch
}

// New validates l (see [Lists.Validate]) and compiles it into a Matcher.
// The Matcher keeps no reference to l's slices.
func New(l Lists) (*Matcher, error) {
	specs, err := l.compile()
	if err != nil {
		return nil, err
	}
	m := &Matcher{vocab: map[string]int32{}}
	m.pool.New = func() any { return new(scratch) }
	for _, sp := range specs {
		e := entry{ids: make([]int32, len(sp.words)), role: sp.role, word: strings.TrimSpace(sp.text)}
		for j, w := range sp.words {
			id, ok := m.vocab[w]
			if !ok {
				id = int32(len(m.vocab))
				m.vocab[w] = id
			}
			e.ids[j] = id
		}
		m.entries = append(m.entries, e)
	}
	var s scratch
	for _, g := range grammar {
		for _, w := range g.words {
			s.tokenize(w)
			if _, ok := m.vocab[string(s.fold)]; !ok {
				m.vocab[string(s.fold)] = int32(len(m.vocab))
			}
		}
	}
	m.cmd = make([][]int32, len(m.vocab))
	m.phrases = make([][]int32, len(m.vocab))
	m.verbs = make([][]int32, len(m.vocab))
	m.inCmd = make([]bool, len(m.vocab))
	m.flags = make([]uint16, len(m.vocab))
	for _, g := range grammar {
		for _, w := range g.words {
			s.tokenize(w)
			m.flags[m.vocab[string(s.fold)]] |= g.flag
		}
	}
	for i, e := range m.entries {
		first := e.ids[0]
		switch e.role {
		case rolePhrase:
			m.phrases[first] = append(m.phrases[first], int32(i))
			continue
		case roleStopVerb:
			m.verbs[first] = append(m.verbs[first], int32(i))
			m.flags[first] |= wVerb
			continue
		case roleSending:
			m.flags[first] |= wSending
			continue
		case roleNegation:
			m.flags[first] |= wNegation
			continue
		case roleService:
			m.flags[first] |= wService
			continue
		case roleOptOut:
			m.verbs[first] = append(m.verbs[first], int32(i))
			m.flags[first] |= wVerb
		}
		m.cmd[first] = append(m.cmd[first], int32(i))
		for _, id := range e.ids {
			m.inCmd[id] = true
		}
	}
	longestFirst := func(a, b int32) int {
		return cmp.Compare(len(m.entries[b].ids), len(m.entries[a].ids))
	}
	for _, list := range [][][]int32{m.cmd, m.phrases, m.verbs} {
		for _, idx := range list {
			slices.SortStableFunc(idx, longestFirst)
		}
	}
	return m, nil
}

// Classify classifies an inbound text message (K-01 to K-04). Refusals such
// as "NEI" are not opt-outs here; use [Matcher.ClassifyReply] when the
// message answers a yes/no prompt.
func (m *Matcher) Classify(text string) Match {
	return m.classify(text, false)
}

// ClassifyReply is [Matcher.Classify] for a message that may answer a
// prompt. When awaitingYesNo is true, the contact was asked a yes/no
// question, and the configured refusals ("NEI", "NO", "Nei takk") count as
// opt-out keywords (K-02). ClassifyReply(text, false) equals Classify(text).
func (m *Matcher) ClassifyReply(text string, awaitingYesNo bool) Match {
	return m.classify(text, awaitingYesNo)
}

func (m *Matcher) classify(text string, awaiting bool) Match {
	s, ok := m.pool.Get().(*scratch)
	if !ok {
		s = new(scratch)
	}
	res := m.classifyWith(s, text, awaiting)
	if s.release() {
		m.pool.Put(s)
	}
	return res
}

func (m *Matcher) classifyWith(s *scratch, text string, awaiting bool) Match {
	s.tokenize(text)
	toks := s.toks
	n := len(toks)
	if n == 0 {
		return Match{}
	}
	for i := range toks {
		t := &toks[i]
		if id, ok := m.vocab[string(s.fold[t.fs:t.fe])]; ok {
			t.id = id
		}
	}

	// The whole message as keywords and fillers (K-01, K-03).
	whole := m.command(s, 0, n, awaiting, true)
	if whole.Kind == OptOut {
		return whole
	}
	// Each sentence as keywords and fillers (K-01, K-04).
	if toks[0].seg != toks[n-1].seg {
		lo := 0
		for i := 1; i <= n; i++ {
			if i < n && toks[i].seg == toks[lo].seg {
				continue
			}
			if r := m.command(s, lo, i, awaiting, false); r.Kind == OptOut {
				return r
			}
			lo = i
		}
	}
	// Opt-out phrases anywhere within a sentence (K-04).
	for i, t := range toks {
		if t.id < 0 {
			continue
		}
		for _, ei := range m.phrases[t.id] {
			e := &m.entries[ei]
			end := i + len(e.ids)
			if end > n || toks[end-1].seg != t.seg || !idsAt(e.ids, toks, i) || !m.phraseAllowed(toks, i, e) {
				continue
			}
			return Match{Kind: OptOut, Word: e.word}
		}
	}
	// Requests to stop sending (K-04).
	if ei := m.request(toks); ei >= 0 {
		return Match{Kind: OptOut, Word: m.entries[ei].word}
	}
	return whole
}

// idsAt reports whether the words of toks starting at i are ids.
func idsAt(ids []int32, toks []token, i int) bool {
	for j, id := range ids {
		if toks[i+j].id != id {
			return false
		}
	}
	return true
}

// The bits of a parse state in scratch.dp. For the words from position i to
// the end, bit (f+a) is set when they can be read as a sequence of entries
// and codes, starting after a keyword (a=1) or not (a=0), such that f holds:
const (
	fOK  = 0 // any reading exists
	fOut = 2 // a reading with an opt-out keyword (or refusal) exists
	fIn  = 4 // a reading with an opt-in keyword exists
)

func bit(state uint8, f, a int) uint8 { return state >> (f + a) & 1 }

// matchAt reports whether entry e matches toks at i and where it ends.
func (m *Matcher) matchAt(e *entry, toks []token, i int, awaiting bool) (int, bool) {
	end := i + len(e.ids)
	if end > len(toks) || (e.role == roleRefusal && !awaiting) {
		return 0, false
	}
	return end, idsAt(e.ids, toks, i)
}

// effect returns, for entry role r, the state after the entry (1 after a
// keyword, 0 after a filler) and whether it is an opt-out or opt-in.
func effect(r uint8) (after int, out, in uint8) {
	switch r {
	case roleOptOut, roleRefusal:
		return 1, 1, 0
	case roleOptIn:
		return 1, 0, 1
	default:
		return 0, 0, 0
	}
}

// command reports whether toks[lo:hi] consists only of keywords, fillers and
// codes (a code only directly after a keyword), with at least one keyword.
// It returns OptOut if some reading has an opt-out keyword, else OptIn if
// wantIn and some reading has an opt-in keyword, else None. It runs in time
// linear in hi-lo: a backward pass computes the parse states, and a forward
// pass picks the reading that reports the earliest, longest keyword.
func (m *Matcher) command(s *scratch, lo, hi int, awaiting, wantIn bool) Match {
	toks := s.toks[lo:hi]
	for _, t := range toks {
		if !t.code && (t.id < 0 || !m.inCmd[t.id]) {
			return Match{}
		}
	}
	n := len(toks)
	if cap(s.dp) < n+1 {
		s.dp = make([]uint8, n+1, 2*(n+1))
	}
	dp := s.dp[:n+1]
	dp[n] = 1<<fOK | 1<<(fOK+1)
	for i := n - 1; i >= 0; i-- {
		var ok, out, in uint8
		if id := toks[i].id; id >= 0 {
			for _, ei := range m.cmd[id] {
				e := &m.entries[ei]
				end, match := m.matchAt(e, toks, i, awaiting)
				if !match {
					continue
				}
				after, isOut, isIn := effect(e.role)
				next := dp[end]
				okN := bit(next, fOK, after)
				ok |= okN
				out |= bit(next, fOut, after) | okN&isOut
				in |= bit(next, fIn, after) | okN&isIn
			}
		}
		st := (ok|ok<<1)<<fOK | (out|out<<1)<<fOut | (in|in<<1)<<fIn
		if toks[i].code { // a code is allowed only after a keyword (a=1)
			next := dp[i+1]
			st |= bit(next, fOK, 0)<<(fOK+1) | bit(next, fOut, 0)<<(fOut+1) | bit(next, fIn, 0)<<(fIn+1)
		}
		dp[i] = st
	}
	switch {
	case bit(dp[0], fOut, 0) == 1:
		return m.reading(s, toks, dp, OptOut, awaiting)
	case wantIn && bit(dp[0], fIn, 0) == 1:
		return m.reading(s, toks, dp, OptIn, awaiting)
	default:
		return Match{}
	}
}

// reading walks one reading of toks whose states are dp and that contains a
// keyword of kind, and returns the first such keyword and, for OptIn, the
// code that directly follows an opt-in keyword.
func (m *Matcher) reading(s *scratch, toks []token, dp []uint8, kind Kind, awaiting bool) Match {
	f := fOut
	if kind == OptIn {
		f = fIn
	}
	res := Match{Kind: kind}
	need := true     // no keyword of kind recorded yet
	afterIn := false // the previous unit was an opt-in keyword
	a := 0
	for i := 0; i < len(toks); {
		t := toks[i]
		codeOK := a == 1 && t.code && bit(dp[i+1], fOK, 0) == 1 && (!need || bit(dp[i+1], f, 0) == 1)
		if codeOK && afterIn && kind == OptIn && res.Code == "" {
			res.Code = upper(s.low[t.ls:t.le])
			i, a, afterIn = i+1, 0, false
			continue
		}
		chosen := false
		if t.id >= 0 {
			for pass := 0; pass < 2 && !chosen; pass++ {
				for _, ei := range m.cmd[t.id] {
					e := &m.entries[ei]
					end, match := m.matchAt(e, toks, i, awaiting)
					if !match {
						continue
					}
					after, isOut, isIn := effect(e.role)
					isKind := (kind == OptOut && isOut == 1) || (kind == OptIn && isIn == 1)
					next := dp[end]
					var accept bool
					switch {
					case !need:
						accept = bit(next, fOK, after) == 1
					case pass == 0: // prefer recording the keyword now
						accept = isKind && bit(next, fOK, after) == 1
					default:
						accept = bit(next, f, after) == 1
					}
					if !accept {
						continue
					}
					if need && isKind {
						res.Word, need = e.word, false
					}
					i, a, afterIn, chosen = end, after, isIn == 1, true
					break
				}
			}
		}
		if !chosen {
			if !codeOK {
				break // unreachable: dp promised a reading
			}
			i, a, afterIn = i+1, 0, false
		}
	}
	return res
}

// upper returns the ASCII word w in upper case.
func upper(w []byte) string {
	var b strings.Builder
	b.Grow(len(w))
	for _, c := range w {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
