package bankfeeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a set of hooks that writes down what it sees.
type recorder struct {
	mu     sync.Mutex
	events []string
	ends   []*Attempt
	calls  []*CallInfo
}

func (r *recorder) hooks() Hooks {
	return Hooks{
		CallStart: func(ctx context.Context, c *CallInfo) context.Context {
			r.add("call-start " + c.Operation + " " + c.Method + " " + c.Route)
			return context.WithValue(ctx, recorderKey{}, c.Operation)
		},
		CallEnd: func(ctx context.Context, c *CallInfo, err error) {
			r.mu.Lock()
			r.calls = append(r.calls, c)
			r.mu.Unlock()
			r.add(fmt.Sprintf("call-end %s err=%v", c.Operation, err != nil))
		},
		AttemptStart: func(ctx context.Context, a *Attempt) (context.Context, error) {
			parent, _ := ctx.Value(recorderKey{}).(string)
			r.add(fmt.Sprintf("attempt-start %d in %s", a.Attempt, parent))
			a.SetHeader("Traceparent", "00-trace-"+parent)
			a.SetHeader("Authorization", "stolen") // refused: the SDK owns it
			return ctx, nil
		},
		AttemptEnd: func(ctx context.Context, a *Attempt) {
			r.mu.Lock()
			r.ends = append(r.ends, a)
			r.mu.Unlock()
			r.add(fmt.Sprintf("attempt-end %d status=%d", a.Attempt, a.Status))
		},
	}
}

type recorderKey struct{}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s)
}

func TestHooksSeeCallsAndAttempts(t *testing.T) {
	var hits atomic.Int32
	var seenAuth, seenTrace atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenAuth.Store(r.Header.Get("Authorization"))
		seenTrace.Store(r.Header.Get("Traceparent"))
		w.Header().Set("X-Rate-Limit-Limit", "2000")
		w.Header().Set("X-Rate-Limit-Remaining", "1500")
		w.Header().Set("X-Rate-Limit-Reset", "2026-12-02T00:00:00Z")
		if hits.Add(1) == 1 {
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`{"statusCode":503,"error":"busy","correlationId":"corr-1"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"8a210b68-6988-11ed-a1eb-0242ac120002","name":"Toft","redirect":"https://x"}`))
	}))
	defer srv.Close()
	rec := &recorder{}
	c, err := NewClient("secret-key", WithBaseURL(srv.URL), WithHooks(rec.hooks()), WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = c.Companies.Get(context.Background(), "8a210b68-6988-11ed-a1eb-0242ac120002")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"call-start Companies.Get GET /companies/{companyId}",
		"attempt-start 1 in Companies.Get",
		"attempt-end 1 status=503",
		"attempt-start 2 in Companies.Get",
		"attempt-end 2 status=200",
		"call-end Companies.Get err=false",
	}, rec.events)
	assert.Equal(t, "00-trace-Companies.Get", seenTrace.Load(), "a hook's header reaches the server")
	assert.True(t, strings.HasPrefix(seenAuth.Load().(string), "Basic "), "no hook can replace Authorization")
	assert.Equal(t, "corr-1", rec.ends[0].CorrelationID, "Codat's correlation id, from the error's body")
	last := rec.ends[1]
	assert.Equal(t, RateLimit{Limit: 2000, Remaining: 1500, Reset: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Known: true}, last.RateLimit)
	assert.Equal(t, srv.URL+"/companies/8a210b68-6988-11ed-a1eb-0242ac120002", last.URL)
	assert.Equal(t, "8a210b68-6988-11ed-a1eb-0242ac120002", rec.calls[0].CompanyID)
	for _, a := range rec.ends {
		assert.NotContains(t, fmt.Sprintf("%+v %+v", a, *a.Call), "secret-key")
	}
}

func TestHooksNeverSeeAQueryString(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"results":[],"pageNumber":1,"pageSize":1,"totalResults":0}`))
	}))
	defer srv.Close()
	rec := &recorder{}
	c, err := NewClient("k", WithBaseURL(srv.URL), WithHooks(rec.hooks()))
	require.NoError(t, err)
	_, err = c.Companies.List(context.Background(), &CompanyListOptions{ListOptions: ListOptions{Query: "name=secret-name"}})
	require.NoError(t, err)
	require.Len(t, rec.ends, 1)
	assert.NotContains(t, rec.ends[0].URL, "?")
	assert.NotContains(t, rec.ends[0].URL, "secret-name")
}

// A hook that refuses an attempt (a request budget) stops the call before
// anything is sent, and the caller gets the hook's error as it was.
func TestHookRefusalStopsTheCall(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	errBudget := errors.New("budget: come back later")
	c, err := NewClient("k", WithBaseURL(srv.URL), WithHooks(Hooks{
		AttemptStart: func(ctx context.Context, a *Attempt) (context.Context, error) { return ctx, errBudget },
	}))
	require.NoError(t, err)
	_, err = c.Companies.Get(context.Background(), "c1")
	assert.Same(t, errBudget, err)
	assert.Zero(t, hits.Load(), "nothing sent, nothing retried")
	// The error body a hook read is still the caller's: the APIError keeps it.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"statusCode":404,"error":"Company not found","correlationId":"corr-9"}`))
	}))
	defer srv2.Close()
	var seen string
	c2, err := NewClient("k", WithBaseURL(srv2.URL), WithHooks(Hooks{AttemptEnd: func(ctx context.Context, a *Attempt) { seen = a.CorrelationID }}))
	require.NoError(t, err)
	_, err = c2.Companies.Get(context.Background(), "c1")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "corr-9", apiErr.CorrelationID)
	assert.Equal(t, "Company not found", apiErr.Message)
	assert.Equal(t, "corr-9", seen)
}

