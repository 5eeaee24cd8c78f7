package feedpg_test

import (
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

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
	start := time.Now()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(5*time.Millisecond),
		bankfeedstest.WithClock(func() time.Time { return start.Add(time.Since(start) * fleetSpeedup) }))
	defer srv.Close()
	// The first listing reaches the sandbox late, as a busy fleet's does
	// when its reconcile waits for the budget.
	late := func() error { time.Sleep(1500 * time.Millisecond); return nil }
	deliverThroughFirstPush500(t, srv, pool, &firstPush500{srv: srv, beforeList: late})
}
