package feedpg_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
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
	"github.com/jackc/pgx/v5"
)

const rescueEnv = "BANKFEEDS_RESCUE_WORKER" // JSON of rescueWorker

type rescueWorker struct {
	PG, URL, APIKey string
	Point           string // where the worker stops, says so, and waits to be killed
}

// rescueConfig is the config of the killed worker and of the engine that
// must rescue its connection: River's own rescuer (JobTimeout + 1 min) and
// the kick's safety net for unstarted jobs (StuckAfter) are an hour away,
// so only the lease can bound the rescue.
func rescueConfig() feed.Config {
	cfg := testConfig()
	cfg.LeaseTTL = time.Second
	cfg.KickInterval = 100 * time.Millisecond
	cfg.StuckAfter = time.Hour
	cfg.JobTimeout = time.Hour
	return cfg
}

// The points a worker is killed at, with the connection's job running in
// River all the while.
var rescuePoints = []struct {
	name, point string
	budget      feed.BudgetConfig // the worker's
}{
	// River has handed it the job; it has not taken the lease yet.
	{name: "before taking the lease", point: "acquire"},
	// It holds the lease (and renews it) while its push is on the wire.
	{name: "holding the lease, its push on the wire", point: "push"},
	// It gave the lease up (its budget is spent: it parks the job) and
	// dies before River records the snooze.
	{name: "after giving the lease up", point: "release", budget: feed.BudgetConfig{PerMinute: 1, Window: time.Hour}},
}

// A worker killed while its connection's job is running in River (before
// it took the lease, while it held it, or after it gave it up) leaves the
// connection to the lease: another engine starts a new job for it within
// 1.25 x LeaseTTL + 2 x KickInterval, although River's rescuer and the
// kick's StuckAfter are an hour away, and every line lands exactly once.
// (Before, a job killed holding no lease waited for StuckAfter.)
func TestAKilledWorkersConnectionIsRescuedByTheLease(t *testing.T) {
	for _, p := range rescuePoints {
		t.Run(p.name, func(t *testing.T) {
			url := pgtest.Database(t)
			pool := connect(t, url, 10)
			ctx := context.Background()
			srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(5 * time.Millisecond))
			defer srv.Close()
			setup, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
			accs, err := feedtest.Setup(ctx, setup, srv, 1, 2, bankfeeds.PlatformXero)
			if err != nil {
				t.Fatal(err)
			}
			eng, err := feedpg.Open(ctx, pool, rescueConfig())
			if err != nil {
				t.Fatal(err)
			}
			want := make([][]bankfeeds.BankTransaction, len(accs))
			for i, a := range accs {
				id, err := eng.AddFeed(ctx, feed.Spec{CompanyID: a.CompanyID, ConnectionID: a.ConnectionID, AccountID: a.AccountID, Platform: a.Platform})
				if err != nil {
					t.Fatal(err)
				}
				want[i] = feedtest.Statement(a, 30, time.Now().UTC().Add(-time.Hour), time.Minute)
				if _, err := eng.Append(ctx, id, want[i]...); err != nil {
					t.Fatal(err)
				}
			}
			w := rescueWorker{PG: url, URL: srv.URL, APIKey: srv.APIKey, Point: p.point}
			b, _ := json.Marshal(w)
			cmd := exec.Command(os.Args[0], "-test.run=^TestRescueWorker$", "-test.count=1")
			cmd.Env = append(os.Environ(), rescueEnv+"="+string(b))
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			reached := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "rescue worker: at ") {
						reached <- true
						return
					}
				}
				reached <- false
			}()
			if !<-reached {
				_ = cmd.Wait()
				t.Fatalf("the worker ended before it reached %q", p.point)
			}
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			var running int
			if err := pool.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'bankfeeds_deliver' AND state = 'running'`).Scan(&running); err != nil {
				t.Fatal(err)
			}
			if running != 1 {
				t.Fatalf("%d delivery jobs running after the kill, want the killed worker's 1", running)
			}
			c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond), eng.ClientOption())
			if err := eng.Start(ctx, c); err != nil {
				t.Fatal(err)
			}
			defer eng.Stop(ctx)
			// Progress, not a deadline: 20 s is 16 times the bound.
			waitSettled(t, eng, pool, 20*time.Second)
			for i, a := range accs {
				if err := feedtest.CheckLanded(srv, a, want[i]); err != nil {
					t.Error(err)
				}
			}
			if _, err := feedtest.CheckOperations(srv, accs[0].CompanyID); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRescueWorker is the worker TestAKilledWorkersConnectionIsRescuedByTheLease
// kills: it runs only when started by it.
func TestRescueWorker(t *testing.T) {
	raw := os.Getenv(rescueEnv)
	if raw == "" {
		t.Skip("run by TestAKilledWorkersConnectionIsRescuedByTheLease as the worker it kills")
	}
	var w rescueWorker
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		t.Fatal(err)
	}
	var budget feed.BudgetConfig
	for _, p := range rescuePoints {
		if p.point == w.Point {
			budget = p.budget
		}
	}
	ctx := context.Background()
	pool, err := pgxParse(w.PG, 10)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rescueConfig()
	cfg.Workers = 1
	cfg.Budget = budget
	eng, err := feed.New[pgx.Tx](&stopAt{Backend: feedpg.New(pool), point: w.Point}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: stopPush{point: w.Point}}
	c, err := bankfeeds.NewClient(w.APIKey, bankfeeds.WithBaseURL(w.URL), bankfeeds.WithHTTPClient(hc), eng.ClientOption())
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx, c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Minute) // until killed
	fmt.Fprintln(os.Stderr, "rescue worker: not killed after 5 minutes")
}

// reached says the worker is at its point, and waits to be killed.
func reached(point string) {
	fmt.Printf("rescue worker: at %s\n", point)
	select {}
}

// stopAt is the worker's database: it stops at the point named.
type stopAt struct {
	*feedpg.Backend
	point    string
	mu       sync.Mutex
	released map[pgx.Tx]bool
}

func (s *stopAt) Query(ctx context.Context, tx pgx.Tx, query string, args ...any) (feed.Rows, error) {
	if s.point == "acquire" && strings.Contains(query, "SELECT job_gen, lease_owner, lease_token, lease_until FROM bankfeeds_connection") {
		reached(s.point)
	}
	return s.Backend.Query(ctx, tx, query, args...)
}

func (s *stopAt) Exec(ctx context.Context, tx pgx.Tx, query string, args ...any) (int64, error) {
	if s.point == "release" && strings.Contains(query, "SET lease_owner = '', lease_until = 0, touched_at") {
		s.mu.Lock()
		if s.released == nil {
			s.released = map[pgx.Tx]bool{}
		}
		s.released[tx] = true
		s.mu.Unlock()
	}
	return s.Backend.Exec(ctx, tx, query, args...)
}

func (s *stopAt) Commit(ctx context.Context, tx pgx.Tx) error {
	err := s.Backend.Commit(ctx, tx)
	s.mu.Lock()
	rel := s.released[tx]
	s.mu.Unlock()
	if rel && err == nil {
		reached(s.point)
	}
	return err
}

// stopPush is the worker's network: at "push" the first push is held.
type stopPush struct{ point string }

func (p stopPush) RoundTrip(r *http.Request) (*http.Response, error) {
	if p.point == "push" && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/bankTransactions") {
		reached(p.point)
	}
	return http.DefaultTransport.RoundTrip(r)
}
