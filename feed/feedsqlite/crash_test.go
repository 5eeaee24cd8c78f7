package feedsqlite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// The crash test: worker processes (this test binary, re-executed as
// TestWorkerProcess) deliver feeds from one SQLite file and are killed
// with SIGKILL, by the parent at random instants and by themselves at
// chosen ones: just before a push is sent, between the push's answer and
// recording it, during the wait for its operation, and between the
// operation's Success and the commit of the lines delivered. At the end
// every line of every feed must have landed exactly once, in order, and
// every line must be held by exactly one push operation that did not fail.

const crashEnv = "BANKFEEDS_CRASH_WORKER" // JSON of crashWorker

type crashWorker struct {
	DB, URL, APIKey string
	Kill            string // kill point, "" for none (the parent kills)
	After           int    // kill at the After-th time the point is reached
	Log             string // file the worker notes its kill point in
}

// workerStarted is what a worker prints once its engine runs.
const workerStarted = "crash worker: started"

var killPoints = []string{"", "before-send", "after-answer", "during-wait", "after-success"}

// crashConfig is the engine config of the crash test's workers.
func crashConfig() feed.Config {
	cfg := fastConfig()
	cfg.LeaseTTL = 600 * time.Millisecond
	cfg.StuckAfter = 2 * time.Second
	cfg.Workers = 3
	cfg.ChunkSize = 8
	cfg.Budget.SlotTTL = time.Second // a killed worker's requests stop counting soon
	return cfg
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test kills 200 worker processes; skipped with -short")
	}
	kills := 200
	if v, err := strconv.Atoi(os.Getenv("BANKFEEDS_CRASH_KILLS")); err == nil && v > 0 {
		kills = v
	}
	ctx := context.Background()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushTiming(bankfeedstest.PushTiming{Delay: 10 * time.Millisecond, Jitter: 40 * time.Millisecond, Seed: 7}))
	defer srv.Close()
	setup, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	accs, err := feedtest.Setup(ctx, setup, srv, 2, 2, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		t.Fatal(err)
	}
	xero, err := feedtest.Setup(ctx, setup, srv, 1, 2, bankfeeds.PlatformXero)
	if err != nil {
		t.Fatal(err)
	}
	accs = append(accs, xero...)
	stop, err := feedtest.Webhooks(srv, nil) // the sandbox completes pushes on time
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	srv.SetFaults(bankfeedstest.Faults{Seed: 3, ServerErrorBefore: 0.03, LostAfterCommit: 0.03, ServerErrorAfter: 0.03})

	dir := t.TempDir()
	dbPath := filepath.Join(dir, "feeds.db")
	eng, db, err := feedsqlite.Open(ctx, dbPath, crashConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() }) // after the engine stops
	const perFeed, batch = 360, 12
	want := make([][]bankfeeds.BankTransaction, len(accs))
	feeds := make([]string, len(accs))
	for i, a := range accs {
		if feeds[i], err = eng.AddFeed(ctx, feed.Spec{CompanyID: a.CompanyID, ConnectionID: a.ConnectionID, AccountID: a.AccountID, Platform: a.Platform}); err != nil {
			t.Fatal(err)
		}
		want[i] = feedtest.Statement(a, perFeed, recent(perFeed), time.Minute)
	}

	// Producers: each feed's lines in batches, each batch shuffled and
	// newer than the one before, while the workers die around them.
	appended := make(chan error, 1)
	go func() {
		for k := 0; k < perFeed; k += batch {
			for i := range accs {
				if _, err := eng.Append(ctx, feeds[i], feedtest.Shuffled(want[i][k:k+batch], uint64(k+i))...); err != nil {
					appended <- err
					return
				}
			}
			time.Sleep(15 * time.Millisecond)
		}
		appended <- nil
	}()

	logPath := filepath.Join(dir, "kills.log")
	rng := rand.New(rand.NewPCG(11, 12))
	var mu sync.Mutex
	killed, selfKilled, exitedOther, unreached := 0, 0, 0, 0
	points := map[string]int{} // self-kills by point, from the workers' log
	readPoints := func() {
		clear(points)
		if b, err := os.ReadFile(logPath); err == nil {
			for _, p := range strings.Fields(string(b)) {
				points[p]++
			}
		}
	}
	// spawn starts a worker; started is closed once its engine runs (or it
	// ended), so a random kill lands on a worker at work, however long this
	// machine takes to start a process.
	spawn := func(kill string, after int) (cmd *exec.Cmd, started <-chan struct{}) {
		w := crashWorker{DB: dbPath, URL: srv.URL, APIKey: srv.APIKey, Kill: kill, After: after, Log: logPath}
		b, _ := json.Marshal(w)
		cmd = exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+string(b))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		up := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(out)
			once := false
			for sc.Scan() {
				if !once && sc.Text() == workerStarted {
					close(up)
					once = true
				}
			}
			if !once {
				close(up)
			}
		}()
		return cmd, up
	}
	// Every kill point is reached by design, not by luck: while a point
	// has no kill, the next worker is given it (at its first time there)
	// and left to reach it, however slow this machine, for up to
	// pointWait, at most pointTries workers a point; otherwise the points
	// rotate, and the parent kills the workers at random instants.
	const pointWait, pointTries = 30 * time.Second, 3
	start := time.Now()
	var wg sync.WaitGroup
	next := 0
	trying, tries := map[string]bool{}, map[string]int{}
	for lane := 0; lane < 2; lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if killed+selfKilled >= kills {
					mu.Unlock()
					return
				}
				n := next
				next++
				kill := killPoints[n%len(killPoints)]
				life := time.Duration(150+rng.IntN(700)) * time.Millisecond
				readPoints()
				for _, p := range killPoints[1:] {
					if points[p] == 0 && !trying[p] && tries[p] < pointTries {
						kill, life, trying[p] = p, pointWait, true
						tries[p]++
						break
					}
				}
				mu.Unlock()
				after := 1 + n%3
				if life == pointWait {
					after = 1
				}
				cmd, started := spawn(kill, after)
				<-started
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				var err error
				byParent := false
				select {
				case err = <-done:
				case <-time.After(life):
					_ = cmd.Process.Signal(syscall.SIGKILL)
					err, byParent = <-done, true
				}
				var ee *exec.ExitError
				mu.Lock()
				if life == pointWait {
					trying[kill] = false
					if byParent {
						unreached++
					}
				}
				switch {
				case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && byParent:
					killed++
				case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled():
					selfKilled++
				default:
					exitedOther++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := <-appended; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d workers killed by the parent, %d killed themselves, %d exited otherwise, in %s", killed, selfKilled, exitedOther, time.Since(start).Round(time.Millisecond))
	readPoints()
	t.Logf("self-kills by point: %v; %d workers given a point with no kill yet did not reach it within %s", points, unreached, pointWait)
	for _, p := range killPoints[1:] {
		if points[p] == 0 {
			t.Errorf("no worker was killed at %s: %d workers were given it and left up to %s each to reach it", p, tries[p], pointWait)
		}
	}

	// A last worker, in this process, finishes the work.
	if all, err := eng.Feeds(ctx); err == nil {
		n := int64(0)
		for _, s := range all {
			n += s.Delivered
		}
		t.Logf("%d of %d lines delivered by the killed workers", n, perFeed*len(accs))
	}
	final := time.Now()
	defer func() {
		t.Logf("the last worker finished in %s; its budget: %+v", time.Since(final).Round(time.Millisecond), eng.Budget().Stats())
	}()
	srv.SetFaults(bankfeedstest.Faults{})
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond), eng.ClientOption())
	if err != nil {
		t.Fatal(err)
	}
	w := &world{srv: srv, eng: eng, db: db, client: c, accounts: accs, feeds: feeds}
	w.start(t)
	for _, s := range settledByProgress(t, eng, time.Minute) {
		if s.Delivered != perFeed || s.SetAside != 0 || s.Paused {
			t.Errorf("%s: delivered %d, set aside %d, paused %v (%s), last error %q", s.ID, s.Delivered, s.SetAside, s.Paused, s.PauseReason, s.LastError)
		}
	}
	ops := 0
	for i, a := range accs {
		if err := feedtest.CheckLanded(srv, a, want[i]); err != nil {
			t.Error(err)
		}
		if i%2 == 0 {
			n, err := feedtest.CheckOperations(srv, a.CompanyID)
			if err != nil {
				t.Error(err)
			}
			ops += n
		}
	}
	t.Logf("%d lines landed exactly once, in order, in %d push operations; faults injected: %+v", perFeed*len(accs), ops, srv.FaultCounts())
}

