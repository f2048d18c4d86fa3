// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/store"
)

const breachColumns = `id, title, description, cause, source, categories, occurred_at, occurred_until, discovered_at,
	aware_at, data_categories, people_categories, people_approx, records_approx, data_location, consequences,
	measures_taken, measures_proposed, risk, risk_reason, notified_at, reference, delay_reason, exemption,
	contact_point, people_notice, state, created_at, updated_at, closed_at, created_by`

func scanBreach(row Row) (i breach.Incident, err error) {
	var cats, data, people, notice string
	var occurred, until, discovered, aware, notified, created, updated, closed int64
	err = row.Scan(&i.ID, &i.Title, &i.Description, &i.Cause, &i.Source, &cats, &occurred, &until, &discovered,
		&aware, &data, &people, &i.PeopleApprox, &i.RecordsApprox, &i.DataLocation, &i.Consequences,
		&i.MeasuresTaken, &i.MeasuresProposed, &i.Risk, &i.RiskReason, &notified, &i.Reference, &i.DelayReason, &i.Exemption,
		&i.ContactPoint, &notice, &i.State, &created, &updated, &closed, &i.CreatedBy)
	if err != nil {
		return i, err
	}
	i.OccurredAt, i.OccurredUntil, i.DiscoveredAt = fromMicro(occurred), fromMicro(until), fromMicro(discovered)
	i.AwareAt, i.NotifiedAt = fromMicro(aware), fromMicro(notified)
	i.CreatedAt, i.UpdatedAt, i.ClosedAt = fromMicro(created), fromMicro(updated), fromMicro(closed)
	for _, f := range []struct {
		raw string
		v   any
	}{{cats, &i.Categories}, {data, &i.DataCategories}, {people, &i.PeopleCategories}, {notice, &i.People}} {
		if err := json.Unmarshal([]byte(f.raw), f.v); err != nil {
			return i, err
		}
	}
	return i, nil
}

// breachValues are an incident's columns after its id, in breachColumns'
// order, with the deadline last.
func breachValues(i breach.Incident) ([]any, error) {
	var raw [4]string
	for n, v := range []any{nonNil(i.Categories), nonNil(i.DataCategories), nonNil(i.PeopleCategories), nonNilMap(i.People)} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		raw[n] = string(b)
	}
	return []any{i.Title, i.Description, i.Cause, i.Source, raw[0], micro(i.OccurredAt), micro(i.OccurredUntil),
		micro(i.DiscoveredAt), micro(i.AwareAt), raw[1], raw[2], i.PeopleApprox, i.RecordsApprox, i.DataLocation,
		i.Consequences, i.MeasuresTaken, i.MeasuresProposed, string(i.Risk), i.RiskReason, micro(i.NotifiedAt), i.Reference,
		i.DelayReason, string(i.Exemption), i.ContactPoint, raw[3], string(i.State), micro(i.CreatedAt), micro(i.UpdatedAt),
		micro(i.ClosedAt), i.CreatedBy, micro(i.DeadlineAt())}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]breach.Notice) map[string]breach.Notice {
	if m == nil {
		return map[string]breach.Notice{}
	}
	return m
}

func (r *reader) Breach(ctx context.Context, id string) (i breach.Incident, err error) {
	defer errorf("breach", &err)
	i, err = scanBreach(r.db.QueryRow(ctx, `SELECT `+breachColumns+` FROM breaches WHERE id = $1`, id))
	return i, r.notFound(err)
}

