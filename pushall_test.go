package bankfeeds

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeFeed is a tiny in-memory push endpoint for PushAll's logic. Each push
// attempt takes the next scripted fault: "" (answer normally), "500-before"
// (nothing stored), "500-after" (stored, then 500), "drop-after" (stored,
// then the connection is closed), "429", "fail" (stored as Failed),
// "timeout" (stored as TimedOut).
type fakeFeed struct {
	mu       sync.Mutex
	faults   []string
	ops      []PushOperation
	landed   []string          // transaction ids, in order
	byKey    map[string]string // idempotency key -> push operation key
	attempts []string          // idempotency key of every push attempt
}

func (f *fakeFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/connections/cc1"):
		_, _ = w.Write([]byte(`{"id":"cc1","integrationKey":"gbol","status":"Linked"}`))
	case r.Method == http.MethodGet && r.URL.Path == "/companies/c1/push":
		writeJSON(w, 200, Page[PushOperation]{Results: f.ops, PageNumber: 1, PageSize: 200, TotalResults: len(f.ops)})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/companies/c1/push/"):
		key := strings.TrimPrefix(r.URL.Path, "/companies/c1/push/")
		for _, op := range f.ops {
			if op.PushOperationKey == key {
				writeJSON(w, 200, op)
				return
			}
		}
		w.WriteHeader(404)
	case r.Method == http.MethodPost:
		f.push(w, r)
	default:
		w.WriteHeader(404)
	}
}

func (f *fakeFeed) push(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	f.attempts = append(f.attempts, key)
	if opKey, ok := f.byKey[key]; ok { // replay, as Codat does
		for _, op := range f.ops {
			if op.PushOperationKey == opKey {
				writeJSON(w, 200, op)
				return
			}
		}
	}
	fault := ""
	if len(f.faults) > 0 {
		fault, f.faults = f.faults[0], f.faults[1:]
	}
	switch fault {
	case "500-before":
		w.WriteHeader(500)
		return
	case "429":
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(429)
		return
	}
	var body CreateBankTransactions
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(400)
		return
	}
	op := PushOperation{PushOperationKey: "op-" + strconv.Itoa(len(f.ops)), CompanyID: "c1", DataConnectionKey: "cc1",
		DataType: "bankTransactions", Status: PushStatusSuccess, StatusCode: 200, RequestedOnUTC: NewDateTime(time.Now().UTC())}
	switch fault {
	case "fail":
		op.Status, op.StatusCode = PushStatusFailed, 400
		op.Validation = &Validation{Errors: []ValidationItem{{ItemID: Ptr(body.Transactions[0].ID), Message: Ptr("Account is not connected")}}}
	case "timeout":
		op.Status = PushStatusTimedOut
	default:
		for _, t := range body.Transactions {
			f.landed = append(f.landed, t.ID)
			op.Changes = append(op.Changes, PushChange{Type: "Created", RecordRef: &RecordRef{ID: t.ID}})
		}
	}
	f.ops = append(f.ops, op)
	f.byKey[key] = op.PushOperationKey
	switch fault {
	case "500-after":
		w.WriteHeader(500)
	case "drop-after":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	default:
		pending := op
		pending.Status = PushStatusPending
		writeJSON(w, 200, pending)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newFakeFeed(t *testing.T, faults ...string) (*fakeFeed, *Client) {
	t.Helper()
	f := &fakeFeed{faults: faults, byKey: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := NewClient("k", WithBaseURL(srv.URL), WithRetryWait(0, 0), WithRetryMax(2))
	require.NoError(t, err)
	return f, c
}

func history(n int) []BankTransaction {
	out := make([]BankTransaction, n)
	start := time.Now().UTC().Add(-48 * time.Hour)
	for i := range out {
		// Newest first, so PushAll has to sort.
		out[i] = BankTransaction{ID: "t" + strconv.Itoa(n-1-i), Date: NewDateTime(start.Add(time.Duration(n-1-i) * time.Minute)),
			Amount: NewDecimal(100, -2), Balance: NewDecimal(int64(n-i)*100, -2)}
	}
	return out
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "t" + strconv.Itoa(i)
	}
	return out
}

var fastWait = &WaitOptions{Interval: time.Millisecond, MaxInterval: time.Millisecond}

func TestPushAllExactlyOnceUnderFaults(t *testing.T) {
	tests := []struct {
		name       string
		faults     []string
		wantOps    int // push operations created
		wantKeys   int // distinct idempotency keys used
		wantPushes int // push attempts
	}{
		{"no faults", nil, 3, 3, 3},
		{"5xx before processing: reconcile finds nothing, resend with a new key", []string{"500-before"}, 3, 4, 4},
		{"5xx after commit: reconcile adopts the operation", []string{"500-after"}, 3, 3, 3},
		{"answer lost after commit: same key replays", []string{"drop-after"}, 3, 3, 4},
		{"429: same key after Retry-After", []string{"429", "429"}, 3, 3, 5},
		{"mixed", []string{"", "500-after", "500-before", "drop-after"}, 3, 4, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFakeFeed(t, tt.faults...)
			var progress []Progress
			txns := history(25)
			res, err := c.Transactions.PushAll(context.Background(), "c1", "cc1", "acc 1", txns, &PushAllOptions{
				BatchSize: 10, Wait: fastWait, OnProgress: func(p Progress) { progress = append(progress, p) },
			})
			require.NoError(t, err)
			assert.Equal(t, 25, res.Pushed)
			assert.Len(t, res.Operations, 3)
			assert.Equal(t, ids(25), f.landed, "every transaction exactly once, in order")
			assert.Len(t, f.ops, tt.wantOps, "one push operation per chunk")
			keys := map[string]bool{}
			for _, k := range f.attempts {
				keys[k] = true
			}
			assert.Len(t, keys, tt.wantKeys)
			assert.Len(t, f.attempts, tt.wantPushes)
			require.Len(t, progress, 3)
			assert.Equal(t, Progress{Chunk: 2, Chunks: 3, Pushed: 25, Total: 25, Operation: progress[2].Operation}, progress[2])
			assert.Equal(t, "t24", txns[0].ID, "the caller's slice is not reordered")
			assert.True(t, res.HighWaterMark.Equal(txns[0].Date.Time), "the newest date pushed is the next NotBefore")
		})
	}
}