// TestWorkerProcess is the crash test's worker: it runs only when the
// crash test starts it, and delivers until it is killed.
func TestWorkerProcess(t *testing.T) {
	raw := os.Getenv(crashEnv)
	if raw == "" {
		t.Skip("run by TestCrashRecovery as its worker process")
	}
	var w crashWorker
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := feedsqlite.OpenDB(w.DB)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := feed.New(feedsqlite.New(db), crashConfig())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	hits := 0
	point := func(p string) {
		if p != w.Kill {
			return
		}
		mu.Lock()
		hits++
		n := hits
		mu.Unlock()
		if n == w.After {
			if f, err := os.OpenFile(w.Log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
				fmt.Fprintln(f, p)
				_ = f.Close()
			}
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Hour)
		}
	}
	isPush := func(a *bankfeeds.Attempt) bool {
		return a.Call != nil && a.Call.Method == "POST" && strings.HasSuffix(a.URL, "/bankTransactions")
	}
	kills := bankfeeds.Hooks{
		AttemptStart: func(ctx context.Context, a *bankfeeds.Attempt) (context.Context, error) {
			switch {
			case isPush(a):
				point("before-send")
			case a.Call != nil && a.Call.Method == "GET" && strings.Contains(a.URL, "/push/"):
				point("during-wait")
			}
			return ctx, nil
		},
		AttemptEnd: func(_ context.Context, a *bankfeeds.Attempt) {
			if isPush(a) && a.Status == 200 {
				point("after-answer")
			}
		},
		CallEnd: func(_ context.Context, call *bankfeeds.CallInfo, err error) {
			if call.Operation == "Transactions.WaitForOperation" && err == nil && call.PushStatus == bankfeeds.PushStatusSuccess {
				point("after-success")
			}
		},
	}
	c, err := bankfeeds.NewClient(w.APIKey, bankfeeds.WithBaseURL(w.URL), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond),
		eng.ClientOption(), bankfeeds.WithHooks(kills))
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx, c); err != nil {
		t.Fatal(err)
	}
	fmt.Println(workerStarted)
	time.Sleep(time.Minute) // until killed; the parent kills every worker within a second of this
	_ = eng.Stop(ctx)
}

// settledByProgress waits until no feed has lines waiting or in flight
// (paused feeds aside), and fails the test only when no line has been
// delivered for stall: the crash test's last worker may take long on a busy
// machine, but it must keep delivering.
func settledByProgress(t *testing.T, eng *feedsqlite.Engine, stall time.Duration) []*feed.Status {
	t.Helper()
	last, at := int64(-1), time.Now()
	for {
		all, err := eng.Feeds(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var done int64
		settled := true
		for _, s := range all {
			done += s.Delivered + s.SetAside
			settled = settled && (s.Paused || (s.Waiting == 0 && s.InFlight == 0))
		}
		if settled {
			return all
		}
		if done != last {
			last, at = done, time.Now()
		}
		if time.Since(at) > stall {
			for _, s := range all {
				t.Logf("%s: appended %d delivered %d waiting %d aside %d inflight %d paused %v %s last error %q", s.ID, s.Appended, s.Delivered, s.Waiting, s.SetAside, s.InFlight, s.Paused, s.PauseReason, s.LastError)
			}
			t.Fatalf("no line delivered for %s (%d delivered or set aside)", stall, done)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
