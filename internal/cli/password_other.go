// SPDX-License-Identifier: AGPL-3.0-only

//go:build !linux

package cli

import (
	"io"
	"os"
)

// terminal reports no terminal where the echo cannot be turned off here:
// the password is then read as a line of standard input.
func terminal(io.Reader) (*os.File, bool) { return nil, false }

func readHidden(*os.File) (string, error) { return "", nil }
