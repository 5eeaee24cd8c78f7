package bankfeedstest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// processing is how long the sandbox takes for a write while these tests
// send one several times at once: long enough that the sends started once
// the first has arrived overlap it, and well within what the client's
// retries wait in all (20 retries, 20 to 100 ms each: about 0.9 s).
const processing = 400 * time.Millisecond

// keyWatch serves the sandbox and closes arrived when the first request
// with the Idempotency-Key key reaches it.
type keyWatch struct {
	next    http.Handler
	key     string
	once    sync.Once
	arrived chan struct{}
}

func (k *keyWatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Idempotency-Key") == k.key {
		k.once.Do(func() { close(k.arrived) })
	}
	k.next.ServeHTTP(w, r)
}

// overlapping serves a sandbox, and a client that counts the attempts
// Codat answered 409 (the key in flight) and retries them patiently.
func overlapping(t *testing.T, key string) (*bankfeedstest.Server, *bankfeeds.Client, *keyWatch, *atomic.Int32) {
	t.Helper()
	sb := bankfeedstest.NewHandler(bankfeedstest.WithPushDelay(0))
	watch := &keyWatch{next: sb.Handler(), key: key, arrived: make(chan struct{})}
	ts := httptest.NewServer(watch)
	t.Cleanup(func() { ts.Close(); sb.Close() })
	sb.URL = ts.URL // for raw requests (links are not used)
	var conflicts atomic.Int32
	c, err := bankfeeds.NewClient(sb.APIKey, bankfeeds.WithBaseURL(ts.URL), bankfeeds.WithRetryWait(20*time.Millisecond, 100*time.Millisecond),
		bankfeeds.WithRetryMax(20), bankfeeds.WithHooks(bankfeeds.Hooks{AttemptEnd: func(_ context.Context, a *bankfeeds.Attempt) {
			if a.Status == http.StatusConflict {
				conflicts.Add(1)
			}
		}}))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c, watch, &conflicts
}

// together runs send n times: once, then n-1 times at once as soon as the
// first has reached the sandbox, so that they overlap its processing.
func together(watch *keyWatch, n int, send func(i int)) {
	var wg sync.WaitGroup
	wg.Add(n)
	go func() { defer wg.Done(); send(0) }()
	<-watch.arrived
	for i := 1; i < n; i++ {
		go func() { defer wg.Done(); send(i) }()
	}
	wg.Wait()
}

// A write sent again under its key while the first send is still being
// processed is answered 409, as Codat answers it; the SDK waits and
// resends the same key until the first answer is replayed: every call
// returns the one company, and only one is created.
func TestConcurrentCreatesUnderOneKeyWaitForTheFirst(t *testing.T) {
	const key, n = "create-once", 20
	sb, c, watch, conflicts := overlapping(t, key)
	sb.SetProcessingTime(processing)
	ctx := bankfeeds.WithIdempotencyKey(t.Context(), key)
	ids := make([]string, n)
	errs := make([]error, n)
	together(watch, n, func(i int) {
		co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Once"})
		if co != nil {
			ids[i] = co.ID
		}
		errs[i] = err
	})
	for i := range n {
		if errs[i] != nil || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("call %d: company %q, %v; call 1: %q", i+1, ids[i], errs[i], ids[0])
		}
	}
	if got := countCompanies(t, c); got != 1 {
		t.Fatalf("%d companies created, want 1", got)
	}
	if conflicts.Load() == 0 {
		t.Fatal("no send was answered 409 while the first was processed")
	}
	t.Logf("%d calls, %d attempts answered 409", n, conflicts.Load())
}

// The same for a push sent by several processes under one key (resuming
// the same chunk at once): one push operation, named by every answer, and
// each line landed once.
func TestConcurrentPushesUnderOneKeyLandOnce(t *testing.T) {
	const key, n = "push-once", 5
	sb, c, watch, conflicts := overlapping(t, key)
	co, conn := linked(t, sb, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	now := time.Now().Add(-time.Hour)
	txns := []bankfeeds.BankTransaction{txn("t1", now, "-5.00", "95.00"), txn("t2", now.Add(time.Minute), "-5.00", "90.00")}
	sb.SetProcessingTime(processing)
	keys := make([]string, n)
	errs := make([]error, n)
	together(watch, n, func(i int) {
		op, err := c.Transactions.Push(t.Context(), co.ID, conn.ID, "a1", txns, &bankfeeds.PushOptions{IdempotencyKey: key})
		if op != nil {
			keys[i] = op.PushOperationKey
		}
		errs[i] = err
	})
	for i := range n {
		if errs[i] != nil || keys[i] == "" || keys[i] != keys[0] {
			t.Fatalf("push %d: operation %q, %v; push 1: %q", i+1, keys[i], errs[i], keys[0])
		}
	}
	pushes := 0
	for _, op := range sb.PushOperations(co.ID) {
		if op.DataType == "bankTransactions" {
			pushes++
		}
	}
	if landed := sb.Transactions(co.ID, conn.ID, "a1"); pushes != 1 || len(landed) != len(txns) {
		t.Fatalf("%d push operations, %d lines landed: want 1 and %d", pushes, len(landed), len(txns))
	}
	if conflicts.Load() == 0 {
		t.Fatal("no push was answered 409 while the first was processed")
	}
}

// On the wire: a second request with the key while the first is processed
// gets Codat's 409 ErrorMessage, and once the first has its answer the key
// replays it.
func TestAKeyIsInFlightWhileItsWriteIsProcessed(t *testing.T) {
	const key, body = "slow", `{"name":"Slow"}`
	sb, c, watch, _ := overlapping(t, key)
	sb.SetProcessingTime(processing)
	first := make(chan int, 1)
	go func() {
		resp, _ := raw(t, sb, http.MethodPost, "/companies", body, "Idempotency-Key", key)
		first <- resp.StatusCode
	}()
	<-watch.arrived
	resp, b := raw(t, sb, http.MethodPost, "/companies", body, "Idempotency-Key", key)
	wantError(t, resp, b, http.StatusConflict)
	if st := <-first; st != 200 {
		t.Fatalf("the first request: %d", st)
	}
	if r, _ := raw(t, sb, http.MethodPost, "/companies", body, "Idempotency-Key", key); r.StatusCode != 200 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("after the first finished, the key replays: %d", r.StatusCode)
	}
	sb.SetProcessingTime(0)
	if n := countCompanies(t, c); n != 1 {
		t.Fatalf("%d companies, want 1", n)
	}
}
