package bankfeedstest_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// TestConcurrentUse drives one sandbox from many goroutines: each makes its
// own company, connection and account and pushes to it, while others list
// and read. Run with -race.
func TestConcurrentUse(t *testing.T) {
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(time.Millisecond))
	defer srv.Close()
	c := client(t, srv)
	const workers = 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*4)
	type made struct{ co, conn string }
	out := make(chan made, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := t.Context()
			co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Worker " + strconv.Itoa(w)})
			if err != nil {
				errs <- err
				return
			}
			conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero)
			if err != nil {
				errs <- err
				return
			}
			if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, v2Account("a", "GBP")); err != nil {
				errs <- err
				return
			}
			if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
				errs <- err
				return
			}
			txns := recent("w"+strconv.Itoa(w), 30, time.Now().Add(-time.Hour))
			if _, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "a", txns, &bankfeeds.PushAllOptions{BatchSize: 10, Wait: fastWait()}); err != nil {
				errs <- err
				return
			}
			for range c.Companies.All(ctx, &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{PageSize: 5}}) {
			}
			_ = srv.FaultCounts()
			out <- made{co.ID, conn.ID}
		}()
	}
	// Faults are changed while the workers run; the SDK retries through them.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			srv.SetFaults(bankfeedstest.Faults{Seed: int64(i), RateLimit: 0.05, Paths: "/companies"})
			time.Sleep(time.Millisecond)
		}
		srv.SetFaults(bankfeedstest.Faults{})
	}()
	wg.Wait()
	close(errs)
	close(out)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	for m := range out {
		n++
		if got := len(srv.Transactions(m.co, m.conn, "a")); got != 30 {
			t.Errorf("company %s: %d transactions landed, want 30", m.co, got)
		}
		if ops := srv.PushOperations(m.co); len(ops) != 3 {
			t.Errorf("company %s: %d push operations, want 3", m.co, len(ops))
		}
	}
	if n != workers {
		t.Fatalf("%d workers finished, want %d", n, workers)
	}
}
