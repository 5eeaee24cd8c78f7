package feed

import (
	"sync"

	"github.com/bankfeeds-go/bankfeeds"
)

// opMemory remembers, per feed, the push operation this process learnt
// for the chunk in flight (Codat's answer, or the operation reconcile
// adopted), until the chunk is recorded. The record in the database may
// lack it: the job that learnt it lost its lease, or its time ran out,
// before it could write it. Resumed in this process with it, the chunk
// waits for that operation directly rather than resending under its key
// and reconciling (which also finds it: the client keeps an operation it
// learnt for a chunk findable when that chunk is resumed). Another process
// does not know the operation, and its reconcile finds it.
type opMemory struct {
	mu  sync.Mutex
	ops map[string]chunkOp // feed id ->
}

// chunkOp is a chunk (its body hash and the Idempotency-Key it was last
// sent under) and its operation.
type chunkOp struct{ hash, key, op string }

// learn keeps fl's operation, if it has one.
func (m *opMemory) learn(feedID string, fl *bankfeeds.InFlight) {
	if fl == nil || fl.PushOperationKey == "" {
		return
	}
	m.keep(feedID, chunkOp{hash: fl.BodyHash, key: fl.IdempotencyKey, op: fl.PushOperationKey})
}

// keep keeps c for the feed.
func (m *opMemory) keep(feedID string, c chunkOp) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops == nil {
		m.ops = map[string]chunkOp{}
	}
	m.ops[feedID] = c
}

// fill gives fl the operation learnt for the same chunk sent under the
// same key, when its record lacks one.
func (m *opMemory) fill(feedID string, fl *bankfeeds.InFlight) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.ops[feedID]; ok && fl.PushOperationKey == "" && c.hash == fl.BodyHash && c.key == fl.IdempotencyKey {
		fl.PushOperationKey = c.op
	}
}

// forget drops the feed's operation: its chunk is recorded, or ended
// Failed.
func (m *opMemory) forget(feedID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ops, feedID)
}
