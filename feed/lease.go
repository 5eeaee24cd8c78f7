package feed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// One writer per connection. Push operations carry no account id, so a
// chunk whose fate is unknown can only be found among the connection's
// operations, which is safe only while one writer pushes to the
// connection. Three things keep it so:
//
//  1. Each connection has one delivery job at a time: a River unique job,
//     by its arguments (company, connection, generation) over every live
//     state. An append inserts it in the append's transaction; a job that
//     finishes a chunk completes itself and inserts the next in the same
//     transaction.
//  2. A job works only under the connection's lease, taken in the
//     database with a fencing token and renewed while it works; every
//     write it makes (the chunk about to be sent, the answer, the lines
//     delivered) checks the token in its transaction, so a worker that
//     lost its lease cannot record anything, and it stops sending.
//  3. A worker killed mid-job leaves its job "running" in River until
//     River's rescuer notices (RescueStuckJobsAfter, JobTimeout + 1 min).
//     Rather than wait, every engine's kick watches the connections with
//     work: a connection whose job River says is running, while nothing
//     touches the connection's row (no lease taken, renewed or released)
//     for 1.25 x LeaseTTL as the kick itself counts it, was left by a dead
//     worker (a live one renews every LeaseTTL/3), and the kick bumps the
//     connection's generation, which starts a new job; the old one, when
//     River retries it, finds its generation stale and ends. The rescue
//     is thus bounded by the lease: a killed worker's connections get new
//     jobs within 1.25 x LeaseTTL + 2 x KickInterval of its death (with
//     the defaults about a minute), then wait their turn for a worker.
//     Nothing in it compares times written on different machines: the
//     kick times the silence on its own clock. A job River should have
//     started and has not (scheduled or retryable, past its park, for
//     StuckAfter) gets a new generation too, so the feed does not hang on
//     River's scheduler; a job waiting for a free worker is left alone.

// deliverArgs is the delivery job of one connection.
type deliverArgs struct {
	CompanyID    string `json:"company_id"`
	ConnectionID string `json:"connection_id"`
	Gen          int64  `json:"gen"`
}

// Kind is the River job kind.
func (deliverArgs) Kind() string { return "bankfeeds_deliver" }

var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// enqueueTx inserts the connection's delivery job unless it has one; at,
// when not zero, is when it should run (Unix ms).
func (e *Engine[TTx]) enqueueTx(ctx context.Context, tx TTx, company, connection string, gen, at int64) error {
	_, err := e.insertJobTx(ctx, tx, company, connection, gen, at)
	return err
}

