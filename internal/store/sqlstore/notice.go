// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/store"
)

const noticeColumns = `id, language, version, summary, sections, hash, created_at, published_at`

func scanNotice(row Row) (notice.Notice, error) {
	var n notice.Notice
	var sections string
	var created, published int64
	if err := row.Scan(&n.ID, &n.Language, &n.Version, &n.Summary, &sections, &n.Hash, &created, &published); err != nil {
		return n, err
	}
	n.CreatedAt = fromMicro(created)
	if published != 0 {
		at := fromMicro(published)
		n.PublishedAt = &at
	}
	return n, json.Unmarshal([]byte(sections), &n.Sections)
}

func (r *reader) queryNotices(ctx context.Context, query string, args ...any) ([]notice.Notice, error) {
	rows, err := r.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ns []notice.Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

func (r *reader) Notice(ctx context.Context, id string) (n notice.Notice, err error) {
	defer errorf("notice", &err)
	n, err = scanNotice(r.db.QueryRow(ctx, `SELECT `+noticeColumns+` FROM notices WHERE id = $1`, id))
	return n, r.notFound(err)
}

func (r *reader) Notices(ctx context.Context) (ns []notice.Notice, err error) {
	defer errorf("notices", &err)
	return r.queryNotices(ctx, `SELECT `+noticeColumns+` FROM notices ORDER BY language, version, created_at`)
}

func (r *reader) CurrentNotice(ctx context.Context, lang string) (n notice.Notice, err error) {
	defer errorf("current notice", &err)
	n, err = scanNotice(r.db.QueryRow(ctx, `SELECT `+noticeColumns+` FROM notices
		WHERE language = $1 AND version > 0 ORDER BY version DESC LIMIT 1`, lang))
	return n, r.notFound(err)
}

func (t *tx) CreateNotice(ctx context.Context, n notice.Notice) (err error) {
	defer errorf("create notice", &err)
	sections, err := json.Marshal(n.Sections)
	if err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO notices (`+noticeColumns+`) VALUES ($1, $2, 0, $3, $4, '', $5, 0)`,
		n.ID, n.Language, n.Summary, string(sections), micro(n.CreatedAt))
	return t.conflict(err)
}

func (t *tx) NextNoticeVersion(ctx context.Context, lang string) (v int, err error) {
	defer errorf("next notice version", &err)
	err = t.db.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM notices WHERE language = $1`, lang).Scan(&v)
	return v, err
}

func (t *tx) PublishNotice(ctx context.Context, id string, version int, hash string, at time.Time) (err error) {
	defer errorf("publish notice", &err)
	n, err := t.db.Exec(ctx, `UPDATE notices SET version = $2, hash = $3, published_at = $4 WHERE id = $1 AND version = 0`,
		id, version, hash, micro(at))
	if err != nil {
		return t.conflict(err)
	}
	if n == 0 {
		if _, err := t.Notice(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("%w: notice is already published", store.ErrConflict)
	}
	return nil
}
