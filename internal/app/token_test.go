// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestTokenExpiryAndRevocation: a token works until the instant of its
// expiry and not at it; only an admin issues, lists or revokes; a bad
// expiry is bad input and makes nothing; a revoked token is refused at the
// next call (issue 22, S-02).
func TestTokenExpiryAndRevocation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		ctx := tb.ctx
		secret, tok, err := tb.app.IssueToken(ctx, admin, app.TokenInput{Role: staff.Integrator, Name: "kassa", Expires: 90 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if !tok.ExpiresAt.Equal(tb.now.Add(90 * 24 * time.Hour)) {
			t.Errorf("expires at %v, want 90 days on", tok.ExpiresAt)
		}
		start := tb.now
		for _, c := range []struct {
			at   time.Duration
			want error
		}{{0, nil}, {90*24*time.Hour - time.Microsecond, nil}, {90 * 24 * time.Hour, app.ErrUnauthenticated}, {91 * 24 * time.Hour, app.ErrUnauthenticated}} {
			tb.now = start.Add(c.at)
			if _, err := tb.app.Authenticate(ctx, secret); !errors.Is(err, c.want) && (c.want != nil || err != nil) {
				t.Errorf("at +%v: %v, want %v", c.at, err, c.want)
			}
		}
		tb.now = start

		for _, actor := range []app.Actor{integrator, marketer, {Name: "dpo", Role: staff.DPO}, {Name: "revisor", Role: staff.Auditor}} {
			if _, _, err := tb.app.IssueToken(ctx, actor, app.TokenInput{Role: staff.Admin}); !errors.Is(err, app.ErrForbidden) {
				t.Errorf("%s issues a token: %v, want ErrForbidden", actor.Role, err)
			}
			if _, err := tb.app.Tokens(ctx, actor); !errors.Is(err, app.ErrForbidden) {
				t.Errorf("%s lists tokens: %v, want ErrForbidden", actor.Role, err)
			}
			if _, err := tb.app.RevokeToken(ctx, actor, tok.ID); !errors.Is(err, app.ErrForbidden) {
				t.Errorf("%s revokes a token: %v, want ErrForbidden", actor.Role, err)
			}
		}
		for _, life := range []time.Duration{-time.Hour, time.Second, 6 * 366 * 24 * time.Hour} {
			if _, _, err := tb.app.IssueToken(ctx, admin, app.TokenInput{Role: staff.DPO, Expires: life}); !errors.Is(err, app.ErrInvalid) {
				t.Errorf("expires %v: %v, want ErrInvalid", life, err)
			}
		}
		if ts, err := tb.app.Tokens(ctx, admin); err != nil || len(ts) != 1 || ts[0].Hash != nil {
			t.Fatalf("tokens = %d, %v; want the one made, without its hash", len(ts), err)
		}

		tb.now = start.Add(time.Minute)
		got, err := tb.app.RevokeToken(ctx, admin, tok.ID)
		if err != nil || !got.RevokedAt.Equal(tb.now) {
			t.Fatalf("revoke: %+v, %v", got, err)
		}
		if _, err := tb.app.Authenticate(ctx, secret); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("the revoked token: %v, want ErrUnauthenticated", err)
		}
		if _, err := tb.app.RevokeToken(ctx, admin, tok.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("revoke twice: %v, want ErrConflict", err)
		}
		if _, err := tb.app.RevokeToken(ctx, admin, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke an unknown token: %v, want ErrNotFound", err)
		}
	})
}
