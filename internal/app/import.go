// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/importer"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
)

// importBatch is how many rows one transaction of an import writes by
// default (Config.ImportBatch): each
// batch commits whole with its report rows and the import's progress, so
// that a killed import resumes after its last committed row. 4,000 rather
// than 1,000 (bench import, 200,000 rows): SQLite 20.2k -> 22.0k rows/s, its
// random index pages written to the log once for more rows; PostgreSQL
// 14.8k -> 17.4k, fewer round trips; peak memory about 120 -> 260 MB.
const importBatch = 4000

// ImportInput names what a list is imported into.
type ImportInput struct {
	Purpose string
	Mode    importer.Mode // what becomes of a row without evidence
	Source  string        // cli or api
	// FileDigest is FileDigest of the file: an unfinished import of the
	// same file into the same purpose is resumed instead of started anew.
	FileDigest []byte
}

// FileDigest is a keyed digest of a file, read to its end: it recognises
// the same file again without keeping anything a number could be guessed
// from.
func (a *App) FileDigest(r io.Reader) ([]byte, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return nil, n, err
	}
	return a.vault.Digest("import-file/" + hex.EncodeToString(h.Sum(nil))), n, nil
}

// StartImport records a new import, or returns the unfinished one of the
// same file into the same purpose (resumed: true), for RunImport.
func (a *App) StartImport(ctx context.Context, actor Actor, in ImportInput) (imp importer.Import, resumed bool, err error) {
	if err := actor.can(staff.ImportConsents); err != nil {
		return imp, false, err
	}
	if in.Mode, err = importer.ParseMode(string(in.Mode)); err != nil {
		return imp, false, invalid("%v", err)
	}
	if _, err := a.store.Purpose(ctx, in.Purpose); errors.Is(err, store.ErrNotFound) {
		return imp, false, invalid("unknown purpose %q", in.Purpose)
	} else if err != nil {
		return imp, false, err
	}
	if len(in.FileDigest) > 0 {
		imp, err = a.store.UnfinishedImport(ctx, in.FileDigest, in.Purpose)
		if err == nil && imp.Mode == in.Mode {
			return imp, true, nil
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return imp, false, err
		}
	}
	imp = importer.Import{ID: newID(), Purpose: in.Purpose, Mode: in.Mode, State: importer.Queued, Actor: actor.String(),
		Source: in.Source, CreatedAt: a.now(), Line: 1, Counts: map[importer.Outcome]int64{}, FileDigest: in.FileDigest}
	return imp, false, a.store.Tx(ctx, func(tx store.Tx) error { return tx.CreateImport(ctx, imp) })
}

// Import reads an import: its state, progress and counts.
func (a *App) Import(ctx context.Context, actor Actor, id string) (importer.Import, error) {
	if err := actor.can(staff.ImportConsents); err != nil {
		return importer.Import{}, err
	}
	return a.store.Import(ctx, id)
}

// ImportReport lists up to limit rows of an import's report after row after.
func (a *App) ImportReport(ctx context.Context, actor Actor, id string, after, limit int) ([]importer.ReportRow, error) {
	if err := actor.can(staff.ImportConsents); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	return a.store.ImportReport(ctx, id, after, limit)
}

// importRun is what every row of one import is checked and recorded with.
type importRun struct {
	imp     importer.Import
	actor   Actor
	purpose consent.Purpose
	notices map[noticeKey]notice.Notice
}

// noticeKey names a published notice by its language and version.
type noticeKey struct {
	lang    string
	version int
}

