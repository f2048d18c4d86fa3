// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseUsers: a staff account is stored and read back whole, its name is
// unique, a failure count locks it at the max-th failure, a TOTP step is
// used once, and disabling it ends its sessions (issue 22, S-02).
func exerciseUsers(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	u := staff.User{ID: "u1", Name: "kari", Role: staff.DPO, PasswordHash: "$argon2id$v=19$m=65536,t=2,p=2$c2FsdA$aGFzaA",
		TOTPSealed: []byte{1, 2, 3}, CreatedAt: t0}
	tx(t, s, func(tx store.Tx) error { return tx.CreateUser(ctx, u) })
	err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.CreateUser(ctx, staff.User{ID: "u2", Name: "kari", Role: staff.Admin, PasswordHash: "x", CreatedAt: t0})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second user named kari: %v, want ErrConflict", err)
	}
	tx(t, s, func(tx store.Tx) error {
		return tx.CreateUser(ctx, staff.User{ID: "u3", Name: "ola", Role: staff.Marketer, PasswordHash: "y", CreatedAt: t0.Add(time.Second)})
	})
	got, err := s.UserByName(ctx, "kari")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("UserByName (-want +got):\n%s", diff)
	}
	if _, err := s.User(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown user: %v, want ErrNotFound", err)
	}
	if us, err := s.Users(ctx); err != nil || len(us) != 2 || us[0].ID != "u1" || us[1].ID != "u3" || us[1].TOTPSealed != nil {
		t.Errorf("Users = %+v, %v; want u1 then u3 (without a TOTP secret)", us, err)
	}

	// Lockout at the third failure here; the count restarts after it.
	for i := 1; i <= 3; i++ {
		var locked bool
		tx(t, s, func(tx store.Tx) (err error) {
			locked, err = tx.LoginFailed(ctx, "u1", t0, 3, 15*time.Minute)
			return err
		})
		if locked != (i == 3) {
			t.Errorf("failure %d: locked %v", i, locked)
		}
	}
	if got, _ := s.User(ctx, "u1"); !got.LockedUntil.Equal(t0.Add(15*time.Minute)) || got.FailedLogins != 0 || !got.Locked(t0) {
		t.Errorf("after 3 failures: locked until %v, %d failures", got.LockedUntil, got.FailedLogins)
	}
	tx(t, s, func(tx store.Tx) error {
		if _, err := tx.LoginFailed(ctx, "u1", t0, 3, time.Minute); err != nil {
			return err
		}
		return tx.LoginSucceeded(ctx, "u1", t0.Add(time.Hour))
	})
	if got, _ := s.User(ctx, "u1"); got.FailedLogins != 0 || !got.LastLoginAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after a success: %d failures, last login %v", got.FailedLogins, got.LastLoginAt)
	}

	// A TOTP step is used once; an older one is refused after it; a new
	// secret starts over.
	for _, c := range []struct {
		step int64
		ok   bool
	}{{100, true}, {100, false}, {99, false}, {101, true}} {
		var ok bool
		tx(t, s, func(tx store.Tx) (err error) { ok, err = tx.UseTOTPStep(ctx, "u1", c.step); return err })
		if ok != c.ok {
			t.Errorf("step %d: %v, want %v", c.step, ok, c.ok)
		}
	}
	tx(t, s, func(tx store.Tx) error { return tx.SetTOTP(ctx, "u1", []byte{9}, t0) })
	if got, _ := s.User(ctx, "u1"); got.TOTPStep != 0 || !got.HasTOTP() || got.TOTPSealed[0] != 9 {
		t.Errorf("after SetTOTP: %+v", got)
	}
	tx(t, s, func(tx store.Tx) error { return tx.SetPassword(ctx, "u1", "new") })
	if got, _ := s.User(ctx, "u1"); got.PasswordHash != "new" {
		t.Errorf("after SetPassword: %q", got.PasswordHash)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.SetPassword(ctx, "nope", "x") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPassword of an unknown user: %v", err)
	}

	// Sessions: read with their user by hash; an expired one is swept by
	// the next creation; disabling the user deletes the rest.
	_, h1 := staff.NewSession()
	_, h2 := staff.NewSession()
	_, h3 := staff.NewSession()
	s1 := staff.Session{ID: "s1", UserID: "u1", Hash: h1, Stage: staff.StageFull, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour)}
	s2 := staff.Session{ID: "s2", UserID: "u1", Hash: h2, Stage: staff.StageTOTP, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(2 * time.Hour)}
	tx(t, s, func(tx store.Tx) error { return tx.CreateSession(ctx, s1) })
	tx(t, s, func(tx store.Tx) error { return tx.CreateSession(ctx, s2) })
	gs, gu, err := s.Session(ctx, h1)
	if err != nil || gu.Name != "kari" {
		t.Fatalf("Session: %+v, %v", gu, err)
	}
	if diff := cmp.Diff(s1, gs); diff != "" {
		t.Errorf("Session (-want +got):\n%s", diff)
	}
	tx(t, s, func(tx store.Tx) error { return tx.TouchSession(ctx, "s1", t0.Add(time.Minute)) })
	tx(t, s, func(tx store.Tx) error { return tx.TouchSession(ctx, "s1", t0) }) // never backwards
	if gs, _, _ := s.Session(ctx, h1); !gs.LastSeen.Equal(t0.Add(time.Minute)) {
		t.Errorf("last seen %v after a touch", gs.LastSeen)
	}
	s3 := staff.Session{ID: "s3", UserID: "u3", Hash: h3, Stage: staff.StageFull, CreatedAt: t0.Add(90 * time.Minute),
		LastSeen: t0.Add(90 * time.Minute), ExpiresAt: t0.Add(3 * time.Hour)}
	tx(t, s, func(tx store.Tx) error { return tx.CreateSession(ctx, s3) })
	if _, _, err := s.Session(ctx, h1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session expired before the next creation: %v, want ErrNotFound (swept)", err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.DisableUser(ctx, "u1", t0.Add(2*time.Hour)) })
	if _, _, err := s.Session(ctx, h2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a disabled user's session: %v, want ErrNotFound", err)
	}
	if got, _ := s.User(ctx, "u1"); !got.Disabled() {
		t.Error("u1 is not disabled")
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.DisableUser(ctx, "u1", t0) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("disable twice: %v, want ErrConflict", err)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.DisableUser(ctx, "nope", t0) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disable an unknown user: %v, want ErrNotFound", err)
	}
	var n int64
	tx(t, s, func(tx store.Tx) (err error) { n, err = tx.DeleteSessions(ctx, "u3"); return err })
	tx(t, s, func(tx store.Tx) error { return tx.DeleteSession(ctx, "s3") })
	if n != 1 {
		t.Errorf("DeleteSessions: %d, want 1", n)
	}

	// The login log, newest first.
	for i, o := range []staff.Outcome{staff.LoginBadPassword, staff.LoginOK} {
		a := staff.LoginAttempt{ID: string(rune('a' + i)), At: t0.Add(time.Duration(i) * time.Second), Name: "kari", UserID: "u1",
			IP: "192.0.2.1", Outcome: o}
		tx(t, s, func(tx store.Tx) error { return tx.RecordLogin(ctx, a) })
	}
	if as, err := s.LoginAttempts(ctx, 10); err != nil || len(as) != 2 || as[0].Outcome != staff.LoginOK ||
		!as[1].At.Equal(t0) || as[1].IP != "192.0.2.1" {
		t.Errorf("LoginAttempts = %+v, %v", as, err)
	}
	var purged int64
	tx(t, s, func(tx store.Tx) (err error) {
		purged, err = tx.PurgeLoginLog(ctx, t0.Add(time.Second), 10)
		return err
	})
	if as, _ := s.LoginAttempts(ctx, 10); purged != 1 || len(as) != 1 || as[0].Outcome != staff.LoginOK {
		t.Errorf("after purging before t0+1s: %d purged, %+v left; want the older one gone", purged, as)
	}
}
