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
	"github.com/jackc/pgx/v5/pgxpool"
)

// firstPush500 is a transport on which the first push is committed by the
// sandbox and answered 500 (its ServerErrorAfter fault, then turned off).
// beforeList runs before the first listing of push operations is sent, and
// afterList once it is answered; either may be nil.
type firstPush500 struct {
	srv                   *bankfeedstest.Server
	beforeList, afterList func() error
	mu                    sync.Mutex
	pushed, listed        bool
	err                   error
}

func (l *firstPush500) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	firstPush := !l.pushed && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/bankTransactions")
	firstList := !l.listed && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/push")
	l.pushed = l.pushed || firstPush
	l.listed = l.listed || firstList
	l.mu.Unlock()
	if firstList && l.beforeList != nil {
		l.fail(l.beforeList())
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if firstPush {
		l.srv.SetFaults(bankfeedstest.Faults{})
	}
	if firstList && l.afterList != nil {
		l.fail(l.afterList())
	}
	return resp, err
}

func (l *firstPush500) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// deliverThroughFirstPush500 delivers 20 lines of one Xero feed on srv with
// an engine on pool whose client sends through tr, the sandbox set to answer
// the first push 500 after committing it, and checks that the chunk was
// reconciled, not sent again: every line landed exactly once, in order, one
// operation a chunk.
func deliverThroughFirstPush500(t *testing.T, srv *bankfeedstest.Server, pool *pgxpool.Pool, tr *firstPush500) {
	t.Helper()
	ctx := context.Background()
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
	tr.mu.Lock()
	listed, terr := tr.listed, tr.err
	tr.mu.Unlock()
	if n := srv.FaultCounts().ServerErrorAfter; !listed || terr != nil || n != 1 {
		t.Fatalf("the test did not do what it means to: listed %v (%v), %d pushes answered 500 after committing, want 1", listed, terr, n)
	}
	if err := feedtest.CheckLanded(srv, a, lines); err != nil {
		t.Error(err)
	}
	if _, err := feedtest.CheckOperations(srv, a.CompanyID); err != nil {
		t.Error(err)
	}
}