// RunImport reads the file of an import started by StartImport and records
// its rows, a batch a transaction, skipping the rows a run before
// committed. Rows are checked and sealed by parallel workers and written in
// file order by one. progress, when set, is called after each batch. A
// header the reader cannot use fails the import, writing nothing.
func (a *App) RunImport(ctx context.Context, actor Actor, id string, r io.Reader, progress func(importer.Import)) (importer.Import, error) {
	if err := actor.can(staff.ImportConsents); err != nil {
		return importer.Import{}, err
	}
	imp, err := a.store.Import(ctx, id)
	if err != nil {
		return imp, err
	}
	if imp.State == importer.Done || imp.State == importer.Failed {
		return imp, nil
	}
	run := &importRun{imp: imp, actor: actor, notices: map[noticeKey]notice.Notice{}}
	if run.purpose, err = a.store.Purpose(ctx, imp.Purpose); err != nil {
		return imp, err
	}
	for _, lang := range []string{"nb", "en"} {
		ns, err := a.PublishedNotices(ctx, lang)
		if errors.Is(err, store.ErrNotFound) {
			continue // a row naming a version of it is refused
		} else if err != nil {
			return imp, err
		}
		for _, n := range ns {
			run.notices[noticeKey{lang, n.Version}] = n
		}
	}
	rd, err := importer.NewReader(r, importer.Rules{Basis: run.purpose.Basis, Methods: Methods,
		FirstName: slices.Contains(run.purpose.Fields, "first_name"), Now: a.now(), Mode: imp.Mode})
	if err != nil {
		imp.State, imp.Error, imp.FinishedAt = importer.Failed, err.Error(), a.now()
		if uerr := a.store.Tx(ctx, func(tx store.Tx) error { return tx.UpdateImport(ctx, imp) }); uerr != nil {
			return imp, uerr
		}
		return imp, invalid("%v", err)
	}
	// Running already: a run before was killed or its file broke off. The
	// rows it committed are skipped; the resume is recorded (C-03: what
	// happened to the list is on record).
	if imp.State == importer.Running {
		imp.Resumes = append(imp.Resumes, importer.Resume{At: a.now(), AfterRow: imp.Line})
	}
	imp.State = importer.Running
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.UpdateImport(ctx, imp) }); err != nil {
		return imp, err
	}
	run.imp = imp

	// Reader -> workers (check, seal) -> one writer, in file order.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		rows []importer.Row
		out  chan []*preparedRow
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	todo := make(chan batch, workers)
	order := make(chan batch, 2*workers)
	readErr := make(chan error, 1)
	go func() {
		defer close(todo)
		defer close(order)
		size := a.cfg.ImportBatch
		rows := make([]importer.Row, 0, size)
		send := func() bool {
			b := batch{rows: rows, out: make(chan []*preparedRow, 1)}
			rows = make([]importer.Row, 0, size)
			select {
			case order <- b:
			case <-ctx.Done():
				return false
			}
			select {
			case todo <- b:
			case <-ctx.Done():
				return false
			}
			return true
		}
		for {
			row, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr <- err
				return
			}
			if row.Line <= imp.Line {
				continue // committed by a run before
			}
			rows = append(rows, row)
			if len(rows) == size && !send() {
				return
			}
		}
		if len(rows) > 0 {
			send()
		}
		readErr <- nil
	}()
	for range workers {
		go func() {
			for b := range todo {
				out := make([]*preparedRow, len(b.rows))
				for i, row := range b.rows {
					out[i] = a.prepareRow(run, row)
				}
				b.out <- out
			}
		}()
	}
	for b := range order {
		var rows []*preparedRow
		select {
		case rows = <-b.out:
		case <-ctx.Done():
			return run.imp, ctx.Err()
		}
		if err := a.writeRows(ctx, run, rows); err != nil {
			cancel()
			return run.imp, err
		}
		if progress != nil {
			progress(run.imp)
		}
	}
	if err := <-readErr; err != nil {
		return run.imp, fmt.Errorf("import %s: reading the file: %w", id, err)
	}
	imp = run.imp
	imp.State, imp.FinishedAt = importer.Done, a.now()
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.UpdateImport(ctx, imp); err != nil {
			return err
		}
		if err := tx.DeleteImportChunks(ctx, imp.ID); err != nil {
			return err
		}
		return a.recordAccess(ctx, tx, actor, access.Import, "", importSummary(imp))
	})
	run.imp = imp
	return imp, err
}

// importSummary is the access log's reason for an import: its id, purpose
// and row counts, never a number.
func importSummary(imp importer.Import) string {
	var b strings.Builder
	fmt.Fprintf(&b, "import %s into %s: %d rows", imp.ID, imp.Purpose, imp.Rows)
	for _, o := range importer.Outcomes {
		if n := imp.Counts[o]; n > 0 {
			fmt.Fprintf(&b, ", %s %d", o, n)
		}
	}
	for _, r := range imp.Resumes {
		fmt.Fprintf(&b, "; resumed %s after row %d", r.At.UTC().Format(time.RFC3339), r.AfterRow)
	}
	return b.String()
}

