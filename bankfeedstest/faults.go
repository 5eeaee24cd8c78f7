package bankfeedstest

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults makes the sandbox misbehave the way a real API and network do, so
// that a client's retry and exactly-once logic can be tested. Set it with
// Server.SetFaults; the zero Faults injects nothing.
//
// For every API request whose path contains Paths (every request when Paths
// is empty), one number in [0, 1) is drawn from a generator seeded with Seed.
// The probabilities are laid end to end in the order of the fields below, so
// at most one fault hits a request; their sum should not pass 1. The same
// seed and the same sequence of requests give the same faults.
//
// Faults apply after authentication, the daily quota and the Idempotency-Key
// check: an answer replayed from the idempotency cache is never faulted.
// While any probability is non-zero, webhooks are also delivered twice now
// and then (see WebhookDuplicate and Server.SetWebhook).
type Faults struct {
	// Seed seeds the generator that decides which requests are hit.
	Seed int64

	// ServerErrorBefore answers 500 without processing the request: nothing
	// changes. As Codat does, the 500 is cached under the request's
	// Idempotency-Key, so resending with the same key gets the same 500.
	ServerErrorBefore float64
	// RateLimit answers 429 with a Retry-After of RetryAfter, without
	// processing the request. A 429 releases the Idempotency-Key.
	RateLimit float64
	// LostAfterCommit processes the request (the change is committed and the
	// answer cached under the Idempotency-Key), then closes the connection
	// without writing anything: the client sees the answer lost.
	LostAfterCommit float64
	// ServerErrorAfter processes the request (the change is committed), then
	// answers 500 instead, and caches that 500 under the Idempotency-Key.
	ServerErrorAfter float64
	// Stall waits StallFor before processing the request, or until the
	// request's context ends (the client gave up) or the Server is closed,
	// and then processes it anyway: the change happens though the client
	// may never see the answer. While it waits, its Idempotency-Key is in
	// flight (409).
	Stall float64
	// WebhookDuplicate is the probability that a delivered webhook is sent
	// a second time, with the same webhook-id (see Server.SetWebhook); it
	// strikes no API request. Zero means the sum of the probabilities above
	// (at most 1): any fault also duplicates some webhooks. Duplicates are
	// counted in Server.WebhookCounts, not FaultCounts.
	WebhookDuplicate float64

	// RetryAfter is the Retry-After of RateLimit answers, in whole seconds
	// rounded up (0 sends "0").
	RetryAfter time.Duration
	// StallFor is how long a Stall waits.
	StallFor time.Duration
	// Latency delays every matching request by this much before it is
	// looked at, honouring the request's context.
	Latency time.Duration
	// Paths, when not empty, limits faults and latency to requests whose
	// URL path contains it, such as "/bankTransactions".
	Paths string
}

// FaultCounts says how many faults of each kind have been injected since the
// Server started; each field counts the fault of the same name in Faults.
type FaultCounts struct {
	ServerErrorBefore int
	RateLimit         int
	LostAfterCommit   int
	ServerErrorAfter  int
	Stall             int
	Latency           int // requests delayed by Faults.Latency
}

// Total is the number of faults injected, latency not counted.
func (c FaultCounts) Total() int {
	return c.ServerErrorBefore + c.RateLimit + c.LostAfterCommit + c.ServerErrorAfter + c.Stall
}

// faultKind is the fault chosen for one request.
type faultKind int

const (
	faultNone faultKind = iota
	faultServerErrorBefore
	faultRateLimit
	faultLostAfterCommit
	faultServerErrorAfter
	faultStall
)

func (k faultKind) String() string {
	switch k {
	case faultServerErrorBefore:
		return "server-error-before"
	case faultRateLimit:
		return "rate-limit"
	case faultLostAfterCommit:
		return "lost-after-commit"
	case faultServerErrorAfter:
		return "server-error-after"
	case faultStall:
		return "stall"
	}
	return ""
}

// faultState is the Server's current Faults, its generator and its counts.
type faultState struct {
	mu     sync.Mutex
	f      Faults
	rng    *rand.Rand
	counts FaultCounts
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	seed := uint64(f.Seed)
	fs.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func (fs *faultState) snapshot() (Faults, FaultCounts) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f, fs.counts
}

// matches reports whether faults apply to a request with this path.
func (f *Faults) matches(path string) bool {
	return f.Paths == "" || strings.Contains(path, f.Paths)
}

func (f *Faults) any() bool {
	return f.ServerErrorBefore > 0 || f.RateLimit > 0 || f.LostAfterCommit > 0 || f.ServerErrorAfter > 0 || f.Stall > 0
}

// latency reports the latency for a request on path, and counts it.
func (fs *faultState) latency(path string) time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.Latency <= 0 || !fs.f.matches(path) {
		return 0
	}
	fs.counts.Latency++
	return fs.f.Latency
}

// draw picks the fault for a request on path, and counts it.
func (fs *faultState) draw(path string) (faultKind, Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	if !f.any() || !f.matches(path) || fs.rng == nil {
		return faultNone, f
	}
	x := fs.rng.Float64()
	kinds := [...]struct {
		p    float64
		kind faultKind
		n    *int
	}{
		{f.ServerErrorBefore, faultServerErrorBefore, &fs.counts.ServerErrorBefore},
		{f.RateLimit, faultRateLimit, &fs.counts.RateLimit},
		{f.LostAfterCommit, faultLostAfterCommit, &fs.counts.LostAfterCommit},
		{f.ServerErrorAfter, faultServerErrorAfter, &fs.counts.ServerErrorAfter},
		{f.Stall, faultStall, &fs.counts.Stall},
	}
	edge := 0.0
	for _, k := range kinds {
		if k.p <= 0 {
			continue
		}
		edge += k.p
		if x < edge {
			*k.n++
			return k.kind, f
		}
	}
	return faultNone, f
}

// retryAfterSeconds is d in whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// serverError is the answer of a ServerErrorBefore or ServerErrorAfter fault.
func serverError() response {
	return errorResp(http.StatusInternalServerError, "An unexpected error occurred. Please try again later.")
}

// rateLimited is the answer of a RateLimit fault.
func rateLimited(retryAfter time.Duration) response {
	resp := errorResp(http.StatusTooManyRequests, "You have made too many requests. Wait for the time given in Retry-After.")
	resp.header = http.Header{"Retry-After": {retryAfterSeconds(retryAfter)}}
	return resp
}

// sleepCtx waits d, or until ctx is done or stop is closed.
func sleepCtx(ctx context.Context, stop <-chan struct{}, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-stop:
	}
}

// dropConnection closes the client's connection without writing an answer.
// When the connection cannot be taken over (HTTP/2), the answer is cut
// short instead: a status line with a body that never arrives.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
		return
	}
	w.Header().Set("Content-Length", "1024")
	w.WriteHeader(http.StatusOK)
}
