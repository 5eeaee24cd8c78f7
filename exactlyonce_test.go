package bankfeeds_test

import (
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

var soak = flag.Bool("soak", false, "run the long seeded exactly-once soak (go test -run ExactlyOnce -soak .)")

// TestPushAllExactlyOnce pushes 20,000 transactions into five accounts at
// once while about a third of all attempts fail: 5xx before processing, 429
// with Retry-After, the answer lost after commit, 5xx after commit, and
// stalls past the client's timeout. Every transaction must land exactly once
// and in order, with exactly one push operation per chunk.
func TestPushAllExactlyOnce(t *testing.T) {
	seeds := []int64{20261124}
	perAccount := 4000
	if *soak {
		seeds = []int64{1, 2, 3, 4, 5, 6, 7, 8}
		perAccount = 10000
	}
	for _, seed := range seeds {
		t.Run("seed="+strconv.FormatInt(seed, 10), func(t *testing.T) { exactlyOnce(t, seed, 5, perAccount) })
	}
}

func exactlyOnce(t *testing.T, seed int64, accounts, perAccount int) {
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(5 * time.Millisecond))
	defer srv.Close()
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL),
		bankfeeds.WithHTTPClient(&http.Client{Timeout: 400 * time.Millisecond}),
		bankfeeds.WithRetryMax(6), bankfeeds.WithRetryWait(time.Millisecond, 1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Exactly once"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		t.Fatal(err)
	}
	var accts []bankfeeds.SourceAccount
	for a := 0; a < accounts; a++ {
		accts = append(accts, bankfeeds.SourceAccount{ID: "acc-" + strconv.Itoa(a), AccountName: "Account " + strconv.Itoa(a),
			AccountType: bankfeeds.AccountTypeChecking, AccountNumber: strconv.Itoa(10000 + a), Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0)})
	}
	if _, err := c.SourceAccounts.CreateBatch(ctx, co.ID, conn.ID, accts); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}

	srv.SetFaults(bankfeedstest.Faults{
		Seed:              seed,
		ServerErrorBefore: 0.08,
		RateLimit:         0.07,
		RetryAfter:        time.Second,
		LostAfterCommit:   0.07,
		ServerErrorAfter:  0.06,
		Stall:             0.05,
		StallFor:          time.Second, // past the client's 400 ms timeout
	})

	start := time.Now().UTC().Add(-6 * 24 * time.Hour)
	step := 5 * 24 * time.Hour / time.Duration(perAccount)
	var wg sync.WaitGroup
	errs := make([]error, accounts)
	for a := 0; a < accounts; a++ {
		txns := make([]bankfeeds.BankTransaction, perAccount)
		for i := range txns {
			j := (i*7919 + a) % perAccount // shuffled
			txns[i] = bankfeeds.BankTransaction{ID: "a" + strconv.Itoa(a) + "-" + strconv.Itoa(j),
				Date: bankfeeds.NewDateTime(start.Add(time.Duration(j) * step)), Amount: bankfeeds.NewDecimal(1, 0), Description: bankfeeds.Ptr("line"),
				Balance: bankfeeds.NewDecimal(int64(j+1), 0)}
		}
		wg.Add(1)
		go func(a int) {
			defer wg.Done()
			res, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "acc-"+strconv.Itoa(a), txns, &bankfeeds.PushAllOptions{
				PushOptions: bankfeeds.PushOptions{Platform: bankfeeds.PlatformQuickBooksOnlineBankFeeds},
				Wait:        &bankfeeds.WaitOptions{Interval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond},
				MaxAttempts: 20,
			})
			if err == nil && res.Pushed != perAccount {
				t.Errorf("account %d: pushed %d of %d", a, res.Pushed, perAccount)
			}
			errs[a] = err
		}(a)
	}
	wg.Wait()
	for a, err := range errs {
		if err != nil {
			t.Fatalf("account %d: %v", a, err)
		}
	}

	counts := srv.FaultCounts()
	srv.SetFaults(bankfeedstest.Faults{})
	for a := 0; a < accounts; a++ {
		landed := srv.Transactions(co.ID, conn.ID, "acc-"+strconv.Itoa(a))
		if len(landed) != perAccount {
			t.Errorf("account %d: %d landed, want %d exactly once", a, len(landed), perAccount)
			continue
		}
		for i, tx := range landed {
			if want := "a" + strconv.Itoa(a) + "-" + strconv.Itoa(i); tx.ID != want {
				t.Fatalf("account %d: landed[%d] = %s, want %s", a, i, tx.ID, want)
			}
		}
	}
	chunks := accounts * ((perAccount + 999) / 1000)
	ops := srv.PushOperations(co.ID)
	if len(ops) != chunks {
		t.Errorf("%d push operations, want exactly one per chunk (%d)", len(ops), chunks)
	}
	for _, op := range ops {
		if op.Status != bankfeeds.PushStatusSuccess {
			t.Errorf("push operation %s: %s", op.PushOperationKey, op.Status)
		}
	}
	t.Logf("faults injected: %+v (total %d)", counts, counts.Total())
	if counts.ServerErrorBefore == 0 || counts.RateLimit == 0 || counts.LostAfterCommit == 0 || counts.ServerErrorAfter == 0 || counts.Stall == 0 {
		t.Errorf("every kind of fault must be injected for the test to prove anything: %+v", counts)
	}
}

