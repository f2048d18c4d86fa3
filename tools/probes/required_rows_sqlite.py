# SPDX-License-Identifier: AGPL-3.0-only
"""The required rows of an imported consent (contact, data key, ledger event,
consent state) written by native C SQLite, through Python's sqlite3, into the
tables the migrations made: the one writer's ceiling for this design,
without Go, parsing or sealing (docs/performance.md, "The required rows'
floor").

    samtykke migrate --data-dir /tmp/probe
    python3 tools/probes/required_rows_sqlite.py /tmp/probe/samtykke.db [--no-fk] [--no-keys]

The database is copied first; the rows are generated before the clock starts.
"""
import hashlib
import shutil
import sqlite3
import sys
import tempfile
import time

N, BATCH = 200_000, 4_000


def main():
    src = sys.argv[1]
    fk = "--no-fk" not in sys.argv
    keys = "--no-keys" not in sys.argv
    db = tempfile.mktemp(suffix=".db")
    shutil.copy(src, db)
    c = sqlite3.connect(db, isolation_level=None)
    for p in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-16384", "secure_delete=ON",
              "foreign_keys=" + ("ON" if fk else "OFF")):
        c.execute("PRAGMA " + p)

    def h(s):
        return hashlib.sha256(s.encode()).digest()

    def cid(g):
        return "019af0c2-0000-7000-8000-%012d" % g

    def eid(g):
        return "019af0c3-0000-7000-8000-%012d" % g

    rows = [((cid(g), h("p%d" % g) + h("q%d" % g), h("b%d" % g), "NO", 1, "nb", h("f%d" % g), 0, 1, 0, 1, h("h%d" % g)),
             (cid(g), h("k%d" % g) + h("l%d" % g)),
             (eid(g), cid(g), 1, "given", "offers", "import", 1, "web-form", "import:x", "import", 0, 0,
              h("e%d" % g), None, h("H%d" % g), h("x%d" % g) * 12),
             (cid(g), "offers", "active", eid(g), 1, 0, 0, "consent")) for g in range(1, N + 1)]
    cpu, wall = time.process_time(), time.time()
    for b in range(0, N, BATCH):
        chunk = rows[b:b + BATCH]
        c.execute("BEGIN")
        c.executemany("INSERT INTO contacts (id, phone_ct, blind_index, region, mobile, language, fields_ct, restricted,"
                      " created_at, erased_at, head_seq, head_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [r[0] for r in chunk])
        if keys:
            c.executemany("INSERT INTO contact_keys (contact_id, wrapped) VALUES (?,?)", [r[1] for r in chunk])
        c.executemany("INSERT INTO consent_events (id, contact_id, seq, kind, purpose, channel, at, method, source, actor,"
                      " valid_until, age_confirmed, evidence_digest, prev_hash, hash, evidence_ct)"
                      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [r[2] for r in chunk])
        c.executemany("INSERT INTO consent_states (contact_id, purpose, status, event_id, since, valid_until, age_ok, basis)"
                      " VALUES (?,?,?,?,?,?,?,?)", [r[3] for r in chunk])
        c.execute("COMMIT")
    cpu, wall = time.process_time() - cpu, time.time() - wall
    print("SQLite %s, foreign keys %s, %s: %.0f contacts/s, %.1f µs CPU a contact"
          % (sqlite3.sqlite_version, "on" if fk else "off", "4 tables" if keys else "3 tables (no key row)", N / wall, cpu / N * 1e6))


if __name__ == "__main__":
    main()
