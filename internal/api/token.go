// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"net/http"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// tokenView is a token as the API shows it: never its secret nor its hash.
type tokenView struct {
	ID        string     `json:"id"`
	Role      staff.Role `json:"role"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	// Token is the secret, only in the answer that made it.
	Token string `json:"token,omitempty"`
}

func viewToken(t staff.Token) tokenView {
	v := tokenView{ID: t.ID, Role: t.Role, Name: t.Name, CreatedAt: t.CreatedAt}
	if !t.ExpiresAt.IsZero() {
		v.ExpiresAt = &t.ExpiresAt
	}
	if !t.RevokedAt.IsZero() {
		v.RevokedAt = &t.RevokedAt
	}
	return v
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	ts, err := s.app.Tokens(r.Context(), actor)
	if err != nil {
		return err
	}
	out := make([]tokenView, len(ts))
	for i, t := range ts {
		out[i] = viewToken(t)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Role    string `json:"role"`
		Name    string `json:"name"`
		Expires string `json:"expires"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	role, err := staff.ParseRole(in.Role)
	if err != nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "%v", err)
	}
	life, err := staff.ParseLife(in.Expires)
	if err != nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "%v", err)
	}
	secret, t, err := s.app.IssueToken(r.Context(), actor, app.TokenInput{Role: role, Name: in.Name, Expires: life})
	if err != nil {
		return err
	}
	v := viewToken(t)
	v.Token = secret
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	t, err := s.app.RevokeToken(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, viewToken(t))
	return nil
}
