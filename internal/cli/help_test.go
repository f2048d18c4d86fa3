// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bufio"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/config"
)

// names are every command's full name, verbs included.
func names() []string {
	var out []string
	for _, c := range commands() {
		out = append(out, c.name)
	}
	return out
}

func TestHelpIsTheOverviewOnStdout(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}} {
		code, stdout, stderr := run(t, nil, args...)
		if code != 0 || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 0 and nothing on stderr", args, code, stderr)
		}
		if !strings.Contains(stdout, "usage: samtykke COMMAND") {
			t.Errorf("%v: stdout %q; want the overview", args, stdout)
		}
		for _, n := range names() {
			if !strings.Contains(stdout, "\n  "+n+" ") {
				t.Errorf("%v: the overview does not list %q", args, n)
			}
		}
	}
	// With no arguments at all the overview is a usage error.
	if code, stdout, stderr := run(t, nil); code != 2 || stdout != "" || !strings.Contains(stderr, "usage: samtykke COMMAND") {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q; want exit 2 and the overview on stderr", code, stdout, stderr)
	}
}

func TestEveryCommandHasItsHelpOnStdout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"SAMTYKKE_DATA_DIR": dir} // a command that ran would create its database here
	for _, c := range commands() {
		words := strings.Fields(c.name)
		forms := [][]string{append([]string{"help"}, words...), append(words[:len(words):len(words)], "--help"),
			append(words[:len(words):len(words)], "-h")}
		if len(words) == 2 && len(group(words[0])) == 1 { // the command alone names its only verb
			forms = append(forms, []string{"help", words[0]}, []string{words[0], "--help"})
		}
		var first string
		for _, args := range forms {
			code, stdout, stderr := run(t, env, args...)
			if code != 0 || stderr != "" {
				t.Errorf("%q: exit %d, stderr %q; want exit 0 and nothing on stderr", args, code, stderr)
				continue
			}
			if !strings.HasPrefix(stdout, "samtykke "+c.name+": "+c.summary+"\n") ||
				!strings.Contains(stdout, "\nusage: samtykke "+c.name) ||
				!strings.Contains(stdout, "\nexample:\n  "+c.example+"\n") {
				t.Errorf("%q: stdout %q; want the description, the synopsis and the example", args, stdout)
			}
			if first == "" {
				first = stdout
			} else if stdout != first {
				t.Errorf("%q: the help differs from %q's:\n%s\n---\n%s", args, forms[0], stdout, first)
			}
		}
	}
	// A group of several verbs lists each one's help (ledger verify, ledger checkpoint).
	for _, args := range [][]string{{"help", "ledger"}, {"ledger", "--help"}} {
		code, stdout, stderr := run(t, env, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "samtykke ledger verify: ") || !strings.Contains(stdout, "samtykke ledger checkpoint: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want both verbs' help", args, code, stdout, stderr)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the data folder holds %v (%v) after --help; want nothing run", entries, err)
	}
}

// flagsIn are the flags a help text lists.
func flagsIn(help string) []string {
	return regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllString(help, -1)
}

