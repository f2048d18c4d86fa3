// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"context"
	"encoding/base32"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// cheap keeps the tests' password hashes quick; the default's cost is in
// docs/security.md.
var cheap = app.Config{Argon2: staff.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}

const password = "korrekt hest batteri stift"

// user makes a staff account as the admin and returns it with its TOTP
// secret, when its role has one.
func (tb *bundle) user(t *testing.T, name string, role staff.Role) (app.UserInfo, []byte) {
	t.Helper()
	u, enrol, err := tb.app.CreateUser(tb.ctx, admin, app.UserInput{Name: name, Role: role, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if enrol == nil {
		return u, nil
	}
	return u, totpSecret(t, enrol.URI)
}

// totpSecret reads the secret of an otpauth:// URI.
func totpSecret(t *testing.T, uri string) []byte {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func (tb *bundle) totp(key []byte) string { return staff.TOTPCode(key, staff.TOTPStep(tb.now)) }

// TestLoginAndSessions: a staff account logs in with its password and gets
// a session whose actor is "user:<id>:<name>"; a wrong password, an unknown
// name and a disabled account are refused alike; disabling a user refuses
// its session at once; logout ends it; the login log has every attempt and
// never a password (issue 22, S-02).
func TestLoginAndSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, cheap)
		ctx := tb.ctx
		u, key := tb.user(t, "Ola@Butikk.no", staff.Marketer)
		if u.Name != "ola@butikk.no" || key != nil || u.TOTP || u.NeedsTOTP {
			t.Fatalf("created %+v, TOTP secret %v; want a lower-cased marketer without a second factor", u, key)
		}
		res, err := tb.app.Login(ctx, app.LoginInput{Name: "ola@butikk.no", Password: password, IP: "192.0.2.1"})
		if err != nil || res.Stage != staff.StageFull || res.Secret == "" {
			t.Fatalf("login = %+v, %v; want a full session", res, err)
		}
		actor, err := tb.app.SessionActor(ctx, res.Secret)
		if err != nil || actor.String() != "user:"+u.ID+":ola@butikk.no" || actor.Role != staff.Marketer {
			t.Fatalf("actor = %q (%s), %v", actor.String(), actor.Role, err)
		}
		if s := (app.Actor{ID: "t1", Name: "kassa", Role: staff.Integrator}).String(); s != "token:t1:kassa" {
			t.Errorf("a token's actor = %q; want token:t1:kassa", s)
		}
		// The session's secret is not in the database, only its hash.
		if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM staff_sessions WHERE hash = $1", []byte(res.Secret)); n != 0 {
			t.Error("the session's secret is stored in clear")
		}

		before := tb.b.Int(t, tb.store, "SELECT count(*) FROM staff_sessions")
		for _, in := range []app.LoginInput{
			{Name: "ola@butikk.no", Password: password + "x"},
			{Name: "kari", Password: password},
			{Name: password, Password: password}, // a password typed into the name field
			{Name: "", Password: ""},
		} {
			if _, err := tb.app.Login(ctx, in); !errors.Is(err, app.ErrUnauthenticated) {
				t.Errorf("login %q: %v; want ErrUnauthenticated", in.Name, err)
			}
		}
		if after := tb.b.Int(t, tb.store, "SELECT count(*) FROM staff_sessions"); after != before {
			t.Errorf("refused logins opened %d sessions", after-before)
		}
		if _, err := tb.app.Login(ctx, app.LoginInput{Name: "OLA@butikk.no", Password: password}); err != nil {
			t.Errorf("a name in upper case: %v", err)
		}

		// Disabling refuses the open session at once; the password then
		// opens nothing.
		tb.now = tb.now.Add(time.Minute)
		if _, err := tb.app.DisableUser(ctx, marketer, u.ID); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a marketer disables a user: %v; want ErrForbidden", err)
		}
		if _, err := tb.app.DisableUser(ctx, admin, "ola@butikk.no"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.SessionActor(ctx, res.Secret); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("a disabled user's session: %v; want ErrUnauthenticated", err)
		}
		if _, err := tb.app.Login(ctx, app.LoginInput{Name: "ola@butikk.no", Password: password}); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("a disabled user's login: %v; want ErrUnauthenticated", err)
		}
		if _, err := tb.app.DisableUser(ctx, admin, u.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("disable twice: %v; want ErrConflict", err)
		}

		// Logout.
		v, _ := tb.user(t, "revisor", staff.Auditor)
		res, err = tb.app.Login(ctx, app.LoginInput{Name: "revisor", Password: password, IP: "192.0.2.2"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.app.Logout(ctx, res.Secret, "192.0.2.2"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.SessionActor(ctx, res.Secret); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("after logout: %v; want ErrUnauthenticated", err)
		}

		log, err := tb.app.LoginLog(ctx, app.Actor{Name: "dpo", Role: staff.DPO}, 100)
		if err != nil {
			t.Fatal(err)
		}
		var outcomes []string
		for _, e := range log {
			outcomes = append(outcomes, string(e.Outcome)+":"+e.Name)
		}
		want := "logout:revisor ok:revisor disabled:ola@butikk.no ok:ola@butikk.no bad_password: bad_password: bad_password: " +
			"bad_password:ola@butikk.no ok:ola@butikk.no"
		if got := strings.Join(outcomes, " "); got != want {
			t.Errorf("login log, newest first:\n got %s\nwant %s", got, want)
		}
		if log[0].UserID != v.ID || log[0].IP != "192.0.2.2" {
			t.Errorf("the logout's entry: %+v", log[0])
		}
		if _, err := tb.app.LoginLog(ctx, marketer, 10); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a marketer reads the login log: %v; want ErrForbidden", err)
		}
		for _, table := range []string{"staff_logins", "staff_users", "staff_sessions", "rate_limits"} {
			if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM "+table+" WHERE "+textOf(b, table)+" LIKE $1", "%stift%"); n != 0 {
				t.Errorf("%s holds the password in %d rows", table, n)
			}
		}
	})
}

