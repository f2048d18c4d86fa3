// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// cliActor is the person at the command line: whoever can open the data
// folder or the database reads the register.
func cliActor(e env) app.Actor {
	name := e.getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	return app.Actor{Name: "cli:" + name, Role: staff.DPO}
}

// parseWithID parses a command's flags around one argument, its ID, which
// may come before or after them.
func parseWithID(e env, fs *flag.FlagSet, args []string) (id string, code int, ok bool) {
	if code, ok := parseWithArgs(e, fs, args); !ok {
		return "", code, false
	}
	rest := fs.Args()
	if len(rest) == 0 {
		badUsage(e, fs, "which breach? give its id")
		return "", 2, false
	}
	id = rest[0]
	if code, ok := parseWithArgs(e, fs, rest[1:]); !ok {
		return "", code, false
	}
	if fs.NArg() > 0 {
		badUsage(e, fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
		return "", 2, false
	}
	return id, 0, true
}

// runBreachReport prints the draft of the Art. 33(3) notification of one
// breach (B-02), from the data folder or database directly.
func runBreachReport(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "breach report")
	format := fs.String("format", "md", "md (Markdown) or json")
	lang := fs.String("lang", "nb", "the Markdown's language: nb or en")
	id, code, ok := parseWithID(e, fs, args)
	if !ok {
		return code
	}
	switch {
	case *format != "md" && *format != "json":
		badUsage(e, fs, "--format must be md or json")
		return 2
	case *lang != "nb" && *lang != "en":
		badUsage(e, fs, "--lang must be nb or en")
		return 2
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		rep, err := sys.app.BreachReport(ctx, cliActor(e), id)
		if errors.Is(err, store.ErrNotFound) {
			return fail(e, "no breach %s in the register", id)
		}
		if err != nil {
			return fail(e, "breach report: %v", err)
		}
		if *format == "json" {
			return printJSON(e, rep)
		}
		md, err := rep.Markdown(*lang)
		if err != nil {
			return fail(e, "breach report: %v", err)
		}
		_, _ = e.stdout.Write(md)
		return 0
	})
}

// runBreachList prints the register with each breach's deadline (B-01, B-04).
func runBreachList(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "breach list")
	format := fs.String("format", "text", "text (a table) or json")
	state := fs.String("state", "", "only open or only closed breaches")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	switch {
	case *format != "text" && *format != "json":
		badUsage(e, fs, "--format must be text or json")
		return 2
	case *state != "" && *state != string(breach.Open) && *state != string(breach.Closed):
		badUsage(e, fs, "--state must be open or closed")
		return 2
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		list, err := sys.app.Breaches(ctx, cliActor(e), *state)
		if err != nil {
			return fail(e, "breach list: %v", err)
		}
		if *format == "json" {
			return printJSON(e, map[string]any{"breaches": list})
		}
		if len(list) == 0 {
			fmt.Fprintln(e.stdout, "the breach register is empty")
			return 0
		}
		w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSTATE\tRISK\tAWARE\tDEADLINE\tDATATILSYNET\tTITLE")
		for _, b := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.State, b.Risk, oslo(b.AwareAt), oslo(b.DeadlineAt),
				notifiedState(b), strings.Join(strings.Fields(b.Title), " "))
		}
		if err := w.Flush(); err != nil {
			return fail(e, "%v", err)
		}
		return 0
	})
}

func oslo(t time.Time) string { return t.In(breach.Oslo).Format("2006-01-02 15:04") }

// notifiedState says where a breach stands with Datatilsynet.
func notifiedState(b app.BreachView) string {
	switch {
	case b.NotifiedAt != nil && b.Late:
		return "notified " + oslo(*b.NotifiedAt) + " (late)"
	case b.NotifiedAt != nil:
		return "notified " + oslo(*b.NotifiedAt)
	case !b.MustNotify:
		return "not to be notified"
	case b.Overdue:
		return "OVERDUE"
	case b.DueSoon:
		return "due within 24 h"
	}
	return "not yet notified"
}

// onOpened loads the configuration of flags already parsed, opens the
// existing data folder or database (creating nothing) and runs fn on it.
func onOpened(ctx context.Context, e env, cf map[string]*string, fn func(sys *system) int) int {
	cfg, err := config.Load(e.getenv, cf)
	if err != nil {
		fmt.Fprintf(e.stderr, "samtykke: configuration: %v\n", err)
		return 2
	}
	sys, err := open(ctx, cfg, logger(cfg, e.stderr), existing)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	return fn(sys)
}

// printJSON writes v as indented JSON, alone, on standard output.
func printJSON(e env, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fail(e, "%v", err)
	}
	fmt.Fprintf(e.stdout, "%s\n", b)
	return 0
}
