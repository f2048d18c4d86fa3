// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind is what an inbound message asks for.
type Kind int

// The kinds of message [Matcher.Classify] tells apart.
const (
	// None means the message is neither an opt-out nor an opt-in answer.
	None Kind = iota
	// OptOut means the message withdraws consent or objects to marketing
	// (K-01, K-02, K-04): suppress the contact before the next send (K-06).
	OptOut
	// OptIn means the message is a "yes" answer (K-03). It is a consent only
	// if it answers a pending, user-requested confirmation.
	OptIn
)

// String returns a stable, lower-case identifier ("none", "opt_out",
// "opt_in") that is safe to use as a metrics label.
func (k Kind) String() string {
	switch k {
	case None:
		return "none"
	case OptOut:
		return "opt_out"
	case OptIn:
		return "opt_in"
	default:
		return fmt.Sprintf("kind(%d)", int(k))
	}
}

// Match is the result of classifying a message.
type Match struct {
	// Kind is what the message asks for.
	Kind Kind
	// Word is the list entry that matched, spelled as configured (for
	// example "STOPP", "MELD PÅ" or "ikke send mer"); empty for None.
	Word string
	// Code is, for OptIn, the one-time or campaign code that directly
	// follows the opt-in keyword, upper-cased ("JA k7p2qx" gives "K7P2QX");
	// empty if there is none and always empty for other kinds.
	Code string
}

// Lists is the keyword configuration. Entries are matched after
// normalisation (see the package documentation), so "STOPP", "stopp" and
// "Stopp!" are the same entry. An entry may have several words, except in
// Sending, Negations and ServiceWords, whose entries are single words.
type Lists struct {
	// OptOut are the opt-out keywords (K-01, K-02). They match when a message
	// or one of its sentences consists only of keywords and fillers. They are
	// also verbs of the request rule (K-04), so "Stopp reklamen!" is an
	// opt-out.
	OptOut []string
	// OptOutPhrases are refusals that match anywhere in a message as a run
	// of whole words within one sentence (K-04), such as "ikke send mer",
	// unless negated or about a service (see the package documentation).
	OptOutPhrases []string
	// OptIn are the opt-in keywords (K-03). They match only when the whole
	// message consists of keywords, an optional code and fillers.
	OptIn []string
	// Fillers are courtesy words that may surround a keyword without
	// changing its meaning, such as "takk" or "please".
	Fillers []string
	// Refusals are words such as "NEI" that are opt-out keywords only when
	// the message answers a yes/no prompt (K-02); see
	// [Matcher.ClassifyReply].
	Refusals []string
	// StopVerbs are the verbs of the request rule (K-04) besides the OptOut
	// keywords: inflected forms ("slutte", "stoppe") and expressions such
	// as "melde meg av", "ikke send" or "no more".
	StopVerbs []string
	// Sending are the words of the request rule (K-04) for what is sent:
	// "sende", "meldinger", "reklame", "messages", "ads".
	Sending []string
	// Negations are words that turn a request to stop into its opposite
	// when they come shortly before it: "ikke", "don't", "never" ("Ikke
	// slutt å sende meg tilbud").
	Negations []string
	// ServiceWords name an order, a delivery or another service: a request
	// to stop sending one ("Kan dere slutte å sende pakken?") is not an
	// objection to marketing.
	ServiceWords []string
}

