// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/samtykke/samtykke/internal/consent"
)

const purposeColumns = `key, channel, legal_basis, description_nb, description_en, retention_days, refresh_days, fields, created_at`

func scanPurpose(row Row) (consent.Purpose, error) {
	var p consent.Purpose
	var fields string
	var created int64
	err := row.Scan(&p.Key, &p.Channel, &p.Basis, &p.Description.NB, &p.Description.EN,
		&p.RetentionDays, &p.RefreshDays, &fields, &created)
	if err != nil {
		return p, err
	}
	p.CreatedAt = fromMicro(created)
	if fields != "" {
		if err := json.Unmarshal([]byte(fields), &p.Fields); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (r *reader) Purpose(ctx context.Context, key string) (p consent.Purpose, err error) {
	defer errorf("purpose "+key, &err)
	p, err = scanPurpose(r.db.QueryRow(ctx, `SELECT `+purposeColumns+` FROM purposes WHERE key = $1`, key))
	return p, r.notFound(err)
}

func (r *reader) Purposes(ctx context.Context) (ps []consent.Purpose, err error) {
	defer errorf("purposes", &err)
	rows, err := r.db.Query(ctx, `SELECT `+purposeColumns+` FROM purposes ORDER BY key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPurpose(rows)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

func (t *tx) CreatePurpose(ctx context.Context, p consent.Purpose) (err error) {
	defer errorf("create purpose", &err)
	fields, err := json.Marshal(p.Fields)
	if err != nil {
		return err
	}
	if p.Fields == nil {
		fields = []byte("[]")
	}
	_, err = t.db.Exec(ctx, `INSERT INTO purposes (`+purposeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.Key, string(p.Channel), string(p.Basis), p.Description.NB, p.Description.EN,
		p.RetentionDays, p.RefreshDays, string(fields), micro(p.CreatedAt))
	return t.conflict(err)
}