// textOf is every column of a table as one text, for a LIKE.
func textOf(b storetest.Backend, table string) string {
	if b.Name == "postgres" {
		return "CAST(" + table + " AS TEXT)"
	}
	cols := map[string]string{
		"staff_logins":   "id || name || user_id || ip || outcome",
		"staff_users":    "id || name || role || password_hash",
		"staff_sessions": "id || user_id || stage",
		"rate_limits":    "key",
	}
	return cols[table]
}

// TestLockout: five wrong passwords in a row lock the account for 15
// minutes, on the account's row: the right password is refused unchecked
// until then, and works after; a wrong TOTP code counts as well (issue 22).
func TestLockout(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, cheap)
		ctx := tb.ctx
		tb.user(t, "kari", staff.Marketer)
		for i := 1; i <= staff.MaxFailures; i++ {
			_, err := tb.app.Login(ctx, app.LoginInput{Name: "kari", Password: "feil passord nummer " + string(rune('0'+i))})
			want := app.ErrUnauthenticated
			if i == staff.MaxFailures {
				want = app.ErrRateLimited
			}
			if !errors.Is(err, want) {
				t.Fatalf("failure %d: %v; want %v", i, err, want)
			}
		}
		start := tb.now
		for _, at := range []time.Duration{0, staff.LockFor - time.Second} {
			tb.now = start.Add(at)
			if _, err := tb.app.Login(ctx, app.LoginInput{Name: "kari", Password: password}); !errors.Is(err, app.ErrRateLimited) {
				t.Errorf("the right password %v into the lock: %v; want ErrRateLimited", at, err)
			}
		}
		tb.now = start.Add(staff.LockFor)
		if _, err := tb.app.Login(ctx, app.LoginInput{Name: "kari", Password: password}); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		us, _ := tb.app.Users(ctx, admin)
		if len(us) != 1 || us[0].LastLoginAt.IsZero() {
			t.Errorf("users = %+v; want kari's last login", us)
		}

		// Wrong codes count towards the lockout too.
		_, key := tb.user(t, "dpo", staff.DPO)
		res, _ := tb.app.Login(ctx, app.LoginInput{Name: "dpo", Password: password})
		if _, err := tb.app.ConfirmTOTP(ctx, res.Secret, tb.totp(key), ""); err != nil {
			t.Fatal(err)
		}
		var last error
		for range staff.MaxFailures {
			_, last = tb.app.Login(ctx, app.LoginInput{Name: "dpo", Password: password, Code: "000000"})
		}
		if !errors.Is(last, app.ErrRateLimited) {
			t.Errorf("after five wrong codes: %v; want ErrRateLimited", last)
		}
		if _, err := tb.app.Login(ctx, app.LoginInput{Name: "dpo", Password: password}); !errors.Is(err, app.ErrRateLimited) {
			t.Errorf("locked by codes, then the password: %v; want ErrRateLimited", err)
		}
		// Only the lockout's own entry says so.
		log, _ := tb.app.LoginLog(ctx, admin, 3)
		if log[0].Outcome != staff.LoginLocked || log[1].Outcome != staff.LoginLockedNow || log[2].Outcome != staff.LoginBadCode {
			t.Errorf("login log = %+v", log)
		}
	})
}

