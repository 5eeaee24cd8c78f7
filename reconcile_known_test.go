package bankfeeds_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// A chunk whose push Codat committed and answered 500 is adopted by
// reconcile; the caller then loses its record of that (its InFlight from
// BeforeSend is all it kept, as a job that lost its lease has) and resumes
// on the same Client. The operation this Client adopted for that very chunk
// must still be found: only operations answered for other chunks are kept
// out of reconcile's search.
func TestResumeOnTheSameClientFindsTheOperationItAdoptedForThatChunk(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformXero, "acc-1")
	want := lines("t", 10)
	c := process(t, f.srv, nil)
	var mu sync.Mutex
	var kept []byte
	opts := bankfeeds.PushAllOptions{PushOptions: bankfeeds.PushOptions{Platform: f.platform},
		Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond},
		BeforeSend: func(fl *bankfeeds.InFlight) error {
			b, err := json.Marshal(fl)
			mu.Lock()
			kept = b
			mu.Unlock()
			return err
		}}
	f.srv.SetFaults(bankfeedstest.Faults{Seed: 1, ServerErrorAfter: 1, Paths: "/bankTransactions"})
	res, err := c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", want, &opts)
	f.srv.SetFaults(bankfeedstest.Faults{})
	if err != nil || res.Pushed != len(want) {
		t.Fatalf("the first push must be adopted by reconcile: %v, %+v", err, res)
	}
	var fl bankfeeds.InFlight
	if err := json.Unmarshal(kept, &fl); err != nil {
		t.Fatal(err)
	}
	perr := &bankfeeds.PushError{CompanyID: f.company, ConnectionID: f.connection, AccountID: "acc-1", InFlight: &fl, Remaining: want}
	opts.BeforeSend = nil
	if pushed := resumeWith(t, c, perr, &opts); pushed != len(want) {
		t.Errorf("reported %d pushed, want %d", pushed, len(want))
	}
	f.landedExactlyOnce(t, "acc-1", want)
	if n := f.successOps(); n != 1 {
		t.Errorf("%d successful push operations, want the one adopted", n)
	}
}
