-- SPDX-License-Identifier: AGPL-3.0-only
--
-- The required rows of an imported consent (contact, data key, ledger event,
-- consent state), generated inside PostgreSQL and written to the tables the
-- migrations made, 4,000 contacts a transaction: what the server alone
-- spends, with no client, no COPY and no sealing (docs/performance.md,
-- "The required rows' floor"). Run against an empty, migrated schema:
--
--   psql "$URL" -c 'CREATE SCHEMA probe'
--   samtykke migrate --database-url "$URL&search_path=probe"
--   psql "$URL" -c 'SET search_path = probe' -f tools/probes/required_rows.sql
--
-- and read the server's CPU from /proc before and after (the postgres
-- processes' utime + stime). The same SELECTs without their INSERTs (each
-- wrapped in a count) cost about 10 µs a contact here: subtract them.
CREATE PROCEDURE fill(n int, batch int) LANGUAGE plpgsql AS $$
DECLARE b int := 0;
BEGIN
  WHILE b < n LOOP
    INSERT INTO contacts (id, phone_ct, blind_index, region, mobile, language, fields_ct, restricted, created_at, erased_at, head_seq, head_hash)
      SELECT '019af0c2-0000-7000-8000-' || lpad(g::text, 12, '0'), sha256(('p' || g)::bytea) || sha256(('q' || g)::bytea),
        sha256(('b' || g)::bytea), 'NO', true, 'nb', sha256(('f' || g)::bytea), false, 1, 0, 1, sha256(('h' || g)::bytea)
      FROM generate_series(b + 1, b + batch) g;
    INSERT INTO contact_keys (contact_id, wrapped)
      SELECT '019af0c2-0000-7000-8000-' || lpad(g::text, 12, '0'), sha256(('k' || g)::bytea) || sha256(('l' || g)::bytea)
      FROM generate_series(b + 1, b + batch) g;
    INSERT INTO consent_events (id, contact_id, seq, kind, purpose, channel, at, method, source, actor, valid_until,
        age_confirmed, evidence_digest, prev_hash, hash, evidence_ct)
      SELECT '019af0c3-0000-7000-8000-' || lpad(g::text, 12, '0'), '019af0c2-0000-7000-8000-' || lpad(g::text, 12, '0'), 1,
        'given', 'offers', 'import', 1, 'web-form', 'import:x', 'import', 0, false, sha256(('e' || g)::bytea), NULL,
        sha256(('H' || g)::bytea), sha256(('x' || g)::bytea) || sha256(('y' || g)::bytea) || sha256(('z' || g)::bytea)
      FROM generate_series(b + 1, b + batch) g;
    INSERT INTO consent_states (contact_id, purpose, status, event_id, since, valid_until, age_ok, basis)
      SELECT '019af0c2-0000-7000-8000-' || lpad(g::text, 12, '0'), 'offers', 'active',
        '019af0c3-0000-7000-8000-' || lpad(g::text, 12, '0'), 1, 0, false, 'consent'
      FROM generate_series(b + 1, b + batch) g;
    COMMIT;
    b := b + batch;
  END LOOP;
END $$;
\timing on
CALL fill(200000, 4000);
