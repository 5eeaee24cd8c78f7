package bankfeedstest

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"
)

// idempotencyTTL is how long Codat keeps the first answer for a key.
const idempotencyTTL = 90 * time.Minute

// maxIdempotencyKey bounds the length of a key the sandbox accepts.
const maxIdempotencyKey = 255

// The outcomes of presenting an Idempotency-Key.
type idemOutcome int

const (
	idemClaimed  idemOutcome = iota // first use: process the request, then finish or release
	idemReplay                      // answered before: replay the cached answer
	idemInFlight                    // the first request with this key is still running: 409
	idemMismatch                    // the key was used for another request: 422
)

type idemEntry struct {
	fingerprint [sha256.Size]byte
	done        bool
	resp        response
	expires     time.Time
}

// idemStore implements Codat's Idempotency-Key rules (docs/api-notes.md §5.6): on
// POST and PATCH the first answer for a key is cached for 90 minutes and
// replayed with the same status and the same bytes; a key whose request is
// still running gets 409; a key reused for a different method, path, query
// or body gets 422; a 429 is not cached, so the key is released.
type idemStore struct {
	mu      sync.Mutex
	entries map[string]*idemEntry
	claims  int
}

// fingerprint identifies a request: method, path with query, and body.
func fingerprint(r *http.Request, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.EscapedPath()))
	h.Write([]byte{'?'})
	h.Write([]byte(r.URL.RawQuery))
	h.Write([]byte{0})
	h.Write(body)
	var fp [sha256.Size]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

// begin presents key for a request with fingerprint fp. On idemReplay the
// cached answer is returned; on idemClaimed the caller must call finish.
func (st *idemStore) begin(key string, fp [sha256.Size]byte, now time.Time) (idemOutcome, response) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.entries == nil {
		st.entries = make(map[string]*idemEntry)
	}
	st.claims++
	if st.claims%256 == 0 {
		st.sweep(now)
	}
	e, ok := st.entries[key]
	if ok && e.done && !now.Before(e.expires) {
		delete(st.entries, key)
		ok = false
	}
	switch {
	case !ok:
		st.entries[key] = &idemEntry{fingerprint: fp}
		return idemClaimed, response{}
	case e.fingerprint != fp:
		return idemMismatch, response{}
	case !e.done:
		return idemInFlight, response{}
	default:
		return idemReplay, e.resp
	}
}

// finish caches the answer to a claimed key, or releases the key when the
// answer is a 429.
func (st *idemStore) finish(key string, resp response, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.entries[key]
	if !ok {
		return
	}
	if resp.status == http.StatusTooManyRequests {
		delete(st.entries, key)
		return
	}
	e.done = true
	e.resp = resp
	e.expires = now.Add(idempotencyTTL)
}

// sweep drops expired answers, so the cache does not grow without bound.
func (st *idemStore) sweep(now time.Time) {
	for k, e := range st.entries {
		if e.done && !now.Before(e.expires) {
			delete(st.entries, k)
		}
	}
}
