// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/export"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// What an export takes out.
const (
	ExportContacts     = "contacts"     // the list with each contact's consent states
	ExportSuppressions = "suppressions" // the suppression list, as keyed hashes
)

// ExportPage is how many contacts (or suppressions) an export reads at a
// time: its memory is one page, however long the list.
const ExportPage = 1000

// ExportRequest says what to export and how.
type ExportRequest struct {
	What   string        // ExportContacts (default) or ExportSuppressions
	Format export.Format // export.CSV (default) or export.JSON
	// Reveal writes the numbers in clear instead of masked: for the DPO
	// only (staff.RevealNumbers), with Reason (the rule of Reveal).
	Reveal bool
	Reason string
}

// ExportResult is what an export did: its access-log entry, the rows it
// wrote and how it ended.
type ExportResult struct {
	ID      string
	Rows    int64
	Outcome access.Outcome
}

// Export writes the list, or the suppression list, to w as it reads it, a
// page at a time (issue 21). Nothing is written when the request is refused.
// Every export is recorded in the access log before its first row leaves
// (access.Started), and finished with its row count and outcome when it
// ends, even when ctx was cancelled by a reader that went away; an entry
// left started is an export whose process died. The rows counted are those
// written to w: a reader that went away received at most that many.
func (a *App) Export(ctx context.Context, actor Actor, req ExportRequest, w io.Writer) (res ExportResult, err error) {
	if err := actor.can(staff.ExportList); err != nil {
		return res, err
	}
	scope := access.ScopeContacts
	switch req.What {
	case "", ExportContacts:
		if req.Reveal {
			scope = access.ScopeNumbers
		}
	case ExportSuppressions:
		scope = access.ScopeSuppressions
		if req.Reveal {
			return res, invalid("the suppression list holds no numbers to reveal: only keyed hashes (RT-05)")
		}
	default:
		return res, invalid("what must be %s or %s", ExportContacts, ExportSuppressions)
	}
	if req.Format != export.CSV && req.Format != export.JSON {
		return res, invalid("format must be csv or json")
	}
	if req.Reveal {
		if err := actor.can(staff.RevealNumbers); err != nil {
			return res, fmt.Errorf("%w (only the DPO may reveal numbers)", err)
		}
	}
	if req.Reveal || req.Reason != "" {
		if err := access.CheckReason(req.Reason, phone.Mentions); err != nil {
			return res, invalid("%v", err)
		}
	}
	var purposes []string
	if scope != access.ScopeSuppressions {
		ps, err := a.store.Purposes(ctx)
		if err != nil {
			return res, err
		}
		for _, p := range ps {
			purposes = append(purposes, p.Key)
		}
	}
	res.ID = newID()
	entry := access.Entry{ID: res.ID, At: a.now(), Actor: actor.String(), Action: access.Export, Reason: req.Reason,
		RequestID: actor.RequestID, Scope: scope, Outcome: access.Started}
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.RecordAccess(ctx, entry) }); err != nil {
		return res, err
	}
	out := &watchedWriter{w: w}
	defer func() {
		res.Outcome = access.Complete
		switch {
		case err == nil:
		case out.err != nil || ctx.Err() != nil:
			res.Outcome = access.Interrupted
		default:
			res.Outcome = access.Failed
		}
		// Recorded whatever became of ctx: a reader that went away cancels
		// the request's context, and the count must be kept all the same.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		// The end is an entry of its own: the log is append-only (invariant 6).
		end := access.Entry{ID: newID(), At: a.now(), Actor: actor.String(), Action: access.ExportEnd, RequestID: actor.RequestID,
			Scope: scope, Rows: &res.Rows, Outcome: res.Outcome, Refers: res.ID}
		ferr := a.store.Tx(fctx, func(tx store.Tx) error { return tx.FinishExport(fctx, end) })
		err = errors.Join(err, ferr)
	}()
	if scope == access.ScopeSuppressions {
		res.Rows, err = a.exportSuppressions(ctx, req.Format, out)
	} else {
		res.Rows, err = a.exportContacts(ctx, req, purposes, out)
	}
	return res, err
}

// exportContacts writes the list, a page at a time.
func (a *App) exportContacts(ctx context.Context, req ExportRequest, purposes []string, w io.Writer) (int64, error) {
	ew, err := export.NewContacts(w, req.Format, purposes)
	if err != nil {
		return 0, err
	}
	consents := make([]export.Consent, len(purposes))
	after := ""
	for {
		page, err := a.store.ExportContacts(ctx, after, ExportPage)
		if err != nil {
			return ew.Rows(), err
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			o, err := a.open(r.Contact)
			if err != nil {
				return ew.Rows(), err
			}
			number := o.number.Masked()
			if req.Reveal {
				number = o.number.E164()
			}
			for i, p := range purposes {
				consents[i] = export.Consent{Status: string(consent.StatusNone)}
				for _, s := range r.States {
					if s.Purpose == p {
						consents[i] = export.Consent{Status: string(s.Status), Since: s.Since, ValidUntil: s.ValidUntil, EventID: s.EventID}
					}
				}
			}
			if err := ew.Contact(export.Contact{ID: r.Contact.ID, Phone: number, Language: r.Contact.Language, Tags: r.Tags,
				CreatedAt: r.Contact.CreatedAt, Restricted: r.Contact.Restricted, Consents: consents}); err != nil {
				return ew.Rows(), err
			}
		}
		if err := ew.Flush(); err != nil {
			return ew.Rows(), err
		}
		after = page[len(page)-1].Contact.ID
	}
	return ew.Rows(), ew.Close()
}

// exportSuppressions writes the suppression list: the keyed hashes, never a
// number (RT-05). Only a system holding the same master key (key 1's, which
// rotations carry) can match them.
func (a *App) exportSuppressions(ctx context.Context, f export.Format, w io.Writer) (int64, error) {
	ew, err := export.NewSuppressions(w, f)
	if err != nil {
		return 0, err
	}
	fp := a.vault.CarriedFingerprint() // the suppression key's master key: a rotation carries it (S-01)
	key := hex.EncodeToString(fp[:min(len(fp), 6)])
	var after []byte
	for {
		page, err := a.store.Suppressions(ctx, after, ExportPage)
		if err != nil {
			return ew.Rows(), err
		}
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			if err := ew.Suppression(export.Suppression{Token: s.Token, At: s.At, Reason: s.Reason, Key: key}); err != nil {
				return ew.Rows(), err
			}
		}
		if err := ew.Flush(); err != nil {
			return ew.Rows(), err
		}
		after = page[len(page)-1].Token
	}
	return ew.Rows(), ew.Close()
}

// watchedWriter remembers the first error of the writer it wraps: a write
// that failed is a reader gone away, not a fault of samtykke's.
type watchedWriter struct {
	w   io.Writer
	err error
}

func (w *watchedWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}