// A server whose clock differs from this machine's must not hide a
// committed push from PushAll's reconciliation: every 5xx after commit is
// adopted, never resent.
func TestPushAllExactlyOnceWithSkewedClock(t *testing.T) {
	skew := 90 * 24 * time.Hour
	srv := bankfeedstest.NewServer(bankfeedstest.WithClock(func() time.Time { return time.Now().Add(skew) }), bankfeedstest.WithPushDelay(time.Millisecond))
	defer srv.Close()
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Skewed"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformNetSuite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: "a", AccountName: "A",
		AccountType: bankfeeds.AccountTypeChecking, AccountNumber: "1", Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(bankfeedstest.Faults{Seed: 3, ServerErrorAfter: 0.6, Paths: "/bankTransactions"})
	txns := make([]bankfeeds.BankTransaction, 3000)
	for i := range txns {
		txns[i] = bankfeeds.BankTransaction{ID: strconv.Itoa(i), Date: bankfeeds.NewDateTime(time.Now().Add(-10*24*time.Hour + time.Duration(i)*time.Minute)),
			Amount: bankfeeds.NewDecimal(1, 0), Balance: bankfeeds.NewDecimal(int64(i+1), 0)}
	}
	if _, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "a", txns, &bankfeeds.PushAllOptions{Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Transactions(co.ID, conn.ID, "a")); n != 3000 {
		t.Errorf("%d landed, want 3000 exactly once", n)
	}
	if n := len(srv.PushOperations(co.ID)); n != 3 {
		t.Errorf("%d push operations, want 3", n)
	}
	if srv.FaultCounts().ServerErrorAfter == 0 {
		t.Error("no 5xx after commit was injected: the test proves nothing")
	}
}

// TestPushAllExactlyOnceWithCancelAndResume pushes into two accounts of one
// connection on QBO, Sage and Xero while a fifth of all attempts fail and
// every call's context ends at a random instant (before a send, during it,
// after Codat accepted it, during a wait, during a reconcile). Each account
// resumes as the README says, from the *PushError, until done: every line
// must land exactly once and in order, with one push operation a chunk.
func TestPushAllExactlyOnceWithCancelAndResume(t *testing.T) {
	for _, platform := range []string{bankfeeds.PlatformQuickBooksOnlineBankFeeds, bankfeeds.PlatformSageBankFeeds, bankfeeds.PlatformXero} {
		t.Run(platform, func(t *testing.T) { cancelAndResume(t, platform, 20261201) })
	}
}

