// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/store"
)

const contactColumns = `c.id, c.phone_ct, k.wrapped, c.blind_index, c.region, c.mobile, c.language, c.fields_ct,
	c.restricted, c.created_at, c.erased_at, c.head_seq, c.head_hash, c.undeliverable`

const contactFrom = ` FROM contacts c LEFT JOIN contact_keys k ON k.contact_id = c.id`

func scanContact(row Row) (contact.Contact, error) {
	var c contact.Contact
	var created, erased int64
	err := row.Scan(&c.ID, &c.PhoneCT, &c.KeyWrapped, &c.BlindIndex, &c.Region, &c.Mobile, &c.Language, &c.FieldsCT,
		&c.Restricted, &created, &erased, &c.Head.Seq, &c.Head.Hash, &c.Undeliverable)
	c.CreatedAt, c.ErasedAt = fromMicro(created), fromMicro(erased)
	return c, err
}

func (r *reader) Contact(ctx context.Context, id string) (c contact.Contact, err error) {
	defer errorf("contact", &err)
	c, err = scanContact(r.db.QueryRow(ctx, `SELECT `+contactColumns+contactFrom+` WHERE c.id = $1`, id))
	return c, r.notFound(err)
}

func (r *reader) ContactByIndex(ctx context.Context, blindIndex []byte) (c contact.Contact, err error) {
	defer errorf("contact by index", &err)
	c, err = scanContact(r.db.QueryRow(ctx, `SELECT `+contactColumns+contactFrom+` WHERE c.blind_index = $1`, blindIndex))
	return c, r.notFound(err)
}

func (r *reader) CountContacts(ctx context.Context) (n int64, err error) {
	defer errorf("count contacts", &err)
	err = r.db.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE erased_at = 0`).Scan(&n)
	return n, err
}

func (r *reader) CountActiveConsents(ctx context.Context) (n int64, err error) {
	defer errorf("count active consents", &err)
	err = r.db.QueryRow(ctx, `SELECT count(*) FROM consent_states WHERE status = 'active'`).Scan(&n)
	return n, err
}

func (t *tx) CreateContact(ctx context.Context, c contact.Contact) (err error) {
	defer errorf("create contact", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO contacts (id, phone_ct, blind_index, region, mobile, language, fields_ct,
		restricted, created_at, erased_at, head_seq, head_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, NULL)`,
		c.ID, c.PhoneCT, c.BlindIndex, c.Region, c.Mobile, c.Language, c.FieldsCT, c.Restricted, micro(c.CreatedAt))
	if err != nil {
		return t.conflict(err)
	}
	_, err = t.db.Exec(ctx, `INSERT INTO contact_keys (contact_id, wrapped) VALUES ($1, $2)`, c.ID, c.KeyWrapped)
	return err
}

func (t *tx) LockContact(ctx context.Context, id string) (c contact.Contact, err error) {
	defer errorf("lock contact", &err)
	return t.lockContact(ctx, `c.id = $1`, id)
}

func (t *tx) LockContactByIndex(ctx context.Context, blindIndex []byte) (c contact.Contact, err error) {
	defer errorf("lock contact by index", &err)
	return t.lockContact(ctx, `c.blind_index = $1`, blindIndex)
}

func (t *tx) lockContact(ctx context.Context, where string, arg any) (contact.Contact, error) {
	c, err := scanContact(t.db.QueryRow(ctx, `SELECT `+contactColumns+contactFrom+` WHERE `+where+t.lockOfContact(), arg))
	return c, t.notFound(err)
}

// lockOfContact locks a contact's row read with its key: only that row, as
// PostgreSQL cannot lock the nullable side of an outer join.
func (t *tx) lockOfContact() string {
	if t.b.ForUpdate == "" {
		return ""
	}
	return t.b.ForUpdate + " OF c"
}

