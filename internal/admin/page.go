// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/staff"
)

// uiPage is a typed page of the staff pages: it names its view.
type uiPage interface{ view() string }

// base is what every staff page has: the language, who is signed in, the
// navigation their role may use, the CSRF token of its forms.
type base struct {
	Lang       string
	Path       string // the page's path, to mark the current navigation entry
	User       string
	Role       staff.Role
	csrf       func(action string) string
	LogoutPath string
	SwitchURL  string // this page in the other language
	Nav        []navLink
	Flash      string // a key: what the last form did
	role       staff.Role
	zone       *time.Location
}

// navLink is one entry of the navigation.
type navLink struct {
	Href, Key string
	Current   bool
}

// navEntry is a page of the navigation and the permission it needs.
type navEntry struct {
	href, key string
	perm      staff.Permission
}

// navigation lists the pages in the order the menu shows them; a role sees
// only those it may use (issue 23 point 4).
var navigation = []navEntry{
	{"/admin/", "admin.nav.dashboard", staff.ReadStats},
	{"/admin/contacts", "admin.nav.contacts", staff.ReadContacts},
	{"/admin/campaigns", "admin.nav.campaigns", staff.ReadCampaigns},
	{"/admin/templates", "admin.nav.templates", staff.ReadCampaigns},
	{"/admin/replies", "admin.nav.replies", staff.ReadReplies},
	{"/admin/purposes", "admin.nav.purposes", staff.ReadPurposes},
	{"/admin/notices", "admin.nav.notices", staff.ReadNotices},
	{"/admin/rights", "admin.nav.rights", staff.ReadRights},
	{"/admin/breaches", "admin.nav.breaches", staff.ReadBreaches},
	{"/admin/audits", "admin.nav.audits", staff.ReadAudits},
	{"/admin/records", "admin.nav.records", staff.ReadRecords},
	{"/admin/dpia", "admin.nav.dpia", staff.ReadRecords},
	{"/admin/staff", "admin.nav.staff", staff.ManageTokens},
	{"/admin/settings", "admin.nav.settings", staff.ManageTokens},
	{"/admin", "admin.nav.account", ""}, // the login's page: who is signed in, the second factor
}

// flashes are the words a page may show for ?done=.
var flashes = map[string]bool{"purpose_created": true, "notice_saved": true, "notice_published": true,
	"campaign_created": true, "campaign_start": true, "campaign_pause": true, "campaign_resume": true,
	"campaign_cancel": true, "token_revoked": true, "user_disabled": true, "templates_synced": true, "setup_done": true,
	"rights_extend": true, "rights_complete": true, "rights_refuse": true, "audit_run": true, "dpia_saved": true, "breach_recorded": true,
	"contact_tags": true, "contact_restrict": true, "contact_unrestrict": true, "contact_withdraw": true,
	"contact_nothing_to_withdraw": true, "reply_answered": true}

func (p *Pages) base(r *request, current string) base {
	b := base{Lang: r.lang, Path: r.URL.Path, User: r.Actor.Name, Role: r.Actor.Role, csrf: r.CSRF,
		LogoutPath: p.cfg.LogoutPath, role: r.Actor.Role, zone: p.zone}
	if f := r.URL.Query().Get("done"); flashes[f] {
		b.Flash = "admin.done." + f
	}
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "lang" && k != "done" {
			q[k] = v
		}
	}
	q.Set("lang", b.OtherLang())
	path := r.URL.Path
	if r.Method != "GET" {
		path, q = "/admin/", url.Values{"lang": {b.OtherLang()}}
	}
	b.SwitchURL = path + "?" + q.Encode()
	for _, n := range navigation {
		if n.perm == "" || r.Actor.Role.Can(n.perm) {
			b.Nav = append(b.Nav, navLink{Href: n.href, Key: n.key, Current: n.href == current})
		}
	}
	return b
}

func (b *base) base() *base { return b }

// T is the text of key in the page's language.
func (b *base) T(key string, pairs ...string) string { return i18n.T(b.Lang, key, pairs...) }

// Method names the way a consent event came about (a ledger method code)
// in the page's language; Actor and Channel name who recorded it and where.
// A code without a text (a staff member's name) shows as itself.
func (b *base) Method(code string) string  { return b.word("admin.method.", code) }
func (b *base) Actor(code string) string   { return b.word("admin.actor.", code) }
func (b *base) Channel(code string) string { return b.word("admin.channel.", code) }

func (b *base) word(prefix, code string) string {
	if t := i18n.T(b.Lang, prefix+code); t != prefix+code {
		return t
	}
	return code
}

// CSRFFor is the CSRF token of a form of this page posting to action.
func (b *base) CSRFFor(action string) string {
	if b.csrf == nil {
		return ""
	}
	return b.csrf(action)
}

// Can reports whether the signed-in role grants a permission, by name.
func (b *base) Can(perm string) bool { return b.role.Can(staff.Permission(perm)) }

// OtherLang is the language SwitchURL leads to.
func (b *base) OtherLang() string {
	if b.Lang == "en" {
		return "nb"
	}
	return "en"
}

// Time shows a time in Norway's zone, in the page's language.
func (b *base) Time(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(b.zone)
	if b.Lang == "en" {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("02.01.2006 kl. 15.04")
}

// TimeText shows a time given as RFC 3339 text as Time does; other text
// as it is.
func (b *base) TimeText(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return b.Time(t)
}

// Num shows a count with the page language's thousands separator.
func (b *base) Num(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	sep := "\u00a0" // bokmål groups with a (no-break) space
	if b.Lang == "en" {
		sep = ","
	}
	var out strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteString(sep)
		}
		out.WriteRune(c)
	}
	return out.String()
}

// Pct shows a share (0..1) as a percentage.
func (b *base) Pct(f float64) string {
	s := fmt.Sprintf("%.1f", f*100)
	if b.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "\u00a0%"
}

// uiErrorPage is a refusal or a failure.
type uiErrorPage struct {
	base
	MessageKey string
	Detail     string // the error's words, for a 4xx
}

func (*uiErrorPage) view() string { return "ui_error" }
