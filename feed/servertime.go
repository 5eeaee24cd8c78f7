package feed

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/bankfeeds-go/bankfeeds"
)

// serverTime makes sure the engine's client has learnt the server's time
// (from an answer's Date header) before it sends a chunk for the first
// time. A chunk's InFlight then carries Since, a lower bound of the
// server's clock when it was first sent, and whoever settles it (this
// process, or another after a crash) reconciles from that bound, never
// from a time read on some machine's clock and turned into the server's
// with an offset learnt later: with clocks that drift apart (or a sandbox
// whose clock runs fast) such a bound can pass the operation that holds
// the chunk, and the chunk would be sent again under a new key.
type serverTime struct {
	known atomic.Bool
	sem   chan struct{} // one learner at a time
}

func newServerTime() *serverTime { return &serverTime{sem: make(chan struct{}, 1)} }

// learn asks Codat for the connection (one cheap read) unless an answer
// was already had; any answer teaches the server's time. It fails only when
// no answer came (the budget, the network, ctx).
func (s *serverTime) learn(ctx context.Context, c *bankfeeds.Client, company, connection string) error {
	if s.known.Load() {
		return nil
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.sem }()
	if s.known.Load() {
		return nil
	}
	_, err := c.Connections.Get(ctx, company, connection)
	var apiErr *bankfeeds.APIError
	if err == nil || errors.As(err, &apiErr) {
		s.known.Store(true)
		return nil
	}
	return err
}
