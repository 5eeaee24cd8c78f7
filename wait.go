package bankfeeds

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// OperationEvents tells WaitForOperation when push operations end, from
// Codat's bankTransactions.write.successful and .unsuccessful webhooks, so
// a chunk needs no polling. webhooks.Operations implements it.
type OperationEvents interface {
	// Subscribe returns a channel that receives the operation's final
	// status when an event for it arrives (at once if one already has), and
	// a function that ends the subscription.
	Subscribe(pushOperationKey string) (<-chan PushStatus, func())
}

// WaitOptions tunes WaitForOperation.
type WaitOptions struct {
	// Interval is the shortest wait between polls (default 250 ms).
	Interval time.Duration
	// MaxInterval is the longest wait between polls (default 10 s); waits
	// grow 1.5x after a poll that finds the operation still Pending.
	MaxInterval time.Duration
	// Events, when set, settles the wait from webhook events: a Success
	// event ends it with no request at all (the operation returned then
	// carries its key and status only), a Failed or TimedOut one with one
	// read of the operation for Codat's messages. Polling goes on only as a
	// fallback, from EventGrace after the wait began.
	Events OperationEvents
	// EventGrace is how long to wait for an event before polling (default 1
	// minute).
	EventGrace time.Duration
}

// WaitForOperation waits until a push operation is Success, Failed or
// TimedOut, and returns it. A final status is not an error. Passing faults
// (transport errors, 429, 5xx) do not end the wait; the context bounds it.
//
// Polls follow how long this Client's recent operations took: the first poll
// comes when an operation like the last ones would have ended, and later ones
// at Interval growing 1.5x up to MaxInterval. With WaitOptions.Events set,
// webhook events end the wait instead.
func (s *TransactionsService) WaitForOperation(ctx context.Context, companyID, pushOperationKey string, opts *WaitOptions) (op *PushOperation, err error) {
	return s.waitFor(ctx, companyID, pushOperationKey, opts, time.Time{})
}

// waitFor is WaitForOperation for an operation pushed at sentAt; a zero
// sentAt (not known: an operation pushed earlier, by this process or
// another) looks at once.
func (s *TransactionsService) waitFor(ctx context.Context, companyID, pushOperationKey string, opts *WaitOptions, sentAt time.Time) (op *PushOperation, err error) {
	if ctx == nil {
		return nil, invalid("ctx", "a nil context.Context was passed")
	}
	info := &CallInfo{Operation: "Transactions.WaitForOperation", CompanyID: companyID, PushOperationKey: pushOperationKey}
	ctx, end := s.c.startCall(ctx, info)
	defer func() {
		if op != nil {
			info.PushStatus = op.Status
		}
		end(err)
	}()
	ctx, cancel := callTimeout(ctx)
	defer cancel()
	var o WaitOptions
	if opts != nil {
		o = *opts
	}
	if o.Interval <= 0 {
		o.Interval = 250 * time.Millisecond
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = 10 * time.Second
	}
	if o.EventGrace <= 0 {
		o.EventGrace = time.Minute
	}
	var events <-chan PushStatus
	if o.Events != nil {
		ch, stop := o.Events.Subscribe(pushOperationKey)
		defer stop()
		events = ch
	}
	// The first look: when an operation like the recent ones would have
	// ended, or after the grace an event has to arrive.
	var wait time.Duration
	if !sentAt.IsZero() {
		wait = max(o.Interval, s.c.opTimes.expected()-time.Since(sentAt))
		if events != nil {
			wait = max(wait, o.EventGrace-time.Since(sentAt))
		}
	}
	interval := o.Interval
	for {
		select {
		case status := <-events:
			if status == PushStatusSuccess {
				if !sentAt.IsZero() {
					s.c.opTimes.observe(time.Since(sentAt))
				}
				return &PushOperation{PushOperationKey: pushOperationKey, CompanyID: companyID, Status: status}, nil
			}
			events = nil // read the operation for its messages
			wait = 0
			continue
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-after(wait):
		}
		op, err := s.GetOperation(ctx, companyID, pushOperationKey)
		switch {
		case err == nil && op.Status.Final():
			s.c.opTimes.observe(operationTime(op, sentAt))
			return op, nil
		case err != nil && !transient(ctx, err):
			return nil, err
		}
		// Pending, or a passing fault the transport's retries did not ride
		// out: polling is safe to repeat, so poll again.
		wait = interval
		interval = min(interval*3/2, o.MaxInterval)
	}
}

// after is time.After for d > 0, and a ready channel otherwise.
func after(d time.Duration) <-chan time.Time {
	if d <= 0 {
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	return time.After(d)
}

// operationTime is how long an operation took: by Codat's own clock when it
// says, else from the push to this poll; 0 when neither is known.
func operationTime(op *PushOperation, sentAt time.Time) time.Duration {
	if op.CompletedOnUTC != nil && !op.CompletedOnUTC.IsZero() && !op.RequestedOnUTC.IsZero() {
		if d := op.CompletedOnUTC.Sub(op.RequestedOnUTC.Time); d >= 0 {
			return d
		}
	}
	if sentAt.IsZero() {
		return 0
	}
	return time.Since(sentAt)
}

// opTimes learns how long this Client's push operations take, as a moving
// average, so the first poll can come when an operation would have ended.
type opTimes struct{ avg atomic.Int64 } // nanoseconds; 0 until one is seen

// observe adds one operation's duration.
func (t *opTimes) observe(d time.Duration) {
	if d <= 0 {
		return
	}
	for {
		old := t.avg.Load()
		next := int64(d)
		if old > 0 {
			next = old + (int64(d)-old)/4 // weight 1/4 on the newest
		}
		if t.avg.CompareAndSwap(old, next) {
			return
		}
	}
}

// expected is when an operation is likely to have ended: the average plus
// a tenth, so most first polls find it done; 0 before any was seen.
func (t *opTimes) expected() time.Duration {
	avg := time.Duration(t.avg.Load())
	return avg + avg/10
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
