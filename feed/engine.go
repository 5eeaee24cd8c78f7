package feed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/riverqueue/river"
)

// Config tunes an Engine. Zero fields take the defaults.
type Config struct {
	// Workers is how many River workers this process runs (default 10);
	// each works one connection at a time.
	Workers int
	// Queue is the River queue the engine's jobs use (default "bankfeeds").
	Queue string
	// Owner names this process in connection leases (default: host, pid
	// and a random suffix).
	Owner string
	// LeaseTTL is how long a connection's lease lasts unless renewed
	// (default 30 s; renewed every third of it).
	LeaseTTL time.Duration
	// StuckAfter is how long a connection's job may stay scheduled or
	// retryable past its time, with nothing done to the connection, before
	// the kick starts a new job for it: a safety net for River's scheduler
	// (default 3 x LeaseTTL, and at least 30 s). A job left running by a
	// killed worker is rescued by the lease instead: within 1.25 x LeaseTTL
	// + 2 x KickInterval of the worker's death.
	StuckAfter time.Duration
	// KickInterval is how often each engine looks for connections whose
	// work has no job, and for killed workers (default 10 s).
	KickInterval time.Duration
	// JobTimeout bounds one delivery job, one chunk (default 5 min).
	JobTimeout time.Duration
	// OperationWait is how long a job waits for a push operation before it
	// parks the chunk (its key kept) as a scheduled job (default 2 min).
	OperationWait time.Duration
	// FetchPollInterval is how often River looks for jobs (default 1 s).
	FetchPollInterval time.Duration
	// MaxFailures is how many Failed pushes in a row park a feed for a
	// person (default 3).
	MaxFailures int
	// RetryBackoff is the first wait after a failed chunk; it doubles up
	// to 32 x (default 5 s).
	RetryBackoff time.Duration
	// ChunkSize is the most lines one push carries (default and maximum
	// 1000, Codat's limit).
	ChunkSize int
	// ScanLimit is how many waiting lines of a feed a job reads to choose
	// its chunk (default 5000).
	ScanLimit int
	// Wait tunes the polling of push operations (see
	// bankfeeds.WaitOptions); the engine adds Events when Webhooks is set.
	Wait bankfeeds.WaitOptions
	// Webhooks makes jobs wait for Codat's bankTransactions.write.* events
	// rather than poll; polling remains the fallback after Wait.EventGrace.
	// Feed the events to HandleEvent in any one process of the fleet: they
	// reach the process that waits through the database.
	Webhooks bool
	// EventPollInterval is how often a process looks in the database for
	// the webhook events another process of the fleet received for the
	// operations it waits for (default 250 ms); no request goes to Codat.
	EventPollInterval time.Duration
	// Budget tunes the fleet's request budget.
	Budget BudgetConfig
	// Logger receives the engine's and River's logs (default: silent).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Workers <= 0 {
		c.Workers = 10
	}
	if c.Queue == "" {
		c.Queue = "bankfeeds"
	}
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomHex(4))
	}
	def(&c.LeaseTTL, 30*time.Second)
	def(&c.StuckAfter, max(3*c.LeaseTTL, 30*time.Second))
	def(&c.KickInterval, 10*time.Second)
	def(&c.JobTimeout, 5*time.Minute)
	def(&c.OperationWait, 2*time.Minute)
	def(&c.FetchPollInterval, time.Second)
	def(&c.RetryBackoff, 5*time.Second)
	def(&c.EventPollInterval, 250*time.Millisecond)
	if c.MaxFailures <= 0 {
		c.MaxFailures = 3
	}
	if c.ChunkSize <= 0 || c.ChunkSize > bankfeeds.MaxTransactionsPerPush {
		c.ChunkSize = bankfeeds.MaxTransactionsPerPush
	}
	if c.ScanLimit < bankfeeds.MaxTransactionsPerPush {
		c.ScanLimit = 5 * bankfeeds.MaxTransactionsPerPush
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Budget = c.Budget.withDefaults()
	return c
}

