package bankfeeds

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// PushAllOptions tunes PushAll. The embedded PushOptions apply to every
// chunk; leave Platform and Rules empty to have PushAll look the
// connection's platform up once (PlatformOf).
type PushAllOptions struct {
	PushOptions
	// BatchSize is the most transactions a push (default and maximum 1000).
	BatchSize int
	// OnProgress, when set, is called after each chunk reaches Success.
	OnProgress func(Progress)
	// Wait tunes the polling of each chunk's push operation.
	Wait *WaitOptions
	// MaxAttempts bounds how often one chunk is sent after the transport's
	// own retries gave up (default 5).
	MaxAttempts int
	// BeforeSend, when set, is called with the chunk about to be sent
	// (its lines, Idempotency-Key and body hash) before its first attempt
	// and before each attempt under a new key: keep it durably there, so a
	// process that dies mid-send can settle the chunk. An error stops PushAll
	// before sending; the *PushError wraps it.
	BeforeSend func(*InFlight) error
	// OnAccepted, when set, is called once Codat answered a chunk with its
	// push operation (InFlight.PushOperationKey is set): keep the key.
	OnAccepted func(*InFlight)
	// ClockTolerance is how far the clock of any process that sent or
	// settles these chunks may be from Codat's (default
	// DefaultClockTolerance, 5 minutes). PushAll reads the server's time
	// from Date headers wherever it can; where a time was read on another
	// machine's clock before any answer told it the server's (a chunk sent
	// as a process's first request), it allows this much either way, so a
	// skew within it never costs a duplicate. A larger value only makes a
	// reconcile read further back.
	ClockTolerance time.Duration
	// InFlight is a chunk an earlier PushAll left in flight
	// (PushError.InFlight, kept across a restart if need be). PushAll settles
	// it before anything else and never sends it blindly again; Resume sets
	// it for you.
	InFlight *InFlight

	// keySalt is mixed into derived keys: the key of a push operation that
	// ended Failed, so that a retry is not answered with its replay.
	keySalt string
}

// Progress reports a chunk that reached Success.
type Progress struct {
	Chunk     int            // 0-based index of the chunk; -1 for the InFlight chunk settled
	Chunks    int            // number of chunks
	Pushed    int            // transactions written so far
	Total     int            // transactions in all
	Operation *PushOperation // the chunk's push operation
}

// PushResult is what PushAll wrote.
type PushResult struct {
	// Operations are the chunks' push operations, one a chunk, in order,
	// each Success. They are kept without Changes and Data (a chunk's worth
	// of records each, for a history of any size): read an operation with
	// GetOperation for its changes.
	Operations []PushOperation
	Pushed     int // transactions written
	// HighWaterMark is the date of the newest transaction written: keep it
	// and pass it as PushOptions.NotBefore next time.
	HighWaterMark DateTime
}

