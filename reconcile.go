package bankfeeds

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bounds of a reconcile. It reads the connection's push operations newest
// first until it passes the chunk's first send (chunkSend.sentAfter: by the
// server's clock when known, else by the sender's less the clock
// tolerance), up to reconcileMaxPages pages.
//
// A start earlier than the true one only reads more: an operation requested
// before the chunk was sent can be adopted only if it holds exactly the
// chunk's ids and is not Failed, and then those very lines are in the
// account already, so adopting it writes nothing twice; two such
// operations are refused (ErrPushUnsettled), never guessed between.
const (
	reconcilePageSize = 100
	reconcileMaxPages = 50
	// sinceMargin widens the start for a server that keeps
	// requestedOnUtc to the second.
	sinceMargin = 2 * time.Second
)

// reconcileRetrying is reconcile, tried again while it meets passing faults.
func (s *TransactionsService) reconcileRetrying(ctx context.Context, cs *chunkSend, conn *connPushes, attempts int) (*PushOperation, error) {
	found, err := s.reconcile(ctx, cs, conn)
	for try := 1; err != nil && transient(ctx, err) && try < attempts; try++ {
		if err := sleep(ctx, s.c.policy.backoff(s.c.policy.waitMin, s.c.policy.waitMax, try, nil)); err != nil {
			return nil, err
		}
		found, err = s.reconcile(ctx, cs, conn)
	}
	if found != nil {
		cs.opKey = found.PushOperationKey
		conn.remember(found.PushOperationKey, cs.hash)
	}
	return found, err
}

// reconcile looks for the push operation that holds this chunk: one on the
// connection, requested after the chunk was first sent (by the server's
// clock), not already answered to this Client for another chunk, whose
// changes hold exactly the chunk's ids. A Pending candidate is waited for,
// because only a finished operation's changes name what it wrote. It returns
// nil when none holds the chunk, and ErrPushUnsettled when it cannot tell:
// more than one operation holds exactly these ids, or the operations since
// the chunk was sent are more than it reads.
func (s *TransactionsService) reconcile(ctx context.Context, cs *chunkSend, conn *connPushes) (*PushOperation, error) {
	want := make(map[string]struct{}, len(cs.lines))
	for i := range cs.lines {
		want[cs.lines[i].ID] = struct{}{}
	}
	opts := &ListOptions{PageSize: reconcilePageSize, Query: "dataConnectionKey=" + cs.connection, OrderBy: "-requestedOnUtc"}
	var candidates []PushOperation
	for page := 1; ; page++ {
		opts.Page = page
		list, err := s.ListOperations(ctx, cs.company, opts)
		if errors.Is(err, ErrBadRequest) && opts.Query != "" {
			opts.Query, page = "", 0 // the query is not supported: filter here instead
			continue
		}
		if err != nil {
			return nil, err
		}
		bound := cs.sentAfter(s.c.clock).Add(-sinceMargin)
		passed := false
		for _, op := range list.Results {
			if op.RequestedOnUTC.Before(bound) {
				passed = true // newest first: the rest are older still
				break
			}
			if op.DataConnectionKey != cs.connection || (op.DataType != "" && op.DataType != "bankTransactions") || conn.forAnotherChunk(op.PushOperationKey, cs.hash) {
				continue
			}
			if !op.Status.Final() {
				done, err := s.WaitForOperation(ctx, cs.company, op.PushOperationKey, nil)
				if err != nil {
					return nil, err
				}
				op = *done
			}
			// A Failed operation wrote nothing: whichever attempt it was, it
			// does not hold the chunk.
			if op.Status != PushStatusFailed && holdsExactly(&op, want) {
				candidates = append(candidates, op)
			}
		}
		if passed || !list.HasNext() {
			break
		}
		if limit := reconcileMaxPages; page >= limit {
			return nil, fmt.Errorf("%w: more than %d push operations on connection %s since the chunk was sent",
				ErrPushUnsettled, limit*reconcilePageSize, cs.connection)
		}
	}
	switch len(candidates) {
	case 0:
		return nil, nil
	case 1:
		return &candidates[0], nil
	}
	return nil, fmt.Errorf("%w: %d push operations on connection %s hold exactly its ids (%s and %s); push operations carry no account id, so keep one writer per connection",
		ErrPushUnsettled, len(candidates), cs.connection, candidates[0].PushOperationKey, candidates[1].PushOperationKey)
}

// holdsExactly reports whether an operation wrote exactly the wanted
// transactions: every one of them, and nothing else.
func holdsExactly(op *PushOperation, want map[string]struct{}) bool {
	ids := make([]string, 0, len(want))
	for _, c := range op.Changes {
		if c.RecordRef != nil && c.RecordRef.ID != "" {
			ids = append(ids, c.RecordRef.ID)
		}
	}
	if len(ids) == 0 {
		if data, err := op.Echo(); err == nil && data != nil {
			for i := range data.Transactions {
				ids = append(ids, data.Transactions[i].ID)
			}
		}
	}
	if len(ids) != len(want) {
		return false
	}
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, ok := want[id]; !ok {
			return false
		}
		if _, dup := seen[id]; dup {
			return false
		}
		seen[id] = struct{}{}
	}
	return true
}
