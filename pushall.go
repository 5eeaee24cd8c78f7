package bankfeeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrPushTimedOut says a push operation ended TimedOut. Codat may still
// write what it had passed on, so PushAll never resends such a chunk: check
// the account, then resume from PushError.Remaining if you must.
var ErrPushTimedOut = errors.New("bankfeeds: push operation timed out")

// ErrPushFailed says a push operation ended Failed; nothing of it was
// written. PushError.Messages says why.
var ErrPushFailed = errors.New("bankfeeds: push operation failed")

// PushAllOptions tunes PushAll. The embedded PushOptions apply to every
// chunk; leave Platform and Rules empty to have PushAll look the
// connection's platform up once.
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
}

// Progress reports a chunk that reached Success.
type Progress struct {
	Chunk     int            // 0-based index of the chunk
	Chunks    int            // number of chunks
	Pushed    int            // transactions written so far
	Total     int            // transactions in all
	Operation *PushOperation // the chunk's push operation
}

// PushResult is what PushAll wrote.
type PushResult struct {
	Operations []PushOperation // one a chunk, in order, each Success
	Pushed     int             // transactions written
	// HighWaterMark is the date of the newest transaction written: keep it
	// and pass it as PushOptions.NotBefore next time.
	HighWaterMark DateTime
}

// PushError says which chunk of a PushAll failed and hands back what has
// not been pushed, so the caller can resume with it.
type PushError struct {
	Chunk     int               // 0-based index of the chunk that failed
	Operation *PushOperation    // its push operation, when there is one
	Messages  []string          // Codat's validation messages and error message
	Remaining []BankTransaction // sorted; starts with the failed chunk
	Pushed    int               // transactions written before it
	Err       error             // the cause: ErrPushFailed, ErrPushTimedOut, an *APIError, ...
}

// Error returns one line naming the chunk, the operation and the cause.
func (e *PushError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bankfeeds: push of chunk %d failed", e.Chunk)
	if e.Operation != nil {
		fmt.Fprintf(&b, " (push operation %s, %s)", e.Operation.PushOperationKey, e.Operation.Status)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	for i, m := range e.Messages {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Messages)-3)
			break
		}
		b.WriteString("; ")
		b.WriteString(m)
	}
	fmt.Fprintf(&b, " (%d pushed, %d remaining)", e.Pushed, len(e.Remaining))
	return b.String()
}

// Unwrap returns the cause.
func (e *PushError) Unwrap() error { return e.Err }

