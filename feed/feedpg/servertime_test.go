package feedpg_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

// lostFirstPush is a transport on which the first push is committed by
// the sandbox and answered 500 (its ServerErrorAfter fault, then turned
// off), and the first listing of push operations reaches the sandbox late:
// what a busy fleet sees when a worker's first request is a push whose
// answer is lost and its reconcile waits for the budget.
type lostFirstPush struct {
	srv      *bankfeedstest.Server
	next     http.RoundTripper
	mu       sync.Mutex
	pushed   bool
	listed   bool
	listWait time.Duration
}

func (l *lostFirstPush) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	firstPush := !l.pushed && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/bankTransactions")
	firstList := !l.listed && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/push")
	l.pushed = l.pushed || firstPush
	l.listed = l.listed || firstList
	l.mu.Unlock()
	if firstList {
		time.Sleep(l.listWait)
	}
	resp, err := l.next.RoundTrip(r)
	if firstPush {
		l.srv.SetFaults(bankfeedstest.Faults{})
	}
	return resp, err
}

// A worker process whose first request is a push has no server time yet;
// when that push is committed and answered 500, its reconcile must still
// look back far enough to find the operation, on a sandbox whose clock
// runs fleetSpeedup times faster than this machine's, as TestFleet's does
// (so a server time learnt after the send, applied to the send, lands
// after the operation). Before the engine learnt the server's time before
// a fresh chunk's first send, the chunk was sent again under a new key and
// landed twice (on QuickBooks the second push Failed, and the feed paused
// after three with its lines in Codat and reported undelivered: TestFleet's
// stranded feed).
func TestAFreshWorkersFirstChunkIsReconciledOnTheServersClock(t *testing.T) {
	pool := connect(t, pgtest.Database(t), 10)
	ctx := context.Background()
	start := time.Now()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(5*time.Millisecond),
		bankfeedstest.WithClock(func() time.Time { return start.Add(time.Since(start) * fleetSpeedup) }))
	defer srv.Close()
	setup, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	accs, err := feedtest.Setup(ctx, setup, srv, 1, 1, bankfeeds.PlatformXero)
	if err != nil {
		t.Fatal(err)
	}
	a := accs[0]
	eng, err := feedpg.Open(ctx, pool, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	id, err := eng.AddFeed(ctx, feed.Spec{CompanyID: a.CompanyID, ConnectionID: a.ConnectionID, AccountID: a.AccountID, Platform: a.Platform})
	if err != nil {
		t.Fatal(err)
	}
	lines := feedtest.Statement(a, 20, time.Now().UTC().Add(-time.Hour), time.Minute)
	if _, err := eng.Append(ctx, id, lines...); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(bankfeedstest.Faults{Seed: 1, ServerErrorAfter: 1, Paths: "/bankTransactions"})
	tr := &lostFirstPush{srv: srv, next: http.DefaultTransport, listWait: 1500 * time.Millisecond}
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithHTTPClient(&http.Client{Transport: tr}),
		bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond), eng.ClientOption())
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx, c); err != nil {
		t.Fatal(err)
	}
	defer eng.Stop(ctx)
	waitSettled(t, eng, pool, time.Minute)
	if n := srv.FaultCounts().ServerErrorAfter; n != 1 {
		t.Fatalf("%d pushes were answered 500 after committing, want 1: the test did not do what it means to", n)
	}
	if err := feedtest.CheckLanded(srv, a, lines); err != nil {
		t.Error(err)
	}
	if _, err := feedtest.CheckOperations(srv, a.CompanyID); err != nil {
		t.Error(err)
	}
}
