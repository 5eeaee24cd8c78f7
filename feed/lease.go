package feed

import (
	"context"
	"errors"
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
//  3. A worker killed mid-job leaves its job "running" until River's
//     rescuer notices (JobTimeout later). Rather than wait, every engine
//     looks for connections whose lease expired unreleased (or whose work
//     has waited StuckAfter with no job taking it) and bumps the
//     connection's generation, which starts a new job; the old one, when
//     River retries it, finds its generation stale and ends.

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
	opts := &river.InsertOpts{Queue: e.cfg.Queue, MaxAttempts: 100,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}}
	if at > nowMS() {
		opts.ScheduledAt = time.UnixMilli(at)
	}
	res, err := e.river.InsertTx(ctx, tx, deliverArgs{CompanyID: company, ConnectionID: connection, Gen: gen}, opts)
	if err != nil {
		return err
	}
	if !res.UniqueSkippedAsDuplicate {
		_, err = e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET touched_at = ?, parked_until = ? WHERE company_id = ? AND connection_id = ?`,
			nowMS(), at, company, connection)
	}
	return err
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

// kick inserts a job for each connection with work and none, and starts
// a new generation where a worker died holding the lease (or work waited
// StuckAfter with no job taking it).
func (e *Engine[TTx]) kick(ctx context.Context) error {
	type conn struct{ company, connection string }
	var conns []conn
	err := inTx(ctx, e.b, func(tx TTx) error {
		rows, err := e.b.Query(ctx, tx, workQuery)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c conn
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
	for _, c := range conns {
		if err := inTx(ctx, e.b, func(tx TTx) error {
			var gen, until, touched, parked int64
			var owner string
			if err := e.lockConnectionTx(ctx, tx, c.company, c.connection); err != nil {
				return err
			}
			if _, err := queryRow(ctx, e.b, tx, `SELECT job_gen, lease_owner, lease_until, touched_at, parked_until FROM bankfeeds_connection WHERE company_id = ? AND connection_id = ?`,
				[]any{c.company, c.connection}, &gen, &owner, &until, &touched, &parked); err != nil {
				return err
			}
			now := nowMS()
			stuck := now > parked && ((owner != "" && until < now-e.cfg.LeaseTTL.Milliseconds()/4) ||
				(owner == "" && touched < now-e.cfg.StuckAfter.Milliseconds()))
			if stuck {
				gen++
				if _, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET job_gen = ?, lease_owner = '', lease_until = 0 WHERE company_id = ? AND connection_id = ? AND job_gen = ?`,
					gen, c.company, c.connection, gen-1); err != nil {
					return err
				}
			}
			return e.enqueueTx(ctx, tx, c.company, c.connection, gen, 0)
		}); err != nil {
			return err
		}
	}
	return nil
}
