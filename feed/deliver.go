package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
)

// deliverWorker works a connection's delivery job: one chunk of one of its
// feeds per job.
type deliverWorker[TTx any] struct {
	river.WorkerDefaults[deliverArgs]
	e *Engine[TTx]
}

// Work takes the connection's lease, delivers (or settles) one chunk of
// the feed that waited longest, and completes the job in the transaction
// that records the chunk, inserting the next job when work remains.
func (w *deliverWorker[TTx]) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	e := w.e
	client := e.pusher()
	if client == nil {
		return river.JobSnooze(time.Second)
	}
	a := job.Args
	l, busy, err := e.acquire(ctx, a.CompanyID, a.ConnectionID, a.Gen)
	switch {
	case errors.Is(err, errStaleJob):
		return nil // a newer job has the connection
	case err != nil:
		return err
	case l == nil:
		return river.JobSnooze(busy + 10*time.Millisecond)
	}
	jobCtx := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go e.renew(ctx, l, func() { cancel(errLeaseLost) })
	j := &jobRun[TTx]{e: e, client: client, job: job, l: l}
	err = j.run(ctx)
	if context.Cause(ctx) == errLeaseLost {
		err = errLeaseLost
	}
	if err != nil || !j.completed {
		// Leave the lease to the next job now rather than at its expiry.
		bg := context.WithoutCancel(ctx)
		_ = inTx(bg, e.b, func(tx TTx) error { return e.releaseTx(bg, tx, l) })
	}
	var be *BudgetError
	switch {
	case err == nil && j.snooze > 0:
		return river.JobSnooze(j.snooze)
	case err == nil:
		return nil
	case errors.Is(err, errLeaseLost):
		return river.JobSnooze(e.cfg.LeaseTTL / 2)
	case jobCtx.Err() != nil:
		// Stopping, or the job's timeout: what was sent is recorded, and
		// the next run settles it; this is no failure of the job.
		return river.JobSnooze(time.Second)
	case errors.As(err, &be):
		e.park(context.WithoutCancel(ctx), a, be.Until)
		return river.JobSnooze(time.Until(be.Until))
	}
	var apiErr *bankfeeds.APIError
	if errors.As(err, &apiErr) && errors.Is(err, bankfeeds.ErrRateLimited) && apiErr.RetryAfter > 0 {
		e.park(context.WithoutCancel(ctx), a, time.Now().Add(apiErr.RetryAfter))
		return river.JobSnooze(apiErr.RetryAfter)
	}
	return err
}

