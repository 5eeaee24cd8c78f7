package webhooks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var handlerNow = time.Unix(1_700_000_000, 0)

// recorder is a user function that records the events it gets.
type recorder struct {
	mu     sync.Mutex
	events []*Event
	err    error // returned by the function
}

func (rec *recorder) fn(_ context.Context, e *Event) error {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.events = append(rec.events, e)
	return rec.err
}

func (rec *recorder) setErr(err error) {
	rec.mu.Lock()
	rec.err = err
	rec.mu.Unlock()
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.events)
}

func newTestHandler(t *testing.T, fn func(context.Context, *Event) error, opts ...Option) *Handler {
	t.Helper()
	opts = append([]Option{WithClock(fixedClock(handlerNow))}, opts...)
	h, err := NewHandler(vecSecret, fn, opts...)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h
}

// delivery builds a signed POST of body with message id id.
func delivery(t *testing.T, id string, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
	for k, v := range signed(t, vecSecret, id, handlerNow, body) {
		r.Header[k] = v
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerDeliversTypedEvent(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, rec.fn)
	w := serve(h, delivery(t, "msg_1", fixture(t, "bank_transactions_write_successful.json")))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200 (%s)", w.Code, w.Body)
	}
	if rec.count() != 1 {
		t.Fatalf("function called %d times, want 1", rec.count())
	}
	e := rec.events[0]
	if e.MessageID != "msg_1" || e.Type != EventBankTransactionsWriteSuccessful {
		t.Fatalf("event MessageID %q Type %q", e.MessageID, e.Type)
	}
	if p, ok := e.Payload.(*WritePayload); !ok || p.ID != "7b8a2f0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b" {
		t.Fatalf("payload = %#v", e.Payload)
	}
}

func TestHandlerDeduplicates(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, rec.fn)
	body := fixture(t, "connection_connected.json")
	for i := range 3 {
		if w := serve(h, delivery(t, "msg_dup", body)); w.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d, want 200", i, w.Code)
		}
	}
	if rec.count() != 1 {
		t.Fatalf("function called %d times for one message, want 1", rec.count())
	}
	// Another message id with the same body is another message.
	if w := serve(h, delivery(t, "msg_other", body)); w.Code != http.StatusOK || rec.count() != 2 {
		t.Fatalf("new id: status %d, calls %d; want 200, 2", w.Code, rec.count())
	}
}

func TestHandlerDedupTTL(t *testing.T) {
	clock := newTestClock(handlerNow)
	rec := &recorder{}
	store := newMemoryStore(clock.Now)
	h := newTestHandler(t, rec.fn, WithDedupStore(store), WithDedupTTL(time.Minute))
	body := fixture(t, "company_created.json")
	serve(h, delivery(t, "msg_ttl", body))
	clock.Add(59 * time.Second)
	serve(h, delivery(t, "msg_ttl", body))
	if rec.count() != 1 {
		t.Fatalf("calls within the TTL = %d, want 1", rec.count())
	}
	clock.Add(time.Second)
	serve(h, delivery(t, "msg_ttl", body))
	if rec.count() != 2 {
		t.Fatalf("calls after the TTL = %d, want 2", rec.count())
	}
}

func TestHandlerUserErrorIsRetried(t *testing.T) {
	rec := &recorder{err: errors.New("database down: password=hunter2")}
	store := NewMemoryStore()
	h := newTestHandler(t, rec.fn, WithDedupStore(store))
	body := fixture(t, "source_account_connected_v1.json")

	w := serve(h, delivery(t, "msg_retry", body))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Fatalf("response %q carries the function's error", w.Body)
	}
	if seen := mustSeen(t, store, "msg_retry", 0); seen {
		t.Fatal("failed message left marked as seen")
	}

	// Codat's retry is handled, and only then marked.
	rec.setErr(nil)
	if w := serve(h, delivery(t, "msg_retry", body)); w.Code != http.StatusOK {
		t.Fatalf("retry: status %d, want 200", w.Code)
	}
	if rec.count() != 2 {
		t.Fatalf("function called %d times, want 2 (failure, retry)", rec.count())
	}
	if w := serve(h, delivery(t, "msg_retry", body)); w.Code != http.StatusOK || rec.count() != 2 {
		t.Fatalf("after success: status %d, calls %d; want 200, 2", w.Code, rec.count())
	}
}