// TestSecondFactor: a DPO (who may reveal numbers) cannot use a session
// before enrolling a second factor; the enrolment completes with a code
// and replaces the session; after that a login needs a code, given with the
// password or as a second step; a code is used once (issue 22, S-02).
func TestSecondFactor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, cheap)
		ctx := tb.ctx
		u, key := tb.user(t, "personvern", staff.DPO)
		if key == nil || !u.NeedsTOTP || u.TOTP {
			t.Fatalf("a DPO: %+v, secret %v; want an enrolment waiting", u, key)
		}
		if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM staff_users WHERE totp_sealed = $1", key); n != 0 {
			t.Error("the TOTP secret is stored in clear")
		}
		res, err := tb.app.Login(ctx, app.LoginInput{Name: "personvern", Password: password})
		if err != nil || res.Stage != staff.StageEnrol {
			t.Fatalf("the DPO's first login: %+v, %v; want the enrolment stage", res, err)
		}
		if _, err := tb.app.SessionActor(ctx, res.Secret); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("a session waiting for its enrolment acts: %v; want ErrUnauthenticated", err)
		}
		enrol, err := tb.app.EnrolTOTP(ctx, res.Secret)
		if err != nil || string(totpSecret(t, enrol.URI)) != string(key) || enrol.Secret == "" {
			t.Fatalf("EnrolTOTP = %+v, %v; want the secret made with the account", enrol, err)
		}
		if _, err := tb.app.ConfirmTOTP(ctx, res.Secret, "123456", ""); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("a wrong first code: %v; want ErrUnauthenticated", err)
		}
		full, err := tb.app.ConfirmTOTP(ctx, res.Secret, tb.totp(key), "")
		if err != nil || full.Stage != staff.StageFull || !full.User.TOTP {
			t.Fatalf("ConfirmTOTP = %+v, %v", full, err)
		}
		if _, err := tb.app.Session(ctx, res.Secret); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("the enrolment's session after it: %v; want ended", err)
		}
		if a, err := tb.app.SessionActor(ctx, full.Secret); err != nil || a.Role != staff.DPO {
			t.Fatalf("the full session: %+v, %v", a, err)
		}
		if _, err := tb.app.EnrolTOTP(ctx, full.Secret); !errors.Is(err, app.ErrRefused) {
			t.Errorf("enrolling again: %v; want ErrRefused", err)
		}

		// The code just used is refused, in the same 30 s and in the next.
		if _, err := tb.app.Login(ctx, app.LoginInput{Name: "personvern", Password: password, Code: tb.totp(key)}); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("the enrolment's code again: %v; want ErrUnauthenticated", err)
		}
		tb.now = tb.now.Add(staff.TOTPPeriod)
		step, err := tb.app.Login(ctx, app.LoginInput{Name: "personvern", Password: password})
		if err != nil || step.Stage != staff.StageTOTP {
			t.Fatalf("a login without a code: %+v, %v; want the code stage", step, err)
		}
		if _, err := tb.app.SessionActor(ctx, step.Secret); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("a session waiting for its code acts: %v", err)
		}
		done, err := tb.app.SecondFactor(ctx, step.Secret, tb.totp(key), "")
		if err != nil || done.Stage != staff.StageFull {
			t.Fatalf("SecondFactor = %+v, %v", done, err)
		}
		if _, err := tb.app.SecondFactor(ctx, step.Secret, tb.totp(key), ""); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("the code step twice: %v", err)
		}
		tb.now = tb.now.Add(staff.TOTPPeriod)
		if _, err := tb.app.Login(ctx, app.LoginInput{Name: "personvern", Password: password, Code: tb.totp(key)}); err != nil {
			t.Errorf("password and a fresh code at once: %v", err)
		}
		// A pending session ends after five minutes.
		tb.now = tb.now.Add(staff.TOTPPeriod)
		step, _ = tb.app.Login(ctx, app.LoginInput{Name: "personvern", Password: password})
		tb.now = tb.now.Add(staff.PendingTimeout)
		if _, err := tb.app.SecondFactor(ctx, step.Secret, tb.totp(key), ""); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("a code after the pending session's end: %v", err)
		}

		// An admin must enrol a second factor too (S-02: admin 2FA).
		if _, due := tb.user(t, "sjef", staff.Admin); due == nil {
			t.Error("an admin was made without a second factor to enrol")
		}
		if res, _ := tb.app.Login(ctx, app.LoginInput{Name: "sjef", Password: password}); res.Stage != staff.StageEnrol {
			t.Errorf("an admin's first login: stage %q; want %q", res.Stage, staff.StageEnrol)
		}
		// A marketer may set up a second factor, not must.
		_, none := tb.user(t, "drift", staff.Marketer)
		res, _ = tb.app.Login(ctx, app.LoginInput{Name: "drift", Password: password})
		if none != nil || res.Stage != staff.StageFull {
			t.Fatalf("a marketer's login: %+v", res)
		}
		e, err := tb.app.EnrolTOTP(ctx, res.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.ConfirmTOTP(ctx, res.Secret, tb.totp(totpSecret(t, e.URI)), ""); err != nil {
			t.Fatal(err)
		}
		if r, _ := tb.app.Login(ctx, app.LoginInput{Name: "drift", Password: password}); r.Stage != staff.StageTOTP {
			t.Errorf("after enrolling, the admin's login: %+v; want the code stage", r)
		}
	})
}