func TestEachCommandListsOnlyItsFlags(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"serve":             {"addr", "data-dir", "database-url", "sim-addr"},
		"migrate":           {"data-dir", "database-url"},
		"token create":      {"data-dir", "database-url", "expires", "name", "role"},
		"token list":        {"data-dir", "database-url"},
		"token revoke":      {"data-dir", "database-url"},
		"user create":       {"data-dir", "database-url", "name", "role"},
		"user list":         {"data-dir", "database-url"},
		"user disable":      {"data-dir", "database-url"},
		"ledger verify":     {"data-dir", "database-url"},
		"ledger checkpoint": {"data-dir", "database-url"},
		"receipt verify":    {"data-dir", "database-url", "format", "public-key"},
		"retention run":     {"data-dir", "database-url"},
		"config":            {"addr", "data-dir", "database-url"},
		"audit":             {"data-dir", "database-url", "format"},
		"doctor":            {"data-dir", "database-url"},
		"keys status":       {"data-dir", "database-url", "format"},
		"keys rotate":       {"data-dir", "database-url"},
		"breach report":     {"data-dir", "database-url", "format", "lang"},
		"export":            {"data-dir", "database-url", "format", "reason", "reveal", "suppressions"},
		"ropa":              {"data-dir", "database-url", "format"},
		"dpia":              {"data-dir", "database-url", "format", "version"},
		"breach list":       {"data-dir", "database-url", "format", "state"},
		"whatsapp-sim":      {"addr", "app-secret", "data-dir", "latency", "latency-p99", "latency-seed", "max-recorded", "mps", "pair-every", "phone-number-id", "statuses", "token", "webhook"},
		"bench dispatch":    {"backends", "batch", "cpuprofile", "database-url", "json", "latency", "latency-p99", "max-in-flight", "mps", "n", "numbers", "rounds", "webhooks"},
		"bench audit":       {"backends", "contacts", "cpuprofile", "database-url", "json", "messages", "no-checkpoint"},
		"bench import":      {"backends", "cpuprofile", "database-url", "json", "n"},
		"import":            {"data-dir", "database-url", "format", "purpose", "report", "without-evidence"},
		"backup":            {"data", "data-dir", "database", "database-url", "out", "recipient", "recipients-file"},
		"restore":           {"data", "data-dir", "database", "database-url", "erasures", "identity", "in", "no-erasure-journal"},
		"help":              nil,
		"version":           nil,
	}
	for _, c := range commands() {
		_, stdout, _ := run(t, nil, append(strings.Fields(c.name), "--help")...)
		var got []string
		for _, f := range flagsIn(stdout) {
			got = append(got, strings.TrimPrefix(f, "  --"))
		}
		if strings.Join(got, " ") != strings.Join(want[c.name], " ") {
			t.Errorf("%s --help lists the flags %v; want %v", c.name, got, want[c.name])
		}
	}
	_, stdout, _ := run(t, nil, "token", "create", "--help")
	if strings.Contains(stdout, "SAMTYKKE_WHATSAPP") || strings.Contains(stdout, "--addr") {
		t.Errorf("token create --help mentions what it does not use:\n%s", stdout)
	}
}

func TestServeHelpListsEveryVariable(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var dump strings.Builder
	config.Dump(&dump, func(string) string { return "" }, nil)
	sc := bufio.NewScanner(strings.NewReader(dump.String()))
	n := 0
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), "=")
		n++
		if !regexp.MustCompile(`(?m)^  ` + name + `( \(|$)`).MatchString(stdout) {
			t.Errorf("serve --help does not list %s", name)
		}
	}
	if n < 30 {
		t.Fatalf("config.Dump wrote %d variables; want them all", n)
	}
	for _, want := range []string{
		"  SAMTYKKE_ADDR (default 127.0.0.1:8080)\n        HOST:PORT to listen on\n",
		"  SAMTYKKE_WHATSAPP_MPS (default 80)\n        messages per second",
		"  SAMTYKKE_WHATSAPP_TOKEN (secret)\n",
		"VARIABLE_FILE",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
}

func TestBadUsageExits2WithTheUsageOnStderr(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range commands() {
		args := append(strings.Fields(c.name), "--no-such-flag", "--data-dir", dir)
		code, stdout, stderr := run(t, nil, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "samtykke "+c.name+": flag provided but not defined: -no-such-flag") ||
			!strings.Contains(stderr, "\nusage: samtykke "+c.name) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, the error and the usage on stderr", args, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"migrate", "now", "--data-dir", dir}, {"token"}, {"token", "revoke"}, {"bench"},
		{"help", "frobnicate"}, {"version", "extra"}} {
		code, stdout, stderr := run(t, nil, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "usage: samtykke") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and the usage on stderr", args, code, stdout, stderr)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the data folder holds %v (%v) after bad usage; want nothing run", entries, err)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	line := regexp.MustCompile(`^samtykke \S+ \(commit ([0-9a-f]{12}(-dirty)?|unknown), built with go1\.\d+[^)]*\)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := run(t, nil, args...)
		if code != 0 || stderr != "" || !line.MatchString(stdout) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0 and the version line", args, code, stdout, stderr)
		}
	}
}

func TestVersionLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"a tagged build", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.modified", Value: "false"}}},
			"samtykke v1.2.3 (commit 0123456789ab, built with go1.26.1)"},
		{"a changed tree", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.modified", Value: "true"}}},
			"samtykke (devel) (commit 0123456789ab-dirty, built with go1.26.1)"},
		{"no VCS stamp", &debug.BuildInfo{GoVersion: "go1.26.1"}, "samtykke (devel) (commit unknown, built with go1.26.1)"},
	}
	for _, c := range cases {
		if got := versionLine(c.bi); got != c.want {
			t.Errorf("%s: %q; want %q", c.name, got, c.want)
		}
	}
}
