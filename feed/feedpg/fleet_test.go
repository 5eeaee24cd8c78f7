package feedpg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

// raceEnabled is set when the race detector is on (race_test.go).
var raceEnabled bool

const fleetEnv = "BANKFEEDS_FLEET_WORKER" // JSON of fleetWorker

type fleetWorker struct {
	PG, URL, APIKey string
	Window          time.Duration
	PerMinute       int
	ChunkSize       int
}

// The sandbox clock runs fleetSpeedup times faster, so that its
// per-minute limit counts over windows of a minute/fleetSpeedup.
const fleetSpeedup = 6

// fleetStall is how long TestFleet waits with no line landing before it
// gives up: a minute, sixty of the fleet's LeaseTTLs.
const fleetStall = time.Minute

func fleetConfig(w fleetWorker) feed.Config {
	cfg := testConfig()
	cfg.Workers = 10
	cfg.LeaseTTL = time.Second
	cfg.ChunkSize = w.ChunkSize
	cfg.Budget.PerMinute = w.PerMinute
	cfg.Budget.Window = w.Window
	// Four processes on two cores, beside other work: a request may reach
	// the sandbox a while after its grant, and the budget keeps to the
	// limit only while that while is under the margin (a run with two CPU
	// hogs beside it went one request over with a twentieth, 0.5 s): the
	// window counts a tenth longer (1 s, 6 sandbox seconds). The race
	// detector slows the four processes several times over (a race run in
	// CI went one over with a tenth), so under it the window counts a
	// quarter longer.
	cfg.Budget.Margin = w.Window / 10
	if raceEnabled {
		cfg.Budget.Margin = w.Window / 4
	}
	cfg.Wait = bankfeeds.WaitOptions{Interval: 20 * time.Millisecond, MaxInterval: 200 * time.Millisecond}
	cfg.Webhooks = true
	cfg.EventPollInterval = 50 * time.Millisecond
	return cfg
}

