// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// runVersion is `samtykke version`: the version and commit the Go toolchain
// stamped into the binary, with no linker flags needed.
func runVersion(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "version")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	bi, _ := debug.ReadBuildInfo() // nil when the binary has none
	fmt.Fprintln(e.stdout, versionLine(bi))
	return 0
}

// versionLine is "samtykke VERSION (commit COMMIT, built with GO)": the main
// module's version ("(devel)" when built from a source tree without a tag),
// the VCS revision with "-dirty" when the tree had changes, "unknown" when
// the build recorded none (go run, go test, -buildvcs=false).
func versionLine(bi *debug.BuildInfo) string {
	version, commit, modified, goVersion := "(devel)", "unknown", false, runtime.Version()
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if modified && commit != "unknown" {
		commit += "-dirty"
	}
	return fmt.Sprintf("samtykke %s (commit %s, built with %s)", version, commit, goVersion)
}
