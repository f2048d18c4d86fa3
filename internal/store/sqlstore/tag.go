// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/samtykke/samtykke/internal/store"
)

func (r *reader) ContactTags(ctx context.Context, contactID string) (tags []string, err error) {
	defer errorf("contact tags", &err)
	rows, err := r.db.Query(ctx, `SELECT tag FROM contact_tags WHERE contact_id = $1`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags = []string{}
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return nil, err
		}
		tags = append(tags, tag)
	}
	// Sorted here, not by ORDER BY: PostgreSQL's collation would order "a-b"
	// and "ab" differently from SQLite.
	slices.Sort(tags)
	return tags, rows.Err()
}

func (t *tx) SetContactTags(ctx context.Context, contactID string, tags []string) (err error) {
	defer errorf("set contact tags", &err)
	// Lock the contact: an erasure running beside us either waits for this
	// transaction, and then deletes these tags, or has committed, and then
	// we refuse.
	var erased int64
	if err := t.db.QueryRow(ctx, `SELECT erased_at FROM contacts WHERE id = $1`+t.b.ForUpdate, contactID).Scan(&erased); err != nil {
		return t.notFound(err)
	}
	if erased != 0 {
		return fmt.Errorf("%w: contact %s was erased", store.ErrConflict, contactID)
	}
	if _, err := t.db.Exec(ctx, `DELETE FROM contact_tags WHERE contact_id = $1`, contactID); err != nil {
		return err
	}
	if len(tags) == 0 {
		return nil
	}
	// WHERE true: SQLite cannot otherwise tell ON CONFLICT from a join's ON.
	_, err = t.db.Exec(ctx, `INSERT INTO contact_tags (contact_id, tag) SELECT $1, value FROM `+t.b.JSONStrings("$2")+`
		WHERE true ON CONFLICT DO NOTHING`, contactID, jsonList(tags))
	return err
}
