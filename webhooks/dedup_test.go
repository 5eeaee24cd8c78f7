package webhooks

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustSeen(t *testing.T, s DedupStore, id string, ttl time.Duration) bool {
	t.Helper()
	seen, err := s.Seen(context.Background(), id, ttl)
	if err != nil {
		t.Fatalf("Seen(%q): %v", id, err)
	}
	return seen
}

func TestMemoryStoreSeenAndForget(t *testing.T) {
	s := NewMemoryStore()
	steps := []struct {
		do   string // "seen" or "forget"
		id   string
		want bool
	}{
		{"seen", "a", false},
		{"seen", "a", true},
		{"seen", "b", false},
		{"seen", "a", true},
		{"forget", "a", false},
		{"seen", "a", false},
		{"seen", "a", true},
		{"forget", "never-seen", false},
		{"seen", "b", true},
	}
	for i, st := range steps {
		switch st.do {
		case "seen":
			if got := mustSeen(t, s, st.id, time.Hour); got != st.want {
				t.Fatalf("step %d: Seen(%q) = %v, want %v", i, st.id, got, st.want)
			}
		case "forget":
			if err := s.Forget(context.Background(), st.id); err != nil {
				t.Fatalf("step %d: Forget(%q): %v", i, st.id, err)
			}
		}
	}
}

func TestMemoryStoreExpiry(t *testing.T) {
	clock := newTestClock(time.Unix(1_700_000_000, 0))
	s := newMemoryStore(clock.Now)
	if mustSeen(t, s, "a", time.Hour) {
		t.Fatal("new id reported seen")
	}
	clock.Add(time.Hour - time.Nanosecond)
	if !mustSeen(t, s, "a", time.Hour) {
		t.Fatal("id forgotten before its TTL")
	}
	// Seeing a known id does not extend its expiry: it stays at +1h.
	clock.Add(time.Nanosecond)
	if mustSeen(t, s, "a", time.Hour) {
		t.Fatal("id still seen at its TTL")
	}
}

func TestMemoryStoreSweepsExpiredIDs(t *testing.T) {
	clock := newTestClock(time.Unix(1_700_000_000, 0))
	s := newMemoryStore(clock.Now)
	for i := range 1000 {
		mustSeen(t, s, "old-"+strconv.Itoa(i), time.Minute)
	}
	if s.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", s.Len())
	}
	clock.Add(2 * time.Minute)
	mustSeen(t, s, "new", time.Hour)
	if s.Len() != 1 {
		t.Fatalf("Len after expiry = %d, want 1 (the old ids swept)", s.Len())
	}
	// Sweeps are rate-limited, but expired ids are never reported seen.
	mustSeen(t, s, "short", time.Second)
	clock.Add(2 * time.Second)
	if mustSeen(t, s, "short", time.Second) {
		t.Fatal("expired id reported seen before the next sweep")
	}
}

func TestMemoryStoreClockGoesBack(t *testing.T) {
	clock := newTestClock(time.Unix(1_700_000_000, 0))
	s := newMemoryStore(clock.Now)
	mustSeen(t, s, "x", time.Hour) // sweeps; the next sweep is due at +1m
	clock.Add(-time.Hour)          // that is now 61 minutes away
	mustSeen(t, s, "y", time.Second)
	clock.Add(2 * time.Minute)
	// Without the guard no sweep would run until the clock is back at +1m.
	mustSeen(t, s, "z", time.Hour)
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (x and z; y swept)", s.Len())
	}
}

func TestMemoryStoreNonPositiveTTL(t *testing.T) {
	s := NewMemoryStore()
	for _, ttl := range []time.Duration{0, -time.Second} {
		first := mustSeen(t, s, "a", ttl)
		second := mustSeen(t, s, "a", ttl)
		if first || second {
			t.Fatalf("ttl %v: id recorded", ttl)
		}
	}
	if s.Len() != 0 {
		t.Fatalf("Len = %d, want 0", s.Len())
	}
}

func TestMemoryStoreConcurrentSeen(t *testing.T) {
	s := NewMemoryStore()
	const workers, ids = 32, 50
	var firsts atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				seen, err := s.Seen(context.Background(), "id-"+strconv.Itoa(i), time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if !seen {
					firsts.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got := firsts.Load(); got != ids {
		t.Fatalf("%d first sightings across %d workers, want exactly %d", got, workers, ids)
	}
}
