// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/staff"
)

// operator is whoever runs a token command: they can open the data folder
// or the database, so they act as an admin.
func operator(e env) app.Actor {
	a := cliActor(e)
	a.Role = staff.Admin
	return a
}

func runToken(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "token create")
	role := fs.String("role", "", "admin, dpo, marketer, integrator or auditor")
	name := fs.String("name", "", "who or what holds the token")
	expires := fs.String("expires", "", "how long the token works: 90d, 2w or 12h; unset: until revoked")
	var in app.TokenInput
	check := func() (err error) { // bad input opens nothing
		if in.Role, err = staff.ParseRole(*role); err != nil {
			return err
		}
		in.Expires, err = staff.ParseLife(*expires)
		return err
	}
	return onExisting(ctx, e, fs, cf, args, check, func(sys *system) int {
		in.Name = *name
		secret, _, err := sys.app.IssueToken(ctx, operator(e), in)
		if err != nil {
			return fail(e, "%v", err)
		}
		fmt.Fprintln(e.stdout, secret)
		return 0
	})
}

// runTokenList prints every token's id, role, name and dates.
func runTokenList(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "token list")
	return onExisting(ctx, e, fs, cf, args, nil, func(sys *system) int {
		ts, err := sys.app.Tokens(ctx, operator(e))
		if err != nil {
			return fail(e, "%v", err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tNAME\tCREATED\tEXPIRES\tREVOKED")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Name, t.CreatedAt.Format(time.RFC3339),
				dateOr(t.ExpiresAt, "never"), dateOr(t.RevokedAt, "-"))
		}
		if err := tw.Flush(); err != nil {
			return fail(e, "%v", err)
		}
		return 0
	})
}

func dateOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.Format(time.RFC3339)
}

// runTokenRevoke revokes one token by its id.
func runTokenRevoke(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "token revoke")
	if code, ok := parseWithArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		badUsage(e, fs, "which token? give its id (samtykke token list shows them)")
		return 2
	}
	id := fs.Arg(0)
	if code, ok := parseWithArgs(e, fs, fs.Args()[1:]); !ok { // flags may follow the id
		return code
	}
	if fs.NArg() > 0 {
		badUsage(e, fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
		return 2
	}
	return onExisting(ctx, e, fs, cf, nil, nil, func(sys *system) int {
		t, err := sys.app.RevokeToken(ctx, operator(e), id)
		if err != nil {
			return fail(e, "%v", err)
		}
		fmt.Fprintf(e.stdout, "revoked token %s (%s, %s) at %s\n", t.ID, t.Role, t.Name, t.RevokedAt.Format(time.RFC3339))
		return 0
	})
}
