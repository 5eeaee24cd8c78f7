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
	"github.com/jackc/pgx/v5/pgxpool"
)

// leaseLostAfterReconcile is a transport on which the first push is
// committed and answered 500 (the sandbox's fault, then turned off), and
// the connection's lease is taken from the job (its generation bumped, as
// the kick does for a worker it takes for dead) as soon as the job's
// reconcile has listed the operations: the job adopts the operation that
// holds its chunk, and cannot record it.
type leaseLostAfterReconcile struct {
	srv    *bankfeedstest.Server
	pool   *pgxpool.Pool
	mu     sync.Mutex
	pushed bool
	listed bool
	err    error
}

func (l *leaseLostAfterReconcile) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	firstPush := !l.pushed && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/bankTransactions")
	firstList := !l.listed && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/push")
	l.pushed = l.pushed || firstPush
	l.listed = l.listed || firstList
	l.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if firstPush {
		l.srv.SetFaults(bankfeedstest.Faults{})
	}
	if firstList {
		_, perr := l.pool.Exec(context.Background(), `UPDATE bankfeeds_connection SET job_gen = job_gen + 1, lease_owner = '', lease_until = 0`)
		l.mu.Lock()
		l.err = perr
		l.mu.Unlock()
	}
	return resp, err
}

// A job whose reconcile adopted the operation holding its chunk, and that
// lost its lease before it could record it, leaves the chunk in flight
// without the operation's key; the same process, resuming it, must wait
// for that operation. Its client knows the operation (as answered for a
// chunk) and its reconcile passes it over, so before the engine kept the
// operations it learnt for chunks in flight, the chunk was sent again
// under a new key and landed twice.
func TestAChunkAdoptedByReconcileIsNotSentAgainAfterTheLeaseIsLost(t *testing.T) {
	pool := connect(t, pgtest.Database(t), 10)
	ctx := context.Background()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(5 * time.Millisecond))
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
	tr := &leaseLostAfterReconcile{srv: srv, pool: pool}
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
	listed, perr := tr.listed, tr.err
	tr.mu.Unlock()
	if !listed || perr != nil || srv.FaultCounts().ServerErrorAfter != 1 {
		t.Fatalf("the test did not do what it means to: listed %v, bump %v, faults %+v", listed, perr, srv.FaultCounts())
	}
	if err := feedtest.CheckLanded(srv, a, lines); err != nil {
		t.Error(err)
	}
	if _, err := feedtest.CheckOperations(srv, a.CompanyID); err != nil {
		t.Error(err)
	}
}
