// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"fmt"
	"strings"
	"testing"
)

// defaultMatcher compiles DefaultLists or fails the test.
func defaultMatcher(tb testing.TB) *Matcher {
	tb.Helper()
	m, err := New(DefaultLists())
	if err != nil {
		tb.Fatalf("New(DefaultLists()): %v", err)
	}
	return m
}

// titleCase upper-cases the first letter of each word and lower-cases the rest.
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r := []rune(w)
		words[i] = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	return strings.Join(words, " ")
}

// spellings returns the ways a user may type keyword kw: case, padding,
// punctuation, emoji, no-break and zero-width spaces, line breaks and a
// trailing courtesy word (K-01).
func spellings(kw string) map[string]string {
	lower := strings.ToLower(kw)
	return map[string]string{
		"as_listed":          kw,
		"lower":              lower,
		"title":              titleCase(kw),
		"padded":             "  " + kw + " \t",
		"exclaimed":          " " + kw + "!",
		"many_marks":         kw + "!!!???",
		"full_stop":          titleCase(kw) + ".",
		"quoted":             "«" + lower + "»",
		"curly_quoted":       "“" + kw + "”",
		"stop_sign_emoji":    "🛑 " + kw + "!!!",
		"pray_emoji":         lower + " 🙏",
		"emoji_no_space":     "👉" + kw + "👈",
		"skin_tone_emoji":    lower + " 👍🏽",
		"nbsp":               "\u00a0" + strings.ReplaceAll(kw, " ", "\u00a0") + "\u00a0",
		"zero_width":         "\u200b" + strings.ReplaceAll(lower, " ", "\u200b") + "\u200b",
		"newlines":           "\n" + strings.ReplaceAll(kw, " ", "\n") + "\r\n",
		"narrow_nbsp_inside": strings.ReplaceAll(lower, " ", "\u202f"),
		"double_spaces":      strings.ReplaceAll(kw, " ", "   "),
		"full_width":         toFullWidth(kw),
		"takk":               titleCase(kw) + " takk",
		"takk_comma":         kw + ", takk!",
		"tusen_takk":         lower + " tusen takk 🙂",
		"please":             kw + " please",
		"thank_you":          kw + ". Thank you!",
		"na":                 lower + " nå!",
		"na_ascii":           lower + " na",
		"leading_filler":     "Please " + lower,
		"repeated":           kw + " " + kw,
		"dashed":             strings.ReplaceAll(kw, " ", "-"),
		"bidi_marks":         "\u200f" + kw + "\u200e",
		"keycap_variation":   kw + " \u2757\ufe0f",
		"own_sentence":       "Hei. " + kw + "!",
		"own_line":           "Hei\n" + titleCase(kw),
		"with_code":          kw + " K7P2QX",
	}
}

