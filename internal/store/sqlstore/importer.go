// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/importer"
	"github.com/samtykke/samtykke/internal/store"
)

const importColumns = `id, purpose, mode, state, actor, source, created_at, finished_at, line, rows_done, counts, error, bytes, file_digest, resumes`

func scanImport(row Row) (importer.Import, error) {
	var imp importer.Import
	var created, finished int64
	var counts, resumes string
	err := row.Scan(&imp.ID, &imp.Purpose, &imp.Mode, &imp.State, &imp.Actor, &imp.Source, &created, &finished, &imp.Line,
		&imp.Rows, &counts, &imp.Error, &imp.Bytes, &imp.FileDigest, &resumes)
	if err != nil {
		return imp, err
	}
	imp.CreatedAt, imp.FinishedAt = fromMicro(created), fromMicro(finished)
	imp.Counts = map[importer.Outcome]int64{}
	if err := json.Unmarshal([]byte(resumes), &imp.Resumes); err != nil {
		return imp, err
	}
	return imp, json.Unmarshal([]byte(counts), &imp.Counts)
}

func resumesJSON(rs []importer.Resume) string {
	if len(rs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(rs)
	return string(b)
}

func countsJSON(c map[importer.Outcome]int64) string {
	if len(c) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func (r *reader) Import(ctx context.Context, id string) (imp importer.Import, err error) {
	defer errorf("import", &err)
	imp, err = scanImport(r.db.QueryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE id = $1`, id))
	return imp, r.notFound(err)
}

func (r *reader) UnfinishedImport(ctx context.Context, fileDigest []byte, purpose string) (imp importer.Import, err error) {
	defer errorf("unfinished import", &err)
	imp, err = scanImport(r.db.QueryRow(ctx, `SELECT `+importColumns+` FROM imports
		WHERE file_digest = $1 AND purpose = $2 AND state IN ('queued', 'running') ORDER BY created_at DESC LIMIT 1`, fileDigest, purpose))
	return imp, r.notFound(err)
}

func (r *reader) ImportReport(ctx context.Context, id string, after, limit int) (out []importer.ReportRow, err error) {
	defer errorf("import report", &err)
	// The rows not imported, and the imported ones' with their digests.
	rows, err := r.db.Query(ctx, `SELECT line, outcome, reason, contact_id FROM (
		SELECT line, outcome, reason, contact_id FROM import_rows WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3) r
		UNION ALL SELECT line, outcome, reason, contact_id FROM (
		SELECT line, '`+string(importer.Imported)+`' AS outcome, reason, contact_id FROM import_digests WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3) d
		ORDER BY line LIMIT $3`, id, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rr importer.ReportRow
		if err := rows.Scan(&rr.Line, &rr.Outcome, &rr.Reason, &rr.ContactID); err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	return out, rows.Err()
}

func (r *reader) ImportChunk(ctx context.Context, id string, n int) (b []byte, err error) {
	defer errorf("import chunk", &err)
	err = r.db.QueryRow(ctx, `SELECT body_ct FROM import_chunks WHERE import_id = $1 AND n = $2`, id, n).Scan(&b)
	return b, r.notFound(err)
}

func (r *reader) ImportedDigests(ctx context.Context, digests [][]byte) (out map[string]string, err error) {
	defer errorf("imported digests", &err)
	out = map[string]string{}
	if len(digests) == 0 {
		return out, nil
	}
	scan := func(query string, args ...any) error {
		rows, err := r.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d []byte
			var id string
			if err := rows.Scan(&d, &id); err != nil {
				return err
			}
			out[string(d)] = id
		}
		return rows.Err()
	}
	if r.b.Arrays {
		return out, scan(`SELECT d.digest, d.contact_id FROM unnest($1::bytea[]) AS t(digest)
			JOIN import_digests d ON d.digest = t.digest`, digests)
	}
	vals := make([]any, len(digests))
	for i, d := range digests {
		vals[i] = d
	}
	return out, inChunks(nil, 1, vals, func(args []any) error { return scan(digestsValues, args...) })
}

var digestsValues = `SELECT digest, contact_id FROM import_digests WHERE digest IN ` + PlaceholderRows(0, 1, chunkRows, "")

func (t *tx) CreateImport(ctx context.Context, imp importer.Import) (err error) {
	defer errorf("create import", &err)
	if imp.FileDigest == nil {
		imp.FileDigest = []byte{}
	}
	_, err = t.db.Exec(ctx, `INSERT INTO imports (`+importColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		imp.ID, imp.Purpose, string(imp.Mode), string(imp.State), imp.Actor, imp.Source, micro(imp.CreatedAt), micro(imp.FinishedAt),
		imp.Line, imp.Rows, countsJSON(imp.Counts), imp.Error, imp.Bytes, imp.FileDigest, resumesJSON(imp.Resumes))
	return t.conflict(err)
}

func (t *tx) UpdateImport(ctx context.Context, imp importer.Import) (err error) {
	defer errorf("update import", &err)
	n, err := t.db.Exec(ctx, `UPDATE imports SET state = $2, finished_at = $3, line = $4, rows_done = $5, counts = $6, error = $7,
		bytes = $8, resumes = $9 WHERE id = $1`, imp.ID, string(imp.State), micro(imp.FinishedAt), imp.Line, imp.Rows, countsJSON(imp.Counts),
		imp.Error, imp.Bytes, resumesJSON(imp.Resumes))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (t *tx) AddImportChunk(ctx context.Context, id string, n int, sealed []byte) (err error) {
	defer errorf("add import chunk", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO import_chunks (import_id, n, body_ct) VALUES ($1, $2, $3)`, id, n, sealed)
	return t.conflict(err)
}

func (t *tx) DeleteImportChunks(ctx context.Context, id string) (err error) {
	defer errorf("delete import chunks", &err)
	_, err = t.db.Exec(ctx, `DELETE FROM import_chunks WHERE import_id = $1`, id)
	return err
}

func (t *tx) LockContactsByIndex(ctx context.Context, indexes [][]byte) (out map[string]contact.Contact, err error) {
	defer errorf("lock contacts by index", &err)
	out = map[string]contact.Contact{}
	if len(indexes) == 0 {
		return out, nil
	}
	lock := t.b.ForUpdate
	if lock != "" {
		lock += " OF c"
	}
	scan := func(query string, args ...any) error {
		rows, err := t.db.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanContact(rows)
			if err != nil {
				return err
			}
			out[string(c.BlindIndex)] = c
		}
		return rows.Err()
	}
	if t.b.Arrays {
		// In blind-index order, so that two imports lock alike.
		return out, scan(`SELECT `+contactColumns+contactFrom+` WHERE c.blind_index = ANY($1::bytea[]) ORDER BY c.blind_index`+lock, indexes)
	}
	vals := make([]any, len(indexes))
	for i, d := range indexes {
		vals[i] = d
	}
	return out, inChunks(nil, 1, vals, func(args []any) error { return scan(lockByIndexValues, args...) })
}

var lockByIndexValues = `SELECT ` + contactColumns + contactFrom + ` WHERE c.blind_index IN ` + PlaceholderRows(0, 1, chunkRows, "")

func (t *tx) PurposeStates(ctx context.Context, ids []string, purpose string) (out map[string]consent.State, err error) {
	defer errorf("purpose states", &err)
	out = map[string]consent.State{}
	if len(ids) == 0 {
		return out, nil
	}
	ss, err := t.states(ctx, `SELECT `+stateColumns+` FROM consent_states WHERE purpose = $1 AND contact_id `+t.b.InList("$2"), purpose, t.b.ListArg(ids))
	for _, s := range ss {
		out[s.ContactID] = s
	}
	return out, err
}

// importChunk is how many rows one statement of WriteImport inserts at
// most: full chunks all run one prepared statement.
const importChunk = 256

// insertRows inserts rows of cols values each (vals row after row) with
// "head VALUES (...), (...) tail", a chunk of rows a statement.
func (t *tx) insertRows(ctx context.Context, head string, cols int, tail string, vals []any) error {
	first := 0 // SQLite binds anonymous placeholders fastest
	if t.b.Arrays {
		first = 1
	}
	for len(vals) > 0 {
		n := min(len(vals)/cols, importChunk)
		q := head + ` VALUES ` + PlaceholderRows(first, n, cols, "") + tail
		if _, err := t.db.Exec(ctx, q, vals[:n*cols]...); err != nil {
			return t.conflict(err)
		}
		vals = vals[n*cols:]
	}
	return nil
}

// writeRows inserts rows (cols values each, vals row after row, no
// conflict clause) into table: by the backend's bulk path where it has one
// (COPY), else a chunk of rows a statement.
func (t *tx) writeRows(ctx context.Context, table string, cols []string, vals []any) error {
	if c, ok := t.db.(Copier); ok {
		rows := make([][]any, 0, len(vals)/len(cols))
		for i := 0; i < len(vals); i += len(cols) {
			rows = append(rows, vals[i:i+len(cols):i+len(cols)])
		}
		_, err := c.CopyFrom(ctx, table, cols, rows)
		return err
	}
	return t.insertRows(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`)`, len(cols), "", vals)
}

var (
	contactImportCols = []string{"id", "phone_ct", "blind_index", "region", "mobile", "language", "fields_ct", "restricted", "created_at",
		"erased_at", "head_seq", "head_hash"}
	eventImportCols = strings.Split(strings.Join(strings.Fields(eventColumns), ""), ",")
	stateImportCols = strings.Split(strings.Join(strings.Fields(stateColumns), ""), ",")
)

func (t *tx) WriteImport(ctx context.Context, w store.ImportWrite) (err error) {
	defer errorf("write import", &err)
	fresh := make(map[string]bool, len(w.Contacts))
	if len(w.Contacts) > 0 {
		vals := make([]any, 0, 12*len(w.Contacts))
		keys := make([]any, 0, 2*len(w.Contacts))
		for _, c := range w.Contacts {
			vals = append(vals, c.ID, c.PhoneCT, c.BlindIndex, c.Region, c.Mobile, c.Language, c.FieldsCT, c.Restricted,
				micro(c.CreatedAt), int64(0), c.Head.Seq, c.Head.Hash)
			keys = append(keys, c.ID, c.KeyWrapped)
			fresh[c.ID] = true
		}
		if err := t.writeRows(ctx, "contacts", contactImportCols, vals); err != nil {
			return fmt.Errorf("contacts: %w", err)
		}
		if err := t.writeRows(ctx, "contact_keys", []string{"contact_id", "wrapped"}, keys); err != nil {
			return fmt.Errorf("contact keys: %w", err)
		}
		t.grew += len(w.Contacts)
	}
	// Existing chains move from the head they had when read, or not at all.
	last := map[string]int{}
	for i, e := range w.Events {
		if _, ok := w.Moved[e.ContactID]; ok {
			last[e.ContactID] = i
		}
	}
	for id, from := range w.Moved {
		i, ok := last[id]
		if !ok {
			continue
		}
		e := w.Events[i]
		n, err := t.db.Exec(ctx, `UPDATE contacts SET head_seq = $2, head_hash = $3 WHERE id = $1 AND head_seq = $4 AND erased_at = 0`,
			id, e.Seq, e.Hash, from)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("%w: the chain of contact %s moved", store.ErrConflict, id)
		}
	}
	if len(w.Events) > 0 {
		vals := make([]any, 0, 16*len(w.Events))
		for _, e := range w.Events {
			vals = append(vals, e.ID, e.ContactID, e.Seq, string(e.Kind), e.Purpose, e.Channel, micro(e.At), e.Method, e.Source, e.Actor,
				micro(e.ValidUntil), e.AgeConfirmed, e.EvidenceDigest, e.PrevHash, e.Hash, e.SealedEvidence)
		}
		if err := t.writeRows(ctx, "consent_events", eventImportCols, vals); err != nil {
			return fmt.Errorf("events: %w", err)
		}
	}
	// A new contact's state and tags are new rows; an existing contact's
	// replace or join what it has.
	var newStates, states []any
	for _, s := range w.States {
		row := []any{s.ContactID, s.Purpose, string(s.Status), s.EventID, micro(s.Since), micro(s.ValidUntil), s.AgeOK, string(s.Basis)}
		if fresh[s.ContactID] {
			newStates = append(newStates, row...)
		} else {
			states = append(states, row...)
		}
	}
	if len(newStates) > 0 {
		if err := t.writeRows(ctx, "consent_states", stateImportCols, newStates); err != nil {
			return fmt.Errorf("states: %w", err)
		}
	}
	if len(states) > 0 {
		if err := t.insertRows(ctx, `INSERT INTO consent_states (`+stateColumns+`)`, 8, ` ON CONFLICT (contact_id, purpose) DO UPDATE
			SET status = excluded.status, event_id = excluded.event_id, since = excluded.since, valid_until = excluded.valid_until,
			age_ok = excluded.age_ok, basis = excluded.basis`, states); err != nil {
			return fmt.Errorf("states: %w", err)
		}
	}
	var newTags, tags []any
	for _, tg := range w.Tags {
		if fresh[tg.ContactID] {
			newTags = append(newTags, tg.ContactID, tg.Tag)
		} else {
			tags = append(tags, tg.ContactID, tg.Tag)
		}
	}
	if len(newTags) > 0 {
		if err := t.writeRows(ctx, "contact_tags", []string{"contact_id", "tag"}, newTags); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
	}
	if len(tags) > 0 {
		if err := t.insertRows(ctx, `INSERT INTO contact_tags (contact_id, tag)`, 2, ` ON CONFLICT DO NOTHING`, tags); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
	}
	if len(w.Digests) > 0 {
		vals := make([]any, 0, 5*len(w.Digests))
		for _, d := range w.Digests {
			vals = append(vals, d.Digest, d.ContactID, w.ImportID, d.Line, d.Reason)
		}
		if err := t.writeRows(ctx, "import_digests", []string{"digest", "contact_id", "import_id", "line", "reason"}, vals); err != nil {
			return fmt.Errorf("digests: %w", err)
		}
	}
	if len(w.Rows) > 0 {
		vals := make([]any, 0, 5*len(w.Rows))
		for _, r := range w.Rows {
			vals = append(vals, w.ImportID, r.Line, string(r.Outcome), r.Reason, r.ContactID)
		}
		if err := t.writeRows(ctx, "import_rows", []string{"import_id", "line", "outcome", "reason", "contact_id"}, vals); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}
