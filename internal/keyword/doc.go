// SPDX-License-Identifier: AGPL-3.0-only

// Package keyword classifies an inbound WhatsApp text message as an opt-out,
// an opt-in answer, or neither (requirements K-01 to K-04 of the GDPR/Norway
// requirements reference, section 7).
//
// The keyword lists are configuration: [Lists] holds them, [DefaultLists]
// returns the Norwegian and English defaults and [New] compiles a validated
// copy into a [Matcher]. A Matcher is immutable and safe for concurrent use;
// [Matcher.Classify] runs on every inbound message, so it does not use regular
// expressions and, after warm-up, allocates only the code string of an opt-in
// answer that carries one.
//
// # Normalisation
//
// Before matching, a message and every list entry are normalised the same
// way: Unicode NFKC (full-width letters, ligatures, decomposed "å"), lower
// case, emoji, symbols and punctuation removed, every kind of white space
// (no-break space, zero-width space, line breaks) collapsed. Apostrophes and
// soft hyphens are deleted, so "don't" and "dont" are the same word. Phones
// often lose the Norwegian "å": "å", "aa" and "a" compare equal (so "MELD PAA"
// and "meld pa" both mean "MELD PÅ"), and a letter typed three or more times in
// a row compares equal to the same letter twice ("STOPPPP", "jaaa"). The
// letters "æ" and "ø" are kept as they are.
//
// # Rules
//
// A message is an opt-out (K-01, K-02) when, ignoring fillers such as
// "takk" or "please", it consists only of keywords, at least one of them an
// opt-out keyword ("STOPP", " stopp takk!", "🛑 STOP please", "Ja stopp").
// The same test is applied to each sentence of a longer message, so "Stopp.
// Hvorfor får jeg dette?" is an opt-out too (sentences end at . ! ? ; : and
// line breaks). A keyword followed by ordinary words is not an opt-out:
// "Stopp for en dag i Oslo?" and "Når stopper bussen?" are not.
//
// A message is also an opt-out when it contains an opt-out phrase such as
// "ikke send mer" as a run of whole words inside one sentence (K-04: when in
// doubt, suppress).
//
// Refusals ("NEI", "NO") are opt-out keywords only in [Matcher.ClassifyReply]
// with awaitingYesNo set, that is when the message answers a yes/no prompt
// (K-02).
//
// A message is an opt-in answer (K-03) when the whole message consists of
// keywords and fillers, at least one of them an opt-in keyword and none an
// opt-out keyword. An opt-in keyword may be followed directly by a code
// ("JA K7P2QX"), reported upper-cased in [Match.Code]. Classifying "JA" as
// [OptIn] does not make it a consent: the caller must check that it answers a
// pending, user-requested confirmation. Opt-out wins over opt-in.
package keyword
