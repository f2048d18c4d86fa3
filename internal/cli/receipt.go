// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/samtykke/samtykke/internal/receipt"
)

// receiptReport is what `receipt verify --format json` prints.
type receiptReport struct {
	Valid bool `json:"valid"`
	// Key says which key it was checked with: "master key" (derived in the
	// data folder, and held against the ledger too) or "public key file".
	Key       string          `json:"checked_with"`
	Ledger    bool            `json:"checked_against_ledger"`
	ReceiptID string          `json:"receipt_id,omitempty"`
	EventID   string          `json:"event_id,omitempty"`
	ContactID string          `json:"contact_id,omitempty"`
	Purposes  []string        `json:"purposes,omitempty"`
	GivenAt   *time.Time      `json:"consent_given_at,omitempty"`
	KeyID     string          `json:"key_id,omitempty"`
	Problem   *receiptProblem `json:"problem,omitempty"`
}

type receiptProblem struct {
	Kind    string `json:"kind"` // malformed, wrong_key, signature or inconsistent
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// runReceipt checks a consent receipt (L-04): its signature and its
// content with the receipt key derived from the master key (and then
// against the ledger), or with a public key from a file.
func runReceipt(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "receipt verify")
	keyFile := fs.String("public-key", "", "check with this public key file (the JSON of /.well-known/samtykke-receipt-key, a JWK, PEM or base64) instead of the master key's")
	format := fs.String("format", "text", "text, or json: the report as JSON alone on standard output")
	var files []string
	for rest := args; ; { // flags before and after FILE
		if code, ok := parseWithArgs(e, fs, rest); !ok {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		files, rest = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	switch {
	case len(files) != 1:
		badUsage(e, fs, "give one receipt FILE")
		return 2
	case *format != "text" && *format != "json":
		badUsage(e, fs, "--format must be text or json")
		return 2
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return fail(e, "receipt: %v", err)
	}
	rep := receiptReport{Key: "public key file"}
	var r receipt.Receipt
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return fail(e, "public key: %v", err)
		}
		pub, err := receipt.ParsePublicKey(b)
		if err != nil {
			return fail(e, "public key %s: %v", *keyFile, err)
		}
		r, err = receipt.Verify(raw, pub)
		return reportReceipt(e, *format, rep, r, err)
	}
	return onOpened(ctx, e, cf, func(sys *system) int {
		rep.Key, rep.Ledger = "master key", true
		r, err := sys.app.VerifyReceipt(ctx, raw)
		return reportReceipt(e, *format, rep, r, err)
	})
}

// reportReceipt prints the outcome and returns the exit code: 0 when the
// receipt verifies, 1 naming what is wrong.
func reportReceipt(e env, format string, rep receiptReport, r receipt.Receipt, err error) int {
	var re *receipt.Error
	if err != nil && !errors.As(err, &re) {
		return fail(e, "receipt: %v", err) // not the receipt's fault: the database, say
	}
	rep.Valid = err == nil
	if rep.Valid {
		given := time.Unix(r.ConsentTimestamp, 0).UTC()
		rep.ReceiptID, rep.EventID, rep.ContactID, rep.KeyID, rep.GivenAt =
			r.ConsentReceiptID, r.Record.Identifier, r.PIIPrincipalID, r.Proof.KeyID, &given
		for _, p := range r.Record.Purposes {
			rep.Purposes = append(rep.Purposes, p.ID)
		}
	} else {
		rep.Ledger = rep.Ledger && !errors.Is(err, receipt.ErrMalformed) && !errors.Is(err, receipt.ErrWrongKey) && !errors.Is(err, receipt.ErrSignature)
		rep.Problem = &receiptProblem{Kind: problemKind(re.Kind), Field: re.Field, Message: re.Problem}
	}
	if format == "json" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", b)
	} else if rep.Valid {
		against := ""
		if rep.Ledger {
			against = " and matches the ledger"
		}
		fmt.Fprintf(e.stdout, "receipt verifies%s: %s, consent of contact %s to %v given %s (event %s), signed by key %s\n",
			against, rep.ReceiptID, rep.ContactID, rep.Purposes, rep.GivenAt.Format(time.RFC3339), rep.EventID, rep.KeyID)
	} else {
		fmt.Fprintf(e.stdout, "receipt does NOT verify: %s: %v\n", rep.Problem.Kind, err)
	}
	if !rep.Valid {
		return 1
	}
	return 0
}

func problemKind(kind error) string {
	switch kind {
	case receipt.ErrWrongKey:
		return "wrong_key"
	case receipt.ErrSignature:
		return "signature"
	case receipt.ErrInconsistent:
		return "inconsistent"
	}
	return "malformed"
}
