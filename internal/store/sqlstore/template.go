// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"strings"

	"github.com/samtykke/samtykke/internal/template"
)

// problemSep joins a template's problems in their column; no problem holds it.
const problemSep = "\n"

func (t *tx) PutTemplate(ctx context.Context, x template.Template) (err error) {
	defer errorf("put template", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO templates (name, language, platform_id, status, category, body, footer, opt_out_button,
		problems, synced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (name, language) DO UPDATE SET platform_id = excluded.platform_id, status = excluded.status,
		category = excluded.category, body = excluded.body, footer = excluded.footer, opt_out_button = excluded.opt_out_button,
		problems = excluded.problems, synced_at = excluded.synced_at`,
		x.Name, x.Language, x.PlatformID, x.Status, x.Category, x.Body, x.Footer, x.OptOut,
		strings.Join(x.Problems, problemSep), micro(x.SyncedAt))
	return err
}

func (r *reader) Templates(ctx context.Context) (ts []template.Template, err error) {
	defer errorf("templates", &err)
	rows, err := r.db.Query(ctx, `SELECT name, language, platform_id, status, category, body, footer, opt_out_button,
		problems, synced_at FROM templates ORDER BY name, language`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var x template.Template
		var problems string
		var synced int64
		if err := rows.Scan(&x.Name, &x.Language, &x.PlatformID, &x.Status, &x.Category, &x.Body, &x.Footer, &x.OptOut,
			&problems, &synced); err != nil {
			return nil, err
		}
		x.SyncedAt, x.Problems = fromMicro(synced), []string{}
		if problems != "" {
			x.Problems = strings.Split(problems, problemSep)
		}
		ts = append(ts, x)
	}
	return ts, rows.Err()
}
