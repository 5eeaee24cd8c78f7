package bankfeeds

import (
	"context"
	"sync"
)

// knownPerConnection bounds how many push operation keys a Client
// remembers per connection.
const knownPerConnection = 4096

// pushLedger is what a Client knows of its own pushes, per connection: a
// send lock, so that no two chunks of one connection are being sent (and
// reconciled) at once, and the push operations Codat answered it with.
//
// Codat's push operations carry no account id, so when a 5xx leaves it
// unknown whether a chunk arrived, the only way to find it is an operation
// on the connection holding exactly its ids. The lock keeps this Client's
// other chunks of the connection out of that window, and the known keys
// keep operations it already answered for other chunks out of the search
// (an operation known for the chunk being settled stays in it: that chunk
// may be resumed by this Client after it lost its record of the answer).
// Another process pushing to the same connection is not covered: keep one
// writer per connection (the feed engine does).
type pushLedger struct {
	mu    sync.Mutex
	conns map[string]*connPushes
}

type connPushes struct {
	sem   chan struct{} // one slot: the send lock
	mu    sync.Mutex
	known map[string]string // push operation key: the body hash of its chunk
	order []string          // known keys, oldest first, to forget the oldest
}

func newPushLedger() *pushLedger { return &pushLedger{conns: map[string]*connPushes{}} }

// conn returns the ledger of one connection.
func (l *pushLedger) conn(companyID, connectionID string) *connPushes {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := companyID + "/" + connectionID
	c := l.conns[k]
	if c == nil {
		c = &connPushes{sem: make(chan struct{}, 1), known: map[string]string{}}
		l.conns[k] = c
	}
	return c
}

// lock takes the connection's send lock, or gives up when ctx ends.
func (c *connPushes) lock(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *connPushes) unlock() { <-c.sem }

// remember records a push operation key Codat answered this Client with,
// or that it adopted, for the chunk whose body hash is hash.
func (c *connPushes) remember(key, hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.known[key]; ok || key == "" {
		return
	}
	if len(c.order) == knownPerConnection {
		delete(c.known, c.order[0])
		c.order = c.order[1:]
	}
	c.known[key] = hash
	c.order = append(c.order, key)
}

// forAnotherChunk reports whether the push operation key was answered to
// this Client for a chunk other than the one whose body hash is hash.
func (c *connPushes) forAnotherChunk(key, hash string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.known[key]
	return ok && h != hash
}
