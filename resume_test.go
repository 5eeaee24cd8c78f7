package bankfeeds_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// scripted is a transport between the client and the sandbox that does one
// scripted thing to one push or one poll: cancel the caller's context
// before, during or after the request, or answer 500 before or after the
// sandbox committed it.
type scripted struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	// act is asked for each request with the count of pushes (or polls of a
	// push operation) seen so far, and returns what to do.
	act    func(push bool, n int) string
	pushes int
	polls  int
	// before runs inside a push, before it is forwarded (a second writer).
	before func(n int)
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	push := req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/bankTransactions")
	poll := req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/push/")
	s.mu.Lock()
	n, action := 0, ""
	switch {
	case push:
		s.pushes++
		n = s.pushes
	case poll:
		s.polls++
		n = s.polls
	}
	if (push || poll) && s.act != nil {
		action = s.act(push, n)
	}
	cancel, before := s.cancel, s.before
	s.mu.Unlock()
	if push && before != nil {
		before(n)
	}
	forward := func() (*http.Response, error) {
		return http.DefaultTransport.RoundTrip(req.Clone(context.WithoutCancel(req.Context())))
	}
	drain := func(resp *http.Response, err error) {
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	switch action {
	case "cancel-before":
		cancel()
		return nil, context.Canceled
	case "cancel-during":
		done := make(chan struct{})
		go func() { drain(forward()); close(done) }()
		time.Sleep(time.Millisecond)
		cancel()
		return nil, context.Canceled
	case "cancel-after":
		drain(forward())
		cancel()
		return nil, context.Canceled
	case "500-before":
		return serverError(req), nil
	case "500-after":
		drain(forward())
		return serverError(req), nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

func serverError(req *http.Request) *http.Response {
	return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"statusCode":500,"error":"scripted"}`)), Request: req}
}

// feed is a sandbox with one linked connection and its source accounts.
type feed struct {
	srv                 *bankfeedstest.Server
	c                   *bankfeeds.Client
	tr                  *scripted
	company, connection string
	platform            string
}

func newFeed(t *testing.T, platform string, accounts ...string) *feed {
	t.Helper()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(2 * time.Millisecond))
	t.Cleanup(srv.Close)
	tr := &scripted{cancel: func() {}}
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithHTTPClient(&http.Client{Transport: tr}),
		bankfeeds.WithRetryWait(time.Millisecond, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Resume " + platform})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(ctx, co.ID, platform)
	if err != nil {
		t.Fatal(err)
	}
	currency := map[string]string{bankfeeds.PlatformQuickBooksOnlineBankFeeds: "USD"}[platform]
	if currency == "" {
		currency = "GBP"
	}
	for i, a := range accounts {
		if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: a, AccountName: "Account " + a,
			AccountType: bankfeeds.AccountTypeChecking, AccountNumber: strconv.Itoa(4000 + i), Currency: currency, Balance: bankfeeds.NewDecimal(0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	return &feed{srv: srv, c: c, tr: tr, company: co.ID, connection: conn.ID, platform: platform}
}

// lines returns n booked lines with chained balances, oldest first, dated
// over the last few days (inside every platform's window).
func lines(prefix string, n int) []bankfeeds.BankTransaction {
	out := make([]bankfeeds.BankTransaction, n)
	start := time.Now().UTC().Add(-5 * 24 * time.Hour).Truncate(time.Second)
	for i := range out {
		out[i] = bankfeeds.BankTransaction{ID: prefix + strconv.Itoa(i), Date: bankfeeds.NewDateTime(start.Add(time.Duration(i) * time.Second)),
			Description: bankfeeds.Ptr("Card payment " + strconv.Itoa(i)), Amount: bankfeeds.NewDecimal(100, -2),
			Balance: bankfeeds.NewDecimal(int64(i+1)*100, -2)}
	}
	return out
}

// landedExactlyOnce fails unless the account holds exactly want, in order.
func (f *feed) landedExactlyOnce(t *testing.T, account string, want []bankfeeds.BankTransaction) {
	t.Helper()
	got := f.srv.Transactions(f.company, f.connection, account)
	if len(got) != len(want) {
		t.Fatalf("%s holds %d lines, want %d exactly once", account, len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("%s line %d is %s, want %s", account, i, got[i].ID, want[i].ID)
		}
	}
}

func (f *feed) successOps() int {
	n := 0
	for _, op := range f.srv.PushOperations(f.company) {
		if op.Status == bankfeeds.PushStatusSuccess {
			n++
		}
	}
	return n
}

// resumeUntilDone resumes as the README says until nothing is left.
func resumeUntilDone(t *testing.T, f *feed, err error, opts *bankfeeds.PushAllOptions) int {
	t.Helper()
	pushed := 0
	for tries := 0; err != nil; tries++ {
		var pe *bankfeeds.PushError
		if !errors.As(err, &pe) || tries == 20 {
			t.Fatalf("cannot resume from %v", err)
		}
		var res *bankfeeds.PushResult
		res, err = f.c.Transactions.Resume(context.Background(), pe, opts)
		if res != nil {
			pushed += res.Pushed
		}
	}
	return pushed
}

var resumePlatforms = []string{bankfeeds.PlatformQuickBooksOnlineBankFeeds, bankfeeds.PlatformSageBankFeeds, bankfeeds.PlatformXero}

// Hole 1: a context that ends while a chunk Codat accepted is being waited
// for (or sent, or before it is sent), then a resume as the README says,
// must land every line exactly once and in order, on every platform; and
// the error must name the chunk in flight whenever Codat may hold it.
func TestHole1CancelThenResumeLandsExactlyOnce(t *testing.T) {
	instants := []struct {
		name     string
		act      func(push bool, n int) string
		inFlight bool // the error must carry InFlight
	}{
		{"before send", func(push bool, n int) string { return pick(push && n == 2, "cancel-before") }, true},
		{"during send", func(push bool, n int) string { return pick(push && n == 2, "cancel-during") }, true},
		{"after accept", func(push bool, n int) string { return pick(push && n == 2, "cancel-after") }, true},
		{"during wait", func(push bool, n int) string { return pick(!push && n == 2, "cancel-before") }, true},
	}
	for _, platform := range resumePlatforms {
		for _, in := range instants {
			for _, pastWindow := range []bool{false, true} {
				name := platform + "/" + in.name
				if pastWindow {
					if in.name == "during send" {
						continue // the first request may still be on its way
					}
					name += "/past the replay window"
				}
				t.Run(name, func(t *testing.T) {
					f := newFeed(t, platform, "acc-1")
					want := lines("t", 30)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					f.tr.mu.Lock()
					f.tr.cancel, f.tr.act = cancel, in.act
					f.tr.mu.Unlock()
					opts := &bankfeeds.PushAllOptions{BatchSize: 10, PushOptions: bankfeeds.PushOptions{Platform: platform},
						Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
					res, err := f.c.Transactions.PushAll(ctx, f.company, f.connection, "acc-1", want, opts)
					var pe *bankfeeds.PushError
					if !errors.As(err, &pe) {
						t.Fatalf("want a *PushError, got %v", err)
					}
					if !errors.Is(err, context.Canceled) {
						t.Errorf("the cause is the context: %v", err)
					}
					if in.inFlight && pe.InFlight == nil {
						t.Fatalf("chunk %d may be held by Codat but the error names nothing in flight: %v", pe.Chunk, err)
					}
					if pe.InFlight != nil && (pe.InFlight.IdempotencyKey == "" || len(pe.InFlight.Transactions) != 10) {
						t.Fatalf("in flight: %+v", pe.InFlight)
					}
					if in.name == "during wait" && pe.InFlight.PushOperationKey == "" {
						t.Errorf("the push operation was answered: its key must be kept")
					}
					if pastWindow {
						pe.InFlight.KeySentAt = pe.InFlight.KeySentAt.Add(-2 * time.Hour) // a restart after Codat forgot the key
					}
					f.tr.mu.Lock()
					f.tr.act = nil
					f.tr.mu.Unlock()
					pushed := res.Pushed + resumeUntilDone(t, f, err, opts)
					if pushed != len(want) {
						t.Errorf("reported %d pushed, want %d", pushed, len(want))
					}
					f.landedExactlyOnce(t, "acc-1", want)
					if n := f.successOps(); n != 3 {
						t.Errorf("%d successful push operations, want one a chunk (3)", n)
					}
				})
			}
		}
	}
}

func pick(cond bool, action string) string {
	if cond {
		return action
	}
	return ""
}

// Hole 2a: two accounts of one connection with the same line ids. A 5xx
// before the sandbox committed acc-2's push must not adopt acc-1's
// operation: acc-2's lines land.
func TestHole2ReconcileIgnoresAnotherAccountsOperation(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformXero, "acc-1", "acc-2")
	txns := lines("t", 5)
	opts := &bankfeeds.PushAllOptions{PushOptions: bankfeeds.PushOptions{Platform: f.platform}, Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond}}
	first, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", txns, opts)
	if err != nil {
		t.Fatal(err)
	}
	f.tr.act = func(push bool, n int) string { return pick(push && n == 2, "500-before") }
	res, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-2", txns, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Operations[0].PushOperationKey == first.Operations[0].PushOperationKey {
		t.Fatalf("acc-2 adopted acc-1's push operation %s", first.Operations[0].PushOperationKey)
	}
	f.landedExactlyOnce(t, "acc-1", txns)
	f.landedExactlyOnce(t, "acc-2", txns)
}

// Hole 2b: run 1 pushes t0..t4, run 2 pushes t4..t9 and meets one 500
// before commit: run 2 must not adopt run 1's operation (it holds t4, not
// exactly run 2's ids) and its lines must land.
func TestHole2ReconcileNeedsExactlyTheChunksIDs(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformQuickBooksOnlineBankFeeds, "acc-1")
	all := lines("t", 10)
	opts := &bankfeeds.PushAllOptions{PushOptions: bankfeeds.PushOptions{Platform: f.platform}, Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond}}
	run1, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", all[:5], opts)
	if err != nil {
		t.Fatal(err)
	}
	f.tr.act = func(push bool, n int) string { return pick(push && n == 2, "500-before") }
	opts.NotBefore = run1.HighWaterMark
	run2, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", all[4:], opts)
	if err != nil {
		t.Fatal(err)
	}
	if run2.Operations[0].PushOperationKey == run1.Operations[0].PushOperationKey {
		t.Fatal("run 2 adopted run 1's push operation")
	}
	if run2.Pushed != 6 {
		t.Errorf("run 2 pushed %d, want 6", run2.Pushed)
	}
	got := f.srv.Transactions(f.company, f.connection, "acc-1")
	if len(got) != 11 || got[10].ID != "t9" {
		t.Fatalf("run 2's lines did not land: %d lines", len(got))
	}
}

// Hole 2, the undecidable case: another writer (a second process, here a
// second Client) pushes the same ids to another account of the connection
// while this chunk's answer is a 5xx after commit. Codat's records cannot
// tell the two operations apart, so PushAll must neither adopt one nor
// resend: it says so, and names the chunk in flight.
func TestHole2ReconcileRefusesToGuess(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformXero, "acc-1", "acc-2")
	txns := lines("t", 5)
	other, err := bankfeeds.NewClient(f.srv.APIKey, bankfeeds.WithBaseURL(f.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	opts := &bankfeeds.PushAllOptions{PushOptions: bankfeeds.PushOptions{Platform: f.platform}, Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond}}
	f.tr.before = func(n int) {
		if n == 1 {
			if _, err := other.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", txns, opts); err != nil {
				t.Error(err)
			}
		}
	}
	f.tr.act = func(push bool, n int) string { return pick(push && n == 1, "500-after") }
	_, err = f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-2", txns, opts)
	if !errors.Is(err, bankfeeds.ErrPushUnsettled) {
		t.Fatalf("want ErrPushUnsettled, got %v", err)
	}
	var pe *bankfeeds.PushError
	if !errors.As(err, &pe) || pe.InFlight == nil {
		t.Fatalf("the chunk in flight must be named: %v", err)
	}
	if ops := f.srv.PushOperations(f.company); len(ops) != 2 {
		t.Errorf("%d push operations, want 2: nothing resent", len(ops))
	}
}

// Hole 5: one base key for two accounts, and a resume from Remaining with
// the same base key, must never reuse a key for a different body (Codat
// answers 422): the same chunk of the same account gets the same key.
func TestHole5KeysFollowAccountAndContent(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformXero, "acc-1", "acc-2")
	txns := lines("t", 25)
	opts := &bankfeeds.PushAllOptions{BatchSize: 10, PushOptions: bankfeeds.PushOptions{Platform: f.platform, IdempotencyKey: "nightly-2026-12-01"},
		Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond}}
	for _, acc := range []string{"acc-1", "acc-2"} {
		if _, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, acc, txns, opts); err != nil {
			t.Fatalf("%s: %v", acc, err)
		}
		f.landedExactlyOnce(t, acc, txns)
	}
	// A restarted run that resends the whole set is answered with the first
	// pushes, not written again.
	if _, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", txns, opts); err != nil {
		t.Fatal(err)
	}
	f.landedExactlyOnce(t, "acc-1", txns)
	// Resuming from the middle with the same base key sends other bodies
	// under other keys.
	opts.NotBefore = txns[9].Date
	if _, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", txns[10:], opts); err != nil {
		t.Fatalf("resume from Remaining with the same base key: %v", err)
	}
	if n := f.successOps(); n != 6 {
		t.Errorf("%d push operations, want 6 (3 chunks for each account)", n)
	}
}
