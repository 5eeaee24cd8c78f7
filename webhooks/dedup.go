package webhooks

import (
	"context"
	"sync"
	"time"
)

// DedupStore remembers the webhook-ids of messages already handled, so that a
// message delivered twice is handled once. Implementations must be safe for
// concurrent use. A store shared by several processes (Redis SET NX with an
// expiry, a database row with a unique key) lets them all deduplicate.
type DedupStore interface {
	// Seen records id for ttl and reports whether it was already recorded
	// and not yet expired. Recording and checking must be one atomic step:
	// of two concurrent calls with the same new id, exactly one returns
	// false.
	Seen(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// Forget removes id, so that the next delivery of the message is
	// handled again. The handler calls it when the user's function fails.
	// Forgetting an unknown id is not an error.
	Forget(ctx context.Context, id string) error
}

// sweepEvery bounds how often MemoryStore scans for expired ids.
const sweepEvery = time.Minute

// MemoryStore is a [DedupStore] in process memory: the handler's default. It
// is safe for concurrent use. Expired ids are dropped by a sweep that runs at
// most once a minute, during Seen, so memory stays proportional to the
// messages received within one TTL. It starts no goroutine and needs no
// closing. Its ids are lost when the process stops.
type MemoryStore struct {
	now func() time.Time

	mu        sync.Mutex
	expires   map[string]time.Time
	nextSweep time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return newMemoryStore(time.Now) }

func newMemoryStore(now func() time.Time) *MemoryStore {
	return &MemoryStore{now: now, expires: make(map[string]time.Time)}
}

// Seen records id until ttl from now and reports whether it was already
// recorded and unexpired. A ttl of zero or less records nothing. It never
// returns an error.
func (s *MemoryStore) Seen(_ context.Context, id string, ttl time.Duration) (bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if exp, ok := s.expires[id]; ok && now.Before(exp) {
		return true, nil
	}
	if ttl > 0 {
		s.expires[id] = now.Add(ttl)
	} else {
		delete(s.expires, id)
	}
	return false, nil
}

// Forget removes id. It never returns an error.
func (s *MemoryStore) Forget(_ context.Context, id string) error {
	s.mu.Lock()
	delete(s.expires, id)
	s.mu.Unlock()
	return nil
}

// Len returns the number of ids held, expired ones not yet swept included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.expires)
}

// sweep drops expired ids, at most once per sweepEvery (and at once if the
// clock went back more than that). s.mu must be held.
func (s *MemoryStore) sweep(now time.Time) {
	if now.Before(s.nextSweep) && s.nextSweep.Sub(now) <= sweepEvery {
		return
	}
	for id, exp := range s.expires {
		if !now.Before(exp) {
			delete(s.expires, id)
		}
	}
	s.nextSweep = now.Add(sweepEvery)
}
