package feed

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// eventMemory is how long the fleet keeps an operation's end: longer than
// any wait for it.
const eventMemory = 3 * time.Hour

// relay is the engine's bankfeeds.OperationEvents. Codat sends each
// webhook to one endpoint, so the process that receives an event is seldom
// the one whose job waits for it: HandleEvent settles this process's
// waits at once and records the event in the database, and the relay
// reads there the events of the operations this process waits for.
type relay[TTx any] struct {
	e   *Engine[TTx]
	ops *webhooks.Operations

	mu   sync.Mutex
	keys map[string]int // operations waited for here -> waits
}

func newRelay[TTx any](e *Engine[TTx]) *relay[TTx] {
	return &relay[TTx]{e: e, ops: webhooks.NewOperations(), keys: map[string]int{}}
}

// Subscribe implements bankfeeds.OperationEvents.
func (r *relay[TTx]) Subscribe(key string) (<-chan bankfeeds.PushStatus, func()) {
	ch, stop := r.ops.Subscribe(key)
	r.mu.Lock()
	r.keys[key]++
	r.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			stop()
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.keys[key]--; r.keys[key] <= 0 {
				delete(r.keys, key)
			}
		})
	}
}

// record settles the local waits for key and keeps the event for the
// fleet's.
func (r *relay[TTx]) record(ctx context.Context, key string, status bankfeeds.PushStatus) error {
	r.ops.End(key, status)
	now := nowMS()
	return inTx(ctx, r.e.b, func(tx TTx) error {
		if _, err := r.e.b.Exec(ctx, tx, `INSERT INTO bankfeeds_op_event (op_key, status, at_ms) VALUES (?, ?, ?)
			ON CONFLICT (op_key) DO UPDATE SET status = excluded.status, at_ms = excluded.at_ms`, key, string(status), now); err != nil {
			return err
		}
		if now%64 == 0 { // now and then, forget the old
			_, err := r.e.b.Exec(ctx, tx, `DELETE FROM bankfeeds_op_event WHERE at_ms < ?`, now-eventMemory.Milliseconds())
			return err
		}
		return nil
	})
}

// run reads, every interval until ctx ends, the events recorded for the
// operations waited for here.
func (r *relay[TTx]) run(ctx context.Context, interval time.Duration) {
	every(ctx, interval, func() bool {
		r.mu.Lock()
		keys := make([]string, 0, len(r.keys))
		for k := range r.keys {
			keys = append(keys, k)
		}
		r.mu.Unlock()
		for len(keys) > 0 {
			n := min(len(keys), 100)
			if err := r.poll(ctx, keys[:n]); err != nil && ctx.Err() == nil {
				r.e.cfg.Logger.Warn("feed: reading the fleet's webhook events", "err", err)
			}
			keys = keys[n:]
		}
		return true
	})
}

func (r *relay[TTx]) poll(ctx context.Context, keys []string) error {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	type end struct{ key, status string }
	var found []end
	err := inTx(ctx, r.e.b, func(tx TTx) error {
		rows, err := r.e.b.Query(ctx, tx, `SELECT op_key, status FROM bankfeeds_op_event WHERE op_key IN (?`+strings.Repeat(", ?", len(keys)-1)+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e end
			if err := rows.Scan(&e.key, &e.status); err != nil {
				return err
			}
			found = append(found, e)
		}
		return rows.Err()
	})
	for _, e := range found {
		r.ops.End(e.key, bankfeeds.PushStatus(e.status))
	}
	return err
}