// TestSessionExpiry: a session ends 30 minutes after its last request and
// 12 hours after the login whatever happens (issue 22).
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setupWith(t, b, cheap)
		ctx := tb.ctx
		tb.user(t, "kari", staff.Marketer)
		login := func() string {
			res, err := tb.app.Login(ctx, app.LoginInput{Name: "kari", Password: password})
			if err != nil {
				t.Fatal(err)
			}
			return res.Secret
		}
		idle := login()
		tb.now = tb.now.Add(staff.IdleTimeout - time.Second)
		if _, err := tb.app.SessionActor(ctx, idle); err != nil {
			t.Fatalf("29:59 idle: %v", err)
		}
		tb.now = tb.now.Add(staff.IdleTimeout)
		if _, err := tb.app.SessionActor(ctx, idle); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("30 minutes idle: %v; want ErrUnauthenticated", err)
		}

		busy := login()
		start := tb.now
		for tb.now.Sub(start) < staff.MaxSessionAge-20*time.Minute {
			tb.now = tb.now.Add(20 * time.Minute)
			if _, err := tb.app.SessionActor(ctx, busy); err != nil {
				t.Fatalf("busy at +%v: %v", tb.now.Sub(start), err)
			}
		}
		tb.now = start.Add(staff.MaxSessionAge)
		if _, err := tb.app.SessionActor(ctx, busy); !errors.Is(err, app.ErrUnauthenticated) {
			t.Errorf("at 12 hours: %v; want ErrUnauthenticated", err)
		}
	})
}