// preparedRow is a row checked and, for a contact that may be new, sealed
// ahead of its transaction: a new contact, its first event and its state.
type preparedRow struct {
	importer.Row
	index, token, digest []byte
	retiring             [][]byte        // the number's indexes under retiring keys
	fresh                contact.Contact // the contact to create when the number is new
	key                  *vault.DataKey
	event                store.StoredEvent // the first event of fresh; Kind empty for none
	ev                   ledger.Evidence
	fieldsCT             []byte
}

// prepareRow parses a row's number and seals what a new contact would need.
// It reads nothing from the store: the workers run it in parallel.
func (a *App) prepareRow(run *importRun, row importer.Row) *preparedRow {
	p := &preparedRow{Row: row}
	if p.Outcome != "" && p.Outcome != importer.NeedsFresh {
		return p
	}
	num, err := a.cfg.Phones.Parse(row.Phone)
	if err != nil {
		p.Outcome, p.Reason = importer.RefusedBadNumber, err.Error() // the reason names no digits
		return p
	}
	if row.Tags != nil {
		if p.Tags, err = a.checkTags(row.Tags); err != nil {
			p.Outcome, p.Reason = importer.RefusedInvalid, strings.TrimPrefix(err.Error(), ErrRefused.Error()+": ")
			return p
		}
	}
	e164 := num.E164()
	p.token = a.vault.SuppressionToken(e164)
	indexes := a.vault.BlindIndexes(e164) // the active key's last
	p.index, p.retiring = indexes[len(indexes)-1], indexes[:len(indexes)-1]
	if p.Kind != "" {
		p.ev = row.Evidence
		p.ev.MinAge, p.ev.Language = a.cfg.MinAge, row.Language
		if row.NoticeVersion != 0 {
			n, ok := run.notices[noticeKey{row.Language, row.NoticeVersion}]
			if !ok {
				p.Outcome, p.Reason = importer.RefusedInvalid, fmt.Sprintf("no published privacy notice %s version %d (T-01)", row.Language, row.NoticeVersion)
				return p
			}
			p.ev.NoticeID, p.ev.NoticeVersion, p.ev.NoticeHash = n.ID, n.Version, n.Hash
		}
		p.digest = a.vault.Digest(row.Canonical(e164, run.purpose.Key))
	}
	key, wrapped, err := a.vault.NewDataKey()
	if err != nil {
		p.Outcome, p.Reason = importer.RefusedInvalid, "no data key could be made"
		return p
	}
	id := newID()
	p.key = key
	p.fresh = contact.Contact{ID: id, PhoneCT: key.Seal([]byte(e164), contact.AAD(id, "phone")), KeyWrapped: wrapped,
		BlindIndex: p.index, Region: regionOf(num), Mobile: num.CountryCode() == 47, Language: row.Language, CreatedAt: a.now()}
	if row.FirstName != "" {
		b, _ := json.Marshal(fields{FirstName: row.FirstName})
		p.fieldsCT = key.Seal(b, contact.AAD(id, "fields"))
		p.fresh.FieldsCT = p.fieldsCT
	}
	if p.Kind != "" {
		e, sealed := a.importEvent(run, p, p.fresh.ID, ledger.Head{}, key)
		p.event = store.StoredEvent{Event: e, SealedEvidence: sealed}
	}
	return p
}

// importEvent is the row's consent event as the next of a chain at head,
// with its evidence sealed under the contact's key.
func (a *App) importEvent(run *importRun, p *preparedRow, contactID string, head ledger.Head, key *vault.DataKey) (ledger.Event, []byte) {
	pu := run.purpose
	e := ledger.Event{ID: newID(), ContactID: contactID, Kind: p.Kind, Purpose: pu.Key, Channel: string(pu.Channel), At: a.now(),
		Method: p.Method, Source: "import", Actor: run.actor.String(), AgeConfirmed: p.AgeConfirmed}
	if pu.RefreshDays > 0 && p.Kind != ledger.Requested {
		e.ValidUntil = p.CollectedAt.AddDate(0, 0, pu.RefreshDays)
	}
	b := p.ev.Marshal() // one marshalling for the digest and the seal
	e = ledger.NextMarshalled(head, e, b)
	return e, key.Seal(b, contact.AAD(contactID, "evidence/"+e.ID))
}

