// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/samtykke/samtykke/internal/config"
)

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

// find returns the command args name, with its verb, and the arguments
// after the name; nil when there is none.
func find(args []string) (*command, []string) {
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return &c, args[len(words):]
		}
	}
	return nil, nil
}

// group returns the commands whose first word is name and that have a verb
// after it (token → token create).
func group(name string) []command {
	var out []command
	for _, c := range commands() {
		if first, _, verb := strings.Cut(c.name, " "); verb && first == name {
			out = append(out, c)
		}
	}
	return out
}

// byName returns the command of that full name; it panics on a name that
// is not in commands, which is a mistake in this package.
func byName(name string) command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	panic("cli: no command " + name)
}

// overview writes what samtykke does and its commands.
func overview(w io.Writer) {
	fmt.Fprint(w, "samtykke keeps a GDPR-compliant WhatsApp marketing contact list.\n\n"+
		"usage: samtykke COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nsamtykke help COMMAND, or samtykke COMMAND --help, shows a command's flags and an example.\n"+
		"Commands that open the database take --data-dir and --database-url (env SAMTYKKE_DATA_DIR, SAMTYKKE_DATABASE_URL);\n"+
		"samtykke serve --help lists every environment variable.\n")
}

// help is `samtykke help [COMMAND]`: the overview, or a command's usage, on
// standard output. A command writes its own usage, as for COMMAND --help.
func help(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "help")
	if code, ok := parseWithArgs(e, fs, args); !ok {
		return code
	}
	if args = fs.Args(); len(args) == 0 {
		overview(e.stdout)
		return 0
	}
	if c, rest := find(args); c != nil && len(rest) == 0 {
		return c.run(ctx, e, []string{"--help"})
	}
	if g := group(args[0]); len(g) > 0 && len(args) == 1 {
		return groupUsage(ctx, e, g)
	}
	fmt.Fprintf(e.stderr, "samtykke help: no command %q\n\n", strings.Join(args, " "))
	overview(e.stderr)
	return 2
}

// groupUsage writes the usage of each verb of a command (token create, …)
// to e's standard output.
func groupUsage(ctx context.Context, e env, g []command) int {
	for i, c := range g {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		if code := c.run(ctx, e, []string{"--help"}); code != 0 {
			return code
		}
	}
	return 0
}

// commandUsage writes a command's description, synopsis, the flags on fs
// and an example.
func commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	synopsis := "samtykke " + c.name
	if c.synopsis != "" {
		synopsis += " " + c.synopsis
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		synopsis += " [flags]"
	}
	fmt.Fprintf(w, "samtykke %s: %s\n\nusage: %s\n", c.name, c.summary, synopsis)
	if hasFlags {
		fmt.Fprint(w, "\nflags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			kind, usage := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if kind != "" {
				line += " " + kind
			}
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
				usage += " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(w, "%s\n        %s\n", line, usage)
		})
	}
	if c.env {
		fmt.Fprint(w, "\nenvironment (a flag wins over its variable; any variable may instead name a file\n"+
			"holding the value in VARIABLE_FILE, e.g. SAMTYKKE_WHATSAPP_TOKEN_FILE):\n")
		config.Describe(w)
	}
	if c.example != "" {
		fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
	}
}

// newFlagSet makes the flag set of the command of that full name. Parse it
// with parseFlags, which writes the help and the errors.
func newFlagSet(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("samtykke "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parseFlags writes the errors and the usage
	fs.Usage = func() {}
	return fs
}

// parseFlags parses a command's arguments. When it returns false the
// command ends with the code: 0 after --help wrote the usage to standard
// output, 2 after a bad flag or an argument the command does not take,
// with the problem and the usage on standard error.
func parseFlags(e env, fs *flag.FlagSet, args []string) (code int, ok bool) {
	if code, ok := parseWithArgs(e, fs, args); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		badUsage(e, fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
		return 2, false
	}
	return 0, true
}

// parseWithArgs is parseFlags for a command that takes arguments after its
// flags (fs.Args).
func parseWithArgs(e env, fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		commandUsage(e.stdout, byName(strings.TrimPrefix(fs.Name(), "samtykke ")), fs)
		return 0, false
	case err != nil:
		badUsage(e, fs, err.Error())
		return 2, false
	}
	return 0, true
}

// badUsage writes the problem and the command's usage to standard error.
func badUsage(e env, fs *flag.FlagSet, problem string) {
	fmt.Fprintf(e.stderr, "%s: %s\n\n", fs.Name(), problem)
	commandUsage(e.stderr, byName(strings.TrimPrefix(fs.Name(), "samtykke ")), fs)
}
