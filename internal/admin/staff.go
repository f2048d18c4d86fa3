// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// staffPage lists the API tokens (and, once accounts land, the staff
// accounts) with what each role may do; a new token's secret is shown once,
// on the answer to the form that made it.
type staffPage struct {
	base
	Tokens    []staff.Token
	Users     []app.UserInfo // nil: the role manages no accounts
	Roles     []staff.Role
	NewSecret string
	NewToken  *staff.Token
	Error     string
	Now       time.Time
}

func (*staffPage) view() string { return "staff" }

func (p *Pages) staffPage(w http.ResponseWriter, r *request) error {
	return p.showStaff(w, r, http.StatusOK, func(*staffPage) {})
}

func (p *Pages) showStaff(w http.ResponseWriter, r *request, status int, fill func(*staffPage)) error {
	if !r.can(staff.ManageTokens) {
		return forbid(staff.ManageTokens)
	}
	ts, err := p.app.Tokens(r.Context(), r.Actor)
	if err != nil {
		return err
	}
	pg := &staffPage{base: p.base(r, "/admin/staff"), Tokens: ts, Roles: staff.Roles, Now: time.Now()}
	if r.can(staff.ManageUsers) {
		if pg.Users, err = p.app.Users(r.Context(), r.Actor); err != nil {
			return err
		}
	}
	fill(pg)
	p.render(w, r, status, pg)
	return nil
}

// tokenCreate serves POST /admin/tokens (POST /api/v1/tokens's use case);
// the answer is the page itself, with the secret, never stored or shown
// again.
func (p *Pages) tokenCreate(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ManageTokens) {
		return forbid(staff.ManageTokens)
	}
	days, _ := strconv.Atoi(r.PostFormValue("expires_days"))
	secret, tok, err := p.app.IssueToken(r.Context(), r.Actor, app.TokenInput{Role: staff.Role(r.PostFormValue("role")),
		Name: r.PostFormValue("name"), Expires: time.Duration(days) * 24 * time.Hour})
	if err != nil {
		if msg, ok := formError(err); ok {
			return p.showStaff(w, r, httpx.Classify(err).Status, func(pg *staffPage) { pg.Error = msg })
		}
		return err
	}
	return p.showStaff(w, r, http.StatusCreated, func(pg *staffPage) { pg.NewSecret, pg.NewToken = secret, &tok })
}

// tokenRevoke serves POST /admin/tokens/{id}/revoke.
func (p *Pages) tokenRevoke(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ManageTokens) {
		return forbid(staff.ManageTokens)
	}
	if _, err := p.app.RevokeToken(r.Context(), r.Actor, r.PathValue("id")); err != nil {
		if msg, ok := formError(err); ok {
			return p.showStaff(w, r, httpx.Classify(err).Status, func(pg *staffPage) { pg.Error = msg })
		}
		return err
	}
	return seeOther(w, r, "/admin/staff", "token_revoked")
}

// userDisable serves POST /admin/users/{id}/disable (the use case of
// `samtykke user disable`): the account's sessions end at once.
func (p *Pages) userDisable(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ManageUsers) {
		return forbid(staff.ManageUsers)
	}
	if _, err := p.app.DisableUser(r.Context(), r.Actor, r.PathValue("id")); err != nil {
		if msg, ok := formError(err); ok {
			return p.showStaff(w, r, httpx.Classify(err).Status, func(pg *staffPage) { pg.Error = msg })
		}
		return err
	}
	return seeOther(w, r, "/admin/staff", "user_disabled")
}

// settingsPage is the configuration, read-only, secrets redacted.
type settingsPage struct {
	base
	Settings   []Setting
	Controller []Setting
}

func (*settingsPage) view() string { return "settings" }

func (p *Pages) settings(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ManageTokens) {
		return forbid(staff.ManageTokens)
	}
	c := p.app.Controller()
	p.render(w, r, http.StatusOK, &settingsPage{base: p.base(r, "/admin/settings"), Settings: p.cfg.Settings,
		Controller: []Setting{{"name", c.Name}, {"org_number", c.OrgNumber}, {"address", c.Address}, {"email", c.Email},
			{"dpo", c.DPO.Email}, {"hosting", c.Hosting}}})
	return nil
}
