package feedpg_test

import (
	"context"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

// A job whose reconcile adopted the operation holding its chunk, and that
// lost its lease before it could record it, leaves the chunk in flight
// without the operation's key; the same process, resuming it, must wait
// for that operation. Its client knows the operation (as answered for a
// chunk) and its reconcile passes it over, so before the engine kept the
// operations it learnt for chunks in flight, the chunk was sent again
// under a new key and landed twice.
func TestAChunkAdoptedByReconcileIsNotSentAgainAfterTheLeaseIsLost(t *testing.T) {
	pool := connect(t, pgtest.Database(t), 10)
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(5 * time.Millisecond))
	defer srv.Close()
	// The lease is taken from the job (its generation bumped, as the kick
	// does for a worker it takes for dead) as soon as its reconcile has
	// listed the operations: it adopts the operation holding its chunk, and
	// cannot record it.
	bump := func() error {
		_, err := pool.Exec(context.Background(), `UPDATE bankfeeds_connection SET job_gen = job_gen + 1, lease_owner = '', lease_until = 0`)
		return err
	}
	deliverThroughFirstPush500(t, srv, pool, &firstPush500{srv: srv, afterList: bump})
}