// Engine delivers feeds: each source account's lines, appended in any
// order, pushed to Codat in date order, in chunks of at most 1000, each line
// exactly once, across restarts, crashes and processes. Make one with
// feedsqlite.Open or feedpg.New (or New with a Backend), give its
// ClientOption to the bankfeeds.Client it pushes with, and Start it.
//
// An Engine is safe for concurrent use.
type Engine[TTx any] struct {
	b      Backend[TTx]
	cfg    Config
	river  *river.Client[TTx]
	budget *Budget[TTx]
	events *relay[TTx]
	clock  *serverTime // whether the client has learnt the server's time
	watch  watch       // what the kick saw of each connection, and since when
	ops    opMemory    // the push operations learnt for chunks in flight

	mu      sync.Mutex
	client  *bankfeeds.Client
	cancel  context.CancelFunc
	loops   sync.WaitGroup // the kick, slot-renewal and event-relay loops
	started bool
}

// ErrNotStarted is returned by calls that need a running engine.
var ErrNotStarted = errors.New("feed: the engine is not started")

// New makes an Engine on a Backend. It does not touch the database:
// call Migrate once (it is idempotent) before anything else.
func New[TTx any](b Backend[TTx], cfg Config) (*Engine[TTx], error) {
	if b == nil {
		return nil, errors.New("feed: nil Backend")
	}
	cfg = cfg.withDefaults()
	e := &Engine[TTx]{b: b, cfg: cfg, clock: newServerTime()}
	e.events = newRelay(e)
	e.budget = newBudget(b, cfg.Budget, cfg.Owner)
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliverWorker[TTx]{e: e}); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	rc, err := river.NewClient(b.Driver(), &river.Config{
		Queues:               map[string]river.QueueConfig{cfg.Queue: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobTimeout + time.Minute,
		FetchPollInterval:    cfg.FetchPollInterval,
		FetchCooldown:        min(100*time.Millisecond, cfg.FetchPollInterval),
		MaxAttempts:          100,
		Logger:               cfg.Logger,
		// Delivery jobs snooze rather than fail; the rest keep River's
		// defaults.
		CompletedJobRetentionPeriod: time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("feed: river: %w", err)
	}
	e.river = rc
	return e, nil
}

// Migrate creates River's tables and the engine's, or brings them up to
// date (see the package function Migrate). It is safe to run from every
// process at start.
func (e *Engine[TTx]) Migrate(ctx context.Context) error { return Migrate(ctx, e.b) }

// ClientOption returns the option that routes every request of a
// bankfeeds.Client through the fleet's budget (bankfeeds.WithHooks). Give
// it to the Client passed to Start; requests of a Client without it are
// not counted.
func (e *Engine[TTx]) ClientOption() bankfeeds.Option {
	return bankfeeds.WithHooks(e.budget.hooks())
}

// Budget returns the fleet's request budget.
func (e *Engine[TTx]) Budget() *Budget[TTx] { return e.budget }

// River returns the engine's River client, for its events and queues.
func (e *Engine[TTx]) River() *river.Client[TTx] { return e.river }

// Start begins delivering with client, which should carry ClientOption.
// It returns at once; Stop ends it.
func (e *Engine[TTx]) Start(ctx context.Context, client *bankfeeds.Client) error {
	if client == nil {
		return errors.New("feed: Start: nil *bankfeeds.Client")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return errors.New("feed: the engine is already started")
	}
	e.client, e.clock = client, newServerTime()
	if err := e.river.Start(ctx); err != nil {
		return fmt.Errorf("feed: start river: %w", err)
	}
	kctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel, e.started = cancel, true
	e.loops.Add(3)
	go func() { defer e.loops.Done(); e.kickLoop(kctx) }()
	go func() { defer e.loops.Done(); e.budget.renewSlots(kctx) }()
	go func() { defer e.loops.Done(); e.events.run(kctx, e.cfg.EventPollInterval) }()
	return nil
}

// Stop stops taking jobs and waits for the running ones until ctx ends,
// then cancels them (their chunks stay recorded and are settled by the
// next worker).
func (e *Engine[TTx]) Stop(ctx context.Context) error {
	e.mu.Lock()
	if !e.started {
		e.mu.Unlock()
		return nil
	}
	e.started = false
	cancel := e.cancel
	e.mu.Unlock()
	cancel()
	e.loops.Wait()
	err := e.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = e.river.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

func (e *Engine[TTx]) pusher() *bankfeeds.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client
}

// serverClock says whether the client given to Start has learnt the
// server's time.
func (e *Engine[TTx]) serverClock() *serverTime {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func nowMS() int64 { return time.Now().UnixMilli() }

// every runs fn every d until ctx ends or fn returns false.
func every(ctx context.Context, d time.Duration, fn func() bool) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !fn() {
				return
			}
		}
	}
}