func cancelAndResume(t *testing.T, platform string, seed int64) {
	const accounts, perAccount, batch = 2, 2500, 100
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(8 * time.Millisecond))
	defer srv.Close()
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL),
		bankfeeds.WithHTTPClient(&http.Client{Timeout: 300 * time.Millisecond}),
		bankfeeds.WithRetryMax(4), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Cancel and resume"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(ctx, co.ID, platform)
	if err != nil {
		t.Fatal(err)
	}
	for a := 0; a < accounts; a++ {
		if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: "acc-" + strconv.Itoa(a), AccountName: "Account",
			AccountType: bankfeeds.AccountTypeChecking, AccountNumber: strconv.Itoa(20000 + a), Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(bankfeedstest.Faults{Seed: seed, ServerErrorBefore: 0.05, RateLimit: 0.04, LostAfterCommit: 0.05,
		ServerErrorAfter: 0.05, Stall: 0.02, StallFor: 400 * time.Millisecond})

	start := time.Now().UTC().Add(-5 * 24 * time.Hour).Truncate(time.Second)
	var wg sync.WaitGroup
	resumes := make([]int, accounts)
	for a := 0; a < accounts; a++ {
		txns := make([]bankfeeds.BankTransaction, perAccount)
		for i := range txns {
			j := (i*7919 + a) % perAccount
			txns[i] = bankfeeds.BankTransaction{ID: "a" + strconv.Itoa(a) + "-" + strconv.Itoa(j), Date: bankfeeds.NewDateTime(start.Add(time.Duration(j) * time.Second)),
				Description: bankfeeds.Ptr("line " + strconv.Itoa(j)), Amount: bankfeeds.NewDecimal(1, 0), Balance: bankfeeds.NewDecimal(int64(j+1), 0)}
		}
		wg.Add(1)
		go func(a int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(a)))
			opts := &bankfeeds.PushAllOptions{PushOptions: bankfeeds.PushOptions{Platform: platform}, BatchSize: batch,
				Wait: &bankfeeds.WaitOptions{Interval: 2 * time.Millisecond, MaxInterval: 20 * time.Millisecond}, MaxAttempts: 20}
			// Every call gets 1 to 60 ms, times grow: a caller that sees no
			// progress in stuckAfter calls in a row doubles its deadlines,
			// and goes back to short ones once it moves again. A step of
			// settling that cannot fit a short deadline (a reconcile reads
			// pages and waits for a pending candidate) thus still ends, and
			// the test judges by progress, not by how fast the machine is.
			const stuckAfter, maxGrow = 50, 1 << 12
			grow, stuck := 1, 0
			call := func(do func(context.Context) (*bankfeeds.PushResult, error)) (*bankfeeds.PushResult, error) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(grow*(1+rng.IntN(60)))*time.Millisecond)
				defer cancel()
				return do(ctx)
			}
			res, err := call(func(ctx context.Context) (*bankfeeds.PushResult, error) {
				return c.Transactions.PushAll(ctx, co.ID, conn.ID, "acc-"+strconv.Itoa(a), txns, opts)
			})
			pushed := 0
			if res != nil {
				pushed = res.Pushed
			}
			state := ""
			for ; err != nil; resumes[a]++ {
				var pe *bankfeeds.PushError
				if !errors.As(err, &pe) {
					t.Errorf("account %d: cannot resume from %v", a, err)
					return
				}
				if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) && !isPassing(err) {
					t.Errorf("account %d: %v", a, err)
					return
				}
				// Progress: lines landed, or the chunk in flight moved on (its
				// push operation answered, a new key).
				now := strconv.Itoa(pushed)
				if fl := pe.InFlight; fl != nil {
					now += "/" + fl.IdempotencyKey + "/" + fl.PushOperationKey
				}
				if now != state {
					state, stuck, grow = now, 0, 1
				} else if stuck++; stuck == stuckAfter {
					if stuck, grow = 0, grow*2; grow > maxGrow {
						t.Errorf("account %d: no progress in %d calls, the last ones given %d ms each: %v", a, stuckAfter, 60*maxGrow, err)
						return
					}
				}
				res, err = call(func(ctx context.Context) (*bankfeeds.PushResult, error) { return c.Transactions.Resume(ctx, pe, opts) })
				if res != nil {
					pushed += res.Pushed
				}
			}
			if pushed != perAccount {
				t.Errorf("account %d: reported %d pushed, want %d", a, pushed, perAccount)
			}
		}(a)
	}
	wg.Wait()
	srv.SetFaults(bankfeedstest.Faults{})
	for a := 0; a < accounts; a++ {
		landed := srv.Transactions(co.ID, conn.ID, "acc-"+strconv.Itoa(a))
		if len(landed) != perAccount {
			t.Fatalf("account %d: %d landed, want %d exactly once", a, len(landed), perAccount)
		}
		for i, tx := range landed {
			if want := "a" + strconv.Itoa(a) + "-" + strconv.Itoa(i); tx.ID != want {
				t.Fatalf("account %d: landed[%d] = %s, want %s", a, i, tx.ID, want)
			}
		}
	}
	success := 0
	for _, op := range srv.PushOperations(co.ID) {
		if op.Status == bankfeeds.PushStatusSuccess {
			success++
		}
	}
	if want := accounts * ((perAccount + batch - 1) / batch); success != want {
		t.Errorf("%d successful push operations, want one a chunk (%d)", success, want)
	}
	t.Logf("%s: resumes per account %v; faults %+v", platform, resumes, srv.FaultCounts())
}

// isPassing reports an error a resume may ride out: the faults injected.
func isPassing(err error) bool {
	var te *bankfeeds.TransportError
	return errors.As(err, &te) || errors.Is(err, bankfeeds.ErrServer) || errors.Is(err, bankfeeds.ErrRateLimited) || errors.Is(err, bankfeeds.ErrConflict)
}
