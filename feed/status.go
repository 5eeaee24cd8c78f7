package feed

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bankfeeds-go/bankfeeds"
)

// Status is a feed as the database holds it.
type Status struct {
	Spec
	Appended, Delivered, Waiting, SetAside int64
	// InFlight is the number of lines in the chunk sent and not yet
	// settled (0 when none).
	InFlight int
	// Aside lists the set-aside lines (up to 100), with why.
	Aside []SetAsideLine
	// HighWaterMark is the date of the newest line delivered.
	HighWaterMark bankfeeds.DateTime
	// LastOperation is the last push operation's key, LastStatus its
	// status as last seen, LastError the last failure ("" after a
	// success), Failures the Failed pushes (or refusals before sending)
	// in a row.
	LastOperation, LastStatus, LastError string
	Failures                             int
	Chunks                               int64 // chunks delivered
	Paused                               bool
	PauseReason                          string
	// Disconnected is set by the bankFeeds.sourceAccount.disconnected
	// webhook (HandleEvent) and cleared by .connected.
	Disconnected bool
}

// SetAsideLine is a line that was not pushed.
type SetAsideLine struct {
	ID     string
	Date   bankfeeds.DateTime
	Reason string
}

// NeedsPerson says why a person should look at the feed: lines set aside,
// a pause (repeated failures, a chunk whose fate is unknown), a
// disconnected account; "" when nothing.
func (s *Status) NeedsPerson() string {
	switch {
	case s.Disconnected:
		return "the source account is disconnected"
	case s.Paused:
		return "paused: " + s.PauseReason
	case s.SetAside > 0:
		return fmt.Sprintf("%d lines set aside", s.SetAside)
	case s.Failures > 0:
		return fmt.Sprintf("%d failed pushes in a row: %s", s.Failures, s.LastError)
	}
	return ""
}

const statusColumns = `feed_id, company_id, connection_id, account_id, platform, appended, delivered, set_aside, high_water, inflight,
	last_op, last_status, last_error, failures, chunks, paused, pause_reason, disconnected`

func (e *Engine[TTx]) scanStatus(rows Rows) (*Status, error) {
	s := &Status{}
	var hw, inflight string
	var paused, disc int64
	if err := rows.Scan(&s.ID, &s.CompanyID, &s.ConnectionID, &s.AccountID, &s.Platform, &s.Appended, &s.Delivered, &s.SetAside, &hw, &inflight,
		&s.LastOperation, &s.LastStatus, &s.LastError, &s.Failures, &s.Chunks, &paused, &s.PauseReason, &disc); err != nil {
		return nil, err
	}
	s.Paused, s.Disconnected = paused != 0, disc != 0
	var err error
	if s.HighWaterMark, err = parseWall(hw); err != nil {
		return nil, err
	}
	if inflight != "" {
		var fl bankfeeds.InFlight
		if err := json.Unmarshal([]byte(inflight), &fl); err != nil {
			return nil, err
		}
		s.InFlight = len(fl.Transactions)
	}
	s.Waiting = s.Appended - s.Delivered - s.SetAside
	return s, nil
}

// Status returns one feed's status, with its set-aside lines.
func (e *Engine[TTx]) Status(ctx context.Context, feedID string) (*Status, error) {
	var s *Status
	err := inTx(ctx, e.b, func(tx TTx) error {
		rows, err := e.b.Query(ctx, tx, `SELECT `+statusColumns+` FROM bankfeeds_feed WHERE feed_id = ?`, feedID)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("%w: %q", ErrUnknownFeed, feedID)
		}
		if s, err = e.scanStatus(rows); err != nil {
			return err
		}
		rows.Close()
		aside, err := e.b.Query(ctx, tx, `SELECT txn_id, sort_key, reason FROM bankfeeds_line WHERE feed_id = ? AND state = ? ORDER BY sort_key, txn_id LIMIT 100`, feedID, lineSetAside)
		if err != nil {
			return err
		}
		defer aside.Close()
		for aside.Next() {
			var l SetAsideLine
			var key string
			if err := aside.Scan(&l.ID, &key, &l.Reason); err != nil {
				return err
			}
			l.Date, _ = bankfeeds.ParseDateTime(key)
			s.Aside = append(s.Aside, l)
		}
		return aside.Err()
	})
	return s, err
}