func (r *reader) Breaches(ctx context.Context, f store.BreachFilter) (out []breach.Incident, err error) {
	defer errorf("breaches", &err)
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := r.db.Query(ctx, `SELECT `+breachColumns+` FROM breaches WHERE ($1 = '' OR state = $1)
		ORDER BY aware_at DESC, id DESC LIMIT $2`, string(f.State), f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		i, err := scanBreach(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func (r *reader) BreachSteps(ctx context.Context, breachID string) (out []breach.Step, err error) {
	defer errorf("breach steps", &err)
	rows, err := r.db.Query(ctx, `SELECT breach_id, at, actor, action, note FROM breach_steps
		WHERE breach_id = $1 ORDER BY at, id`, breachID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s breach.Step
		var at int64
		if err := rows.Scan(&s.BreachID, &at, &s.Actor, &s.Action, &s.Note); err != nil {
			return nil, err
		}
		s.At = fromMicro(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

func (r *reader) BreachCounts(ctx context.Context, now time.Time) (c breach.Counts, err error) {
	defer errorf("breach counts", &err)
	// Overdue and due soon count every breach that must be notified and is
	// not, open or not: a closed one cannot be such (breach.Incident.Check).
	err = r.db.QueryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN risk <> 'none' AND notified_at = 0 AND deadline_at >= $1 AND deadline_at <= $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN risk <> 'none' AND notified_at = 0 AND deadline_at < $1 THEN 1 ELSE 0 END), 0)
		FROM breaches`, micro(now), micro(now.Add(breach.DueSoon))).Scan(&c.Open, &c.DueSoon, &c.Overdue)
	return c, err
}

func (r *reader) BreachNotices(ctx context.Context, breachID string) (out []breach.NoticeCount, err error) {
	defer errorf("breach notices", &err)
	rows, err := r.db.Query(ctx, `SELECT n.outcome, COALESCE(m.status, ''), count(*) FROM breach_notices n
		LEFT JOIN messages m ON m.id = n.message_id AND n.message_id <> ''
		WHERE n.breach_id = $1 GROUP BY n.outcome, COALESCE(m.status, '') ORDER BY 1, 2`, breachID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c breach.NoticeCount
		if err := rows.Scan(&c.Outcome, &c.Status, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (r *reader) BreachNotice(ctx context.Context, breachID, contactID string) (n breach.PersonNotice, err error) {
	defer errorf("breach notice", &err)
	var at int64
	err = r.db.QueryRow(ctx, `SELECT breach_id, contact_id, at, language, outcome, message_id, actor FROM breach_notices
		WHERE breach_id = $1 AND contact_id = $2`, breachID, contactID).Scan(&n.BreachID, &n.ContactID, &at, &n.Language,
		&n.Outcome, &n.MessageID, &n.Actor)
	n.At = fromMicro(at)
	return n, r.notFound(err)
}

func (r *reader) UntoldContacts(ctx context.Context, breachID, purpose, after string, limit int) (out []contact.Contact, err error) {
	defer errorf("untold contacts", &err)
	rows, err := r.db.Query(ctx, `SELECT `+contactColumns+contactFrom+` WHERE c.id > $2
		AND ($3 = '' OR EXISTS (SELECT 1 FROM consent_states s WHERE s.contact_id = c.id AND s.purpose = $3))
		AND NOT EXISTS (SELECT 1 FROM breach_notices n WHERE n.breach_id = $1 AND n.contact_id = c.id)
		ORDER BY c.id LIMIT $4`, breachID, after, purpose, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (t *tx) CreateBreach(ctx context.Context, i breach.Incident) (err error) {
	defer errorf("create breach", &err)
	vals, err := breachValues(i)
	if err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO breaches (`+breachColumns+`, deadline_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
		$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)`,
		append([]any{i.ID}, vals...)...)
	return t.conflict(err)
}

func (t *tx) UpdateBreach(ctx context.Context, i breach.Incident) (err error) {
	defer errorf("update breach", &err)
	vals, err := breachValues(i)
	if err != nil {
		return err
	}
	// The values after state are created_at, updated_at, closed_at,
	// created_by and the deadline: the creation is never changed.
	args := append([]any{i.ID}, vals[:26]...)
	args = append(args, vals[27], vals[28], vals[30])
	n, err := t.db.Exec(ctx, `UPDATE breaches SET title = $2, description = $3, cause = $4, source = $5, categories = $6,
		occurred_at = $7, occurred_until = $8, discovered_at = $9, aware_at = $10, data_categories = $11,
		people_categories = $12, people_approx = $13, records_approx = $14, data_location = $15, consequences = $16,
		measures_taken = $17, measures_proposed = $18, risk = $19, risk_reason = $20, notified_at = $21, reference = $22,
		delay_reason = $23, exemption = $24, contact_point = $25, people_notice = $26, state = $27, updated_at = $28,
		closed_at = $29, deadline_at = $30 WHERE id = $1`, args...)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (t *tx) LockBreach(ctx context.Context, id string) (i breach.Incident, err error) {
	defer errorf("lock breach", &err)
	i, err = scanBreach(t.db.QueryRow(ctx, `SELECT `+breachColumns+` FROM breaches WHERE id = $1`+t.b.ForUpdate, id))
	return i, t.notFound(err)
}

func (t *tx) AddBreachStep(ctx context.Context, s breach.Step) (err error) {
	defer errorf("add breach step", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO breach_steps (id, breach_id, at, actor, action, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		uuid.Must(uuid.NewV7()).String(), s.BreachID, micro(s.At), s.Actor, s.Action, s.Note)
	return err
}

func (t *tx) AddBreachNotice(ctx context.Context, n breach.PersonNotice) (added bool, err error) {
	defer errorf("add breach notice", &err)
	c, err := t.db.Exec(ctx, `INSERT INTO breach_notices (breach_id, contact_id, at, language, outcome, message_id, actor)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (breach_id, contact_id) DO NOTHING`,
		n.BreachID, n.ContactID, micro(n.At), n.Language, string(n.Outcome), n.MessageID, n.Actor)
	return c == 1, err
}
