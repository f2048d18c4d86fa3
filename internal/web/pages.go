// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"html/template"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/notice"
)

// The typed page structs, one per view; the templatecheck test executes each.

// optInPage is the opt-in form (C-04, C-07, C-08, C-12, C-13, T-02).
type optInPage struct {
	basePage
	Notice       notice.Notice // its Summary is the short layer; the link leads to the rest
	MinAge       int
	Purposes     []purposeBox
	AgeChecked   bool   // only ever true when the person ticked it in the form just sent
	LinkToken    string // the shop-QR flow: the number comes from the token, no phone field
	Error        string // what went wrong with the form just sent, in the page's language
	ErrorIsPhone bool   // the error concerns the phone field
}

// purposeBox is one purpose's checkbox.
type purposeBox struct {
	app.FormPurpose
	Checked bool // only ever true when the person ticked it in the form just sent
}

func (*optInPage) view() string { return "optin" }

// startedPage tells how to confirm a pending opt-in. It shows nothing of the
// number, so it looks the same whether or not the number was known.
type startedPage struct {
	basePage
	Code     string
	ChatLink string       // wa.me link with "JA <code>" prefilled
	QR       template.URL // data: URI of a PNG QR code of ChatLink
	Ref      string       // sealed reference for the other ways to confirm
	Expires  string
}

func (*startedPage) view() string { return "started" }

// sentPage says that a confirmation went out another way.
type sentPage struct {
	basePage
	MessageKey string
}

func (*sentPage) view() string { return "sent" }

// donePage says the consent is confirmed.
type donePage struct{ basePage }

// confirmPage asks for the click that confirms a link from SMS or e-mail.
type confirmPage struct {
	basePage
	Action string
}

func (*confirmPage) view() string { return "confirm" }

func (*donePage) view() string { return "done" }

// preferencesPage is the preference centre.
type preferencesPage struct {
	basePage
	Action  string // the form action: this page's path
	Phone   string // masked
	Items   []preferenceItem
	Message string // after a withdrawal
	// Expired: the link is past its time, so the page shows nothing of the
	// person; "withdraw all" still works from it (M-06).
	Expired bool
}

// preferenceItem is one purpose's state in words.
type preferenceItem struct {
	Purpose     string
	Description string
	Status      string // in words
	Since       string
	CanWithdraw bool
}

func (*preferencesPage) view() string { return "preferences" }

// privacyPage is one published notice and the list of every version, with
// the web opt-out form (M-06).
type privacyPage struct {
	basePage
	optOutForm
	Notice    notice.Notice
	Published string
	Current   int // the current version
	Versions  []versionLink
}

// versionLink is one entry of the list of published versions.
type versionLink struct {
	Version   int
	URL       string
	Published string
	Shown     bool // the version on this page
}

func (*privacyPage) view() string { return "privacy" }

// optOutForm is the state of the web opt-out form: what was wrong with the
// number just sent, never the number.
type optOutForm struct {
	Error        string
	ErrorIsPhone bool
}

// optOutPage is the web opt-out (M-06): a number in, a preference link out
// on WhatsApp. Sent shows the answer, the same whatever the number was.
type optOutPage struct {
	basePage
	optOutForm
	Sent bool
}

func (*optOutPage) view() string { return "optout" }

// errorPage explains an error in the request's language.
type errorPage struct {
	basePage
	MessageKey string
	HelpKey    string
}

func (*errorPage) view() string { return "error" }
