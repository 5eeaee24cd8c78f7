package bankfeeds

import (
	"context"
	"errors"
	"time"
)

// WaitOptions tunes WaitForOperation's polling.
type WaitOptions struct {
	Interval    time.Duration // first wait (default 250 ms)
	MaxInterval time.Duration // longest wait (default 10 s); waits grow 1.5x
}

// WaitForOperation polls a push operation until it is Success, Failed or
// TimedOut, waiting longer between polls each time, and returns it. A final
// status is not an error. Passing faults (transport errors, 429, 5xx) do not
// end the wait; the context bounds it.
func (s *TransactionsService) WaitForOperation(ctx context.Context, companyID, pushOperationKey string, opts *WaitOptions) (op *PushOperation, err error) {
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