// writeRows decides and writes rows in file order, a transaction for each
// run of rows whose numbers differ (a number met again waits for the next
// one, so that it sees what the first wrote).
func (a *App) writeRows(ctx context.Context, run *importRun, rows []*preparedRow) error {
	for len(rows) > 0 {
		seen := map[string]bool{}
		n := 0
		for ; n < len(rows); n++ {
			if ix := rows[n].index; ix != nil {
				if seen[string(ix)] {
					break
				}
				seen[string(ix)] = true
			}
		}
		if err := a.writeBatch(ctx, run, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// writeBatch decides each row against the database in one transaction and
// writes the batch with the import's progress.
func (a *App) writeBatch(ctx context.Context, run *importRun, rows []*preparedRow) error {
	imp := run.imp
	imp.Counts = maps(imp.Counts)
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		var indexes, tokens, digests [][]byte
		for _, p := range rows {
			if p.index != nil {
				indexes, tokens = append(indexes, p.index), append(tokens, p.token)
				indexes = append(indexes, p.retiring...)
			}
			if p.digest != nil {
				digests = append(digests, p.digest)
			}
		}
		known, err := tx.ImportedDigests(ctx, digests)
		if err != nil {
			return err
		}
		suppressed, err := tx.SuppressedTokens(ctx, tokens)
		if err != nil {
			return err
		}
		existing, err := tx.LockContactsByIndex(ctx, indexes)
		if err != nil {
			return err
		}
		for _, p := range rows { // a contact a rotation has not moved yet: by its retiring index (S-01)
			for _, ix := range p.retiring {
				if c, ok := existing[string(ix)]; ok {
					existing[string(p.index)] = c
				}
			}
		}
		ids := make([]string, 0, len(existing))
		for _, c := range existing {
			ids = append(ids, c.ID)
		}
		states, err := tx.PurposeStates(ctx, ids, run.purpose.Key)
		if err != nil {
			return err
		}
		w := store.ImportWrite{ImportID: imp.ID, Moved: map[string]int64{}}
		for _, p := range rows {
			r := importer.ReportRow{Line: p.Line, Outcome: p.Outcome, Reason: p.Reason}
			if err := a.decideRow(ctx, tx, run, p, &r, &w, known, suppressed, existing, states); err != nil {
				return err
			}
			if r.Outcome == "" {
				return fmt.Errorf("import %s: row %d was not decided", imp.ID, p.Line)
			}
			if r.Outcome != importer.Imported {
				w.Rows = append(w.Rows, r) // an imported row's report is its digest's
			}
			imp.Counts[r.Outcome]++
		}
		if int64(len(w.Digests)) != imp.Counts[importer.Imported]-run.imp.Counts[importer.Imported] {
			return fmt.Errorf("import %s: %d rows imported, %d digests", imp.ID, imp.Counts[importer.Imported]-run.imp.Counts[importer.Imported], len(w.Digests))
		}
		if err := tx.WriteImport(ctx, w); err != nil {
			return err
		}
		imp.Line, imp.Rows = rows[len(rows)-1].Line, imp.Rows+int64(len(rows))
		kinds := map[ledger.Kind]int{}
		for _, e := range w.Events {
			kinds[e.Kind]++
		}
		a.note(tx, func(o Observer) {
			for k, n := range kinds {
				for range n {
					o.ConsentEvent(k)
				}
			}
		})
		return tx.UpdateImport(ctx, imp)
	})
	if err == nil {
		run.imp = imp
	}
	return err
}

func maps(m map[importer.Outcome]int64) map[importer.Outcome]int64 {
	out := make(map[importer.Outcome]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decideRow decides one row (r's outcome, reason and contact) and adds what
// it writes to w. The rules, in order: a row refused by its reader stays
// refused; a number on the suppression list is never re-activated (RT-05,
// RT-06); a row imported before changes nothing, and if its contact was
// erased since, it is refused (the person is not brought back, R-04); a row
// without evidence is kept as needing fresh consent only for a number that
// is not a contact yet (C-03, M-04); an existing contact's restriction
// and a withdrawal later than the row's evidence refuse it; a consent as
// recent as the row's that stands leaves it unchanged.
func (a *App) decideRow(ctx context.Context, tx store.Tx, run *importRun, p *preparedRow, r *importer.ReportRow, w *store.ImportWrite,
	known map[string]string, suppressed map[string]time.Time, existing map[string]contact.Contact, states map[string]consent.State) error {
	if p.index == nil {
		return nil // refused by the reader or the number's parse: outcome set
	}
	if _, ok := suppressed[string(p.token)]; ok {
		r.Outcome, r.Reason = importer.RefusedSuppressed, "the number is on the suppression list (opted out or objected): an import never re-activates it (RT-05, RT-06)"
		return nil
	}
	if id, ok := known[string(p.digest)]; ok && p.digest != nil {
		r.ContactID = id
		if c, found := existing[string(p.index)]; !found || c.ID != id {
			c, err := tx.Contact(ctx, id)
			if err != nil {
				return err
			}
			if !c.Erased() {
				r.Outcome, r.Reason = importer.Already, "imported before (the contact's number changed since): nothing changed"
				return nil
			}
			r.Outcome, r.Reason = importer.RefusedErased, "this row was imported before and its person was erased since: an import does not bring them back (R-04)"
			return nil
		}
		r.Outcome, r.Reason = importer.Already, "imported before: nothing changed"
		return nil
	}
	c, isContact := existing[string(p.index)]
	if p.Kind == "" { // no evidence, kept under the operator's flag
		if isContact {
			r.ContactID, r.Outcome = c.ID, importer.Already
			r.Reason = "the row has no evidence and the number is a contact already: nothing changed"
			return nil
		}
		w.Contacts = append(w.Contacts, p.fresh)
		w.Tags = appendTags(w.Tags, p.fresh.ID, p.Tags)
		r.ContactID = p.fresh.ID
		return nil // NeedsFresh with its reason
	}
	if !isContact {
		c := p.fresh
		c.Head = ledger.Head{Seq: p.event.Seq, Hash: p.event.Hash}
		w.Contacts = append(w.Contacts, c)
		w.Events = append(w.Events, p.event)
		w.States = append(w.States, consent.Apply(consent.None(c.ID, run.purpose.Key), p.event.Event))
		w.Tags = appendTags(w.Tags, c.ID, p.Tags)
		r.ContactID, r.Outcome, r.Reason = c.ID, importer.Imported, string(p.Kind)
		w.Digests = append(w.Digests, store.ImportDigest{Digest: p.digest, ContactID: c.ID, Line: p.Line, Reason: r.Reason})
		return nil
	}
	r.ContactID = c.ID
	if c.Restricted {
		r.Outcome, r.Reason = importer.RefusedRestricted, "processing of this contact is restricted (R-06)"
		return nil
	}
	s, has := states[c.ID]
	if !has {
		s = consent.None(c.ID, run.purpose.Key)
	}
	switch {
	case s.Status == consent.StatusWithdrawn && !s.Since.Before(p.CollectedAt):
		r.Outcome, r.Reason = importer.RefusedWithdrawn, "the person withdrew after this evidence was collected: an older consent does not come back (C-05)"
		return nil
	case s.Status == consent.StatusActive && !s.Since.Before(p.CollectedAt):
		r.Outcome, r.Reason = importer.Already, "a consent as recent as this row's stands: nothing changed"
		return nil
	}
	key, err := a.vault.Unwrap(c.KeyWrapped)
	if err != nil {
		r.Outcome, r.Reason = importer.RefusedInvalid, "the contact's key could not be opened"
		return nil
	}
	e, sealed := a.importEvent(run, p, c.ID, c.Head, key)
	w.Moved[c.ID] = c.Head.Seq
	w.Events = append(w.Events, store.StoredEvent{Event: e, SealedEvidence: sealed})
	w.States = append(w.States, consent.Apply(s, e))
	w.Tags = appendTags(w.Tags, c.ID, p.Tags)
	r.Outcome, r.Reason = importer.Imported, string(p.Kind)
	w.Digests = append(w.Digests, store.ImportDigest{Digest: p.digest, ContactID: c.ID, Line: p.Line, Reason: r.Reason})
	return nil
}

func appendTags(ts []store.ContactTag, id string, tags []string) []store.ContactTag {
	for _, t := range tags {
		ts = append(ts, store.ContactTag{ContactID: id, Tag: t})
	}
	return ts
}

// importChunkSize is how much of an uploaded file one sealed chunk holds.
const importChunkSize = 1 << 20

// ReceiveImport stores an uploaded file sealed in chunks in the database (it
// holds numbers; any replica's worker can read it) as it arrives, memory
// flat, then queues the job that runs the import (RunStoredImport). The
// import is answered at once, queued.
func (a *App) ReceiveImport(ctx context.Context, actor Actor, in ImportInput, body io.Reader) (importer.Import, error) {
	in.Source = "api"
	imp, _, err := a.StartImport(ctx, actor, ImportInput{Purpose: in.Purpose, Mode: in.Mode, Source: in.Source})
	if err != nil {
		return imp, err
	}
	imp.State = importer.Receiving
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.UpdateImport(ctx, imp) }); err != nil {
		return imp, err
	}
	buf := make([]byte, importChunkSize)
	for n := 0; ; n++ {
		k, rerr := io.ReadFull(body, buf)
		if k > 0 {
			sealed := a.vault.Seal(buf[:k], fmt.Sprintf("import/%s/%d", imp.ID, n))
			if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.AddImportChunk(ctx, imp.ID, n, sealed) }); err != nil {
				return imp, err
			}
			imp.Bytes += int64(k)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			imp.State, imp.Error, imp.FinishedAt = importer.Failed, "the upload broke off", a.now()
			_ = a.store.Tx(context.WithoutCancel(ctx), func(tx store.Tx) error {
				if err := tx.DeleteImportChunks(ctx, imp.ID); err != nil {
					return err
				}
				return tx.UpdateImport(ctx, imp)
			})
			return imp, invalid("reading the body: %v", rerr)
		}
	}
	if imp.Bytes == 0 {
		imp.State, imp.Error, imp.FinishedAt = importer.Failed, "the file is empty", a.now()
		_ = a.store.Tx(ctx, func(tx store.Tx) error { return tx.UpdateImport(ctx, imp) })
		return imp, invalid("the body is empty: send the CSV file")
	}
	imp.State = importer.Queued
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.UpdateImport(ctx, imp); err != nil {
			return err
		}
		return tx.Enqueue(ctx, job.RunImport{ImportID: imp.ID, ActorID: actor.ID, ActorName: actor.Name, ActorRole: string(actor.Role)}, nil)
	})
	return imp, err
}