// park records that the connection's job sleeps until until, so the kick
// does not take it for a dead one.
func (e *Engine[TTx]) park(ctx context.Context, a deliverArgs, until time.Time) {
	_ = inTx(ctx, e.b, func(tx TTx) error {
		_, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET parked_until = ? WHERE company_id = ? AND connection_id = ?`,
			until.UnixMilli(), a.CompanyID, a.ConnectionID)
		return err
	})
}

// jobRun is one delivery job.
type jobRun[TTx any] struct {
	e         *Engine[TTx]
	client    *bankfeeds.Client
	job       *river.Job[deliverArgs]
	l         *lease
	completed bool
	snooze    time.Duration // set by finish when the connection's next work is later
}

func (j *jobRun[TTx]) run(ctx context.Context) error {
	e := j.e
	f, err := j.pick(ctx)
	if err != nil {
		return err
	}
	if f == nil {
		return j.finish(ctx, nil)
	}
	hw, err := parseWall(f.highWater)
	if err != nil {
		return fmt.Errorf("feed %s: high-water mark %q: %w", f.id, f.highWater, err)
	}
	rules := bankfeeds.RulesFor(f.platform)
	opts := &bankfeeds.PushAllOptions{
		PushOptions: bankfeeds.PushOptions{Platform: f.platform, IdempotencyKey: f.baseKey()},
		BatchSize:   bankfeeds.MaxTransactionsPerPush,
		Wait:        j.waitOptions(),
	}
	if rules.ForbidOlder {
		opts.NotBefore = hw
	}
	var chunk []bankfeeds.BankTransaction
	if f.inflight != "" {
		var fl bankfeeds.InFlight
		if err := json.Unmarshal([]byte(f.inflight), &fl); err != nil {
			return fmt.Errorf("feed %s: the chunk in flight cannot be read: %w", f.id, err)
		}
		e.ops.fill(f.id, &fl)
		opts.InFlight = &fl
		chunk = fl.Transactions
	} else {
		var aside []setAside
		chunk, aside, err = j.choose(ctx, f, opts)
		if err != nil {
			return err
		}
		if len(aside) > 0 {
			if err := j.setAside(ctx, f, aside); err != nil {
				return err
			}
		}
		if len(chunk) == 0 {
			return j.finish(ctx, nil)
		}
	}
	if opts.InFlight == nil {
		// A fresh chunk: its first send must know the server's time.
		if err := e.serverClock().learn(ctx, j.client, f.company, f.connection); err != nil {
			return j.failed(ctx, f, nil, err)
		}
	}
	var sent chunkOp // the chunk last announced, and its key
	if fl := opts.InFlight; fl != nil {
		sent = chunkOp{hash: fl.BodyHash, key: fl.IdempotencyKey}
	}
	persist := func(fl *bankfeeds.InFlight) error {
		sent = chunkOp{hash: fl.BodyHash, key: fl.IdempotencyKey}
		b, err := json.Marshal(fl)
		if err != nil {
			return err
		}
		return inTx(ctx, e.b, func(tx TTx) error {
			if err := e.checkTx(ctx, tx, j.l); err != nil {
				return err
			}
			_, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET inflight = ?, last_op = ? WHERE feed_id = ?`, string(b), fl.PushOperationKey, f.id)
			return err
		})
	}
	opts.BeforeSend = persist
	opts.OnAccepted = func(fl *bankfeeds.InFlight) { e.ops.learn(f.id, fl); _ = persist(fl) }
	pctx, cancel := context.WithTimeout(ctx, e.cfg.OperationWait)
	var in []bankfeeds.BankTransaction
	if opts.InFlight == nil {
		in = chunk
	}
	res, err := j.client.Transactions.PushAll(pctx, f.company, f.connection, f.account, in, opts)
	cancel()
	if err != nil {
		var perr *bankfeeds.PushError
		if errors.As(err, &perr) && perr.InFlight != nil {
			e.ops.learn(f.id, perr.InFlight)
		} else if errors.As(err, &perr) {
			e.ops.forget(f.id) // nothing of it is in flight
		}
		return j.failed(ctx, f, chunk, err)
	}
	if n := len(res.Operations); n > 0 && sent.hash != "" {
		sent.op = res.Operations[n-1].PushOperationKey
		e.ops.keep(f.id, sent) // until it is recorded
	}
	if err := j.finish(ctx, &landed{f: f, lines: chunk, res: res, hw: hw}); err != nil {
		return err
	}
	e.ops.forget(f.id)
	return nil
}

// baseKey is what the feed's Idempotency-Keys are derived from: the feed,
// and after a push that ended Failed, that push's operation, so the retry
// is sent under keys Codat has not seen (it replays a key's answer for 90
// minutes), in this process or another after a restart.
func (f *feedRow) baseKey() string {
	if f.keySalt == "" {
		return "bankfeeds-feed:" + f.id
	}
	return "bankfeeds-feed:" + f.id + ":after:" + f.keySalt
}

func (j *jobRun[TTx]) waitOptions() *bankfeeds.WaitOptions {
	w := j.e.cfg.Wait
	if j.e.cfg.Webhooks {
		w.Events = j.e.events
	}
	return &w
}

// pick chooses the connection's feed with work that waited longest.
func (j *jobRun[TTx]) pick(ctx context.Context) (*feedRow, error) {
	e, a := j.e, j.job.Args
	var id string
	err := inTx(ctx, e.b, func(tx TTx) error {
		if err := e.checkTx(ctx, tx, j.l); err != nil {
			return err
		}
		found, err := queryRow(ctx, e.b, tx, `SELECT f.feed_id FROM bankfeeds_feed f
			WHERE f.company_id = ? AND f.connection_id = ? AND f.paused = 0 AND f.retry_at <= ?
			AND (f.inflight <> '' OR EXISTS (SELECT 1 FROM bankfeeds_line l WHERE l.feed_id = f.feed_id AND l.state = 0))
			ORDER BY f.picked_at, f.feed_id LIMIT 1`, []any{a.CompanyID, a.ConnectionID, nowMS()}, &id)
		if err != nil || !found {
			return err
		}
		_, err = e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET picked_at = ? WHERE feed_id = ?`, nowMS(), id)
		return err
	})
	if err != nil || id == "" {
		return nil, err
	}
	var f *feedRow
	err = inTx(ctx, e.b, func(tx TTx) error {
		var err error
		f, err = e.feedOf(ctx, tx, id)
		return err
	})
	return f, err
}

// landed is a chunk that reached Success.
type landed struct {
	f     *feedRow
	lines []bankfeeds.BankTransaction
	res   *bankfeeds.PushResult
	hw    bankfeeds.DateTime
}

// finish records what landed (if anything), completes the job and inserts
// the next one if the connection has more work, in one transaction.
func (j *jobRun[TTx]) finish(ctx context.Context, ld *landed) error {
	e, a := j.e, j.job.Args
	err := inTx(ctx, e.b, func(tx TTx) error {
		if err := e.checkTx(ctx, tx, j.l); err != nil {
			return err
		}
		if ld != nil {
			if err := j.recordTx(ctx, tx, ld); err != nil {
				return err
			}
		}
		next, err := j.nextWorkTx(ctx, tx)
		if err != nil {
			return err
		}
		if ld == nil && next > 0 {
			// Nothing landed and the next work is later (a feed backing
			// off): this job sleeps until then rather than ending.
			j.snooze = time.Duration(next-nowMS()) * time.Millisecond
			if _, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_connection SET parked_until = ? WHERE company_id = ? AND connection_id = ?`, next, a.CompanyID, a.ConnectionID); err != nil {
				return err
			}
			return e.releaseTx(ctx, tx, j.l)
		}
		if _, err := river.JobCompleteTx[riverdriver.Driver[TTx]](ctx, tx, j.job); err != nil {
			return err
		}
		if next >= 0 {
			if err := e.enqueueTx(ctx, tx, a.CompanyID, a.ConnectionID, a.Gen, next); err != nil {
				return err
			}
		}
		return e.releaseTx(ctx, tx, j.l)
	})
	if err == nil && j.snooze == 0 {
		j.completed = true
	}
	return err
}