// TestUserInputRefused: a bad name, role or password is refused and makes
// nothing; a taken name is a conflict; only an admin makes users.
func TestUserInputRefused(t *testing.T) {
	t.Parallel()
	tb := setupWith(t, storetest.SQLite, cheap)
	tb.user(t, "kari", staff.Marketer)
	for _, in := range []app.UserInput{
		{Name: "k", Role: staff.Admin, Password: password},
		{Name: "kari nordmann", Role: staff.Admin, Password: password},
		{Name: "ola", Role: "king", Password: password},
		{Name: "ola", Role: staff.Admin, Password: "for kort"},
		{Name: "ola", Role: staff.Admin, Password: "ola-ola-ola-ola"},
	} {
		if _, _, err := tb.app.CreateUser(tb.ctx, admin, in); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("CreateUser(%q, %q): %v; want ErrInvalid", in.Name, in.Role, err)
		}
	}
	if _, _, err := tb.app.CreateUser(tb.ctx, admin, app.UserInput{Name: "KARI", Role: staff.DPO, Password: password}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second kari: %v; want ErrConflict", err)
	}
	if _, _, err := tb.app.CreateUser(tb.ctx, app.Actor{Name: "dpo", Role: staff.DPO}, app.UserInput{Name: "ola", Role: staff.Admin, Password: password}); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("a DPO makes a user: %v; want ErrForbidden", err)
	}
	if n := tb.b.Int(t, tb.store, "SELECT count(*) FROM staff_users"); n != 1 {
		t.Errorf("%d users after refused input; want 1", n)
	}
	// A user sets their own password; the old one and its sessions end.
	res, _ := tb.app.Login(tb.ctx, app.LoginInput{Name: "kari", Password: password})
	me, _ := tb.app.SessionActor(tb.ctx, res.Secret)
	if err := tb.app.SetPassword(tb.ctx, me, me.ID, "kort"); !errors.Is(err, app.ErrInvalid) {
		t.Errorf("a short new password: %v", err)
	}
	if err := tb.app.SetPassword(tb.ctx, me, me.ID, "et helt nytt passord"); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.app.SessionActor(tb.ctx, res.Secret); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("a session after the password changed: %v", err)
	}
	if _, err := tb.app.Login(tb.ctx, app.LoginInput{Name: "kari", Password: "et helt nytt passord"}); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// TestSessionRefusedOnEveryReplica runs two app instances, each with its
// own connection pool, on one PostgreSQL database, as two replicas of serve
// do: a user disabled through one is refused by the other at its next
// request, and so is a session logged out on the other; nothing is cached
// (issue 22, S-02).
func TestSessionRefusedOnEveryReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := pgReplicas(t, 2, cheap)
	u, _, err := rs[0].CreateUser(ctx, admin, app.UserInput{Name: "kari", Role: staff.Marketer, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	one, err := rs[0].Login(ctx, app.LoginInput{Name: "kari", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	two, err := rs[1].Login(ctx, app.LoginInput{Name: "kari", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if _, err := r.SessionActor(ctx, one.Secret); err != nil {
			t.Fatalf("replica %d before: %v", i, err)
		}
	}
	if err := rs[1].Logout(ctx, one.Secret, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := rs[0].SessionActor(ctx, one.Secret); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("replica 0 after a logout on replica 1: %v", err)
	}
	if _, err := rs[1].DisableUser(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := rs[0].SessionActor(ctx, two.Secret); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("replica 0 after the user was disabled on replica 1: %v", err)
	}
}

// TestLoginLogKeptAsTheAccessLog: the retention run deletes login-log
// entries past the access log's period, and keeps the newer ones (RT-08's
// neighbour: who logged in from where is kept as long as what they read).
func TestLoginLogKeptAsTheAccessLog(t *testing.T) {
	t.Parallel()
	cfg := cheap
	cfg.Retention.AccessLog = 30
	tb := setupWith(t, storetest.SQLite, cfg)
	tb.user(t, "kari", staff.Admin)
	if _, err := tb.app.Login(tb.ctx, app.LoginInput{Name: "kari", Password: password, IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	tb.now = tb.now.Add(20 * 24 * time.Hour)
	if _, err := tb.app.Login(tb.ctx, app.LoginInput{Name: "kari", Password: "feil passord her", IP: "192.0.2.1"}); !errors.Is(err, app.ErrUnauthenticated) {
		t.Fatal(err)
	}
	tb.now = tb.now.Add(11 * 24 * time.Hour)
	if _, err := tb.app.RunRetention(tb.ctx); err != nil {
		t.Fatal(err)
	}
	log, _ := tb.app.LoginLog(tb.ctx, admin, 10)
	if len(log) != 1 || log[0].Outcome != staff.LoginBadPassword {
		t.Errorf("after 31 days: %+v; want the 11-day-old failure only", log)
	}
}
