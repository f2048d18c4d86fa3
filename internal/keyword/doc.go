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
// A message is an opt-out (K-01, K-02) when, ignoring fillers (courtesy
// and filler words such as "takk", "please", "thank u", "vær så snill",
// "nå", "now", "med en gang" or "hei"), it consists only of keywords, at
// least one of them an opt-out keyword ("STOPP", " stopp takk!", "🛑 STOP
// please", "STOP, thank you", "Unsubscribe me please", "Ja stopp").
// The same test is applied to each sentence of a longer message, so "Stopp.
// Hvorfor får jeg dette?" is an opt-out too (sentences end at . ! ? ; : and
// line breaks). A keyword followed by ordinary words is not an opt-out by
// this rule: "Stopp for en dag i Oslo?" and "Når stopper bussen?" are not
// ("Stopp reklamen" is, by the request rule below).
//
// A message is also an opt-out when it contains an opt-out phrase such as
// "ikke send mer" as a run of whole words inside one sentence (K-04: when in
// doubt, suppress), unless the phrase is negated or is about a service (see
// the guards below).
//
// # The request rule
//
// A message is also an opt-out when one of its sentences asks the business
// to stop sending (K-04): a verb of stopping followed, at most five words
// later, by a word for what is sent. "Kan dere slutte å sende meg
// meldinger?", "Vær så snill å slutte å sende meg reklame", "STOPP REKLAME",
// "Ikke send meg flere tilbud", "How do I unsubscribe from your newsletter?"
// and "Take me off your marketing list" are opt-outs. What is sent may also
// come shortly before "må", "must" or "need" and the verb: "Reklamen deres
// må stoppe!", "These messages need to stop".
//
// The verbs are the configured opt-out keywords ([Lists.OptOut], which
// SAMTYKKE_OPTOUT_WORDS replaces) and [Lists.StopVerbs], their inflected
// forms and expressions such as "melde meg av", "ikke send" and "no more";
// what is sent is [Lists.Sending] ("sende", "meldinger",
// "reklame", "tilbud", "nyhetsbrev", "messages", "ads" ...). Present and
// past tenses ("slutter", "stoppet") are left out on purpose: they describe
// ("Når slutter tilbudet?") rather than ask. A sentence is not a request,
// and an opt-out phrase in it does not count, when:
//
//   - a word of [Lists.Negations] comes at most four words before the verb
//     in the same clause (clauses end at commas, dashes and brackets as
//     well as at sentence ends): "Ikke slutt å sende meg tilbud", "don't
//     stop sending", "Jeg vil ikke at dere skal stoppe tilbudene". A
//     negation next to "dere", "du" or "you" is a plea and does not count
//     ("Kan dere ikke bare slutte å sende meg reklame?", "Why can't you stop
//     sending me these messages"), nor does one in an earlier clause ("Jeg
//     har ikke bedt om dette, slutt å sende meg reklame"). An entry that is
//     itself negated ("ikke send", "vil ikke ha flere meldinger") is never
//     negated again;
//   - a word of [Lists.ServiceWords] (an order, a delivery, a payment) comes
//     between the verb and what is sent or at most three words after it:
//     "Kan dere stoppe sendingen av pakken min?", "Kan dere slutte å sende
//     pakker til feil adresse?", "Don't send the package before Monday";
//
// and, for the request rule only, when:
//
//   - the verb is used as a noun: followed by "på", "of" or "by" ("Er det
//     slutt på tilbudene?", "the end of", "stop by") or preceded by an
//     article or "til" ("the end", "til slutt");
//   - a negation comes between the verb and what is sent in the verb's
//     clause ("Stopp ikke tilbudene!"), or another verb does ("I don't want
//     you to stop sending offers": that one is judged on its own);
//   - a verb that begins with a negation or "no"/"ingen" closely follows
//     "har", "det", "have", "there", "får" or "get": a question about stock
//     or about what arrives ("Har dere ikke flere tilbud?", "Are there no
//     more offers?", "Hvorfor får jeg ikke flere tilbud?").
//
// The function words of these guards (addressees, "må", articles, "har")
// are part of the rule, not configuration. The guards apply to phrases and
// to the request rule only: a sentence of keywords and fillers ("Stopp
// takk") is an opt-out wherever it stands.
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