// TestFleet: three worker processes on one PostgreSQL deliver many feeds
// appended in random order by concurrent producers, with about 10% of
// requests faulted, a per-minute limit the budget must throttle to (the
// sandbox refuses what goes over it), one worker killed and restarted
// mid-run, and Codat's webhooks received by a fourth process: 200
// companies with 2 accounts each and 100,000 lines.
func TestFleet(t *testing.T) {
	url := pgtest.Database(t)
	companies, accounts, lines, chunk, perMinute := 200, 2, 100_000, 1000, 150
	if testing.Short() || raceEnabled {
		// The race detector slows the four processes down many times: it
		// looks for data races on a smaller fleet.
		companies, lines, chunk, perMinute = 40, 8000, 25, 100
	}
	perFeed := lines / (companies * accounts)
	pool := connect(t, url, 20)
	ctx := context.Background()
	start := time.Now()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushTiming(bankfeedstest.PushTiming{Delay: 20 * time.Millisecond, Jitter: 80 * time.Millisecond, Seed: 5}),
		bankfeedstest.WithClock(func() time.Time { return start.Add(time.Since(start) * fleetSpeedup) }))
	defer srv.Close()
	setup, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	accs, err := feedtest.Setup(ctx, setup, srv, companies, accounts, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		t.Fatal(err)
	}
	w := fleetWorker{PG: url, URL: srv.URL, APIKey: srv.APIKey, Window: time.Minute / fleetSpeedup, PerMinute: perMinute, ChunkSize: chunk}
	eng, err := feedpg.Open(ctx, pool, fleetConfig(w))
	if err != nil {
		t.Fatal(err)
	}
	// Codat's webhooks come to this process, which delivers nothing: the
	// workers hear of their operations' ends through the database.
	stop, err := feedtest.Webhooks(srv, eng.HandleEvent)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	want := make([][]bankfeeds.BankTransaction, len(accs))
	feeds := make([]string, len(accs))
	for i, a := range accs {
		if feeds[i], err = eng.AddFeed(ctx, feed.Spec{CompanyID: a.CompanyID, ConnectionID: a.ConnectionID, AccountID: a.AccountID, Platform: a.Platform}); err != nil {
			t.Fatal(err)
		}
		if err := eng.Pause(ctx, feeds[i], "backfill"); err != nil {
			t.Fatal(err)
		}
		want[i] = feedtest.Statement(a, perFeed, time.Now().UTC().Add(-time.Duration(perFeed+60)*time.Minute), time.Minute)
	}
	// Backfill: 60% of every feed, in random order, by 4 producers at once.
	backfill := perFeed * 6 / 10
	type item struct{ feed, line int }
	var items []item
	for i := range accs {
		for k := 0; k < backfill; k++ {
			items = append(items, item{i, k})
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	produce(t, 4, len(items), func(n int) error {
		it := items[n]
		_, err := eng.Append(ctx, feeds[it.feed], want[it.feed][it.line])
		return err
	})
	// About 10% of requests faulted; the fault 429s are Codat's, not the fleet's.
	srv.SetFaults(bankfeedstest.Faults{Seed: 9, ServerErrorBefore: 0.03, LostAfterCommit: 0.03, ServerErrorAfter: 0.02, RateLimit: 0.02, RetryAfter: time.Second})
	srv.Advance(time.Minute)    // the set-up's requests count in the sandbox's first minute: start in a fresh one
	srv.SetRateLimit(perMinute) // as Codat would: a request over the fleet's own budget is refused
	before := srv.RequestCounts()
	run := time.Now()
	workers := make([]*exec.Cmd, 3)
	for i := range workers {
		workers[i] = spawnFleetWorker(t, w)
	}
	defer func() {
		for _, c := range workers {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}()
	for i := range feeds {
		if err := eng.Resume(ctx, feeds[i]); err != nil {
			t.Fatal(err)
		}
	}
	// The rest arrives live: per feed in batches, each shuffled and newer
	// than the last, from 4 producers at once.
	const batch = 10
	var live []item
	for k := backfill; k < perFeed; k += batch {
		for i := range accs {
			live = append(live, item{i, k})
		}
	}
	killed := false
	produce(t, 4, len(live), func(n int) error {
		it := live[n]
		end := min(it.line+batch, perFeed)
		_, err := eng.Append(ctx, feeds[it.feed], feedtest.Shuffled(want[it.feed][it.line:end], uint64(n))...)
		return err
	})
	// Liveness is judged by progress, not by a total deadline a slower
	// machine misses: the test gives up only when no line has landed for
	// fleetStall, many times the bound on rescuing a killed worker's
	// connections (1.25 x LeaseTTL + 2 x KickInterval: under 2 s here).
	watch := newProgress(fleetStall)
	// marks[k] is the requests served by run + (k+1) windows, taken while
	// work was still waiting: the steady state the share is measured over.
	var marks []int
	var markAt []time.Time
	for {
		all, err := eng.Feeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var delivered int64
		for _, s := range all {
			delivered += s.Delivered
		}
		if !killed && delivered > int64(lines)/3 {
			// One worker dies mid-run, and comes back.
			_ = workers[0].Process.Signal(syscall.SIGKILL)
			_ = workers[0].Wait()
			workers[0] = spawnFleetWorker(t, w)
			killed = true
			t.Logf("killed and restarted a worker at %d lines delivered", delivered)
		}
		if watch.check(t, pool, all) {
			break
		}
		if next := run.Add(time.Duration(len(marks)+1) * w.Window); time.Now().After(next) {
			marks = append(marks, srv.RequestCounts().Served)
			markAt = append(markAt, time.Now())
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(run)
	counts := srv.RequestCounts()
	served := counts.Served - before.Served
	share := 0.0
	if len(marks) >= 2 {
		span := markAt[len(marks)-1].Sub(markAt[0])
		share = float64(marks[len(marks)-1]-marks[0]) / (float64(perMinute) * float64(span) / float64(w.Window))
	}
	t.Logf("%d lines in %d feeds of %d companies delivered by 3 workers in %s: %.0f requests per 1000 lines landed; %.1f%% of the per-minute limit (%d per %s) used over %d windows with work waiting; faults %+v",
		lines, len(feeds), companies, elapsed.Round(time.Millisecond), 1000*float64(served)/float64(lines), 100*share, perMinute, w.Window, max(0, len(marks)-1), srv.FaultCounts())
	if len(marks) >= 3 && share > 1.05 {
		t.Errorf("the fleet used %.1f%% of the per-minute limit", 100*share)
	}
	// How much of the limit the fleet uses is a speed, which a busy
	// machine (or the race detector) lowers: it is reported above, not
	// judged. Going over the limit is judged, and so is every 429.
	if !killed {
		t.Error("no worker was killed")
	}
	if n := counts.PerMinute + counts.Concurrency + counts.DailyQuota; n > 0 {
		t.Errorf("the fleet caused %d 429s of its own: %+v", n, counts)
	}
	for i, a := range accs {
		if err := feedtest.CheckLanded(srv, a, want[i]); err != nil {
			t.Error(err)
		}
	}
	for i := 0; i < len(accs); i += accounts {
		if _, err := feedtest.CheckOperations(srv, accs[i].CompanyID); err != nil {
			t.Error(err)
		}
	}
}

// produce runs fn(0..n-1) on k goroutines.
func produce(t *testing.T, k, n int, fn func(int) error) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := 0
	for g := 0; g < k; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

func spawnFleetWorker(t *testing.T, w fleetWorker) *exec.Cmd {
	b, _ := json.Marshal(w)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFleetWorker$", "-test.count=1")
	cmd.Env = append(os.Environ(), fleetEnv+"="+string(b))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestFleetWorker is a fleet worker process: it runs only when TestFleet
// starts it, and delivers until it is killed.
func TestFleetWorker(t *testing.T) {
	raw := os.Getenv(fleetEnv)
	if raw == "" {
		t.Skip("run by TestFleet as one of its worker processes")
	}
	var w fleetWorker
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg, err := pgxParse(w.PG, 20)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := feed.New(feedpg.New(cfg), fleetConfig(w))
	if err != nil {
		t.Fatal(err)
	}
	c, err := bankfeeds.NewClient(w.APIKey, bankfeeds.WithBaseURL(w.URL), bankfeeds.WithRetryWait(10*time.Millisecond, time.Second), eng.ClientOption())
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx, c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Minute) // until killed
	fmt.Fprintln(os.Stderr, "fleet worker: not killed after 10 minutes")
}