func (t *tx) LockContactStates(ctx context.Context, blindIndex []byte, channel string) (c contact.Contact, ss []consent.State, err error) {
	defer errorf("lock contact and states by index", &err)
	found := false
	// The states' query runs once the lock is held, with a snapshot of its
	// own: a state committed by the lock's previous holder is read.
	err = queryEach(ctx, t.db, []Query{
		{SQL: `SELECT ` + contactColumns + contactFrom + ` WHERE c.blind_index = $1` + t.lockOfContact(), Args: []any{blindIndex}},
		{SQL: `SELECT ` + stateColumns + ` FROM consent_states WHERE contact_id = (SELECT id FROM contacts WHERE blind_index = $1)
			AND purpose IN (SELECT key FROM purposes WHERE channel = $2) ORDER BY purpose`, Args: []any{blindIndex, channel}},
	}, func(i int, rows Rows) error {
		for rows.Next() {
			if i == 0 {
				found = true
				c, err = scanContact(rows)
			} else {
				var s consent.State
				s, err = scanState(rows)
				ss = append(ss, s)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && !found {
		err = store.ErrNotFound
	}
	return c, ss, err
}

func (t *tx) EraseContact(ctx context.Context, id string, at time.Time) (err error) {
	defer errorf("erase contact", &err)
	if _, err = t.db.Exec(ctx, `DELETE FROM contact_keys WHERE contact_id = $1`, id); err != nil {
		return err
	}
	// What the person wrote (issue 23): their replies, and those their
	// number sent before it was a contact's (found by its blind index, while
	// the contact still holds it), sealed under the master key.
	if _, err = t.db.Exec(ctx, `DELETE FROM replies WHERE contact_id = $1
		OR sender_index = (SELECT blind_index FROM contacts WHERE id = $1)`, id); err != nil {
		return err
	}
	// What staff answered them, sealed under the key just deleted.
	if _, err = t.db.Exec(ctx, `DELETE FROM answers WHERE contact_id = $1`, id); err != nil {
		return err
	}
	n, err := t.db.Exec(ctx, `UPDATE contacts SET phone_ct = NULL, blind_index = NULL, fields_ct = NULL, bsuid_ct = NULL,
		bsuid_index = NULL, erased_at = $2 WHERE id = $1`, id, micro(at))
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return err
	}
	// After the update, which waits for a SetContactTags holding the contact:
	// this statement then sees the tags it wrote.
	if _, err = t.db.Exec(ctx, `DELETE FROM contact_tags WHERE contact_id = $1`, id); err != nil {
		return err
	}
	if _, err = t.db.Exec(ctx, `DELETE FROM confirmations WHERE contact_id = $1`, id); err != nil {
		return err
	}
	if _, err = t.db.Exec(ctx, `DELETE FROM number_changes WHERE contact_id = $1`, id); err != nil {
		return err
	}

	// The platform's message id embeds the recipient's number (base64 of its
	// digits): the records stay (RT-08), their wamids go.
	_, err = t.db.Exec(ctx, `UPDATE messages SET wamid = NULL WHERE contact_id = $1 AND wamid IS NOT NULL`, id)
	return err
}

func (r *reader) Contacts(ctx context.Context, f store.ContactFilter) (cs []contact.Contact, err error) {
	defer errorf("contacts", &err)
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	// Ids are UUIDv7: newest first is id order backwards (keyset paging).
	q := `SELECT ` + contactColumns + contactFrom + ` WHERE ($1 = '' OR c.id < $1) ORDER BY c.id DESC LIMIT $2`
	args := []any{f.Before, limit}
	if f.Tag != "" {
		q = `SELECT ` + contactColumns + contactFrom + ` JOIN contact_tags t ON t.contact_id = c.id
			WHERE t.tag = $3 AND ($1 = '' OR t.contact_id < $1) ORDER BY t.contact_id DESC LIMIT $2`
		args = append(args, f.Tag)
	}
	rows, err := r.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}