// insertJobTx is enqueueTx; it returns River's answer, which holds the
// connection's live job when it had one.
func (e *Engine[TTx]) insertJobTx(ctx context.Context, tx TTx, company, connection string, gen, at int64) (*rivertype.JobInsertResult, error) {
	opts := &river.InsertOpts{Queue: e.cfg.Queue, MaxAttempts: 100,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
	if at > nowMS() {
		opts.ScheduledAt = time.UnixMilli(at)
	}
	res, err := e.river.InsertTx(ctx, tx, deliverArgs{CompanyID: company, ConnectionID: connection, Gen: gen}, opts)
	if err != nil {
		return nil, err
	}
	if !res.UniqueSkippedAsDuplicate {
		_, err = e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET touched_at = ?, parked_until = ? WHERE company_id = ? AND connection_id = ?`,
			nowMS(), at, company, connection)
	}
	return res, err
}

var (
	errStaleJob  = errors.New("feed: the job's generation is stale")
	errLeaseLost = errors.New("feed: the connection's lease was lost")
)

// lockConnectionTx takes the connection's row for the rest of tx. Every
// transaction of the engine that writes a connection's feeds, lines or job
// takes that row first (a delivery job's through checkTx), so they queue on
// it in one order and cannot deadlock on the rows behind it.
func (e *Engine[TTx]) lockConnectionTx(ctx context.Context, tx TTx, company, connection string) error {
	_, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET job_gen = job_gen WHERE company_id = ? AND connection_id = ?`, company, connection)
	return err
}

// lease is a connection's lease, held by this process.
type lease struct {
	company, connection string
	token               int64
}

// acquire takes the connection's lease for a job of generation gen. It
// returns the lease, or how long the current holder keeps it, or
// errStaleJob.
func (e *Engine[TTx]) acquire(ctx context.Context, company, connection string, gen int64) (*lease, time.Duration, error) {
	var l *lease
	var busy time.Duration
	err := inTx(ctx, e.b, func(tx TTx) error {
		var curGen, token, until int64
		var owner string
		found, err := queryRow(ctx, e.b, tx, `SELECT job_gen, lease_owner, lease_token, lease_until FROM bankfeeds_connection WHERE company_id = ? AND connection_id = ?`,
			[]any{company, connection}, &curGen, &owner, &token, &until)
		switch {
		case err != nil:
			return err
		case !found || curGen != gen:
			return errStaleJob
		}
		now := nowMS()
		if owner != "" && until > now {
			busy = time.Duration(until-now) * time.Millisecond
			return nil
		}
		if _, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET lease_owner = ?, lease_token = ?, lease_until = ?, touched_at = ? WHERE company_id = ? AND connection_id = ?`,
			e.cfg.Owner, token+1, now+e.cfg.LeaseTTL.Milliseconds(), now, company, connection); err != nil {
			return err
		}
		l = &lease{company: company, connection: connection, token: token + 1}
		return nil
	})
	return l, busy, err
}

// checkTx fences a write: it extends the lease and fails with
// errLeaseLost unless this process still holds it. It also takes the
// connection's row, so appends and this transaction are ordered.
func (e *Engine[TTx]) checkTx(ctx context.Context, tx TTx, l *lease) error {
	now := nowMS()
	n, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET lease_until = ?, touched_at = ? WHERE company_id = ? AND connection_id = ? AND lease_token = ? AND lease_owner = ? AND lease_until > ?`,
		now+e.cfg.LeaseTTL.Milliseconds(), now, l.company, l.connection, l.token, e.cfg.Owner, now)
	if err != nil {
		return err
	}
	if n != 1 {
		return errLeaseLost
	}
	return nil
}

// renew extends the lease now and then until ctx ends; it calls lost and
// returns if the lease is lost.
func (e *Engine[TTx]) renew(ctx context.Context, l *lease, lost func()) {
	every(ctx, e.cfg.LeaseTTL/3, func() bool {
		err := inTx(ctx, e.b, func(tx TTx) error { return e.checkTx(ctx, tx, l) })
		if errors.Is(err, errLeaseLost) {
			lost()
			return false
		}
		return true
	})
}

// releaseTx gives the lease up.
func (e *Engine[TTx]) releaseTx(ctx context.Context, tx TTx, l *lease) error {
	_, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET lease_owner = '', lease_until = 0, touched_at = ? WHERE company_id = ? AND connection_id = ? AND lease_token = ?`,
		nowMS(), l.company, l.connection, l.token)
	return err
}

// workQuery selects the connections that have work a job could do.
const workQuery = `SELECT DISTINCT f.company_id, f.connection_id FROM bankfeeds_feed f
	WHERE f.paused = 0 AND (f.inflight <> '' OR EXISTS (SELECT 1 FROM bankfeeds_line l WHERE l.feed_id = f.feed_id AND l.state = 0))`

// kickLoop makes sure every connection with work has a live job.
func (e *Engine[TTx]) kickLoop(ctx context.Context) {
	kick := func() bool {
		if err := e.kick(ctx); err != nil && ctx.Err() == nil {
			e.cfg.Logger.Warn("feed: kick", "err", err)
		}
		return true
	}
	kick()
	every(ctx, e.cfg.KickInterval, kick)
}

// connKey names a connection.
type connKey struct{ company, connection string }

// kick inserts a job for each connection with work and none, and starts
// a new generation where a worker died with the connection's job running
// (or River left a job due unstarted for StuckAfter). One connection's
// trouble does not keep the kick from the others.
func (e *Engine[TTx]) kick(ctx context.Context) error {
	var conns []connKey
	err := inTx(ctx, e.b, func(tx TTx) error {
		rows, err := e.b.Query(ctx, tx, workQuery)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c connKey
			if err := rows.Scan(&c.company, &c.connection); err != nil {
				return err
			}
			conns = append(conns, c)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range conns {
		if err := inTx(ctx, e.b, func(tx TTx) error { return e.kickTx(ctx, tx, c) }); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, fmt.Errorf("connection %s: %w", c.connection, err))
		}
	}
	e.watch.keep(conns)
	return errors.Join(errs...)
}

// kickTx kicks one connection.
func (e *Engine[TTx]) kickTx(ctx context.Context, tx TTx, c connKey) error {
	if err := e.lockConnectionTx(ctx, tx, c.company, c.connection); err != nil {
		return err
	}
	var row connRow
	if _, err := queryRow(ctx, e.b, tx, `SELECT job_gen, lease_owner, lease_token, lease_until, touched_at, parked_until FROM bankfeeds_connection WHERE company_id = ? AND connection_id = ?`,
		[]any{c.company, c.connection}, &row.gen, &row.owner, &row.token, &row.until, &row.touched, &row.parked); err != nil {
		return err
	}
	res, err := e.insertJobTx(ctx, tx, c.company, c.connection, row.gen, 0)
	if err != nil {
		return err
	}
	if !res.UniqueSkippedAsDuplicate || res.Job == nil {
		e.watch.forget(c) // it had no live job; it has one now
		return nil
	}
	job := res.Job
	var quietFor, limit time.Duration
	switch job.State {
	case rivertype.JobStateRunning:
		// Running: a live worker holds the lease and renews it every
		// LeaseTTL/3, or takes or gives it up within moments.
		quietFor, limit = e.watch.quiet(c, row, job), e.cfg.LeaseTTL*5/4
	case rivertype.JobStateScheduled, rivertype.JobStateRetryable:
		if nowMS() <= row.parked { // asleep on purpose (the budget, a backoff)
			e.watch.forget(c)
			return nil
		}
		quietFor, limit = e.watch.quiet(c, row, job), e.cfg.StuckAfter
	default:
		// Available: waiting for a free worker, which takes it in turn;
		// a new generation would only send it to the back of the queue.
		e.watch.forget(c)
		return nil
	}
	if quietFor < limit {
		return nil
	}
	e.watch.forget(c)
	e.cfg.Logger.Info("feed: a new delivery job for a connection whose job stalled", "connection", c.connection,
		"job", job.ID, "state", string(job.State), "quiet", quietFor.Round(time.Millisecond))
	if _, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET job_gen = ?, lease_owner = '', lease_until = 0 WHERE company_id = ? AND connection_id = ? AND job_gen = ?`,
		row.gen+1, c.company, c.connection, row.gen); err != nil {
		return err
	}
	return e.enqueueTx(ctx, tx, c.company, c.connection, row.gen+1, 0)
}

// connRow is what the kick reads of a connection's row.
type connRow struct {
	gen, token, until, touched, parked int64
	owner                              string
}

// watch remembers, per connection, what the kick last saw of it and since
// when (by this process's clock): a connection whose job and row stay the
// same has had nothing done to it for that long.
type watch struct {
	mu   sync.Mutex
	seen map[connKey]sighting
}

type sighting struct {
	row     connRow
	job     int64
	attempt int
	state   rivertype.JobState
	since   time.Time
}

// quiet returns how long the connection and its job have stayed as they
// are now.
func (w *watch) quiet(c connKey, row connRow, job *rivertype.JobRow) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	s := sighting{row: row, job: job.ID, attempt: job.Attempt, state: job.State}
	if old, ok := w.seen[c]; ok {
		s.since = old.since
		if old == s {
			return now.Sub(old.since)
		}
	}
	s.since = now
	if w.seen == nil {
		w.seen = map[connKey]sighting{}
	}
	w.seen[c] = s
	return 0
}

// forget drops what was seen of a connection.
func (w *watch) forget(c connKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.seen, c)
}

// keep forgets the connections not in conns (they have no work).
func (w *watch) keep(conns []connKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	live := make(map[connKey]bool, len(conns))
	for _, c := range conns {
		live[c] = true
	}
	for c := range w.seen {
		if !live[c] {
			delete(w.seen, c)
		}
	}
}
