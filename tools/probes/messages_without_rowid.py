# SPDX-License-Identifier: AGPL-3.0-only
"""A campaign's two writes a message (the decision's insert in batches of 125,
then the answer's update) into a copy of SQLite's messages table with its
indexes, as a rowid table (the schema's) and WITHOUT ROWID, by native C
SQLite through Python's sqlite3: CPU a message, four alternate rounds
(docs/performance.md, "Dispatch efficiency, fourth pass"). Usage:
python3 tools/probes/messages_without_rowid.py
"""
import sqlite3, time, uuid, os, sys, statistics
def setup(path, without):
    if os.path.exists(path): os.remove(path)
    for s in ('-wal','-shm'):
        if os.path.exists(path+s): os.remove(path+s)
    c=sqlite3.connect(path, isolation_level=None)
    c.execute('pragma journal_mode=wal'); c.execute('pragma synchronous=normal')
    wr = ', WITHOUT ROWID' if without else ''
    c.execute(f'''CREATE TABLE messages (id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, kind TEXT NOT NULL, purpose TEXT NOT NULL,
	consent_event_id TEXT NOT NULL, body_key TEXT NOT NULL, wamid TEXT, status TEXT NOT NULL, error_code INTEGER NOT NULL,
	error_title TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, campaign_id TEXT NOT NULL DEFAULT '',
    decided_at INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, unknown_since INTEGER NOT NULL DEFAULT 0,
    pair_limited INTEGER NOT NULL DEFAULT 0, retry_at INTEGER NOT NULL DEFAULT 0) STRICT{wr}''')
    c.execute('CREATE INDEX messages_contact ON messages (contact_id, kind, created_at)')
    c.execute('CREATE INDEX messages_unknown ON messages (unknown_since) WHERE unknown_since > 0')
    return c
def run(path, without, n=50000, b=125):
    c=setup(path, without)
    camp=str(uuid.uuid7()) if hasattr(uuid,'uuid7') else str(uuid.uuid4())
    contacts=sorted(str(uuid.uuid4()) for _ in range(n))
    t0=time.process_time()
    for i in range(0,n,b):
        chunk=contacts[i:i+b]
        c.execute('BEGIN IMMEDIATE')
        vals=[]
        for ct in chunk: vals += [camp+':'+ct, ct, 'sending', 'ev'+ct[:8], '']
        q='''INSERT INTO messages (id, contact_id, kind, purpose, consent_event_id, body_key, wamid, status, error_code, error_title, created_at, updated_at, campaign_id, decided_at)
        SELECT j.column1, j.column2, 'campaign', 'p', j.column4, '', NULL, j.column3, 0, j.column5, 1, 1, ?, 1 FROM (VALUES '''+','.join(['(?,?,?,?,?)']*len(chunk))+''') j WHERE j.column1 IS NOT NULL
        ON CONFLICT (id) DO UPDATE SET status=excluded.status WHERE messages.status='queued' RETURNING id'''
        list(c.execute(q,[camp]+vals))
        c.execute('COMMIT')
        c.execute('BEGIN IMMEDIATE')
        vals=[]
        for ct in chunk: vals += [camp+':'+ct, 'sent', 'wamid.HBgLNDc5MTIzNDU2NzgVAgARGBI'+ct[:20]]
        q='''UPDATE messages SET status=j.column2, wamid=j.column3, updated_at=2 FROM (VALUES '''+','.join(['(?,?,?)']*len(chunk))+''') j WHERE messages.id=j.column1 AND messages.status='sending' '''
        c.execute(q, vals)
        c.execute('COMMIT')
    return (time.process_time()-t0)/n*1e6
res={False:[],True:[]}
for r in range(4):
    for w in (False,True):
        res[w].append(run('/tmp/messages_probe.db', w))
for w in (False,True): print('without rowid' if w else 'rowid', [round(x,1) for x in res[w]], 'median', round(statistics.median(res[w]),1), 'µs/msg')
