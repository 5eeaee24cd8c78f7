package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// setAside is a line that is not pushed, and why.
type setAside struct {
	id, reason string
}

// choose reads a feed's waiting lines, puts them in the guard's order,
// sets aside those the platform refuses (older than the account holds on
// QBO and Sage, outside its window, missing what it requires), and returns
// the first chunk of the rest.
//
// It reads at least ScanLimit lines, and every line of the last date it
// reads: the lines of one date are ordered by their balance chain, which
// needs the whole day (a day of more lines than one scan would otherwise
// go out cut at the scan's edge, in no order of its own).
func (j *jobRun[TTx]) choose(ctx context.Context, f *feedRow, opts *bankfeeds.PushAllOptions) ([]bankfeeds.BankTransaction, []setAside, error) {
	e := j.e
	var lines []bankfeeds.BankTransaction
	err := inTx(ctx, e.b, func(tx TTx) error {
		lastKey, lastID, err := j.scan(ctx, tx, f, &lines, `ORDER BY sort_key, txn_id LIMIT ?`, e.cfg.ScanLimit)
		if err != nil || len(lines) < e.cfg.ScanLimit {
			return err
		}
		// The rest of the last date read.
		_, _, err = j.scan(ctx, tx, f, &lines, `AND sort_key = ? AND txn_id > ? ORDER BY txn_id`, lastKey, lastID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	sorted := bankfeeds.SortTransactions(lines)
	var aside []setAside
	for len(sorted) > 0 {
		err := bankfeeds.CheckTransactions(sorted, &opts.PushOptions)
		if err == nil {
			break
		}
		var ve *bankfeeds.ValidationError
		if !errors.As(err, &ve) || ve.Index < 0 || ve.Index >= len(sorted) {
			return nil, nil, err
		}
		aside = append(aside, setAside{id: sorted[ve.Index].ID, reason: reasonOf(ve)})
		sorted = append(sorted[:ve.Index], sorted[ve.Index+1:]...)
	}
	return sorted[:chunkEnd(sorted, e.cfg.ChunkSize)], aside, nil
}

// scan appends to lines the feed's waiting lines that where (after the
// feed and state) selects, and returns the sort key and id of the last.
func (j *jobRun[TTx]) scan(ctx context.Context, tx TTx, f *feedRow, lines *[]bankfeeds.BankTransaction, where string, args ...any) (lastKey, lastID string, err error) {
	rows, err := j.e.b.Query(ctx, tx, `SELECT sort_key, txn_id, body FROM bankfeeds_line WHERE feed_id = ? AND state = ? `+where,
		append([]any{f.id, lineWaiting}, args...)...)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&lastKey, &lastID, &body); err != nil {
			return "", "", err
		}
		t, err := decodeLine(body)
		if err != nil {
			return "", "", fmt.Errorf("feed %s: a stored line cannot be read: %w", f.id, err)
		}
		*lines = append(*lines, t)
	}
	return lastKey, lastID, rows.Err()
}

// reasonOf is a set-aside line's reason, from the guard's error.
func reasonOf(ve *bankfeeds.ValidationError) string {
	return ve.Field + " " + ve.Reason
}

// setAside records lines that will not be pushed.
func (j *jobRun[TTx]) setAside(ctx context.Context, f *feedRow, aside []setAside) error {
	e := j.e
	return inTx(ctx, e.b, func(tx TTx) error {
		if err := e.checkTx(ctx, tx, j.l); err != nil {
			return err
		}
		n := 0
		for _, a := range aside {
			k, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_line SET state = ?, reason = ? WHERE feed_id = ? AND txn_id = ? AND state = ?`,
				lineSetAside, a.reason, f.id, a.id, lineWaiting)
			if err != nil {
				return err
			}
			n += int(k)
		}
		_, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET set_aside = set_aside + ? WHERE feed_id = ?`, n, f.id)
		return err
	})
}

// failed records a chunk that did not land, and ends the job: the feed
// retries later, or waits for a person, while the connection's other feeds
// go on. Errors of the fleet (the budget, a rate limit, a lost lease) are
// returned for Work to park the job.
func (j *jobRun[TTx]) failed(ctx context.Context, f *feedRow, chunk []bankfeeds.BankTransaction, err error) error {
	e := j.e
	var ve *bankfeeds.ValidationError
	if errors.As(err, &ve) && f.inflight == "" && ve.Index >= 0 && ve.Index < len(chunk) {
		// The guard refused a line the screen let through (ties whose
		// balances chain in more than one order): set it aside.
		if err := j.setAside(ctx, f, []setAside{{id: chunk[ve.Index].ID, reason: reasonOf(ve)}}); err != nil {
			return err
		}
		return j.finish(ctx, nil)
	}
	var perr *bankfeeds.PushError
	inflight := f.inflight
	if errors.As(err, &perr) {
		inflight = ""
		if perr.InFlight != nil {
			b, jerr := json.Marshal(perr.InFlight)
			if jerr != nil {
				return jerr
			}
			inflight = string(b)
		}
	}
	var be *BudgetError
	fleet := errors.As(err, &be) || errors.Is(err, bankfeeds.ErrRateLimited) || errors.Is(err, errLeaseLost) || ctx.Err() != nil
	now := time.Now()
	failures := f.failures
	paused, reason := false, ""
	retry := now
	salt := f.keySalt
	switch {
	case fleet:
	case errors.Is(err, bankfeeds.ErrPushFailed):
		if perr != nil && perr.Operation != nil && perr.Operation.PushOperationKey != "" {
			salt = perr.Operation.PushOperationKey // the retry goes under fresh keys (feedRow.baseKey)
		}
		failures++
		retry = now.Add(backoff(e.cfg.RetryBackoff, failures))
		if failures >= e.cfg.MaxFailures {
			paused, reason = true, fmt.Sprintf("%d pushes in a row failed; the last: %v", failures, err)
		}
	case errors.Is(err, bankfeeds.ErrPushTimedOut):
		paused, reason = true, "a push operation timed out, and Codat may still write it: check the account, then ResolveInFlight"
	case errors.Is(err, bankfeeds.ErrPushUnsettled):
		paused, reason = true, "cannot tell whether the chunk in flight landed: check the account, then ResolveInFlight"
	case perr == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		// Refused before anything was sent (the chunk's lines or the
		// feed's records): it does not pass by itself, so it counts.
		failures++
		retry = now.Add(backoff(e.cfg.RetryBackoff, failures))
		if failures >= e.cfg.MaxFailures {
			paused, reason = true, fmt.Sprintf("%d tries in a row were refused before sending; the last: %v", failures, err)
		}
	default:
		// No answer, a server error, or the operation still pending after
		// OperationWait: the chunk (if sent) is kept and settled next time.
		retry = now.Add(backoff(e.cfg.RetryBackoff, 1))
	}
	werr := inTx(context.WithoutCancel(ctx), e.b, func(tx TTx) error {
		if err := e.checkTx(context.WithoutCancel(ctx), tx, j.l); err != nil {
			return err
		}
		pause := 0
		if paused {
			pause = 1
		}
		_, err := e.b.Exec(context.WithoutCancel(ctx), tx, `UPDATE bankfeeds_feed SET inflight = ?, last_error = ?, failures = ?, retry_at = ?,
			paused = CASE WHEN ? = 1 THEN 1 ELSE paused END, pause_reason = CASE WHEN ? = 1 THEN ? ELSE pause_reason END,
			last_status = ?, key_salt = ? WHERE feed_id = ?`,
			inflight, redactError(err), failures, retry.UnixMilli(), pause, pause, reason, statusOf(perr), salt, f.id)
		return err
	})
	if werr != nil {
		return errors.Join(err, werr)
	}
	if fleet {
		return err
	}
	return j.finish(ctx, nil)
}

func statusOf(perr *bankfeeds.PushError) string {
	if perr != nil && perr.Operation != nil {
		return string(perr.Operation.Status)
	}
	return ""
}

// redactError is an error as the status shows it, cut to a sane length.
// The SDK's errors hold no secret.
func redactError(err error) string {
	s := err.Error()
	if len(s) > 2000 {
		s = s[:2000] + "..."
	}
	return s
}

// backoff is base doubled for each failure after the first, up to 32 x.
func backoff(base time.Duration, failures int) time.Duration {
	return base << min(max(failures-1, 0), 5)
}