// RunStoredImport runs an import whose file the API stored (ReceiveImport):
// River's job. Run again after a crash, it resumes after the last
// committed batch.
func (a *App) RunStoredImport(ctx context.Context, j job.RunImport) error {
	actor := Actor{ID: j.ActorID, Name: j.ActorName, Role: staff.Role(j.ActorRole)}
	id := j.ImportID
	_, err := a.RunImport(ctx, actor, id, &chunkReader{ctx: ctx, a: a, id: id}, nil)
	if errors.Is(err, ErrInvalid) {
		return nil // recorded as failed with its reason
	}
	return err
}

// chunkReader reads an import's stored file, one chunk in memory at a time.
type chunkReader struct {
	ctx context.Context
	a   *App
	id  string
	n   int
	buf []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		sealed, err := r.a.store.ImportChunk(r.ctx, r.id, r.n)
		if errors.Is(err, store.ErrNotFound) {
			return 0, io.EOF
		} else if err != nil {
			return 0, err
		}
		if r.buf, err = r.a.vault.Open(sealed, fmt.Sprintf("import/%s/%d", r.id, r.n)); err != nil {
			return 0, fmt.Errorf("import %s chunk %d: %w", r.id, r.n, err)
		}
		r.n++
	}
	k := copy(p, r.buf)
	r.buf = r.buf[k:]
	return k, nil
}
