// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/reply"
)

func (t *tx) AddReply(ctx context.Context, r reply.Reply) (err error) {
	defer errorf("add reply", &err)
	// Held for the next statement (PostgreSQL): a STOPP stores the reply it
	// came in, and each round trip of its transaction waits under load.
	err = t.conn.Later(ctx, "add reply", `INSERT INTO replies (id, contact_id, sender_index, at, window_ends, class, sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.ContactID, r.SenderIndex, micro(r.At), micro(r.WindowEnds), string(r.Class), r.Sealed)
	return t.conflict(err)
}

func (r *reader) Replies(ctx context.Context, before string, limit int) (rs []reply.Reply, err error) {
	defer errorf("replies", &err)
	if limit <= 0 {
		limit = 50
	}
	// Ids are UUIDv7: newest first is id order backwards (keyset paging).
	rows, err := r.db.Query(ctx, `SELECT `+replyColumns+` FROM replies
		WHERE ($1 = '' OR id < $1) ORDER BY id DESC LIMIT $2`, before, limit)
	return scanAll(rows, err, scanReply)
}

func (r *reader) ContactReplies(ctx context.Context, contactID string) (rs []reply.Reply, err error) {
	defer errorf("replies of contact "+contactID, &err)
	rows, err := r.db.Query(ctx, `SELECT `+replyColumns+` FROM replies WHERE contact_id = $1 ORDER BY at, id`, contactID)
	return scanAll(rows, err, scanReply)
}

func (t *tx) PurgeReplies(ctx context.Context, before time.Time, limit int) (n int64, err error) {
	defer errorf("purge replies", &err)
	return t.db.Exec(ctx, `DELETE FROM replies WHERE id IN (SELECT id FROM replies WHERE at < $1 LIMIT $2)`, micro(before), limit)
}

func (r *reader) Reply(ctx context.Context, id string) (x reply.Reply, err error) {
	defer errorf("reply "+id, &err)
	x, err = scanReply(r.db.QueryRow(ctx, `SELECT `+replyColumns+` FROM replies WHERE id = $1`, id))
	return x, r.notFound(err)
}

const replyColumns = `id, contact_id, at, window_ends, class, sealed`

func scanReply(row scanner) (x reply.Reply, err error) {
	var at, ends int64
	var class string
	if err = row.Scan(&x.ID, &x.ContactID, &at, &ends, &class, &x.Sealed); err != nil {
		return x, err
	}
	x.At, x.WindowEnds, x.Class = fromMicro(at), fromMicro(ends), reply.Class(class)
	return x, nil
}

const answerColumns = `id, contact_id, reply_id, message_id, at, actor, sealed`

func scanAnswer(row scanner) (a reply.Answer, err error) {
	var at int64
	if err = row.Scan(&a.ID, &a.ContactID, &a.ReplyID, &a.MessageID, &at, &a.Actor, &a.Sealed); err != nil {
		return a, err
	}
	a.At = fromMicro(at)
	return a, nil
}

func (t *tx) AddAnswer(ctx context.Context, a reply.Answer) (err error) {
	defer errorf("add answer", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO answers (`+answerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, a.ContactID, a.ReplyID, a.MessageID, micro(a.At), a.Actor, a.Sealed)
	return t.conflict(err)
}

func (r *reader) Answer(ctx context.Context, id string) (a reply.Answer, err error) {
	defer errorf("answer "+id, &err)
	a, err = scanAnswer(r.db.QueryRow(ctx, `SELECT `+answerColumns+` FROM answers WHERE id = $1`, id))
	return a, r.notFound(err)
}

func (r *reader) ContactAnswers(ctx context.Context, contactID string) (as []reply.Answer, err error) {
	defer errorf("answers to contact "+contactID, &err)
	rows, err := r.db.Query(ctx, `SELECT `+answerColumns+` FROM answers WHERE contact_id = $1 ORDER BY at, id`, contactID)
	return scanAll(rows, err, scanAnswer)
}

// scanAll reads every row of a query with scan, closing the rows; a query
// that failed gives its error.
func scanAll[T any](rows Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func (t *tx) PurgeAnswers(ctx context.Context, before time.Time, limit int) (n int64, err error) {
	defer errorf("purge answers", &err)
	return t.db.Exec(ctx, `DELETE FROM answers WHERE id IN (SELECT id FROM answers WHERE at < $1 LIMIT $2)`, micro(before), limit)
}
