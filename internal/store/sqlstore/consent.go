// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"

	"github.com/samtykke/samtykke/internal/consent"
)

const stateColumns = `contact_id, purpose, status, event_id, since, valid_until, age_ok, basis`

func scanState(row scanner) (consent.State, error) {
	var s consent.State
	var since, validUntil int64
	err := row.Scan(&s.ContactID, &s.Purpose, &s.Status, &s.EventID, &since, &validUntil, &s.AgeOK, &s.Basis)
	s.Since, s.ValidUntil = fromMicro(since), fromMicro(validUntil)
	return s, err
}

func (r *reader) ConsentStates(ctx context.Context, contactID string) (ss []consent.State, err error) {
	defer errorf("consent states", &err)
	return r.states(ctx, `SELECT `+stateColumns+` FROM consent_states WHERE contact_id = $1 ORDER BY purpose`, contactID)
}

func (r *reader) ChannelStates(ctx context.Context, contactID, channel string) (ss []consent.State, err error) {
	defer errorf("channel states", &err)
	return r.states(ctx, `SELECT `+stateColumns+` FROM consent_states
		WHERE contact_id = $1 AND purpose IN (SELECT key FROM purposes WHERE channel = $2) ORDER BY purpose`, contactID, channel)
}

func (r *reader) ConsentStatesBetween(ctx context.Context, first, last string) (ss []consent.State, err error) {
	defer errorf("consent states between contacts", &err)
	// A range of the primary key: an index range scan on both databases (a
	// list of 500 ids was a hash join over the whole table on PostgreSQL,
	// 8 ms a window at 20k contacts).
	return r.states(ctx, `SELECT `+stateColumns+` FROM consent_states WHERE contact_id >= $1 AND contact_id <= $2
		ORDER BY contact_id, purpose`, first, last)
}

func (r *reader) states(ctx context.Context, query string, args ...any) (ss []consent.State, err error) {
	rows, err := r.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanState(rows)
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
	}
	return ss, rows.Err()
}

func (r *reader) ConsentState(ctx context.Context, contactID, purpose string) (s consent.State, err error) {
	defer errorf("consent state", &err)
	s, err = scanState(r.db.QueryRow(ctx, `SELECT `+stateColumns+` FROM consent_states
		WHERE contact_id = $1 AND purpose = $2`, contactID, purpose))
	if r.b.IsNoRows(err) {
		return consent.None(contactID, purpose), nil
	}
	return s, err
}

func (t *tx) PutConsentState(ctx context.Context, s consent.State) (err error) {
	defer errorf("put consent state", &err)
	err = t.conn.Later(ctx, "put consent state", `INSERT INTO consent_states (`+stateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (contact_id, purpose) DO UPDATE SET status = excluded.status, event_id = excluded.event_id,
		since = excluded.since, valid_until = excluded.valid_until, age_ok = excluded.age_ok, basis = excluded.basis`,
		s.ContactID, s.Purpose, string(s.Status), s.EventID, micro(s.Since), micro(s.ValidUntil), s.AgeOK, string(s.Basis))
	return err
}