// PushAll pushes any number of transactions to one source account, exactly
// once and in order. It sorts and checks them all first (the caller's slice
// is not reordered), cuts them into chunks of at most BatchSize, and pushes
// chunk k+1 only after chunk k's push operation reached Success, carrying the
// account's high-water mark from chunk to chunk (PushResult.HighWaterMark).
//
// Each chunk carries one Idempotency-Key across all its attempts (derived
// from opts.IdempotencyKey when set, so a restarted process resends the same
// chunks under the same keys). Transport errors, lost answers, 409 and 429
// are retried with that key. A 5xx answer is cached by Codat under the key,
// so it is reconciled instead: PushAll lists the connection's newest push
// operations, adopts one that holds the chunk, and resends with a new key
// only when none does. A chunk whose operation ends TimedOut is
// never resent (ErrPushTimedOut).
//
// On failure it returns the chunks that succeeded and a *PushError.
func (s *TransactionsService) PushAll(ctx context.Context, companyID, connectionID, accountID string, txns []BankTransaction, opts *PushAllOptions) (*PushResult, error) {
	var o PushAllOptions
	if opts != nil {
		o = *opts
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
	p, err := pushPath(companyID, connectionID, accountID)
	if err != nil {
		return nil, err
	}
	if o.TimeoutInMinutes != nil && *o.TimeoutInMinutes < 1 {
		return nil, invalid("TimeoutInMinutes", "must be 1 or more")
	}
	if len(txns) == 0 {
		return nil, invalid("transactions", "at least one transaction is needed")
	}
	if o.Platform == "" && o.Rules == nil {
		conn, err := s.c.Connections.Get(ctx, companyID, connectionID)
		if err != nil {
			return nil, err
		}
		o.Platform = conn.IntegrationKey
	}
	sorted, err := prepare(txns, &o.PushOptions)
	if err != nil {
		return nil, err
	}
	res := &PushResult{}
	chunks := (len(sorted) + o.BatchSize - 1) / o.BatchSize
	for k := 0; k < chunks; k++ {
		chunk := sorted[k*o.BatchSize : min((k+1)*o.BatchSize, len(sorted))]
		po := o.PushOptions
		if o.IdempotencyKey != "" {
			po.IdempotencyKey = deriveKey(o.IdempotencyKey, k)
		} else {
			po.IdempotencyKey = newIdempotencyKey()
		}
		op, err := s.pushChunk(ctx, companyID, connectionID, p, accountID, chunk, &po, o)
		if err == nil {
			switch op.Status {
			case PushStatusSuccess:
			case PushStatusTimedOut:
				err = ErrPushTimedOut
			default:
				err = ErrPushFailed
			}
		}
		if err != nil {
			return res, &PushError{Chunk: k, Operation: op, Messages: opMessages(op), Remaining: sorted[k*o.BatchSize:], Pushed: res.Pushed, Err: err}
		}
		res.Operations = append(res.Operations, *op)
		res.Pushed += len(chunk)
		res.HighWaterMark = chunk[len(chunk)-1].Date
		if o.OnProgress != nil {
			o.OnProgress(Progress{Chunk: k, Chunks: chunks, Pushed: res.Pushed, Total: len(sorted), Operation: op})
		}
	}
	return res, nil
}

// pushChunk sends one chunk until Codat holds it exactly once, and waits
// for its push operation to end.
// The chunk has passed the guard with the rest, so it is sent as it is.
func (s *TransactionsService) pushChunk(ctx context.Context, companyID, connectionID, p, accountID string, chunk []BankTransaction, po *PushOptions, o PushAllOptions) (*PushOperation, error) {
	var lastErr error
	for attempt := 0; attempt < o.MaxAttempts; attempt++ {
		op, err := s.send(ctx, p, accountID, chunk, po)
		if err == nil {
			return s.WaitForOperation(ctx, companyID, op.PushOperationKey, o.Wait)
		}
		lastErr = err
		if ctx.Err() != nil {
			return nil, err
		}
		var apiErr *APIError
		var transportErr *TransportError
		switch {
		case errors.As(err, &transportErr), errors.Is(err, ErrConflict), errors.Is(err, ErrRateLimited):
			// The answer may be lost or the key busy: resend under the same
			// key, which Codat replays or releases. Wait a little first.
			wait := s.c.policy.backoff(s.c.policy.waitMin, s.c.policy.waitMax, attempt, nil)
			if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
				wait = clamp(apiErr.RetryAfter, s.c.policy.waitMax)
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		case errors.Is(err, ErrServer):
			// Codat caches the 5xx under the key: find out whether the
			// chunk arrived before choosing to resend under a new key.
			found, rerr := s.reconcile(ctx, companyID, connectionID, chunk)
			for try := 1; rerr != nil && transient(ctx, rerr) && try < o.MaxAttempts; try++ {
				if err := sleep(ctx, s.c.policy.backoff(s.c.policy.waitMin, s.c.policy.waitMax, try, nil)); err != nil {
					return nil, err
				}
				found, rerr = s.reconcile(ctx, companyID, connectionID, chunk)
			}
			if rerr != nil {
				return nil, rerr
			}
			if found != nil {
				return s.WaitForOperation(ctx, companyID, found.PushOperationKey, o.Wait)
			}
			po.IdempotencyKey = newIdempotencyKey()
		default:
			return nil, err // 4xx: the request itself is wrong; resending cannot help
		}
	}
	return nil, lastErr
}

// reconcilePages bounds how far back reconcile looks: the operation it
// seeks was requested moments ago, so it is among the newest.
const reconcilePages = 3

// reconcile looks among the connection's newest push operations for one
// that holds this chunk. It goes by the server's order, not this machine's
// clock, so a skewed clock cannot hide the operation. A Pending candidate is
// waited for, because only a finished operation's changes name the
// transactions it wrote.
func (s *TransactionsService) reconcile(ctx context.Context, companyID, connectionID string, chunk []BankTransaction) (*PushOperation, error) {
	want := make(map[string]struct{}, len(chunk))
	for i := range chunk {
		want[chunk[i].ID] = struct{}{}
	}
	opts := &ListOptions{PageSize: 100, Query: "dataConnectionKey=" + connectionID, OrderBy: "-requestedOnUtc"}
	for page := 1; page <= reconcilePages; page++ {
		opts.Page = page
		list, err := s.ListOperations(ctx, companyID, opts)
		if errors.Is(err, ErrBadRequest) && opts.Query != "" {
			opts.Query, page = "", 0 // the query is not supported: filter here instead
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, op := range list.Results {
			if op.DataConnectionKey != connectionID || (op.DataType != "" && op.DataType != "bankTransactions") {
				continue
			}
			if !op.Status.Final() {
				done, err := s.WaitForOperation(ctx, companyID, op.PushOperationKey, nil)
				if err != nil {
					return nil, err
				}
				op = *done
			}
			if holds(op, want) {
				return &op, nil
			}
		}
		if !list.HasNext() {
			break
		}
	}
	return nil, nil
}

// holds reports whether an operation wrote any of the wanted transactions.
func holds(op PushOperation, want map[string]struct{}) bool {
	for _, c := range op.Changes {
		if c.RecordRef == nil {
			continue
		}
		if _, ok := want[c.RecordRef.ID]; ok {
			return true
		}
	}
	if op.Data != nil {
		for _, t := range op.Data.Transactions {
			if _, ok := want[t.ID]; ok {
				return true
			}
		}
	}
	return false
}

func opMessages(op *PushOperation) []string {
	if op == nil {
		return nil
	}
	var msgs []string
	if op.ErrorMessage != nil && *op.ErrorMessage != "" {
		msgs = append(msgs, *op.ErrorMessage)
	}
	if op.Validation != nil {
		for _, v := range op.Validation.Errors {
			msgs = append(msgs, v.String())
		}
	}
	return msgs
}

// deriveKey turns a caller's key and a chunk number into a GUID-shaped key,
// the same every time.
func deriveKey(base string, chunk int) string {
	sum := sha256.Sum256([]byte(base + "/" + strconv.Itoa(chunk)))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// WaitOptions tunes WaitForOperation's polling.
type WaitOptions struct {
	Interval    time.Duration // first wait (default 250 ms)
	MaxInterval time.Duration // longest wait (default 10 s); waits grow 1.5x
}

// WaitForOperation polls a push operation until it is Success, Failed or
// TimedOut, waiting longer between polls each time, and returns it. A final
// status is not an error. Passing faults (transport errors, 429, 5xx) do not
// end the wait; the context bounds it.
func (s *TransactionsService) WaitForOperation(ctx context.Context, companyID, pushOperationKey string, opts *WaitOptions) (*PushOperation, error) {
	interval, maxInterval := 250*time.Millisecond, 10*time.Second
	if opts != nil {
		if opts.Interval > 0 {
			interval = opts.Interval
		}
		if opts.MaxInterval > 0 {
			maxInterval = opts.MaxInterval
		}
	}
	for {
		op, err := s.GetOperation(ctx, companyID, pushOperationKey)
		switch {
		case err == nil && op.Status.Final():
			return op, nil
		case err != nil && !transient(ctx, err):
			return nil, err
		}
		// Pending, or a passing fault the transport's retries did not ride
		// out: polling is safe to repeat, so poll again.
		if err := sleep(ctx, interval); err != nil {
			return nil, err
		}
		interval = min(interval*3/2, maxInterval)
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transient reports whether an error may pass if the same read is repeated:
// no answer (while ctx is live), a rate limit, or a server error.
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var te *TransportError
	return errors.As(err, &te) || errors.Is(err, ErrRateLimited) || errors.Is(err, ErrServer)
}
