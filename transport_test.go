package bankfeeds

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scripted answers each request with the next step; after the last step it
// repeats it. It records every request it saw.
type scripted struct {
	mu    sync.Mutex
	steps []step
	seen  []*http.Request
}

type step struct {
	status     int    // 0 drops the connection without an answer
	retryAfter string // Retry-After header
	body       string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.seen)
	s.seen = append(s.seen, r.Clone(context.Background()))
	st := s.steps[min(n, len(s.steps)-1)]
	s.mu.Unlock()
	if st.status == 0 {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if st.retryAfter != "" {
		w.Header().Set("Retry-After", st.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st.status)
	body := st.body
	if body == "" {
		body = `{"statusCode":` + strconv.Itoa(st.status) + `,"error":"scripted","correlationId":"corr-1"}`
	}
	_, _ = w.Write([]byte(body))
}

func (s *scripted) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.seen...)
}

func newScripted(t *testing.T, steps ...step) (*scripted, *Client) {
	t.Helper()
	s := &scripted{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewClient("test-key", WithBaseURL(srv.URL), WithRetryWait(0, 0), WithRetryMax(3))
	require.NoError(t, err)
	return s, c
}

// callWith sends one call with the given method to /companies/c1.
func callWith(c *Client, method string) error {
	var body any
	if method != http.MethodGet && method != http.MethodDelete {
		body = map[string]string{"name": "x"}
	}
	var out map[string]any
	_, err := c.do(context.Background(), call{method: method, path: "/companies/c1", body: body, out: &out})
	return err
}

func TestRetryPolicy(t *testing.T) {
	reads := []string{http.MethodGet, http.MethodDelete, http.MethodPut}
	writes := []string{http.MethodPost, http.MethodPatch}
	tests := []struct {
		name    string
		status  int // the failure repeated on every attempt
		read    int // attempts for a read (RetryMax 3: at most 4)
		write   int // attempts for a write
		wantErr error
	}{
		{"transport error", 0, 4, 4, nil},
		{"429 without Retry-After", 429, 4, 4, ErrRateLimited},
		{"409 key in flight", 409, 1, 4, ErrConflict},
		{"500", 500, 4, 1, ErrServer},
		{"502", 502, 4, 1, ErrServer},
		{"503", 503, 4, 1, ErrServer},
		{"504", 504, 4, 1, ErrServer},
		{"501 never", 501, 1, 1, ErrServer},
		{"400 never", 400, 1, 1, ErrBadRequest},
		{"401 never", 401, 1, 1, ErrUnauthorized},
		{"404 never", 404, 1, 1, ErrNotFound},
		{"422 never", 422, 1, 1, ErrUnprocessable},
	}
	for _, tt := range tests {
		for _, m := range append(append([]string{}, reads...), writes...) {
			want := tt.read
			if isWrite(m) {
				want = tt.write
			}
			t.Run(tt.name+"/"+m, func(t *testing.T) {
				s, c := newScripted(t, step{status: tt.status})
				err := callWith(c, m)
				require.Error(t, err)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
					var apiErr *APIError
					require.ErrorAs(t, err, &apiErr, "the last answer becomes an APIError")
					assert.Equal(t, "corr-1", apiErr.CorrelationID)
				} else {
					var te *TransportError
					assert.ErrorAs(t, err, &te)
				}
				reqs := s.requests()
				assert.Len(t, reqs, want, "attempts")
				keys := map[string]bool{}
				for _, r := range reqs {
					keys[r.Header.Get("Idempotency-Key")] = true
				}
				if isWrite(m) {
					assert.Len(t, keys, 1, "one Idempotency-Key across every attempt")
					assert.False(t, keys[""], "a write always carries a key")
				} else {
					assert.Equal(t, map[string]bool{"": true}, keys, "reads carry no key")
				}
			})
		}
	}
}

func TestRetryThenSuccessKeepsKey(t *testing.T) {
	s, c := newScripted(t, step{status: 0}, step{status: 429, retryAfter: "0"}, step{status: 409}, step{status: 200, body: `{"id":"c1"}`})
	var out map[string]any
	_, err := c.do(context.Background(), call{method: http.MethodPost, path: "/companies", body: map[string]string{"name": "x"}, out: &out})
	require.NoError(t, err)
	assert.Equal(t, "c1", out["id"])
	reqs := s.requests()
	require.Len(t, reqs, 4)
	key := reqs[0].Header.Get("Idempotency-Key")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, key)
	for _, r := range reqs {
		assert.Equal(t, key, r.Header.Get("Idempotency-Key"))
	}
}

func TestCallerIdempotencyKey(t *testing.T) {
	s, c := newScripted(t, step{status: 200, body: `{}`})
	ctx := WithIdempotencyKey(context.Background(), "my-key-1")
	_, err := c.do(ctx, call{method: http.MethodPatch, path: "/companies/x", body: map[string]string{}})
	require.NoError(t, err)
	assert.Equal(t, "my-key-1", s.requests()[0].Header.Get("Idempotency-Key"))
}

func TestRetryAfterCapped(t *testing.T) {
	s := &scripted{steps: []step{{status: 429, retryAfter: "120"}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL), WithRetryWait(0, time.Second))
	require.NoError(t, err)
	start := time.Now()
	err = callWith(c, http.MethodGet)
	assert.Less(t, time.Since(start), 5*time.Second, "returned at once")
	require.ErrorIs(t, err, ErrRateLimited)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 120*time.Second, apiErr.RetryAfter)
	assert.Len(t, s.requests(), 1, "a wait past the cap is not waited")
	assert.Contains(t, apiErr.Error(), "retry after 2m0s")
}

func TestRetryAfterHonoured(t *testing.T) {
	s := &scripted{steps: []step{{status: 429, retryAfter: "1"}, {status: 200, body: `{}`}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL), WithRetryWait(0, 2*time.Second))
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, callWith(c, http.MethodGet))
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "waited for Retry-After")
}

func TestRetryWaitHonoursContext(t *testing.T) {
	s := &scripted{steps: []step{{status: 503}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL), WithRetryWait(time.Minute, time.Minute))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Companies.Get(ctx, "c1")
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestBackoffFullJitter(t *testing.T) {
	p := &retryPolicy{}
	for attempt := 0; attempt < 8; attempt++ {
		ceiling := min(100*time.Millisecond<<attempt, time.Second)
		for i := 0; i < 50; i++ {
			w := p.backoff(100*time.Millisecond, time.Second, attempt, nil)
			assert.GreaterOrEqual(t, w, time.Duration(0))
			assert.LessOrEqual(t, w, ceiling)
		}
	}
	assert.Zero(t, p.backoff(0, 0, 3, nil))
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"7"}}}
	assert.Equal(t, 2*time.Second, p.backoff(0, 2*time.Second, 0, resp), "Retry-After capped at max")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"5", 5 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"Thu, 01 Jan 2026 00:00:30 GMT", 30 * time.Second, true},
		{"Wed, 31 Dec 2025 23:00:00 GMT", 0, true},
		{"999999999999", 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestNotRetriedTransportErrors(t *testing.T) {
	assert.False(t, retryableTransportError(errors.New(`unsupported protocol scheme "ftp"`)))
	assert.True(t, retryableTransportError(errors.New("connection reset by peer")))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL))
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Companies.Get(context.Background(), "c1")
	var te *TransportError
	require.ErrorAs(t, err, &te, "an unknown certificate authority is not retried")
	assert.Less(t, time.Since(start), 2*time.Second)
}
