// SPDX-License-Identifier: AGPL-3.0-only

package staff

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// testArgon2 keeps the unit tests quick; the default's cost is measured in
// docs/security.md.
var testArgon2 = Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}

// TestPasswordHash: a hash is a self-describing argon2id PHC string with a
// fresh salt; it verifies the password and nothing else; a malformed or
// absurd stored string is refused, never hashed with (S-02, issue 22).
func TestPasswordHash(t *testing.T) {
	t.Parallel()
	const pw = "korrekt hest batteri stift"
	h := HashPassword(pw, testArgon2)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") || strings.Contains(h, pw) {
		t.Fatalf("hash %q: want an argon2id PHC string without the password", h)
	}
	if h2 := HashPassword(pw, testArgon2); h2 == h {
		t.Error("two hashes of one password are equal: no fresh salt")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{pw, true}, {pw + " ", false}, {"Korrekt hest batteri stift", false}, {"", false}} {
		if ok, err := VerifyPassword(h, c.pw); err != nil || ok != c.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
	parts := strings.Split(h, "$")
	for name, bad := range map[string]string{
		"argon2i":        strings.Replace(h, "argon2id", "argon2i", 1),
		"old version":    strings.Replace(h, "v=19", "v=16", 1),
		"4 GiB memory":   strings.Replace(h, "m=8192", "m=4194304", 1),
		"100 passes":     strings.Replace(h, "t=1,", "t=100,", 1),
		"no salt":        strings.Join(append(parts[:4:4], "", parts[5]), "$"),
		"short key":      strings.Join(append(parts[:5:5], "AAAA"), "$"),
		"params shuffle": strings.Replace(h, "m=8192,t=1,p=1", "t=1,m=8192,p=1", 1),
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu",
	} {
		if ok, err := VerifyPassword(bad, pw); ok || !errors.Is(err, ErrHashFormat) {
			t.Errorf("%s: %v, %v; want ErrHashFormat", name, ok, err)
		}
	}
	if !NeedsRehash(h, DefaultArgon2) || NeedsRehash(h, testArgon2) {
		t.Error("NeedsRehash: wrong answer for the test or the default parameters")
	}
}

// TestPasswordPolicy: at least 12 characters, not the user name nor
// containing it (issue 22).
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, pw string
		ok       bool
	}{
		{"kari", "korrekt hest batteri", true},
		{"kari", "æøåæøåæøåæøå", true}, // 12 characters, 24 bytes
		{"kari", "kort passord", true},
		{"kari", "for kort", false},
		{"kari", "Kari.Nordmann.2026", false},
		{"kari@butikk.no", "kari@butikk.no", false},
		{"kari", strings.Repeat("a", MaxPassword+1), false},
		{"kari", "ugyldig \xff utf-8 tekst", false},
	} {
		if err := CheckPassword(c.name, c.pw); (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrPasswordPolicy)) {
			t.Errorf("CheckPassword(%q, %q) = %v; want ok %v", c.name, c.pw, err, c.ok)
		}
	}
}

// TestTOTPVectors: the SHA-1 test vectors of RFC 6238 appendix B, cut to
// six digits (the last six of the RFC's eight).
func TestTOTPVectors(t *testing.T) {
	t.Parallel()
	secret := []byte("12345678901234567890")
	for _, c := range []struct {
		unix int64
		code string // RFC 6238: 94287082, 07081804, 14050471, 89005924, 69279037, 65353130
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"},
		{2000000000, "279037"}, {20000000000, "353130"}} {
		if got := TOTPCode(secret, TOTPStep(time.Unix(c.unix, 0))); got != c.code {
			t.Errorf("T=%d: %s, want %s", c.unix, got, c.code)
		}
	}
}

// TestTOTPCheck: the code of the current step and of one either side is
// accepted once; two steps away, a reused step or an older one is refused.
func TestTOTPCheck(t *testing.T) {
	t.Parallel()
	secret := NewTOTPSecret()
	now := time.Date(2026, 11, 29, 12, 0, 10, 0, time.UTC)
	cur := TOTPStep(now)
	for _, c := range []struct {
		name string
		step int64
		used int64
		ok   bool
	}{
		{"current", cur, 0, true},
		{"previous", cur - 1, 0, true},
		{"next", cur + 1, 0, true},
		{"two back", cur - 2, 0, false},
		{"two ahead", cur + 2, 0, false},
		{"reused", cur, cur, false},
		{"older than the last used", cur - 1, cur, false},
		{"after the last used", cur + 1, cur, true},
	} {
		step, ok := TOTPCheck(secret, TOTPCode(secret, c.step), now, c.used)
		if ok != c.ok || (ok && step != c.step) {
			t.Errorf("%s: step %d, %v; want %v", c.name, step, ok, c.ok)
		}
	}
	code := TOTPCode(secret, cur)
	if _, ok := TOTPCheck(secret, code[:3]+" "+code[3:], now, 0); !ok {
		t.Error("a code typed with a space is refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := TOTPCheck(secret, bad, now, 0); ok {
			t.Errorf("code %q accepted", bad)
		}
	}
	uri := TOTPURI("samtykke Butikken AS", "kari", []byte("12345678901234567890"))
	if !strings.HasPrefix(uri, "otpauth://totp/samtykke%20Butikken%20AS:kari?") ||
		!strings.Contains(uri, "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") || !strings.Contains(uri, "digits=6") ||
		!strings.Contains(uri, "period=30") {
		t.Errorf("TOTPURI = %q", uri)
	}
	if g := TOTPGroups([]byte("12345678901234567890")); g != "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ" {
		t.Errorf("TOTPGroups = %q", g)
	}
}

// TestNamesAndTOTPRoles: login names are lower-cased and checked; the DPO,
// who may reveal numbers, needs a second factor and no other role does.
func TestNamesAndTOTPRoles(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{" Kari ": "kari", "kari.nordmann@butikk.no": "kari.nordmann@butikk.no",
		"x": "", "kari nordmann": "", "kåre": "", strings.Repeat("a", 101): ""} {
		got, err := CheckName(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("CheckName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, r := range Roles {
		if NeedsTOTP(r) != (r == DPO) {
			t.Errorf("NeedsTOTP(%s) = %v", r, NeedsTOTP(r))
		}
	}
}

// TestSessionLive: a full session lives until its absolute expiry and
// within the idle timeout; a pending one only until its expiry.
func TestSessionLive(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s := Session{Stage: StageFull, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(MaxSessionAge)}
	if !s.Live(t0.Add(IdleTimeout-time.Second)) || s.Live(t0.Add(IdleTimeout)) {
		t.Error("idle timeout not applied at 30 minutes")
	}
	s.LastSeen = t0.Add(MaxSessionAge - time.Minute)
	if !s.Live(t0.Add(MaxSessionAge-time.Second)) || s.Live(t0.Add(MaxSessionAge)) {
		t.Error("absolute expiry not applied at 12 hours")
	}
	p := Session{Stage: StageTOTP, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(PendingTimeout)}
	if !p.Live(t0.Add(PendingTimeout-time.Second)) || p.Live(t0.Add(PendingTimeout)) {
		t.Error("a pending session's expiry not applied")
	}
}

// BenchmarkArgon2Default measures one hash at the default parameters: the
// figure in docs/security.md (run under the bench lock).
func BenchmarkArgon2Default(b *testing.B) {
	h := HashPassword("korrekt hest batteri stift", DefaultArgon2)
	for b.Loop() {
		if ok, _ := VerifyPassword(h, "korrekt hest batteri stift"); !ok {
			b.Fatal("no match")
		}
	}
}