// toFullWidth spells the ASCII letters of s with full-width forms, which
// NFKC folds back.
func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < 0x7f {
			r += 0xff01 - '!'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestClassifyOptOutKeywordSpellings checks every default opt-out keyword
// (K-02) in many spellings (K-01).
func TestClassifyOptOutKeywordSpellings(t *testing.T) {
	t.Parallel()
	m := defaultMatcher(t)
	for _, kw := range DefaultLists().OptOut {
		for name, text := range spellings(kw) {
			t.Run(kw+"/"+name, func(t *testing.T) {
				t.Parallel()
				want := Match{Kind: OptOut, Word: kw}
				if got := m.Classify(text); got != want {
					t.Errorf("Classify(%q) = %+v, want %+v", text, got, want)
				}
				if got := m.ClassifyReply(text, true); got != want {
					t.Errorf("ClassifyReply(%q, true) = %+v, want %+v", text, got, want)
				}
			})
		}
	}
}

// TestClassifyOptInKeywordSpellings checks every default opt-in keyword
// (K-03) in many spellings.
func TestClassifyOptInKeywordSpellings(t *testing.T) {
	t.Parallel()
	m := defaultMatcher(t)
	for _, kw := range DefaultLists().OptIn {
		for name, text := range spellings(kw) {
			if name == "own_sentence" || name == "own_line" {
				continue // an opt-in must be the whole message
			}
			t.Run(kw+"/"+name, func(t *testing.T) {
				t.Parallel()
				want := Match{Kind: OptIn, Word: kw}
				if name == "with_code" {
					want.Code = "K7P2QX"
				}
				if got := m.Classify(text); got != want {
					t.Errorf("Classify(%q) = %+v, want %+v", text, got, want)
				}
			})
		}
	}
}

// TestClassifyOptOutPhrases checks every default opt-out phrase (K-04) at
// the start, in the middle and at the end of a longer message.
func TestClassifyOptOutPhrases(t *testing.T) {
	t.Parallel()
	m := defaultMatcher(t)
	for _, ph := range DefaultLists().OptOutPhrases {
		texts := map[string]string{
			"alone":         ph,
			"upper":         strings.ToUpper(ph) + "!!",
			"start":         titleCase(ph) + " til meg, takk.",
			"middle":        "Hei, kan dere " + ph + " til dette nummeret?",
			"end":           "Jeg har sagt det før: " + ph,
			"second_line":   "Hei.\nSeriøst, " + ph + " 😡",
			"emoji_between": strings.ReplaceAll(ph, " ", " 🙄 "),
			"nbsp_between":  strings.ReplaceAll(ph, " ", "\u00a0"),
		}
		for name, text := range texts {
			t.Run(ph+"/"+name, func(t *testing.T) {
				t.Parallel()
				want := Match{Kind: OptOut, Word: ph}
				if got := m.Classify(text); got != want {
					t.Errorf("Classify(%q) = %+v, want %+v", text, got, want)
				}
			})
		}
	}
}

// classifyCases are messages with the match Classify must return under
// DefaultLists.
var classifyCases = []struct {
	name, text string
	want       Match
}{
	// K-01: a keyword followed by ordinary words is not an opt-out.
	{"K01_neg_bus_stops", "Når stopper bussen?", Match{}},
	{"K01_neg_dont_stop_offers", "Jeg vil ikke at dere skal stoppe tilbudene", Match{}},
	{"K01_neg_stopwatch", "Stoppeklokke på tilbud?", Match{}},
	{"K01_neg_campaign_ends", "Hvorfor slutter kampanjen?", Match{}},
	{"K01_neg_end_of_sale", "is this the end of the sale", Match{}},
	{"K01_neg_cant_stop_buying", "I can't stop buying your shoes", Match{}},
	{"K01_neg_stop_for_a_day", "stopp for en dag i Oslo?", Match{}},
	{"K01_neg_nearest_stop", "Hvor er nærmeste stopp?", Match{}},
	{"K01_neg_stop_light", "Har dere stopp-lys til sykkel?", Match{}},
	{"K01_neg_stop_light_keyword_first", "Stopp-lys til sykkel?", Match{}},
	{"K01_neg_cancel_button", "Avslutt-knappen virker ikke", Match{}},
	{"K01_neg_end_of_month", "Slutten av måneden passer fint", Match{}},
	{"K01_neg_finish_sentence", "Slutt på varene?", Match{}},
	{"K01_neg_stop_by", "Please stop by our store", Match{}},
	{"K01_neg_cancel_order", "Cancel my order #1234", Match{}},
	{"K01_neg_dont_stop", "Don't stop the offers!", Match{}},
	{"K01_neg_quit_smoking", "Quit smoking tips?", Match{}},
	{"K01_neg_inflected", "stopp stoppe", Match{}},
	{"K01_neg_stop_and_go", "Stop-and-go", Match{}},
	{"K01_neg_said_not_stop", "Jeg sa ikke stopp", Match{}},
	{"K01_neg_keyword_in_word", "STOPPESTED", Match{}},
	{"K01_neg_keyword_with_digits", "END2END", Match{}},
	{"K01_neg_spaced_letters", "S T O P P", Match{}},
	{"K01_neg_send_more", "Send mer info om tilbudet", Match{}},
	{"K01_neg_start_question", "Når starter salget?", Match{}},
	{"K01_neg_sign_up_course", "Kan jeg melde meg på kurset?", Match{}},
	{"K01_neg_end_no_punct_prose", "the end", Match{}},
	{"K04_neg_phrase_across_sentences", "Jeg vil ikke. Send mer!", Match{}},
	{"K04_neg_remove_prefix", "Kan dere fjerne meg? Nei, tuller", Match{}},

	// K-01: nothing to classify.
	{"empty", "", Match{}},
	{"spaces", "   \t ", Match{}},
	{"invisible", "\u00a0\u200b\u2060\n\ufeff", Match{}},
	{"stop_sign_emoji_only", "🛑", Match{}},
	{"emoji_only", "👍🙏🏽❤️", Match{}},
	{"punctuation_only", "!!! ... ???", Match{}},
	{"fillers_only", "Tusen takk!", Match{}},
	{"thanks_only", "thanks 😊", Match{}},
	{"invalid_utf8", "\xff\xfe\xfd", Match{}},
	{"invalid_utf8_around_stop", "\xffSTOPP\xfe", Match{Kind: OptOut, Word: "STOPP"}},

	// K-01, K-02: opt-out keywords.
	{"K01_stopp", "stopp", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_stopp_padded", " STOPP!", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_stopp_takk", "Stopp takk", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_stop_please", "STOP please", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_stopp_na", "stopp nå!", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_stop_sign", "🛑 STOPP!!!", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_pray", "stopp 🙏", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_elongated", "STOPPPPP!!!", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_stop_all_longest", "stop all", Match{Kind: OptOut, Word: "STOP ALL"}},
	{"K01_meld_meg_av", "Meld meg av, takk", Match{Kind: OptOut, Word: "MELD MEG AV"}},
	{"K01_opt_dash_out", "opt-out", Match{Kind: OptOut, Word: "OPT OUT"}},
	{"K01_optout", "OptOut", Match{Kind: OptOut, Word: "OPTOUT"}},
	{"K01_soft_hyphen", "s\u00adtopp", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_stray_combining_mark", "AVMELD\u0336ING", Match{Kind: OptOut, Word: "AVMELDING"}},
	{"K01_please_stop", "pls stop", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_two_keywords", "Stopp. Avmeld!", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_with_code", "STOPP K7P2QX", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_sentence_then_question", "Stopp. Hvorfor får jeg dette?", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_greeting_then_stop", "Hei!\nSTOPP", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_colon", "Svar: stopp", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_yes_stop", "ja stopp", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_YES_STOP", "JA STOPP", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_stop_yes", "Stopp, ja", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_yes_code_stop", "JA K7P2QX STOPP", Match{Kind: OptOut, Word: "STOPP"}},

	// K-04: opt-out phrases anywhere.
	{"K04_brief_example", "Kan dere slutte å sende? Ikke send mer takk", Match{Kind: OptOut, Word: "ikke send mer"}},
	{"K04_more_offers", "IKKE SEND FLERE TILBUD", Match{Kind: OptOut, Word: "ikke send flere"}},
	{"K04_slutt_og", "Slutt og sende meg reklame", Match{Kind: OptOut, Word: "slutt og sende"}},
	{"K04_slutt_aa", "Slutt aa sende meg SMS", Match{Kind: OptOut, Word: "slutt å sende"}},
	{"K04_slutt_a", "slutt a sende!!", Match{Kind: OptOut, Word: "slutt å sende"}},
	{"K04_dont_no_apostrophe", "dont send me offers", Match{Kind: OptOut, Word: "don't send"}},
	{"K04_dont_typographic", "Don’t send more", Match{Kind: OptOut, Word: "don't send"}},
	{"K04_dont_acute", "don´t send", Match{Kind: OptOut, Word: "don't send"}},
	{"K04_remove_me", "Please remove me from your list", Match{Kind: OptOut, Word: "remove me"}},
	{"K04_fjern_meg", "Fjern meg fra lista deres", Match{Kind: OptOut, Word: "fjern meg"}},
	{"K04_no_more", "I want no more messages.", Match{Kind: OptOut, Word: "no more messages"}},
	{"K04_flere_meldinger", "Jeg vil ikke ha flere meldinger fra dere", Match{Kind: OptOut, Word: "vil ikke ha flere meldinger"}},
	{"K04_motta", "Vil ikke motta reklame", Match{Kind: OptOut, Word: "vil ikke motta"}},
	{"K04_stop_sending", "STOP SENDING ME STUFF", Match{Kind: OptOut, Word: "stop sending"}},
	{"K04_do_not_send", "Do not send anything", Match{Kind: OptOut, Word: "do not send"}},
	{"K04_after_keyword_sentence", "Stopp for en dag i Oslo? Nei, ikke send mer.", Match{Kind: OptOut, Word: "ikke send mer"}},
	{"K04_long_text", strings.Repeat("Hei, jeg lurer på noe om bussen. ", 200) + "Ikke send mer.", Match{Kind: OptOut, Word: "ikke send mer"}},
	{"K04_long_text_keyword_sentence", strings.Repeat("Hvorfor slutter kampanjen? ", 100) + "STOPP!", Match{Kind: OptOut, Word: "STOPP"}},

	// K-01: an opt-out keyword as the first word, followed by courtesy
	// words, punctuation or emoji.
	{"K01_polite_unsubscribe_please", "Unsubscribe please", Match{Kind: OptOut, Word: "UNSUBSCRIBE"}},
	{"K01_polite_stop_thanks", "stop thanks", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_stop_comma_thank_you", "STOP, thank you", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_stop_now", "Stop now", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_stop_right_now", "STOP RIGHT NOW!!!", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_stop_thank_u", "stop thank u", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_stop_ty", "Stop ty 🙏", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_stop_thank_you_so_much", "STOP, thank you so much!", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_unsubscribe_me_please", "Unsubscribe me please", Match{Kind: OptOut, Word: "UNSUBSCRIBE ME"}},
	{"K01_polite_opt_me_out", "opt me out pls", Match{Kind: OptOut, Word: "OPT ME OUT"}},
	{"K01_polite_stop_it", "Stop it please!", Match{Kind: OptOut, Word: "STOP IT"}},
	{"K01_polite_quit_now_thx", "quit now thx", Match{Kind: OptOut, Word: "QUIT"}},
	{"K01_polite_cancel_asap", "CANCEL asap", Match{Kind: OptOut, Word: "CANCEL"}},
	{"K01_polite_hi_stop", "Hi, stop", Match{Kind: OptOut, Word: "STOP"}},
	{"K01_polite_stopp_da", "Stopp da!", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_polite_stopp_vaer_sa_snill", "Stopp, vær så snill 🙏", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_polite_stopp_vaer_sa_snill_ascii", "stopp vaer sa snill", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_polite_nn_ver_sa_snill", "Stopp, ver så snill", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_polite_avmeld_takk_for_meg", "Avmeld, takk for meg", Match{Kind: OptOut, Word: "AVMELD"}},
	{"K01_polite_stopp_med_en_gang", "STOPP med en gang!!", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_polite_hei_stopp", "Hei stopp", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_polite_stopp_alt", "Stopp alt takk", Match{Kind: OptOut, Word: "STOPP ALT"}},
	{"K01_polite_avmeld_meg", "avmeld meg, mange takk", Match{Kind: OptOut, Word: "AVMELD MEG"}},
	{"K01_polite_stopp_for_godt", "Stopp for godt", Match{Kind: OptOut, Word: "STOPP"}},
	{"K01_polite_typo_stoppp_takkk", "STOPPP takkk", Match{Kind: OptOut, Word: "STOPP"}},

	// K-04: requests to stop sending, a verb of stopping with what is sent.
	{"K04_req_kan_dere_slutte", "Kan dere slutte å sende meg meldinger?", Match{Kind: OptOut, Word: "slutte"}},
	{"K04_req_vaer_sa_snill", "Vær så snill å slutte å sende meg reklame", Match{Kind: OptOut, Word: "slutte"}},
	{"K04_req_vaer_sa_snill_ascii", "vaer sa snill a slutte a sende meg reklame", Match{Kind: OptOut, Word: "slutte"}},
	{"K04_req_stoppe_tilbudene", "Kan dere stoppe tilbudene?", Match{Kind: OptOut, Word: "stoppe"}},
	{"K04_req_stopppe_typo", "kan dere stopppe meldingene", Match{Kind: OptOut, Word: "stoppe"}},
	{"K04_req_slutt_med_reklamen", "Slutt med reklamen deres!", Match{Kind: OptOut, Word: "SLUTT"}},
	{"K04_req_stopp_reklame", "STOPP REKLAME", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_req_stopp_meldinger_fra_dere", "stopp meldinger fra dere 😤", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_req_stopp_a_sende_sms", "STOPP Å SENDE MEG SMS", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_req_avslutt_nyhetsbrev", "Avslutt nyhetsbrev", Match{Kind: OptOut, Word: "AVSLUTT"}},
	{"K04_req_avmeld_meg_fra_tilbud", "avmeld meg fra tilbud", Match{Kind: OptOut, Word: "AVMELD MEG"}},
	{"K04_req_melde_meg_av_nyhetsbrevet", "Hvordan kan jeg melde meg av nyhetsbrevet?", Match{Kind: OptOut, Word: "melde meg av"}},
	{"K04_req_meld_meg_av_reklamen", "Meld meg av reklamen", Match{Kind: OptOut, Word: "MELD MEG AV"}},
	{"K04_req_kutt_ut", "Kutt ut reklamen!!", Match{Kind: OptOut, Word: "kutt ut"}},
	{"K04_req_ikke_send_flere_tilbud", "Ikke send meg flere tilbud", Match{Kind: OptOut, Word: "ikke send meg flere"}},
	{"K04_req_ikke_send_reklame", "ikke send reklame til dette nummeret", Match{Kind: OptOut, Word: "ikke send"}},
	{"K04_req_ikke_mer_spam", "Ikke mer spam!!", Match{Kind: OptOut, Word: "ikke mer"}},
	{"K04_req_ingen_flere_tilbud", "Ingen flere tilbud, takk", Match{Kind: OptOut, Word: "ingen flere"}},
	{"K04_req_ikke_interessert", "Ikke interessert i tilbud", Match{Kind: OptOut, Word: "ikke interessert"}},
	{"K04_req_vil_ikke_ha_reklame", "Jeg vil ikke ha reklame fra dere", Match{Kind: OptOut, Word: "vil ikke ha"}},
	{"K04_req_reklamen_ma_stoppe", "Reklamen deres må stoppe!", Match{Kind: OptOut, Word: "stoppe"}},
	{"K04_req_rhetorical_ikke_bare", "Kan dere ikke bare slutte å sende meg reklame?", Match{Kind: OptOut, Word: "slutte"}},
	{"K04_req_negation_in_other_clause", "Jeg har ikke bedt om dette, slutt å sende meg reklame", Match{Kind: OptOut, Word: "slutt å sende"}},
	{"K04_req_greeting_signature", "Hei! Kan dere slutte å sende meg nyhetsbrev? Mvh Kari", Match{Kind: OptOut, Word: "slutte"}},
	{"K04_req_sluttt_typo", "Sluttt å sende", Match{Kind: OptOut, Word: "slutt å sende"}},
	{"K04_req_stopp_comma_ikke_send", "Stopp, ikke send meg mer", Match{Kind: OptOut, Word: "ikke send meg mer"}},
	{"K04_req_ta_meg_av_lista", "Ta meg av lista deres", Match{Kind: OptOut, Word: "ta meg av lista"}},
	{"K04_req_nn_kan_de_slutte", "Kan de slutte å sende meg meldingar?", Match{Kind: OptOut, Word: "slutte"}},
	{"K04_req_nn_ikkje_send_meir", "Ikkje send meir reklame, takk", Match{Kind: OptOut, Word: "ikkje send meir"}},
	{"K04_req_nn_vil_ikkje_ha", "Eg vil ikkje ha fleire meldingar", Match{Kind: OptOut, Word: "vil ikkje ha fleire meldingar"}},
	{"K04_req_nn_stopp_tilbod", "stopp å sende meg tilbod", Match{Kind: OptOut, Word: "STOPP"}},
	{"K04_req_nn_ver_sa_snill", "Ver så snill og slutt å sende meg reklame", Match{Kind: OptOut, Word: "slutt å sende"}},
	{"K04_req_en_please_stop_texting", "Please stop texting me", Match{Kind: OptOut, Word: "stop texting me"}},
	{"K04_req_en_stop_sending_ads", "Stop sending me ads 😡", Match{Kind: OptOut, Word: "stop sending"}},
	{"K04_req_en_stop_marketing", "can you please stop the marketing messages", Match{Kind: OptOut, Word: "STOP"}},
	{"K04_req_en_cancel_newsletter", "Cancel the newsletter", Match{Kind: OptOut, Word: "CANCEL"}},
	{"K04_req_en_how_unsubscribe", "How do I unsubscribe from your newsletter?", Match{Kind: OptOut, Word: "UNSUBSCRIBE"}},
	{"K04_req_en_stop_spamming", "stop spamming me!!!", Match{Kind: OptOut, Word: "STOP"}},
	{"K04_req_en_quit_texting", "Plz quit texting me", Match{Kind: OptOut, Word: "QUIT"}},
	{"K04_req_en_stop_messages_emoji", "STOP MESSAGES 🛑🛑", Match{Kind: OptOut, Word: "STOP"}},
	{"K04_req_en_need_to_stop", "These messages need to stop.", Match{Kind: OptOut, Word: "STOP"}},
	{"K04_req_en_no_more_ads", "no more ads pls", Match{Kind: OptOut, Word: "no more"}},
	{"K04_req_en_dont_want", "I don't want these messages anymore", Match{Kind: OptOut, Word: "don't want these messages"}},
	{"K04_req_en_not_interested", "not interested in your offers, thanks", Match{Kind: OptOut, Word: "not interested"}},
	{"K04_req_en_take_me_off", "Take me off your marketing list", Match{Kind: OptOut, Word: "take me off"}},
	{"K04_req_en_why_cant_you", "Why can't you stop sending me these messages", Match{Kind: OptOut, Word: "stop sending"}},
	{"K04_req_en_never_signed_up", "I never signed up for this so stop sending me stuff", Match{Kind: OptOut, Word: "stop sending"}},
	{"K04_req_en_dont_send_promos", "plz dont send me any more promos", Match{Kind: OptOut, Word: "don't send"}},
	{"K04_req_en_halt_em_dash", "HALT — all these ads", Match{Kind: OptOut, Word: "halt"}},

	// K-04: not requests to stop sending: negated, about an order, a
	// delivery or a service, or "stop"/"end" used otherwise.
	{"K04_neg_dont_stop_sending", "don't stop sending", Match{}},
	{"K04_neg_please_dont_stop_offers", "Please don't stop sending me offers!", Match{}},
	{"K04_neg_ikke_slutt", "Ikke slutt å sende meg tilbud, de er kjempebra", Match{}},
	{"K04_neg_ma_ikke_slutte", "Dere må ikke slutte å sende meg tilbud!", Match{}},
	{"K04_neg_vil_ikke_at_dere_skal", "Jeg vil ikke at dere skal slutte å sende meg meldinger", Match{}},
	{"K04_neg_dont_want_you_to_stop", "I don't want you to stop sending offers", Match{}},
	{"K04_neg_never_stop", "Please never stop the offers 😍", Match{}},
	{"K04_neg_dont_stop_promos", "Don't stop the promos!!", Match{}},
	{"K04_neg_stopp_ikke_tilbudene", "Stopp ikke tilbudene!", Match{}},
	{"K04_neg_tilbudene_ma_ikke", "Tilbudene må ikke slutte!", Match{}},
	{"K04_neg_dont_cancel_newsletter", "Don't cancel my newsletter!", Match{}},
	{"K04_neg_cant_stop_reading", "I can't stop reading your newsletter", Match{}},
	{"K04_neg_dont_remove_me", "Please don't remove me from the list", Match{}},
	{"K04_neg_ikke_stopp_leveransen", "ikke stopp leveransen", Match{}},
	{"K04_neg_stoppe_bestillingen", "Kan dere stoppe bestillingen min?", Match{}},
	{"K04_neg_stoppe_sendingen_pakken", "Kan dere stoppe sendingen av pakken min?", Match{}},
	{"K04_neg_stoppe_sending_av_pakken", "kan dere stoppe sending av pakken til meg", Match{}},
	{"K04_neg_slutte_sende_pakker", "Kan dere slutte å sende pakker til feil adresse?", Match{}},
	{"K04_neg_ikke_send_fakturaen", "Ikke send fakturaen på papir", Match{}},
	{"K04_neg_dont_send_package", "Don't send the package before Monday", Match{}},
	{"K04_neg_cancel_delivery", "Can you cancel the delivery?", Match{}},
	{"K04_neg_cancel_order_sent", "Can I cancel the order you sent me?", Match{}},
	{"K04_neg_ikke_stopp_meldingene_levering", "ikke stopp meldingene om leveringen", Match{}},
	{"K04_neg_slutt_pa_tilbudene", "Er det slutt på tilbudene?", Match{}},
	{"K04_neg_slutt_pa_reklame", "Slutt på reklame-tilbudet?", Match{}},
	{"K04_neg_nar_slutter_tilbudet", "Når slutter tilbudet?", Match{}},
	{"K04_neg_stopper_tilbudet", "Stopper tilbudet på fredag?", Match{}},
	{"K04_neg_when_offers_end", "When do the offers end?", Match{}},
	{"K04_neg_the_end_of_newsletter", "is this the end of the newsletter offers?", Match{}},
	{"K04_neg_til_slutt", "Til slutt send meg tilbudene på e-post", Match{}},
	{"K04_neg_stop_by", "Can I stop by the store to see the offers?", Match{}},
	{"K04_neg_har_dere_ikke_flere", "Har dere ikke flere tilbud?", Match{}},
	{"K04_neg_er_det_ingen_flere", "Er det ingen flere tilbud denne uka?", Match{}},
	{"K04_neg_are_there_no_more", "Are there no more offers this week?", Match{}},
	{"K04_neg_nar_stopper_dere", "Når stopper dere å sende julekatalogen?", Match{}},
	{"K04_neg_avsluttet_ved_feil", "Kan dere sende meg tilbudene igjen? Jeg avsluttet ved en feil", Match{}},
	{"K04_neg_send_more_offers", "Send meg flere tilbud!", Match{}},
	{"K04_neg_nn_ikkje_slutt", "Ikkje slutt å sende meg tilboda 😍", Match{}},
	{"K04_neg_dont_want_to_miss", "I don't want to miss your offers!", Match{}},
	{"K04_neg_far_ikke_flere", "Jeg får ikke flere meldinger etter at jeg byttet telefon", Match{}},
	{"K04_neg_hvorfor_far_jeg_ikke", "Hvorfor får jeg ikke flere tilbud?", Match{}},

	// K-03: opt-in answers.
	{"K03_ja", "JA", Match{Kind: OptIn, Word: "JA"}},
	{"K03_ja_bang", "ja!", Match{Kind: OptIn, Word: "JA"}},
	{"K03_ja_takk", "Ja takk", Match{Kind: OptIn, Word: "JA"}},
	{"K03_ja_code", "JA K7P2QX", Match{Kind: OptIn, Word: "JA", Code: "K7P2QX"}},
	{"K03_ja_code_lower_emoji", "ja k7p2qx 👍", Match{Kind: OptIn, Word: "JA", Code: "K7P2QX"}},
	{"K03_ja_colon_code", "JA: k7p2qx", Match{Kind: OptIn, Word: "JA", Code: "K7P2QX"}},
	{"K03_ja_code_takk", "Ja K7P2QX, takk!", Match{Kind: OptIn, Word: "JA", Code: "K7P2QX"}},
	{"K03_ja_digit_code", "ja 123456", Match{Kind: OptIn, Word: "JA", Code: "123456"}},
	{"K03_ja_code_12", "JA AB12CD34EF56", Match{Kind: OptIn, Word: "JA", Code: "AB12CD34EF56"}},
	{"K03_full_width_code", "ＪＡ　Ｋ７Ｐ２", Match{Kind: OptIn, Word: "JA", Code: "K7P2"}},
	{"K03_start", "START", Match{Kind: OptIn, Word: "START"}},
	{"K03_meld_pa", "Meld på", Match{Kind: OptIn, Word: "MELD PÅ"}},
	{"K03_meld_pa_ascii", "meld pa", Match{Kind: OptIn, Word: "MELD PÅ"}},
	{"K03_meld_paa", "MELD PAA", Match{Kind: OptIn, Word: "MELD PÅ"}},
	{"K03_meld_pa_decomposed", "meld pa\u030a", Match{Kind: OptIn, Word: "MELD PÅ"}},
	{"K03_pamelding_ascii", "pameld", Match{Kind: OptIn, Word: "PÅMELD"}},
	{"K03_paameld", "Paameld K7P2QX", Match{Kind: OptIn, Word: "PÅMELD", Code: "K7P2QX"}},
	{"K03_yes", "YES", Match{Kind: OptIn, Word: "YES"}},
	{"K03_yes_please", "Yes please!", Match{Kind: OptIn, Word: "YES"}},
	{"K03_jaaa", "Jaaa!", Match{Kind: OptIn, Word: "JA"}},
	{"K03_ja_ja", "ja ja", Match{Kind: OptIn, Word: "JA"}},
	{"K03_yes_across_sentences", "Ja. K7P2QX.", Match{Kind: OptIn, Word: "JA", Code: "K7P2QX"}},
	{"K03_neg_but_what_price", "Ja, men hva koster det?", Match{}},
	{"K03_neg_yes_but", "Yes, but how much?", Match{}},
	{"K03_neg_yes_then_question", "Ja! Hva koster det?", Match{}},
	{"K03_neg_ja_vel", "Ja vel", Match{}},
	{"K03_neg_short_code", "JA 123", Match{}},
	{"K03_neg_letters_code", "ja abcd", Match{}},
	{"K03_neg_long_digits", "ja 123456789", Match{}},
	{"K03_neg_long_code", "JA AB12CD34EF56G", Match{}},
	{"K03_neg_two_codes", "JA K7P2QX K7P2QX", Match{}},
	{"K03_neg_code_after_filler", "ja takk k7p2qx", Match{}},
	{"K03_neg_code_alone", "K7P2QX", Match{}},
	{"K03_neg_non_ascii_code", "ja k7p2qø", Match{}},
	{"K03_neg_meld_meg_pa", "Kan jeg melde meg på?", Match{}},

	// K-02: refusals are opt-outs only when answering a yes/no prompt.
	{"K02_nei_no_prompt", "NEI", Match{}},
	{"K02_nei_takk_no_prompt", "Nei takk", Match{}},
	{"K02_no_no_prompt", "no", Match{}},
}

// TestClassify checks classifyCases (K-01 to K-04), and that ClassifyReply
// without a pending yes/no question agrees with Classify.
func TestClassify(t *testing.T) {
	t.Parallel()
	m := defaultMatcher(t)
	for _, tc := range classifyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := m.Classify(tc.text); got != tc.want {
				t.Errorf("Classify(%q) = %+v, want %+v", tc.text, got, tc.want)
			}
			if got := m.ClassifyReply(tc.text, false); got != tc.want {
				t.Errorf("ClassifyReply(%q, false) = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

// TestClassifyReply checks that NEI and NO are opt-outs only as an answer
// to a yes/no prompt (K-02), and that other keywords still work there.
func TestClassifyReply(t *testing.T) {
	t.Parallel()
	m := defaultMatcher(t)
	nei := Match{Kind: OptOut, Word: "NEI"}
	no := Match{Kind: OptOut, Word: "NO"}
	cases := []struct {
		name     string
		text     string
		awaiting bool
		want     Match
	}{
		{"K02_nei", "NEI", true, nei},
		{"K02_nei_lower_bang", "nei!", true, nei},
		{"K02_nei_takk", "Nei takk", true, nei},
		{"K02_nei_tusen_takk", "nei, tusen takk 🙂", true, nei},
		{"K02_nei_sentence", "Nei. Hvorfor fikk jeg dette?", true, nei},
		{"K02_no", "no", true, no},
		{"K02_no_thank_you", "No, thank you.", true, no},
		{"K02_no_thanks", "NO THANKS", true, no},
		{"K02_nei_ja", "nei ja", true, nei},
		{"K02_ja_nei", "ja nei", true, nei},
		{"K02_stopp", "stopp", true, Match{Kind: OptOut, Word: "STOPP"}},
		{"K02_phrase", "nei, ikke send mer", true, Match{Kind: OptOut, Word: "ikke send mer"}},
		{"K03_ja", "Ja takk", true, Match{Kind: OptIn, Word: "JA"}},
		{"K03_ja_code", "ja k7p2qx", true, Match{Kind: OptIn, Word: "JA", Code: "K7P2QX"}},
		{"K02_neg_nei_question", "Nei, hvorfor det?", true, Match{}},
		{"K02_neg_no_idea", "no idea", true, Match{}},
		{"K02_neg_norway", "Norway", true, Match{}},
		{"K02_neg_nei_not_awaiting", "NEI", false, Match{}},
		{"K02_neg_nei_takk_not_awaiting", "Nei takk", false, Match{}},
		{"K02_neg_no_not_awaiting", "No.", false, Match{}},
		{"K02_neg_ja_nei_not_awaiting", "ja nei", false, Match{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := m.ClassifyReply(tc.text, tc.awaiting); got != tc.want {
				t.Errorf("ClassifyReply(%q, %t) = %+v, want %+v", tc.text, tc.awaiting, got, tc.want)
			}
		})
	}
}

// TestCustomLists checks that configured lists replace the defaults
// entirely (the keyword lists are configuration, K-02).
func TestCustomLists(t *testing.T) {
	t.Parallel()
	only, err := New(Lists{OptOut: []string{"AVSLUTT"}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	custom, err := New(Lists{
		OptOut:        []string{"Slutt med dette", "HALT"},
		OptOutPhrases: []string{"la meg være"},
		OptIn:         []string{"OK", "Kjør på"},
		Fillers:       []string{"da", "vær så snill"},
		Refusals:      []string{"niks"},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	cases := []struct {
		name     string
		m        *Matcher
		text     string
		awaiting bool
		want     Match
	}{
		{"only_avslutt", only, "Avslutt!", false, Match{Kind: OptOut, Word: "AVSLUTT"}},
		{"only_avslutt_emoji", only, "🛑 avslutt 🛑", true, Match{Kind: OptOut, Word: "AVSLUTT"}},
		{"only_neg_default_stopp", only, "STOPP", false, Match{}},
		{"only_neg_no_fillers", only, "avslutt takk", false, Match{}},
		{"only_neg_default_phrase", only, "ikke send mer", false, Match{}},
		{"only_neg_default_opt_in", only, "JA", false, Match{}},
		{"only_neg_default_refusal", only, "nei", true, Match{}},
		{"custom_multiword", custom, "Slutt med dette, vær så snill!", false, Match{Kind: OptOut, Word: "Slutt med dette"}},
		{"custom_halt_da", custom, "halt da", false, Match{Kind: OptOut, Word: "HALT"}},
		{"custom_phrase", custom, "Kan dere la meg være i fred?", false, Match{Kind: OptOut, Word: "la meg være"}},
		{"custom_opt_in", custom, "ok da", false, Match{Kind: OptIn, Word: "OK"}},
		{"custom_opt_in_code", custom, "Kjør på 4711", false, Match{Kind: OptIn, Word: "Kjør på", Code: "4711"}},
		{"custom_refusal", custom, "niks!", true, Match{Kind: OptOut, Word: "niks"}},
		{"custom_neg_refusal", custom, "niks!", false, Match{}},
		{"custom_neg_default_stopp", custom, "stopp", false, Match{}},
		{"custom_neg_default_ja", custom, "ja", false, Match{}},
		{"custom_neg_default_takk", custom, "halt takk", false, Match{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.m.ClassifyReply(tc.text, tc.awaiting); got != tc.want {
				t.Errorf("ClassifyReply(%q, %t) = %+v, want %+v", tc.text, tc.awaiting, got, tc.want)
			}
		})
	}
}

// TestRequestRuleConfigured checks that the request rule (K-04) takes its
// verbs from the configured opt-out keywords, as SAMTYKKE_OPTOUT_WORDS
// replaces them in internal/cli, and its other words from the lists given.
func TestRequestRuleConfigured(t *testing.T) {
	t.Parallel()
	env := DefaultLists()
	env.OptOut = []string{"AVSLUTT", "HALT"} // SAMTYKKE_OPTOUT_WORDS=AVSLUTT,HALT
	replaced, err := New(env)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	minimal, err := New(Lists{
		OptOut:       []string{"STOPP"},
		StopVerbs:    []string{"kutt ut"},
		Sending:      []string{"kjedemeldinger", "sende"},
		Negations:    []string{"ikke"},
		ServiceWords: []string{"pakken"},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	noSending, err := New(Lists{OptOut: []string{"STOPP"}, StopVerbs: []string{"slutte"}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	cases := []struct {
		name string
		m    *Matcher
		text string
		want Match
	}{
		{"replaced_keyword_as_verb", replaced, "Halt alle meldinger nå!", Match{Kind: OptOut, Word: "HALT"}},
		{"replaced_keyword_first_word", replaced, "halt takk", Match{Kind: OptOut, Word: "HALT"}},
		{"replaced_stop_verb_default", replaced, "Kan dere slutte å sende meg meldinger?", Match{Kind: OptOut, Word: "slutte"}},
		{"replaced_keyword_avslutt", replaced, "avslutt nyhetsbrevet", Match{Kind: OptOut, Word: "AVSLUTT"}},
		{"replaced_neg_removed_keyword", replaced, "Stopp reklamen", Match{}},
		{"replaced_neg_negated", replaced, "Ikke halt tilbudene!", Match{}},
		{"minimal_keyword_verb", minimal, "stopp alle kjedemeldinger", Match{Kind: OptOut, Word: "STOPP"}},
		{"minimal_stop_verb", minimal, "Kutt ut å sende", Match{Kind: OptOut, Word: "kutt ut"}},
		{"minimal_neg_negated", minimal, "ikke stopp kjedemeldinger", Match{}},
		{"minimal_neg_service", minimal, "stopp å sende pakken", Match{}},
		{"minimal_neg_default_sending", minimal, "stopp reklamen", Match{}},
		{"no_sending_neg", noSending, "Kan dere slutte å sende meg meldinger?", Match{}},
		{"no_sending_keyword", noSending, "Stopp!", Match{Kind: OptOut, Word: "STOPP"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.m.Classify(tc.text); got != tc.want {
				t.Errorf("Classify(%q) = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

// TestZeroMatcher checks that the zero Matcher classifies everything as
// None instead of panicking.
func TestZeroMatcher(t *testing.T) {
	t.Parallel()
	var m Matcher
	for _, text := range []string{"", "STOPP", "ikke send mer", "JA K7P2QX"} {
		if got := m.Classify(text); got != (Match{}) {
			t.Errorf("zero Matcher: Classify(%q) = %+v, want None", text, got)
		}
	}
}

// TestKindString checks the metric-label names of Kind.
func TestKindString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		k    Kind
		want string
	}{{None, "none"}, {OptOut, "opt_out"}, {OptIn, "opt_in"}, {Kind(7), "kind(7)"}}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := tc.k.String(); got != tc.want {
				t.Errorf("Kind(%d).String() = %q, want %q", int(tc.k), got, tc.want)
			}
		})
	}
}

// TestDefaultListsFresh checks that DefaultLists returns new slices each
// time, so one caller's edits cannot change another's defaults.
func TestDefaultListsFresh(t *testing.T) {
	t.Parallel()
	a := DefaultLists()
	a.OptOut[0] = "changed"
	a.Fillers = append(a.Fillers[:0], "x")
	b := DefaultLists()
	if b.OptOut[0] != "STOPP" || b.Fillers[0] != "takk" {
		t.Errorf("DefaultLists shares slices between calls: %v, %v", b.OptOut[0], b.Fillers[0])
	}
}

// TestClassifyAllocations checks that Classify allocates nothing after
// warm-up, except the code string of an opt-in answer.
func TestClassifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	m := defaultMatcher(t)
	cases := []struct {
		text string
		max  float64
	}{
		{"STOPP", 0},
		{"🛑 Stopp takk!!!", 0},
		{"Kan dere slutte å sende? Ikke send mer takk", 0},
		{"Når stopper bussen? Jeg står på holdeplassen på Majorstuen.", 0},
		{"Ja takk", 0},
		{"JA K7P2QX", 1},
		{"Vær så snill å slutte å sende meg reklame", 0},
		{"Kan dere stoppe sendingen av pakken min, ikke tilbudene?", 0},
	}
	for _, tc := range cases {
		m.Classify(tc.text)
		if got := testing.AllocsPerRun(200, func() { m.Classify(tc.text) }); got > tc.max {
			t.Errorf("Classify(%q): %v allocations per run, want at most %v", tc.text, got, tc.max)
		}
	}
}

// TestClassifyLinear checks that huge inputs finish quickly (no quadratic
// behaviour): the test would time out otherwise.
func TestClassifyLinear(t *testing.T) {
	t.Parallel()
	m := defaultMatcher(t)
	cases := []struct {
		name, text string
		want       Kind
	}{
		{"fillers_then_stop", strings.Repeat("takk ", 200_000) + "stopp", OptOut},
		{"keywords", strings.Repeat("ja stopp ", 100_000), OptOut},
		{"partial_phrases", strings.Repeat("ikke send ", 100_000), None},
		{"partial_phrases_then_phrase", strings.Repeat("vil ikke ha flere ", 100_000) + "meldinger", OptOut},
		{"codes", "ja" + strings.Repeat(" k7p2qx", 100_000), None},
		{"one_sentence_per_word", strings.Repeat("ja. ", 100_000), OptIn},
		{"emoji", strings.Repeat("🛑", 200_000), None},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := m.Classify(tc.text); got.Kind != tc.want {
				t.Errorf("Classify(%d bytes) = %v, want %v", len(tc.text), got.Kind, tc.want)
			}
		})
	}
}

func ExampleMatcher_Classify() {
	m, err := New(DefaultLists())
	if err != nil {
		panic(err)
	}
	for _, text := range []string{
		"🛑 Stopp takk!!!",
		"Når stopper bussen?",
		"Kan dere slutte å sende? Ikke send mer takk",
		"ja k7p2qx 👍",
		"Ja, men hva koster det?",
	} {
		r := m.Classify(text)
		fmt.Printf("%-8s %q %q\n", r.Kind, r.Word, r.Code)
	}
	fmt.Println(m.ClassifyReply("Nei takk", true).Kind, m.ClassifyReply("Nei takk", false).Kind)
	// Output:
	// opt_out  "STOPP" ""
	// none     "" ""
	// opt_out  "ikke send mer" ""
	// opt_in   "JA" "K7P2QX"
	// none     "" ""
	// opt_out none
}