func TestHandlerPanicForgetsID(t *testing.T) {
	calls := 0
	h := newTestHandler(t, func(context.Context, *Event) error {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return nil
	})
	body := fixture(t, "client_rate_limit_reset.json")
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		serve(h, delivery(t, "msg_panic", body))
	}()
	w := serve(h, delivery(t, "msg_panic", body))
	if w.Code != http.StatusOK || calls != 2 {
		t.Fatalf("after a panic: status %d, calls %d; want 200, 2 (id forgotten, not left in flight)", w.Code, calls)
	}
}

func TestHandlerRefusals(t *testing.T) {
	body := fixture(t, "company_created.json")
	tests := []struct {
		name  string
		req   func(t *testing.T) *http.Request
		opts  []Option
		code  int
		allow bool // expect Allow: POST
	}{
		{"GET", func(t *testing.T) *http.Request {
			return httptest.NewRequest(http.MethodGet, "/webhooks", nil)
		}, nil, http.StatusMethodNotAllowed, true},
		{"PUT signed", func(t *testing.T) *http.Request {
			r := delivery(t, "msg_put", body)
			r.Method = http.MethodPut
			return r
		}, nil, http.StatusMethodNotAllowed, true},
		{"bad signature", func(t *testing.T) *http.Request {
			r := delivery(t, "msg_bad", body)
			r.Header.Set(HeaderSignature, "v1,"+strings.Repeat("A", 43)+"=")
			return r
		}, nil, http.StatusUnauthorized, false},
		{"tampered body", func(t *testing.T) *http.Request {
			r := delivery(t, "msg_tamper", body)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte("Toft"), []byte("Taft"), 1)))
			return r
		}, nil, http.StatusUnauthorized, false},
		{"wrong secret", func(t *testing.T) *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
			r.Header = signed(t, NewSecret(), "msg_x", handlerNow, body)
			return r
		}, nil, http.StatusUnauthorized, false},
		{"replayed old delivery", func(t *testing.T) *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
			r.Header = signed(t, vecSecret, "msg_old", handlerNow.Add(-10*time.Minute), body)
			return r
		}, nil, http.StatusUnauthorized, false},
		{"missing headers", func(t *testing.T) *http.Request {
			return httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
		}, nil, http.StatusBadRequest, false},
		{"malformed timestamp", func(t *testing.T) *http.Request {
			r := delivery(t, "msg_ts", body)
			r.Header.Set(HeaderTimestamp, "yesterday")
			return r
		}, nil, http.StatusBadRequest, false},
		{"signed but not JSON", func(t *testing.T) *http.Request {
			return delivery(t, "msg_json", []byte("hello"))
		}, nil, http.StatusBadRequest, false},
		{"signed but malformed payload", func(t *testing.T) *http.Request {
			return delivery(t, "msg_json", []byte(`{"eventType":"connection.created","payload":7}`))
		}, nil, http.StatusBadRequest, false},
		{"oversize body", func(t *testing.T) *http.Request {
			return delivery(t, "msg_big", bytes.Repeat([]byte(" "), DefaultMaxBodyBytes+1))
		}, nil, http.StatusRequestEntityTooLarge, false},
		{"oversize body, unknown length", func(t *testing.T) *http.Request {
			r := delivery(t, "msg_big", body)
			r.ContentLength = -1
			return r
		}, []Option{WithMaxBodyBytes(int64(len(body) - 1))}, http.StatusRequestEntityTooLarge, false},
		{"body read error", func(t *testing.T) *http.Request {
			r := delivery(t, "msg_read", body)
			r.Body = io.NopCloser(failingReader{})
			r.ContentLength = -1
			return r
		}, nil, http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			h := newTestHandler(t, rec.fn, tt.opts...)
			w := serve(h, tt.req(t))
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.code, w.Body)
			}
			if rec.count() != 0 {
				t.Fatalf("function called %d times for a refused delivery", rec.count())
			}
			if got := w.Header().Get("Allow"); tt.allow != (got == http.MethodPost) {
				t.Fatalf("Allow = %q", got)
			}
		})
	}
}

