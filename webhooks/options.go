package webhooks

import (
	"errors"
	"log/slog"
	"time"
)

// Defaults used when no option says otherwise.
const (
	// DefaultTolerance is how far a webhook-timestamp may be from the clock,
	// in the past or the future.
	DefaultTolerance = 5 * time.Minute
	// DefaultMaxBodyBytes caps the body of a delivery (1 MiB).
	DefaultMaxBodyBytes = 1 << 20
	// DefaultDedupTTL is how long a handled webhook-id is remembered. Codat
	// retries a delivery for about 28 hours.
	DefaultDedupTTL = 48 * time.Hour
)

// Option configures a [Verifier] or a [Handler]. Options that only concern
// the handler (dedup store, dedup TTL, logger) are accepted and ignored by
// [NewVerifier].
type Option func(*config) error

type config struct {
	tolerance time.Duration
	now       func() time.Time
	maxBody   int64
	store     DedupStore
	ttl       time.Duration
	logger    *slog.Logger
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		tolerance: DefaultTolerance,
		now:       time.Now,
		maxBody:   DefaultMaxBodyBytes,
		ttl:       DefaultDedupTTL,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithTolerance sets how far a webhook-timestamp may be from the clock, in
// either direction (default 5 minutes). It must be positive: the timestamp
// check cannot be turned off.
func WithTolerance(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("webhooks: WithTolerance: the tolerance must be positive")
		}
		c.tolerance = d
		return nil
	}
}

// WithClock sets the clock used to check timestamps and, for the default
// in-memory store, to expire remembered ids. Tests use it to pin the time.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("webhooks: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithMaxBodyBytes caps the body of a delivery (default 1 MiB). Larger
// bodies are refused with [ErrBodyTooLarge] (413 from the handler).
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return errors.New("webhooks: WithMaxBodyBytes: the cap must be positive")
		}
		c.maxBody = n
		return nil
	}
}

// WithDedupStore sets where the handler remembers the webhook-ids it has
// handled. The default is an in-memory [MemoryStore] private to the handler;
// share a store when several processes receive the same endpoint's
// deliveries.
func WithDedupStore(s DedupStore) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("webhooks: WithDedupStore: nil store")
		}
		c.store = s
		return nil
	}
}

// WithDedupTTL sets how long a handled webhook-id is remembered (default 48
// hours). Keep it longer than Codat's retry schedule (about 28 hours).
func WithDedupTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("webhooks: WithDedupTTL: the TTL must be positive")
		}
		c.ttl = d
		return nil
	}
}

// WithLogger makes the handler log refused deliveries, failed user functions
// and store errors. Logs carry the webhook-id and event type, never the
// secret, the signatures or the body. The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("webhooks: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}
