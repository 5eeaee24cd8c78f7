package otelbankfeeds

import (
	"sync"
	"time"
)

// maxTrackedPushes bounds the push operations remembered between the push
// that names one and the call that sees it final. A PushAll holds one at a
// time; the bound is for callers who push and poll themselves.
const maxTrackedPushes = 4096

// pushTracker remembers push operations by key: how many transactions the
// push sent, when, and whether a final status was already recorded (so an
// answer Codat replays for an Idempotency-Key is not counted twice).
type pushTracker struct {
	mu      sync.Mutex
	max     int
	entries map[string]*pushEntry
	order   []string // keys, oldest first, for eviction
}

type pushEntry struct {
	lines   int
	start   time.Time
	settled bool
}

func newPushTracker(max int) *pushTracker {
	return &pushTracker{max: max, entries: make(map[string]*pushEntry)}
}

// sent records a push answered with key. A key already known keeps what it
// had: a replayed answer does not restart the clock or count again.
func (t *pushTracker) sent(key string, lines int, start time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.entries[key]; ok {
		return
	}
	t.entries[key] = &pushEntry{lines: lines, start: start}
	t.order = append(t.order, key)
	for len(t.entries) > t.max && len(t.order) > 0 {
		delete(t.entries, t.order[0])
		t.order = t.order[1:]
	}
}

// settle marks key final and returns what its push sent, once; ok is false
// for a key never pushed through these hooks, or already settled.
func (t *pushTracker) settle(key string) (lines int, start time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	if e == nil || e.settled {
		return 0, time.Time{}, false
	}
	e.settled = true
	return e.lines, e.start, true
}

// len is how many keys are remembered.
func (t *pushTracker) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
