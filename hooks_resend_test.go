package bankfeeds

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// attemptHeader is the header the tests' hooks set on each attempt.
const attemptHeader = "X-Test-Attempt"

// wire is what a test server received: how many requests, and each one's
// attemptHeader.
type wire struct {
	received atomic.Int32
	mu       sync.Mutex
	attempts []string
}

func (w *wire) seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.attempts...)
}

// dropSecond serves the first request on each connection and closes the
// connection on the second without answering, after reading it: net/http
// then sends that request again by itself on a new connection.
func dropSecond(t *testing.T) (*httptest.Server, *atomic.Int32) {
	srv, w := dropSecondWire(t)
	return srv, &w.received
}

// dropSecondWire is dropSecond, keeping each request's attemptHeader.
func dropSecondWire(t *testing.T) (*httptest.Server, *wire) {
	seen := &wire{}
	perConn := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.received.Add(1)
		seen.mu.Lock()
		seen.attempts = append(seen.attempts, r.Header.Get(attemptHeader))
		perConn[r.RemoteAddr]++
		n := perConn[r.RemoteAddr]
		seen.mu.Unlock()
		if n == 2 {
			conn, _, err := http.NewResponseController(w).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"c1","name":"Acme"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

// Every request that reaches the server is an attempt the hooks saw, the
// ones net/http sends again by itself included: a budget counts them all.
func TestHooksSeeTheResendsOfNetHTTP(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			srv, received := dropSecond(t)
			var starts, resent atomic.Int32
			c, err := NewClient("k", WithBaseURL(srv.URL), WithHooks(Hooks{
				AttemptStart: func(ctx context.Context, a *Attempt) (context.Context, error) {
					starts.Add(1)
					if a.Resent {
						resent.Add(1)
					}
					return ctx, nil
				},
			}))
			require.NoError(t, err)
			ctx := context.Background()
			for i := 0; i < 4; i++ {
				if method == http.MethodGet {
					_, err = c.Companies.Get(ctx, "c1")
				} else {
					_, err = c.Companies.Create(ctx, CompanyRequest{Name: "Acme"})
				}
				require.NoError(t, err)
			}
			assert.Equal(t, received.Load(), starts.Load(), "requests received and attempts the hooks saw")
			assert.Positive(t, resent.Load(), "net/http sent a request again by itself")
		})
	}
}

// A resend the hooks refuse is not sent, and the call returns the refusal.
func TestHookRefusalStopsAResend(t *testing.T) {
	srv, received := dropSecond(t)
	errBudget := errors.New("budget: come back later")
	c, err := NewClient("k", WithBaseURL(srv.URL), WithRetryWait(0, 0), WithHooks(Hooks{
		AttemptStart: func(ctx context.Context, a *Attempt) (context.Context, error) {
			if a.Resent {
				return ctx, errBudget
			}
			return ctx, nil
		},
	}))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.Companies.Get(ctx, "c1")
	require.NoError(t, err)
	_, err = c.Companies.Get(ctx, "c1") // dropped; its resend refused
	assert.ErrorIs(t, err, errBudget)
	assert.LessOrEqual(t, received.Load(), int32(3), "the refused resend may race the cancel, never more")
}

// Every request on the wire carries the headers its own attempt's hooks
// set (a trace context), the ones net/http sends again by itself included:
// no two requests carry the same attempt's.
func TestEachResendCarriesItsOwnAttemptsHeaders(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			srv, seen := dropSecondWire(t)
			var n, resent atomic.Int32
			var mu sync.Mutex
			var started []string
			c, err := NewClient("k", WithBaseURL(srv.URL), WithHooks(Hooks{
				AttemptStart: func(ctx context.Context, a *Attempt) (context.Context, error) {
					id := strconv.Itoa(int(n.Add(1)))
					if a.Resent {
						resent.Add(1)
					}
					a.SetHeader(attemptHeader, id)
					mu.Lock()
					started = append(started, id)
					mu.Unlock()
					return ctx, nil
				},
			}))
			require.NoError(t, err)
			ctx := context.Background()
			for i := 0; i < 4; i++ {
				if method == http.MethodGet {
					_, err = c.Companies.Get(ctx, "c1")
				} else {
					_, err = c.Companies.Create(ctx, CompanyRequest{Name: "Acme"})
				}
				require.NoError(t, err)
			}
			require.Positive(t, resent.Load(), "net/http sent a request again by itself")
			assert.Equal(t, started, seen.seen(), "each request carries the header of its own attempt, in order")
		})
	}
}
