// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/staff"
)

// runInput is run with standard input.
func runInput(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = MainInput(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// TestUserCommands: user create reads the password from standard input
// and never prints it, prints the TOTP key for a DPO; user list shows each
// account; user disable, by name, refuses the account's sessions at once;
// bad input fails, saying why, and makes nothing (issue 22, S-02).
func TestUserCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, _, stderr := run(t, nil, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	const pw = "korrekt hest batteri stift"
	code, out, stderr := runInput(t, pw+"\n", "user", "create", "--name", "Kari@Butikken.no", "--role", "admin", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "created user ") || !strings.Contains(out, "kari@butikken.no (admin)") ||
		strings.Contains(out+stderr, pw) || strings.Contains(out, "otpauth") {
		t.Fatalf("user create admin: exit %d, %q, %q", code, out, stderr)
	}
	code, out, stderr = runInput(t, pw, "user", "create", "--name", "personvern", "--role", "dpo", "--data-dir", dir)
	if code != 0 || !regexp.MustCompile(`(?m)^  key: [A-Z2-7]{4}( [A-Z2-7]{1,4})+$`).MatchString(out) ||
		!strings.Contains(out, "uri: otpauth://totp/") || strings.Contains(out+stderr, pw) {
		t.Fatalf("user create dpo: exit %d, %q, %q", code, out, stderr)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		err   string
	}{
		{pw, []string{"--name", "kari@butikken.no", "--role", "admin"}, 1, "exists"},
		{pw, []string{"--name", "ola", "--role", "king"}, 1, "unknown role"},
		{pw, []string{"--name", "o", "--role", "admin"}, 1, "2 to 100 characters"},
		{"for kort\n", []string{"--name", "ola", "--role", "admin"}, 1, "at least 12 characters"},
		{"", []string{"--name", "ola", "--role", "admin"}, 1, "no password"},
		{"ola-ola-ola-ola", []string{"--name", "ola", "--role", "admin"}, 1, "user name"},
	} {
		code, out, stderr := runInput(t, c.stdin, append(append([]string{"user", "create"}, c.args...), "--data-dir", dir)...)
		if code != c.code || !strings.Contains(stderr, c.err) || out != "" || (c.stdin != "" && strings.Contains(stderr, c.stdin)) {
			t.Errorf("user create %v: exit %d, %q, %q; want %d and %q", c.args, code, out, stderr, c.code, c.err)
		}
	}

	code, list, stderr := run(t, nil, "user", "list", "--data-dir", dir)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if code != 0 || len(lines) != 3 || !regexp.MustCompile(`^ID\s+NAME\s+ROLE\s+TOTP\s+CREATED\s+DISABLED\s+LAST LOGIN$`).MatchString(lines[0]) {
		t.Fatalf("user list: exit %d (%s)\n%s", code, stderr, list)
	}
	if f := strings.Fields(lines[1]); f[1] != "kari@butikken.no" || f[2] != "admin" || f[3] != "no" || f[5] != "-" || f[6] != "never" {
		t.Errorf("kari's line: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); f[1] != "personvern" || f[2] != "dpo" || f[3] != "due" {
		t.Errorf("the DPO's line: %q", lines[2])
	}

	sys := openData(t, map[string]string{"SAMTYKKE_DATA_DIR": dir})
	res, err := sys.app.Login(context.Background(), app.LoginInput{Name: "kari@butikken.no", Password: pw})
	sys.store.Close()
	if err != nil || res.Stage != staff.StageFull {
		t.Fatalf("login with the password given on stdin: %+v, %v", res, err)
	}
	code, out, stderr = run(t, nil, "user", "disable", "kari@butikken.no", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "disabled user ") || !strings.Contains(out, "its sessions ended") {
		t.Fatalf("user disable: exit %d, %q, %q", code, out, stderr)
	}
	sys = openData(t, map[string]string{"SAMTYKKE_DATA_DIR": dir})
	if _, err := sys.app.SessionActor(context.Background(), res.Secret); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("the disabled user's session: %v; want ErrUnauthenticated", err)
	}
	sys.store.Close()
	if _, list, _ := run(t, nil, "user", "list", "--data-dir", dir); strings.Fields(strings.Split(list, "\n")[1])[5] == "-" {
		t.Errorf("after disabling, the list shows no date: %q", list)
	}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"user", "disable", "kari@butikken.no", "--data-dir", dir}, 1, "disabled already"},
		{[]string{"user", "disable", "nope", "--data-dir", dir}, 1, "not found"},
		{[]string{"user", "disable", "--data-dir", dir}, 2, "which user?"},
	} {
		if code, _, stderr := run(t, nil, c.args...); code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, stderr, c.code, c.err)
		}
	}
}