func TestHandlerRefusedDeliveryIsNotMarked(t *testing.T) {
	rec := &recorder{}
	store := NewMemoryStore()
	h := newTestHandler(t, rec.fn, WithDedupStore(store))
	body := fixture(t, "company_created.json")
	r := delivery(t, "msg_forged", body)
	r.Header.Set(HeaderSignature, "v1,AAAA")
	if w := serve(h, r); w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", w.Code)
	}
	if store.Len() != 0 {
		t.Fatal("a forged delivery's id was recorded: it would block the real one")
	}
	if w := serve(h, delivery(t, "msg_forged", body)); w.Code != http.StatusOK || rec.count() != 1 {
		t.Fatalf("real delivery: status %d, calls %d; want 200, 1", w.Code, rec.count())
	}
}

func TestHandlerUnknownEventType(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, rec.fn)
	if w := serve(h, delivery(t, "msg_unknown", fixture(t, "unknown_event.json"))); w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if rec.count() != 1 || rec.events[0].Payload != nil || len(rec.events[0].RawPayload) == 0 {
		t.Fatalf("unknown event not delivered raw: %+v", rec.events)
	}
}

func TestHandlerSvixHeaders(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, rec.fn)
	body := fixture(t, "company_created.json")
	r := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
	sig, err := Sign(vecSecret, "msg_svix", handlerNow, body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set(HeaderSvixID, "msg_svix")
	r.Header.Set(HeaderSvixTimestamp, strconv.FormatInt(handlerNow.Unix(), 10))
	r.Header.Set(HeaderSvixSignature, sig)
	if w := serve(h, r); w.Code != http.StatusOK || rec.count() != 1 || rec.events[0].MessageID != "msg_svix" {
		t.Fatalf("status %d, calls %d", w.Code, rec.count())
	}
}

// failingStore fails every call.
type failingStore struct{ forgets atomic.Int64 }

func (*failingStore) Seen(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("redis: connection refused")
}

func (s *failingStore) Forget(context.Context, string) error {
	s.forgets.Add(1)
	return errors.New("redis: connection refused")
}

func TestHandlerStoreFailure(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, rec.fn, WithDedupStore(&failingStore{}))
	if w := serve(h, delivery(t, "msg_s", fixture(t, "company_created.json"))); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	if rec.count() != 0 {
		t.Fatal("function called although the store failed")
	}
}

// forgetFailsStore remembers but cannot forget.
type forgetFailsStore struct {
	*MemoryStore
	forgets atomic.Int64
}

func (s *forgetFailsStore) Forget(context.Context, string) error {
	s.forgets.Add(1)
	return errors.New("store is read-only")
}

func TestHandlerLogsForgetFailure(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := &forgetFailsStore{MemoryStore: NewMemoryStore()}
	rec := &recorder{err: errors.New("nope")}
	h := newTestHandler(t, rec.fn, WithDedupStore(store), WithLogger(logger))
	if w := serve(h, delivery(t, "msg_f", fixture(t, "company_created.json"))); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	if store.forgets.Load() != 1 {
		t.Fatalf("Forget called %d times, want 1", store.forgets.Load())
	}
	if !strings.Contains(logs.String(), "cannot forget") || !strings.Contains(logs.String(), "msg_f") {
		t.Fatalf("forget failure not logged:\n%s", logs.String())
	}
}

func TestHandlerLogsNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rec := &recorder{}
	h := newTestHandler(t, rec.fn, WithLogger(logger))
	body := fixture(t, "company_created.json")

	good := delivery(t, "msg_log", body)
	sig := good.Header.Get(HeaderSignature)
	serve(h, good)
	serve(h, delivery(t, "msg_log", body)) // duplicate
	bad := delivery(t, "msg_log2", body)
	forged := "v1," + strings.Repeat("Zm9v", 10) + "YmE="
	bad.Header.Set(HeaderSignature, forged)
	serve(h, bad)

	out := logs.String()
	if !strings.Contains(out, "delivery refused") || !strings.Contains(out, "duplicate") {
		t.Fatalf("expected log lines missing:\n%s", out)
	}
	for _, s := range []string{strings.TrimPrefix(vecSecret, "whsec_"), strings.TrimPrefix(sig, "v1,"), strings.TrimPrefix(forged, "v1,"), "Toft stores"} {
		if strings.Contains(out, s) {
			t.Errorf("logs contain %q:\n%s", s, out)
		}
	}
}

func TestHandlerConcurrentDuplicateWaits(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int64
	h := newTestHandler(t, func(ctx context.Context, e *Event) error {
		if calls.Add(1) == 1 {
			close(started)
			<-release
			return errors.New("first attempt fails")
		}
		return nil
	})
	body := fixture(t, "company_created.json")

	first := make(chan int)
	go func() { first <- serve(h, delivery(t, "msg_c", body)).Code }()
	<-started
	// While the first delivery is running, a retry must not be acknowledged:
	// the first may still fail.
	if w := serve(h, delivery(t, "msg_c", body)); w.Code != http.StatusConflict {
		t.Fatalf("concurrent duplicate: status %d, want 409", w.Code)
	}
	close(release)
	if code := <-first; code != http.StatusInternalServerError {
		t.Fatalf("first delivery: status %d, want 500", code)
	}
	if w := serve(h, delivery(t, "msg_c", body)); w.Code != http.StatusOK {
		t.Fatalf("later retry: status %d, want 200", w.Code)
	}
	if calls.Load() != 2 {
		t.Fatalf("function called %d times, want 2", calls.Load())
	}
}

func TestHandlerConcurrentDistinctMessages(t *testing.T) {
	var calls atomic.Int64
	h := newTestHandler(t, func(context.Context, *Event) error { calls.Add(1); return nil })
	body := fixture(t, "company_created.json")
	const n = 40
	reqs := make([]*http.Request, 0, 2*n)
	for i := range n {
		id := "msg_" + strconv.Itoa(i)
		reqs = append(reqs, delivery(t, id, body), delivery(t, id, body))
	}
	var wg sync.WaitGroup
	codes := make([]int, len(reqs))
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = serve(h, r).Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK && c != http.StatusConflict {
			t.Fatalf("request %d: status %d", i, c)
		}
	}
	if calls.Load() != n {
		t.Fatalf("function called %d times for %d messages sent twice each, want %d", calls.Load(), n, n)
	}
}

func TestHandlerContextIsRequestContext(t *testing.T) {
	type key struct{}
	var got any
	h := newTestHandler(t, func(ctx context.Context, e *Event) error {
		got = ctx.Value(key{})
		return nil
	})
	r := delivery(t, "msg_ctx", fixture(t, "company_created.json"))
	r = r.WithContext(context.WithValue(r.Context(), key{}, "marker"))
	serve(h, r)
	if got != "marker" {
		t.Fatalf("function context value = %v, want the request's", got)
	}
}

func TestHandlerOverHTTP(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, rec.fn)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := fixture(t, "source_account_connected_v1.json")
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = signed(t, vecSecret, "msg_net", handlerNow, body)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || rec.count() != 1 {
		t.Fatalf("status %d, calls %d; want 200, 1", resp.StatusCode, rec.count())
	}
	srv.Client().CloseIdleConnections()
}

func TestNewHandlerErrors(t *testing.T) {
	fn := func(context.Context, *Event) error { return nil }
	if _, err := NewHandler(vecSecret, nil); err == nil {
		t.Error("NewHandler(nil fn) succeeded")
	}
	if _, err := NewHandler("whsec_***", fn); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("NewHandler(bad secret) = %v, want ErrInvalidSecret", err)
	}
	if _, err := NewHandler(vecSecret, fn, WithTolerance(-1)); err == nil {
		t.Error("NewHandler(bad option) succeeded")
	}
}
