package bankfeeds_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// requestCounter counts a client's pushes and polls of push operations.
type requestCounter struct {
	mu           sync.Mutex
	pushes, gets int
}

func (rc *requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	rc.mu.Lock()
	switch {
	case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/bankTransactions"):
		rc.pushes++
	case req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/push/"):
		rc.gets++
	}
	rc.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (rc *requestCounter) counts() (int, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.pushes, rc.gets
}

func linkedFeed(t *testing.T, srv *bankfeedstest.Server, c *bankfeeds.Client) (string, string) {
	t.Helper()
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Polling"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: "acc-1", AccountName: "Main",
		AccountType: bankfeeds.AccountTypeChecking, AccountNumber: "1", Currency: "GBP", Balance: bankfeeds.NewDecimal(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	return co.ID, conn.ID
}

// Polls follow how long operations take: once the Client has seen one
// operation end, each later chunk costs its push and at most two polls (at
// 5 s an operation that is 3 requests a chunk, where fixed 1.5x backoff
// from 250 ms needed 8). The sandbox's operations take 200 ms here, with the
// first poll at 20 ms: the same shape, ten times faster.
func TestPollingFitsOperationTimes(t *testing.T) {
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushTiming(bankfeedstest.PushTiming{Delay: 200 * time.Millisecond}))
	defer srv.Close()
	rc := &requestCounter{}
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithHTTPClient(&http.Client{Transport: rc}))
	if err != nil {
		t.Fatal(err)
	}
	co, conn := linkedFeed(t, srv, c)
	txns := lines("t", 50)
	res, err := c.Transactions.PushAll(context.Background(), co, conn, "acc-1", txns, &bankfeeds.PushAllOptions{BatchSize: 10,
		Wait: &bankfeeds.WaitOptions{Interval: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	pushes, gets := rc.counts()
	if pushes != 5 || res.Pushed != 50 {
		t.Fatalf("%d pushes, %d pushed", pushes, res.Pushed)
	}
	// The first chunk learns (20, 30, 45, 67, 101 ms: about 6 polls); the
	// other four need at most two each.
	if gets > 6+4*2 {
		t.Errorf("%d polls for 5 chunks: the schedule does not follow the operations' times", gets)
	}
	t.Logf("5 chunks: %d pushes and %d polls (%.1f requests a chunk)", pushes, gets, float64(pushes+gets)/5)
}

// With Codat's bankTransactions.write.* webhooks wired in, a chunk costs
// one request: its push.
func TestPushAllSettlesFromWebhooks(t *testing.T) {
	secret := webhooks.NewSecret()
	ops := webhooks.NewOperations()
	h, err := webhooks.NewHandler(secret, ops.Handle)
	if err != nil {
		t.Fatal(err)
	}
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(30 * time.Millisecond))
	defer srv.Close()
	if err := srv.SetWebhook(receiver.URL, secret, webhooks.EventBankTransactionsWriteSuccessful, webhooks.EventBankTransactionsWriteUnsuccessful); err != nil {
		t.Fatal(err)
	}
	rc := &requestCounter{}
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithHTTPClient(&http.Client{Transport: rc}))
	if err != nil {
		t.Fatal(err)
	}
	co, conn := linkedFeed(t, srv, c)
	txns := lines("t", 30)
	res, err := c.Transactions.PushAll(context.Background(), co, conn, "acc-1", txns, &bankfeeds.PushAllOptions{BatchSize: 10,
		Wait: &bankfeeds.WaitOptions{Events: ops, EventGrace: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	pushes, gets := rc.counts()
	if pushes != 3 || gets != 0 || res.Pushed != 30 {
		t.Fatalf("%d pushes and %d polls for 3 chunks (%d pushed): want one request a chunk", pushes, gets, res.Pushed)
	}
	got := srv.Transactions(co, conn, "acc-1")
	if len(got) != 30 || got[29].ID != "t29" {
		t.Fatalf("%d landed", len(got))
	}
}

// When the event never comes, polling takes over after the grace.
func TestWaitFallsBackToPollingWhenNoEventComes(t *testing.T) {
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(10 * time.Millisecond))
	defer srv.Close()
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	co, conn := linkedFeed(t, srv, c)
	res, err := c.Transactions.PushAll(context.Background(), co, conn, "acc-1", lines("t", 5), &bankfeeds.PushAllOptions{
		Wait: &bankfeeds.WaitOptions{Events: webhooks.NewOperations(), EventGrace: 50 * time.Millisecond, Interval: 10 * time.Millisecond}})
	if err != nil || res.Pushed != 5 {
		t.Fatalf("%v, %+v", err, res)
	}
	if res.Operations[0].Status != bankfeeds.PushStatusSuccess || res.Operations[0].RequestedOnUTC.IsZero() {
		t.Errorf("a polled operation comes back whole: %+v", res.Operations[0])
	}
}