// PushAll pushes any number of transactions to one source account, exactly
// once and in order. It sorts and checks them all first (the caller's slice
// is not reordered; lines of one day are ordered by their running balances,
// see SortTransactions), cuts them into chunks of at most BatchSize, and
// pushes chunk k+1 only after chunk k's push operation reached Success,
// carrying the account's high-water mark from chunk to chunk
// (PushResult.HighWaterMark). No transactions is a success that pushed
// nothing.
//
// Each chunk carries one Idempotency-Key across all its attempts. With
// opts.IdempotencyKey set, each chunk's key is derived from it, the account
// and the chunk's content, so the same chunk of the same account always gets
// the same key (a restarted process that resends it is answered with the
// first push) and a different chunk or account never does. Transport
// errors, lost answers, 409 and 429 are resent under that key. A 5xx answer
// is cached by Codat under the key, so it is reconciled instead: PushAll
// looks among the connection's push operations requested since the chunk
// was first sent (by the server's clock) for one holding exactly the chunk's
// ids, adopts it, and sends the chunk under a new key only when none does.
// While it sends and reconciles a chunk it holds the connection for this
// Client, so two accounts of one connection cannot be confused; keep one
// writer per connection across processes.
//
// On failure it returns what landed and a *PushError. When the failed chunk
// may be held by Codat (it was sent and did not end Failed), the error's
// InFlight names it: resume with Resume (or PushAllOptions.InFlight), which
// settles it first. A chunk whose operation ends TimedOut is never resent
// (ErrPushTimedOut).
func (s *TransactionsService) PushAll(ctx context.Context, companyID, connectionID, accountID string, txns []BankTransaction, opts *PushAllOptions) (res *PushResult, err error) {
	if ctx == nil {
		return nil, invalid("ctx", "a nil context.Context was passed")
	}
	info := &CallInfo{Operation: "Transactions.PushAll", CompanyID: companyID, Transactions: len(txns)}
	ctx, end := s.c.startCall(ctx, info)
	defer func() {
		if res != nil {
			info.Pushed = res.Pushed
		}
		end(err)
	}()
	ctx, cancel := callTimeout(ctx)
	defer cancel()
	var o PushAllOptions
	if opts != nil {
		o = *opts
	}
	if co := callOptionsFrom(ctx); co != nil && o.IdempotencyKey == "" {
		o.IdempotencyKey = co.IdempotencyKey
	}
	if o.BatchSize == 0 {
		o.BatchSize = MaxTransactionsPerPush
	}
	if o.BatchSize < 1 || o.BatchSize > MaxTransactionsPerPush {
		return nil, invalid("BatchSize", "must be between 1 and 1000")
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.ClockTolerance < 0 {
		return nil, invalid("ClockTolerance", "must not be negative")
	}
	if o.ClockTolerance == 0 {
		o.ClockTolerance = DefaultClockTolerance
	}
	p, err := pushPath(companyID, connectionID, accountID)
	if err != nil {
		return nil, err
	}
	if o.TimeoutInMinutes != nil && *o.TimeoutInMinutes < 1 {
		return nil, invalid("TimeoutInMinutes", "must be 1 or more")
	}
	if err := o.InFlight.check(companyID, connectionID, accountID); err != nil {
		return nil, err
	}
	if err := checkUTF8(txns); err != nil {
		return nil, err
	}
	if len(txns) == 0 && o.InFlight == nil {
		return &PushResult{HighWaterMark: o.NotBefore}, ctx.Err()
	}
	if o.Platform == "" && o.Rules == nil {
		conn, err := s.c.Connections.Get(ctx, companyID, connectionID)
		if err != nil {
			return nil, err
		}
		if o.Platform = s.c.PlatformOf(conn); o.Platform == "" {
			return nil, invalid("PushOptions.Platform", "connection "+connectionID+" names no platform whose rules this SDK knows (integrationKey "+
				strconv.Quote(conn.IntegrationKey)+", platformName "+strconv.Quote(conn.PlatformName)+"): name it with PushOptions.Platform, or give PushOptions.Rules")
		}
	}
	run := &pushRun{s: s, company: companyID, connection: connectionID, account: accountID, path: p, o: o,
		res: &PushResult{HighWaterMark: o.NotBefore}, salt: o.keySalt}
	if o.InFlight == nil {
		v, err := prepareOrder(txns, &run.o.PushOptions)
		if err != nil {
			return nil, err
		}
		return run.push(ctx, v)
	}
	return run.resume(ctx, txns)
}

// Resume carries on a PushAll that failed with perr: it settles the chunk
// perr.InFlight names (if any) without ever sending it blindly again, then
// pushes the rest of perr.Remaining from perr.HighWaterMark on. opts tunes
// the call as for PushAll (its NotBefore and InFlight are taken from perr);
// nil keeps the defaults. After a restart, rebuild perr from what you kept:
// the ids, InFlight, HighWaterMark and the transactions not yet landed.
func (s *TransactionsService) Resume(ctx context.Context, perr *PushError, opts *PushAllOptions) (*PushResult, error) {
	if perr == nil {
		return nil, invalid("perr", "a nil *PushError was passed")
	}
	var o PushAllOptions
	if opts != nil {
		o = *opts
	}
	o.InFlight = perr.InFlight
	o.NotBefore = perr.HighWaterMark
	if perr.InFlight == nil && perr.Operation != nil && perr.Operation.Status == PushStatusFailed {
		// Codat replays a key's answer for 90 minutes: the failed chunk is
		// pushed again under keys it has not seen.
		o.keySalt = perr.Operation.PushOperationKey
	}
	return s.PushAll(ctx, perr.CompanyID, perr.ConnectionID, perr.AccountID, perr.Remaining, &o)
}

// pushRun is one PushAll call.
type pushRun struct {
	s                            *TransactionsService
	company, connection, account string
	path                         string
	o                            PushAllOptions
	res                          *PushResult
	salt                         string // mixed into derived keys after a Failed chunk, so its key is not replayed
}

// resume settles o.InFlight, then pushes txns without the lines it held
// when it landed, or with them when it failed.
func (r *pushRun) resume(ctx context.Context, txns []BankTransaction) (*PushResult, error) {
	fl := r.o.InFlight
	rest := withoutIDs(txns, fl.Transactions)
	// Check the lines not yet sent before anything is sent. The chunk in
	// flight is settled as it is: its lines are in Codat already, or may
	// be, even when the platform's window has moved past them since; the
	// date rules meet them again only if they must be pushed again.
	if _, err := prepare(rest, &r.o.PushOptions); err != nil {
		return nil, err
	}
	cs := fl.chunkSend(r.path)
	cs.tolerance = r.o.ClockTolerance
	op, err := r.s.settle(ctx, cs, &r.o)
	if err == nil && op.Status != PushStatusSuccess && op.Status != PushStatusFailed {
		err = ErrPushTimedOut
	}
	if err != nil {
		remaining := SortTransactions(append(rest[:len(rest):len(rest)], fl.Transactions...))
		return r.res, r.fail(-1, op, cs, remaining, err)
	}
	var v sorted
	if op.Status == PushStatusFailed {
		// Nothing of it was written: push it again, first, under new keys.
		r.salt = op.PushOperationKey
		v, err = prepareOrder(append(rest, fl.Transactions...), &r.o.PushOptions)
	} else {
		r.landed(-1, 1, op, fl.Transactions, len(rest)+len(fl.Transactions))
		v, err = prepareOrder(rest, &r.o.PushOptions) // now from the new high-water mark
	}
	if err != nil {
		return r.res, err
	}
	return r.push(ctx, v)
}

// push sends sorted, checked transactions chunk by chunk, copying each
// chunk out of the caller's slice as it goes.
func (r *pushRun) push(ctx context.Context, v sorted) (*PushResult, error) {
	n := r.o.BatchSize
	chunks := (v.len() + n - 1) / n
	total := r.res.Pushed + v.len()
	for k := 0; k < chunks; k++ {
		chunk := v.slice(k*n, min((k+1)*n, v.len()))
		cs := newChunkSend(r.path, r.company, r.connection, r.account, chunk)
		cs.tolerance = r.o.ClockTolerance
		if r.o.IdempotencyKey != "" {
			cs.key = deriveKey(r.o.IdempotencyKey, r.account, cs.hash, r.salt)
		} else {
			cs.key = newIdempotencyKey()
		}
		op, err := r.s.pushChunk(ctx, cs, &r.o)
		if err == nil && op.Status != PushStatusSuccess {
			if op.Status == PushStatusTimedOut {
				err = ErrPushTimedOut
			} else {
				err = ErrPushFailed
			}
		}
		if err != nil {
			return r.res, r.fail(k, op, cs, v.slice(k*n, v.len()), err)
		}
		r.landed(k, chunks, op, chunk, total)
	}
	return r.res, nil
}

// landed records a chunk that reached Success.
func (r *pushRun) landed(k, chunks int, op *PushOperation, chunk []BankTransaction, total int) {
	kept := *op
	kept.Changes, kept.Data, kept.rawData = nil, nil, nil // a chunk's worth each: the caller has the lines
	r.res.Operations = append(r.res.Operations, kept)
	r.res.Pushed += len(chunk)
	last := chunk[len(chunk)-1].Date
	if r.o.NotBefore.IsZero() || wallOf(last.Time).cmp(wallOf(r.o.NotBefore.Time)) > 0 {
		r.o.NotBefore = last
	}
	r.res.HighWaterMark = r.o.NotBefore
	if r.o.OnProgress != nil {
		r.o.OnProgress(Progress{Chunk: k, Chunks: chunks, Pushed: r.res.Pushed, Total: total, Operation: op})
	}
}

// fail builds the PushError for chunk k. The chunk is in flight unless it
// was never sent or its operation ended Failed.
func (r *pushRun) fail(k int, op *PushOperation, cs *chunkSend, remaining []BankTransaction, err error) *PushError {
	if op == nil && cs.opKey != "" {
		// Answered, then not waited for to the end: name the operation.
		op = &PushOperation{PushOperationKey: cs.opKey, CompanyID: r.company}
	}
	pe := &PushError{CompanyID: r.company, ConnectionID: r.connection, AccountID: r.account,
		Chunk: k, Operation: op, Messages: opMessages(op), Remaining: remaining,
		Pushed: r.res.Pushed, HighWaterMark: r.o.NotBefore, Err: err}
	if cs.sent && !errors.Is(err, ErrPushFailed) {
		pe.InFlight = cs.inFlight()
	}
	return pe
}

// withoutIDs returns txns without the transactions whose ids drop holds.
func withoutIDs(txns, drop []BankTransaction) []BankTransaction {
	ids := make(map[string]struct{}, len(drop))
	for i := range drop {
		ids[drop[i].ID] = struct{}{}
	}
	out := make([]BankTransaction, 0, len(txns))
	for i := range txns {
		if _, ok := ids[txns[i].ID]; !ok {
			out = append(out, txns[i])
		}
	}
	return out
}