// DefaultLists returns the default Norwegian (bokmål and nynorsk) and
// English lists (K-02, K-03, K-04). Each call returns new slices, which the
// caller may modify.
func DefaultLists() Lists {
	return Lists{
		OptOut: []string{
			"STOPP", "STOP", "AVMELD", "AVMELDING", "MELD AV", "MELD MEG AV",
			"AVSLUTT", "SLUTT", "UTMELD", "AVBESTILL", "UNSUBSCRIBE", "CANCEL",
			"END", "QUIT", "OPTOUT", "OPT OUT", "STOP ALL",
			"STOPP ALT", "STOPP DET", "STOP IT", "AVMELD MEG", "UNSUBSCRIBE ME",
			"OPT ME OUT",
		},
		OptOutPhrases: []string{
			"ikke send mer", "ikke send flere", "slutt å sende", "slutt og sende",
			"vil ikke ha flere meldinger", "vil ikke motta", "stop sending",
			"don't send", "do not send", "no more messages", "fjern meg",
			"remove me",
			"ikkje send meir", "ikkje send fleire", "send ikke mer", "send ikkje meir",
			"send ikke flere", "send ikkje fleire",
			"vil ikkje ha fleire meldingar", "vil ikkje motta", "ikke kontakt meg",
			"ikkje kontakt meg", "ikke send meg mer", "ikke send meg flere",
			"ikke send meg noe mer", "ikkje send meg meir", "ta meg av lista", "ta meg av listen",
			"stop texting me", "stop messaging me", "stop contacting me",
			"leave me alone", "take me off your list", "take me off the list",
			"don't want these messages", "don't want your messages",
			"don't want any more messages", "don't want to receive",
			"do not want to receive",
		},
		OptIn: []string{"JA", "START", "MELD PÅ", "PÅMELD", "YES"},
		Fillers: []string{
			"takk", "tusen takk", "please", "thanks", "thank you", "nå", "na",
			"pls", "plz", "thx",
			"mange takk", "takker", "takk skal du ha", "takk for meg",
			"på forhånd takk", "vær så snill", "vaer så snill", "ver så snill",
			"vennligst",
			"er du snill", "da", "straks", "med en gang", "med ein gong",
			"umiddelbart", "omgående", "for godt", "hei", "hallo", "plis",
			"thank u", "ty", "thnx", "thanx", "tnx", "thanks a lot",
			"thank you very much", "thank you so much", "thanks so much",
			"many thanks", "cheers", "now", "right now", "immediately", "asap",
			"for good", "hi", "hello",
		},
		Refusals: []string{"NEI", "NO"},
		StopVerbs: []string{
			// bokmål and nynorsk
			"slutte", "stoppe", "avslutte", "avmelde", "melde av", "melde meg av",
			"meld oss av", "melde oss av", "avbestille", "utmelde", "kutt ut",
			"kutte ut", "hold opp", "holde opp", "ta meg av",
			"ikke send", "ikke sende", "ikkje send", "ikkje sende", "ikke mer", "ikke flere", "ikkje meir", "ikkje fleire",
			"ingen flere", "ingen fleire", "ingen mer", "ingen meir",
			"vil ikke ha", "vil ikkje ha", "ønsker ikke", "ønskjer ikkje",
			"ikke interessert", "ikkje interessert",
			// English
			"halt", "cease", "take me off",
			"don't send", "do not send", "never send", "no more", "not interested",
		},
		Sending: []string{
			// bokmål and nynorsk
			"sende", "send", "sending", "meldinger", "meldingene", "meldingar",
			"meldingane", "melding", "meldingen", "meldinga", "sms", "smser",
			"smsene", "reklame", "reklamen", "reklamer", "reklamemeldinger",
			"tilbud", "tilbudene", "tilbuda", "tilbod", "tilboda",
			"tilbudsmeldinger", "tilbodsmeldingar", "nyhetsbrev", "nyhetsbrevet",
			"nyhetsbrevene", "nyheitsbrev", "nyheitsbrevet", "spam", "spammen",
			"spamme", "markedsføring", "markedsføringen", "markedsføringa",
			"kampanjer", "kampanjene", "masing", "mase", "kontakte", "skrive",
			// English
			"messages", "messaging", "texts", "texting", "text", "ads", "adverts",
			"advertising", "advertisements", "marketing", "promotions", "promos",
			"promo", "offers", "deals", "newsletter", "newsletters", "spamming",
			"contacting", "notifications",
		},
		Negations: []string{
			"ikke", "ikkje", "aldri", "not", "don't", "doesn't", "didn't",
			"never", "can't", "cannot", "won't", "shouldn't", "mustn't",
		},
		ServiceWords: []string{
			// bokmål and nynorsk
			"bestilling", "bestillingen", "bestillinga", "bestillinger", "bestilt",
			"bestilte", "ordre", "ordren", "ordrer", "levering", "leveringen",
			"leveranse", "leveransen", "pakke", "pakken", "pakka", "pakker",
			"pakkene", "forsendelse", "forsendelsen", "sendingen", "betaling",
			"betalingen", "faktura", "fakturaen", "fakturaer", "regning",
			"regningen", "regninger", "kvittering", "kvitteringen", "timen",
			"timebestilling", "reservasjon", "reservasjonen", "retur", "returen",
			"vare", "varen", "varer", "varene", "adresse", "adressen", "kjøp",
			"kjøpet",
			// English
			"order", "orders", "ordered", "delivery", "deliveries", "shipment",
			"shipping", "package", "parcel", "payment", "invoice", "invoices",
			"bill", "receipt", "booking", "reservation", "appointment", "refund",
			"return", "purchase", "address", "goods", "items",
		},
	}
}

// ErrInvalidLists is wrapped by every error [Lists.Validate] and [New]
// return.
var ErrInvalidLists = errors.New("invalid keyword lists")

