// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/staff"
)

// runUserCreate makes a staff account of the admin UI (the first admin, for
// one): the password is read from standard input, without echo at a
// terminal, asked twice there; for a role that needs a second factor the
// TOTP key to set up is printed.
func runUserCreate(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "user create")
	name := fs.String("name", "", "the login: a short name or an e-mail address")
	role := fs.String("role", "", "admin, dpo, marketer, integrator or auditor")
	var in app.UserInput
	check := func() (err error) { // bad input opens nothing
		if in.Name, err = staff.CheckName(*name); err != nil {
			return err
		}
		if in.Role, err = staff.ParseRole(*role); err != nil {
			return err
		}
		if in.Password, err = readPassword(e, in.Name); err != nil {
			return err
		}
		return staff.CheckPassword(in.Name, in.Password)
	}
	return onExisting(ctx, e, fs, cf, args, check, func(sys *system) int {
		u, enrol, err := sys.app.CreateUser(ctx, operator(e), in)
		if err != nil {
			return fail(e, "%v", err)
		}
		fmt.Fprintf(e.stdout, "created user %s: %s (%s)\n", u.ID, u.Name, u.Role)
		if enrol != nil {
			fmt.Fprintf(e.stdout, "\nThe %s role may see numbers in clear, so it logs in with a second factor.\n"+
				"Add this key to an authenticator app (the first login at /admin asks for a code and shows it again):\n"+
				"  key: %s\n  uri: %s\n", u.Role, enrol.Secret, enrol.URI)
		}
		return 0
	})
}

// readPassword reads the new password: at a terminal, typed twice without
// echo after a prompt on standard error; otherwise the first line of
// standard input (a password manager's pipe, a script).
func readPassword(e env, name string) (string, error) {
	if e.stdin == nil {
		return "", errors.New("no password: give it on standard input")
	}
	if tty, ok := terminal(e.stdin); ok {
		fmt.Fprintf(e.stderr, "Password for %s (at least %d characters): ", name, staff.MinPassword)
		pw, err := readHidden(tty)
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "The same again: ")
		again, err := readHidden(tty)
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if pw != again {
			return "", errors.New("the two passwords differ")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, staff.MaxPassword+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: give it on standard input, or run this at a terminal")
	}
	return line, nil
}

// runUserList prints every staff account.
func runUserList(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "user list")
	return onExisting(ctx, e, fs, cf, args, nil, func(sys *system) int {
		us, err := sys.app.Users(ctx, operator(e))
		if err != nil {
			return fail(e, "%v", err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tTOTP\tCREATED\tDISABLED\tLAST LOGIN")
		for _, u := range us {
			totp := map[bool]string{true: "yes", false: "no"}[u.TOTP]
			if !u.TOTP && u.NeedsTOTP {
				totp = "due" // required, set up at the first login
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, totp, u.CreatedAt.Format(time.RFC3339),
				dateOr(u.DisabledAt, "-"), dateOr(u.LastLoginAt, "never"))
		}
		if err := tw.Flush(); err != nil {
			return fail(e, "%v", err)
		}
		return 0
	})
}

// runUserDisable disables a staff account by id or name; its sessions end
// at once, on every replica.
func runUserDisable(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "user disable")
	if code, ok := parseWithArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		badUsage(e, fs, "which user? give its id or name (samtykke user list shows them)")
		return 2
	}
	who := fs.Arg(0)
	if code, ok := parseWithArgs(e, fs, fs.Args()[1:]); !ok { // flags may follow the user
		return code
	}
	if fs.NArg() > 0 {
		badUsage(e, fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
		return 2
	}
	return onExisting(ctx, e, fs, cf, nil, nil, func(sys *system) int {
		u, err := sys.app.DisableUser(ctx, operator(e), who)
		if err != nil {
			return fail(e, "%v", err)
		}
		fmt.Fprintf(e.stdout, "disabled user %s (%s, %s) at %s; its sessions ended\n", u.ID, u.Name, u.Role, u.DisabledAt.Format(time.RFC3339))
		return 0
	})
}
