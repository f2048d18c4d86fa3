// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/store"
)

func (r *reader) DPIA(ctx context.Context, version int) (d dpia.Document, err error) {
	defer errorf("dpia", &err)
	var body string
	q := `SELECT body FROM dpia_versions WHERE version = $1`
	args := []any{version}
	if version == 0 {
		q, args = `SELECT body FROM dpia_versions ORDER BY version DESC LIMIT 1`, nil
	}
	if err = r.db.QueryRow(ctx, q, args...).Scan(&body); err != nil {
		return d, r.notFound(err)
	}
	return d, json.Unmarshal([]byte(body), &d)
}

func (r *reader) DPIAVersions(ctx context.Context) (out []store.DPIAVersion, err error) {
	defer errorf("dpia versions", &err)
	rows, err := r.db.Query(ctx, `SELECT version, at, author FROM dpia_versions ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v store.DPIAVersion
		var at int64
		if err := rows.Scan(&v.Version, &at, &v.Author); err != nil {
			return nil, err
		}
		v.At = fromMicro(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t *tx) AddDPIA(ctx context.Context, d dpia.Document) (err error) {
	defer errorf("add dpia", &err)
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO dpia_versions (version, at, author, body) VALUES ($1, $2, $3, $4)`,
		d.Version, micro(d.At), d.Author, string(body))
	return t.conflict(err)
}