// recordTx marks a landed chunk's lines delivered and moves the feed's
// high-water mark.
func (j *jobRun[TTx]) recordTx(ctx context.Context, tx TTx, ld *landed) error {
	e := j.e
	op := ""
	if n := len(ld.res.Operations); n > 0 {
		op = ld.res.Operations[n-1].PushOperationKey
	}
	var missing []string
	for i := range ld.lines {
		n, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_line SET state = ?, op_key = ? WHERE feed_id = ? AND txn_id = ? AND state = ?`,
			lineDelivered, op, ld.f.id, ld.lines[i].ID, lineWaiting)
		if err != nil {
			return err
		}
		if n != 1 {
			missing = append(missing, ld.lines[i].ID)
		}
	}
	hw := ld.hw
	if last := ld.lines[len(ld.lines)-1].Date; hw.IsZero() || sortKey(last) > sortKey(hw) {
		hw = last
	}
	_, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET high_water = ?, inflight = '', delivered = delivered + ?, chunks = chunks + 1,
		last_op = ?, last_status = ?, last_error = '', failures = 0, retry_at = 0 WHERE feed_id = ?`,
		wallText(hw), len(ld.lines)-len(missing), op, string(bankfeeds.PushStatusSuccess), ld.f.id)
	if err != nil || len(missing) == 0 {
		return err
	}
	// The chunk landed, but the feed holds some of its lines under no
	// waiting row (such as an id kept otherwise than it was sent, by an
	// engine before the text rule). Rolling back would settle it again for
	// ever: record what landed, and stop the feed for a person, since a
	// row left waiting may be one of these lines and must not be resent.
	_, err = e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET paused = 1, pause_reason = ? WHERE feed_id = ?`, notWaitingReason(op, missing), ld.f.id)
	return err
}

// notWaitingReason is the pause reason of a landed chunk whose lines the
// feed did not all hold as waiting.
func notWaitingReason(op string, missing []string) string {
	ids := fmt.Sprintf("%+.60q", missing[0]) // in ASCII: a person sees the exact bytes
	if len(missing) > 1 {
		ids += fmt.Sprintf(" and %d more", len(missing)-1)
	}
	return fmt.Sprintf("push operation %s landed %d lines the feed did not hold as waiting (id %s): the feed's records disagree with Codat's, "+
		"and a line still waiting may be one of these, which Resume would push again: check the account first", op, len(missing), ids)
}

// nextWorkTx says when the connection next has work: 0 now, a Unix ms
// time, or -1 never (until an append).
func (j *jobRun[TTx]) nextWorkTx(ctx context.Context, tx TTx) (int64, error) {
	e, a := j.e, j.job.Args
	var at *int64
	_, err := queryRow(ctx, e.b, tx, `SELECT MIN(f.retry_at) FROM bankfeeds_feed f
		WHERE f.company_id = ? AND f.connection_id = ? AND f.paused = 0
		AND (f.inflight <> '' OR EXISTS (SELECT 1 FROM bankfeeds_line l WHERE l.feed_id = f.feed_id AND l.state = 0))`,
		[]any{a.CompanyID, a.ConnectionID}, &at)
	switch {
	case err != nil:
		return -1, err
	case at == nil:
		return -1, nil
	case *at <= nowMS():
		return 0, nil
	}
	return *at, nil
}