// maxEntryWords bounds the number of words in one list entry.
const maxEntryWords = 16

// listNames name the lists in error messages, in the order of [Lists.all].
var listNames = [...]string{
	"OptOut", "OptOutPhrases", "OptIn", "Fillers", "Refusals",
	"StopVerbs", "Sending", "Negations", "ServiceWords",
}

// The roles of a list entry. The order matches listNames.
const (
	roleOptOut uint8 = iota
	rolePhrase
	roleOptIn
	roleFiller
	roleRefusal
	roleStopVerb
	roleSending
	roleNegation
	roleService
)

// all returns the lists in role order.
func (l Lists) all() [len(listNames)][]string {
	return [len(listNames)][]string{
		l.OptOut, l.OptOutPhrases, l.OptIn, l.Fillers, l.Refusals,
		l.StopVerbs, l.Sending, l.Negations, l.ServiceWords,
	}
}

// entryRef locates a list entry for error messages.
type entryRef struct {
	role  uint8
	index int
	text  string
}

func (r entryRef) String() string {
	return fmt.Sprintf("%s[%d] %q", listNames[r.role], r.index, r.text)
}

// entrySpec is a list entry with its normalised words.
type entrySpec struct {
	entryRef
	words []string
}

// Validate reports every problem in l, each wrapping [ErrInvalidLists]:
// an empty OptOut list (an opt-out keyword is mandatory, K-01), entries that
// are not valid UTF-8, empty after normalisation or longer than 16 words, an
// entry of Sending, Negations or ServiceWords with more than one word, the
// same entry in lists of different meanings (an opt-in and an opt-out,
// refusal or stop verb; a filler and anything else; a sending word and a
// service word, ...), and an opt-in keyword that can never match because it
// contains an opt-out phrase. Entries repeated within or across the opt-out
// lists (OptOut, OptOutPhrases, Refusals, StopVerbs), or within one list,
// are allowed.
func (l Lists) Validate() error {
	_, err := l.compile()
	return err
}

// compile validates l and returns its entries with their normalised words.
func (l Lists) compile() ([]entrySpec, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidLists}, args...)...))
	}
	if len(l.OptOut) == 0 {
		bad("OptOut is empty: at least one opt-out keyword is required (K-01)")
	}
	var s scratch
	var specs []entrySpec
	seen := map[string]entryRef{}
	for role, list := range l.all() {
		for i, text := range list {
			ref := entryRef{role: uint8(role), index: i, text: text}
			if !utf8.ValidString(text) {
				bad("%s is not valid UTF-8", ref)
				continue
			}
			s.tokenize(text)
			if len(s.toks) == 0 {
				bad("%s is empty after normalisation", ref)
				continue
			}
			if len(s.toks) > maxEntryWords {
				bad("%s has more than %d words", ref, maxEntryWords)
				continue
			}
			if len(s.toks) > 1 && ref.role >= roleSending {
				bad("%s must be a single word", ref)
				continue
			}
			words := make([]string, len(s.toks))
			for j, t := range s.toks {
				words[j] = string(s.fold[t.fs:t.fe])
			}
			key := strings.Join(words, " ")
			if prev, ok := seen[key]; ok && conflict(prev.role, ref.role) {
				bad("%s and %s are the same after normalisation (%q) but have conflicting meanings", prev, ref, key)
				continue
			} else if !ok {
				seen[key] = ref
			}
			specs = append(specs, entrySpec{entryRef: ref, words: words})
		}
	}
	for _, in := range specs {
		if in.role != roleOptIn {
			continue
		}
		for _, ph := range specs {
			if ph.role == rolePhrase && len(ph.words) < len(in.words) && containsRun(in.words, ph.words) {
				bad("%s can never match: it contains the opt-out phrase %s", in.entryRef, ph.entryRef)
			}
		}
	}
	return specs, errors.Join(errs...)
}

// conflict reports whether the same normalised entry may not appear in
// lists a and b: the opt-out lists may share entries, other lists only with
// themselves.
func conflict(a, b uint8) bool {
	return meaning(a) != meaning(b)
}

// meaning maps the opt-out roles to one and every other role to itself.
func meaning(r uint8) uint8 {
	switch r {
	case rolePhrase, roleRefusal, roleStopVerb:
		return roleOptOut
	}
	return r
}

// containsRun reports whether sub occurs in words as a contiguous run.
func containsRun(words, sub []string) bool {
	for i := 0; i+len(sub) <= len(words); i++ {
		match := true
		for j, w := range sub {
			if words[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
