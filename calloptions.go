package bankfeeds

import (
	"context"
	"net/http"
	"time"
)

// CallOptions tune one call without a second Client. Put them on the
// call's context with WithCallOptions; every operation, PushAll, Resume and
// WaitForOperation read them there. Zero fields leave the Client's settings.
type CallOptions struct {
	// Timeout bounds the whole call: every attempt, every wait between
	// them, and for PushAll every chunk and poll.
	Timeout time.Duration
	// Retries is how many times a failed attempt is retried (Ptr(0): none),
	// in place of WithRetryMax's; at most 20.
	Retries *int
	// Header is sent with every request of the call, in addition to the
	// SDK's own headers, which it cannot replace (Authorization,
	// Idempotency-Key, Content-Type, Accept, User-Agent).
	Header http.Header
	// IdempotencyKey is a write's Idempotency-Key, as WithIdempotencyKey
	// sets it; for PushAll it is the base its chunks' keys are derived from
	// (PushOptions.IdempotencyKey wins when both are set).
	IdempotencyKey string
}

type callOptionsKey struct{}

// WithCallOptions returns a context whose calls use o. Options already on
// ctx stay where o leaves a field zero, so options can be layered.
func WithCallOptions(ctx context.Context, o CallOptions) context.Context {
	if prev, ok := ctx.Value(callOptionsKey{}).(*CallOptions); ok {
		merged := *prev
		if o.Timeout > 0 {
			merged.Timeout = o.Timeout
		}
		if o.Retries != nil {
			merged.Retries = o.Retries
		}
		if o.IdempotencyKey != "" {
			merged.IdempotencyKey = o.IdempotencyKey
		}
		if len(o.Header) > 0 {
			h := merged.Header.Clone()
			if h == nil {
				h = http.Header{}
			}
			for k, v := range o.Header {
				h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
			}
			merged.Header = h
		}
		o = merged
	}
	return context.WithValue(ctx, callOptionsKey{}, &o)
}

func callOptionsFrom(ctx context.Context) *CallOptions {
	o, _ := ctx.Value(callOptionsKey{}).(*CallOptions)
	return o
}

// callTimeout applies the call's Timeout, if any, to ctx. The Timeout is
// taken off the options it passes on, so the calls a composite call makes
// inside it share its one deadline instead of each starting a new one.
func callTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	o := callOptionsFrom(ctx)
	if o == nil || o.Timeout <= 0 {
		return ctx, func() {}
	}
	inner := *o
	inner.Timeout = 0
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	return context.WithValue(ctx, callOptionsKey{}, &inner), cancel
}