// PushAll is one call, with the calls it makes inside it.
func TestHooksNestPushAll(t *testing.T) {
	f := &fakeFeed{byKey: map[string]string{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	rec := &recorder{}
	c, err := NewClient("k", WithBaseURL(srv.URL), WithHooks(rec.hooks()))
	require.NoError(t, err)
	_, err = c.Transactions.PushAll(context.Background(), "c1", "cc1", "a", history(3), &PushAllOptions{Wait: fastWait})
	require.NoError(t, err)
	assert.Equal(t, "call-start Transactions.PushAll  ", rec.events[0])
	assert.Equal(t, "call-end Transactions.PushAll err=false", rec.events[len(rec.events)-1])
	var ops []string
	for _, ci := range rec.calls {
		ops = append(ops, ci.Operation)
		if ci.Operation == "Transactions.Push" {
			assert.Equal(t, 3, ci.Transactions)
			assert.NotEmpty(t, ci.PushOperationKey)
		}
	}
	assert.Contains(t, ops, "Connections.Get")
	assert.Contains(t, ops, "Transactions.Push")
	assert.Contains(t, ops, "Transactions.WaitForOperation")
}

func TestCallOptions(t *testing.T) {
	var hits atomic.Int32
	var header, key atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		header.Store(r.Header.Get("X-Request-Id"))
		key.Store(r.Header.Get("Idempotency-Key"))
		if r.URL.Path == "/slow" || strings.HasSuffix(r.URL.Path, "/slow") {
			time.Sleep(200 * time.Millisecond)
		}
		w.WriteHeader(500)
	}))
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL), WithRetryMax(3), WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)

	// Retries: none for this call; the Client's three for the next.
	ctx := WithCallOptions(context.Background(), CallOptions{Retries: Ptr(0), Header: http.Header{"X-Request-Id": {"req-1"}, "Authorization": {"no"}}})
	_, err = c.Companies.Get(ctx, "c1")
	require.ErrorIs(t, err, ErrServer)
	assert.Equal(t, int32(1), hits.Load())
	assert.Equal(t, "req-1", header.Load())
	hits.Store(0)
	_, err = c.Companies.Get(context.Background(), "c1")
	require.ErrorIs(t, err, ErrServer)
	assert.Equal(t, int32(4), hits.Load())

	// Options layer: a later WithCallOptions keeps what it leaves zero.
	ctx = WithCallOptions(WithCallOptions(context.Background(), CallOptions{Retries: Ptr(1)}), CallOptions{IdempotencyKey: "key-7"})
	hits.Store(0)
	_, err = c.Companies.Create(ctx, CompanyRequest{Name: "Toft"})
	require.Error(t, err)
	assert.Equal(t, int32(1), hits.Load(), "a write's 5xx is never retried")
	assert.Equal(t, "key-7", key.Load())
	assert.Equal(t, 1, *callOptionsFrom(ctx).Retries)

	// Timeout bounds the whole call.
	ctx = WithCallOptions(context.Background(), CallOptions{Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err = c.Companies.Get(ctx, "slow")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 190*time.Millisecond)
}

func TestRouteOfEveryOperation(t *testing.T) {
	for _, r := range routes {
		p := r.template
		for _, name := range []string{"{companyId}", "{connectionId}", "{accountId}", "{pushOperationKey}", "{sourceAccountId}", "{syncId}"} {
			p = strings.ReplaceAll(p, name, "x1")
		}
		got := routeOf(r.method, p)
		assert.Equal(t, r.operation, got.operation, "%s %s", r.method, p)
	}
	assert.Equal(t, "SourceAccounts.DeleteCredentials", routeOf("DELETE", "/companies/a/connections/b/connectionInfo/bankFeedAccounts/credentials").operation)
	assert.Equal(t, "ManagedSyncs.Latest", routeOf("GET", "/companies/a/connections/b/bankFeedAccounts/s/managedBankFeeds/syncs/latest").operation)
	assert.Equal(t, "unknown", routeOf("GET", "/nowhere").operation)
	assert.Len(t, routes, 33)
}
