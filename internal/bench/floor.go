// SPDX-License-Identifier: AGPL-3.0-only

package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samtykke/samtykke/internal/store/sqlstore"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// The floor writes a batch a statement, as many a batch as a campaign
// decides a transaction, and sends each batch on the campaign's transport
// (Client.SendBatch), floorWorkers batches at once to hide the database's
// round trips.
const floorWorkers = 4

// floorMax is the tight client's accept rate when each message also costs
// the two writes no design of dispatch may skip: its decision committed
// before its request leaves (G-06) and its outcome after (reference §6).
// The rows go to a table of their own, a batch a statement, with nothing
// else: no gate, no lock, no ledger, no encryption. Measured in the same run
// as simMax, floorMax/simMax bounds the ratio any implementation can reach on
// this machine with this database. It sends about n messages, whole batches,
// and says how many.
func floorMax(ctx context.Context, db Database, c *whatsapp.Client, n, floorBatch int) (perSec float64, sent int, err error) {
	exec, first := db.Exec, db.First
	if err := exec(ctx, `CREATE TABLE bench_floor (id TEXT PRIMARY KEY, status TEXT NOT NULL, wamid TEXT)`); err != nil {
		return 0, 0, err
	}
	defer exec(context.WithoutCancel(ctx), `DROP TABLE bench_floor`) //nolint:errcheck
	decide := `INSERT INTO bench_floor (id, status) VALUES ` + sqlstore.PlaceholderRows(first, floorBatch, 1, "'dispatching'")
	// An upsert finds each row by its key whatever the planner makes of the
	// table: an UPDATE joined to VALUES was planned, generically, as a
	// sequential scan per batch.
	record := `INSERT INTO bench_floor (id, wamid, status) VALUES ` + sqlstore.PlaceholderRows(first, floorBatch, 2, "'sent'") +
		` ON CONFLICT (id) DO UPDATE SET status = excluded.status, wamid = excluded.wamid`
	batches := int64(max(n/floorBatch, 1))
	var next atomic.Int64
	errs := make(chan error, floorWorkers)
	start := time.Now()
	var wg sync.WaitGroup
	for range floorWorkers {
		wg.Go(func() {
			ids := make([]any, floorBatch)
			outcome := make([]any, 2*floorBatch)
			reqs := make([]*whatsapp.MessageRequest, floorBatch)
			for b := next.Add(1); b <= batches; b = next.Add(1) {
				for i := range ids {
					ids[i] = fmt.Sprintf("floor:%d:%d", b, i)
				}
				if err := exec(ctx, decide, ids...); err != nil {
					errs <- err
					return
				}
				for i := range reqs {
					reqs[i] = offer(int(b)*floorBatch+i, ids[i].(string))
				}
				// As in simMax, an answer is an answer: a refusal costs the
				// same writes.
				for i, r := range c.SendBatch(ctx, reqs) {
					outcome[2*i], outcome[2*i+1] = ids[i], r.Result.MessageID
				}
				if err := exec(ctx, record, outcome...); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	sent = int(batches) * floorBatch
	return float64(sent) / time.Since(start).Seconds(), sent, nil
}