func TestPushAllFailureHandsBackTheRest(t *testing.T) {
	f, c := newFakeFeed(t, "", "fail")
	res, err := c.Transactions.PushAll(context.Background(), "c1", "cc1", "acc1", history(25), &PushAllOptions{BatchSize: 10, Wait: fastWait})
	var pe *PushError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, ErrPushFailed)
	assert.Equal(t, 1, pe.Chunk)
	assert.Equal(t, 10, pe.Pushed)
	require.Len(t, pe.Remaining, 15)
	assert.Equal(t, "t10", pe.Remaining[0].ID)
	assert.Equal(t, []string{"t10: Account is not connected"}, pe.Messages)
	assert.Contains(t, err.Error(), "chunk 1")
	assert.Contains(t, err.Error(), "op-1")
	assert.Equal(t, 10, res.Pushed)
	assert.Len(t, f.landed, 10)
}

func TestPushAllTimedOutIsNotResent(t *testing.T) {
	f, c := newFakeFeed(t, "timeout")
	_, err := c.Transactions.PushAll(context.Background(), "c1", "cc1", "acc1", history(5), &PushAllOptions{Wait: fastWait})
	require.ErrorIs(t, err, ErrPushTimedOut)
	assert.Len(t, f.attempts, 1, "a TimedOut chunk may still be written: never resent")
}