// Feeds returns every feed's status (without the set-aside lines), by id.
func (e *Engine[TTx]) Feeds(ctx context.Context) ([]*Status, error) {
	var out []*Status
	err := inTx(ctx, e.b, func(tx TTx) error {
		rows, err := e.b.Query(ctx, tx, `SELECT `+statusColumns+` FROM bankfeeds_feed ORDER BY feed_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := e.scanStatus(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}

// NeedsAttention returns the feeds a person should look at (see
// Status.NeedsPerson).
func (e *Engine[TTx]) NeedsAttention(ctx context.Context) ([]*Status, error) {
	all, err := e.Feeds(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Status
	for _, s := range all {
		if s.NeedsPerson() != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// Pause stops a feed's delivery (a chunk in flight stays recorded) until
// Resume.
func (e *Engine[TTx]) Pause(ctx context.Context, feedID, reason string) error {
	if reason == "" {
		reason = "paused by a person"
	}
	return e.updateFeed(ctx, feedID, `UPDATE bankfeeds_feed SET paused = 1, pause_reason = ? WHERE feed_id = ?`, reason, feedID)
}

// Resume restarts a paused feed, forgets its failures, and wakes its
// delivery.
func (e *Engine[TTx]) Resume(ctx context.Context, feedID string) error {
	return e.updateFeed(ctx, feedID, `UPDATE bankfeeds_feed SET paused = 0, pause_reason = '', failures = 0, retry_at = 0 WHERE feed_id = ?`, feedID)
}

// ResolveInFlight settles by hand a chunk the engine could not settle (a
// push operation that timed out, or several operations that hold its ids):
// landed true marks its lines delivered, false sends them again under a
// new key. The feed is resumed. Use it only after checking the account in
// the accounting software.
func (e *Engine[TTx]) ResolveInFlight(ctx context.Context, feedID string, landed bool) error {
	return inTx(ctx, e.b, func(tx TTx) error {
		f, err := e.feedOf(ctx, tx, feedID)
		if err != nil {
			return err
		}
		if err := e.lockConnectionTx(ctx, tx, f.company, f.connection); err != nil {
			return err
		}
		if f, err = e.feedOf(ctx, tx, feedID); err != nil { // again, under the row: a job may have settled it
			return err
		}
		if f.inflight == "" {
			return fmt.Errorf("feed: feed %q has no chunk in flight", feedID)
		}
		var fl bankfeeds.InFlight
		if err := json.Unmarshal([]byte(f.inflight), &fl); err != nil {
			return err
		}
		if landed && len(fl.Transactions) > 0 {
			for i := range fl.Transactions {
				if _, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_line SET state = ?, op_key = ? WHERE feed_id = ? AND txn_id = ? AND state = ?`,
					lineDelivered, fl.PushOperationKey, feedID, fl.Transactions[i].ID, lineWaiting); err != nil {
					return err
				}
			}
			hw, _ := parseWall(f.highWater)
			if last := fl.Transactions[len(fl.Transactions)-1].Date; hw.IsZero() || sortKey(last) > sortKey(hw) {
				hw = last
			}
			if _, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET delivered = delivered + ?, high_water = ?, chunks = chunks + 1 WHERE feed_id = ?`,
				len(fl.Transactions), wallText(hw), feedID); err != nil {
				return err
			}
		}
		_, err = e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET inflight = '', paused = 0, pause_reason = '', failures = 0, retry_at = 0 WHERE feed_id = ?`, feedID)
		if err != nil {
			return err
		}
		return e.wakeTx(ctx, tx, f.company, f.connection)
	})
}

func (e *Engine[TTx]) updateFeed(ctx context.Context, feedID, query string, args ...any) error {
	return inTx(ctx, e.b, func(tx TTx) error {
		f, err := e.feedOf(ctx, tx, feedID)
		if err != nil {
			return err
		}
		if err := e.lockConnectionTx(ctx, tx, f.company, f.connection); err != nil {
			return err
		}
		if _, err := e.b.Exec(ctx, tx, query, args...); err != nil {
			return err
		}
		return e.wakeTx(ctx, tx, f.company, f.connection)
	})
}

// wakeTx inserts the connection's job if it has none; tx holds the
// connection's row (lockConnectionTx).
func (e *Engine[TTx]) wakeTx(ctx context.Context, tx TTx, company, connection string) error {
	var gen int64
	if _, err := queryRow(ctx, e.b, tx, `SELECT job_gen FROM bankfeeds_connection WHERE company_id = ? AND connection_id = ?`, []any{company, connection}, &gen); err != nil {
		return err
	}
	return e.enqueueTx(ctx, tx, company, connection, gen, 0)
}
