package feed

import (
	"context"
	"fmt"

	"github.com/bankfeeds-go/bankfeeds"
)

// AppendResult says what an Append stored.
type AppendResult struct {
	Added      int // lines stored
	Duplicates int // lines whose id the feed already held (or that came twice), not stored again
}

// Append stores lines for a feed, in any order, and wakes its delivery. A
// line whose id the feed already holds is stored once: the first wins. A
// line without id, date or amount, or whose id is not valid UTF-8, is
// refused (a *bankfeeds.ValidationError naming it) and nothing is stored.
// Free text that is not valid UTF-8 (Latin-1 or Windows-1252 bytes) is
// stored and sent converted by bankfeeds.ToUTF8.
func (e *Engine[TTx]) Append(ctx context.Context, feedID string, lines ...bankfeeds.BankTransaction) (AppendResult, error) {
	var res AppendResult
	err := inTx(ctx, e.b, func(tx TTx) error {
		var err error
		res, err = e.AppendTx(ctx, tx, feedID, lines...)
		return err
	})
	if err != nil {
		return AppendResult{}, err
	}
	return res, nil
}

// AppendTx is Append inside the caller's own transaction (the outbox): the
// lines, and the job that delivers them, commit or roll back with the rest
// of the transaction, such as the ledger write they come from. tx must be
// a transaction of the engine's database.
func (e *Engine[TTx]) AppendTx(ctx context.Context, tx TTx, feedID string, lines ...bankfeeds.BankTransaction) (AppendResult, error) {
	var res AppendResult
	bodies := make([]string, len(lines))
	for i := range lines {
		if err := checkLine(i, &lines[i]); err != nil {
			return res, err
		}
		b, err := encodeLine(&lines[i])
		if err != nil {
			return res, fmt.Errorf("feed: line %d: %w", i, err)
		}
		bodies[i] = b
	}
	f, err := e.feedOf(ctx, tx, feedID)
	if err != nil {
		return res, err
	}
	// Take the connection's row first: a delivery job deciding it is done
	// takes it too, so either it sees these lines or this sees it done.
	if err := e.lockConnectionTx(ctx, tx, f.company, f.connection); err != nil {
		return res, err
	}
	for i := range lines {
		n, err := e.b.Exec(ctx, tx, `INSERT INTO bankfeeds_line (feed_id, txn_id, sort_key, body) VALUES (?, ?, ?, ?) ON CONFLICT (feed_id, txn_id) DO NOTHING`,
			feedID, lines[i].ID, sortKey(lines[i].Date), bodies[i])
		if err != nil {
			return res, err
		}
		res.Added += int(n)
	}
	res.Duplicates = len(lines) - res.Added
	if res.Added == 0 {
		return res, nil
	}
	if _, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET appended = appended + ? WHERE feed_id = ?`, res.Added, feedID); err != nil {
		return res, err
	}
	if err := e.wakeTx(ctx, tx, f.company, f.connection); err != nil {
		return res, err
	}
	return res, nil
}