func TestPushAllCallerKeyIsStable(t *testing.T) {
	txns := history(15)
	f1, c1 := newFakeFeed(t)
	_, err := c1.Transactions.PushAll(context.Background(), "c1", "cc1", "a", txns, &PushAllOptions{BatchSize: 10, Wait: fastWait, PushOptions: PushOptions{IdempotencyKey: "batch-42"}})
	require.NoError(t, err)
	f2, c2 := newFakeFeed(t)
	_, err = c2.Transactions.PushAll(context.Background(), "c1", "cc1", "a", txns, &PushAllOptions{BatchSize: 10, Wait: fastWait, PushOptions: PushOptions{IdempotencyKey: "batch-42"}})
	require.NoError(t, err)
	assert.Equal(t, f1.attempts, f2.attempts, "a restarted process resends the same chunks under the same keys")
	assert.NotEqual(t, f1.attempts[0], f1.attempts[1])
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, f1.attempts[0])
}

func TestPushAllChecksBeforeSending(t *testing.T) {
	f, c := newFakeFeed(t)
	bad := history(3)
	bad[1].Balance = Decimal{} // Xero (the connection's platform) needs a balance
	_, err := c.Transactions.PushAll(context.Background(), "c1", "cc1", "a", bad, &PushAllOptions{Wait: fastWait})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "balance", ve.Field)
	assert.Empty(t, f.attempts, "nothing sent")
	for _, o := range []*PushAllOptions{{BatchSize: 1001}, {BatchSize: -1}} {
		_, err = c.Transactions.PushAll(context.Background(), "c1", "cc1", "a", history(2), o)
		assert.ErrorAs(t, err, &ve)
	}
	_, err = c.Transactions.PushAll(context.Background(), "c1", "cc1", "", history(2), nil)
	assert.ErrorAs(t, err, &ve)
	res, err := c.Transactions.PushAll(context.Background(), "c1", "cc1", "a", nil, nil)
	require.NoError(t, err, "no transactions is a success that pushed nothing")
	assert.Equal(t, 0, res.Pushed)
	assert.Empty(t, f.attempts, "nothing sent")
}

func TestWaitForOperationHonoursContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, PushOperation{PushOperationKey: "k", Status: PushStatusPending})
	}))
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Transactions.WaitForOperation(ctx, "c1", "k", &WaitOptions{Interval: time.Millisecond})
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
}

// BeforeSend hears of a chunk before each key it goes under, OnAccepted of
// its push operation: what a durable caller keeps.
func TestPushAllTellsBeforeSendingAndOnAnswer(t *testing.T) {
	f, c := newFakeFeed(t, "", "500-before")
	var before, accepted []*InFlight
	_, err := c.Transactions.PushAll(context.Background(), "c1", "cc1", "a", history(15), &PushAllOptions{BatchSize: 10, Wait: fastWait,
		BeforeSend: func(fl *InFlight) error { before = append(before, fl); return nil },
		OnAccepted: func(fl *InFlight) { accepted = append(accepted, fl) }})
	require.NoError(t, err)
	require.Len(t, before, 3, "chunk 0 once; chunk 1 under its first key and again under a new one after the 5xx")
	require.Len(t, accepted, 2)
	for i, fl := range before {
		assert.Equal(t, f.attempts[i], fl.IdempotencyKey, "told of the key before it was sent")
		assert.NoError(t, fl.check("c1", "cc1", "a"))
		assert.Empty(t, fl.PushOperationKey)
	}
	for _, fl := range accepted {
		assert.NotEmpty(t, fl.PushOperationKey)
	}
	errStore := errors.New("store down")
	f2, c2 := newFakeFeed(t)
	_, err = c2.Transactions.PushAll(context.Background(), "c1", "cc1", "a", history(3), &PushAllOptions{Wait: fastWait,
		BeforeSend: func(*InFlight) error { return errStore }})
	require.ErrorIs(t, err, errStore)
	var pe *PushError
	require.ErrorAs(t, err, &pe)
	assert.Nil(t, pe.InFlight, "nothing was sent")
	assert.Empty(t, f2.attempts)
}
