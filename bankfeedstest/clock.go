package bankfeedstest

import (
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// The sandbox clock: WithClock's time (default time.Now) plus however far a
// test has advanced it. It decides "now" for every date the sandbox writes,
// the push rules, OTP expiry, the 90-minute idempotency cache, the daily
// quota's midnight and the per-minute limit, the scenarios that wait days
// (Scenarios), and generatedDate in webhooks.

// clock is the offset Advance has added.
type clock struct {
	offset atomic.Int64 // nanoseconds
}

func (c *clock) add(d time.Duration) { c.offset.Add(int64(d)) }

func (c *clock) get() time.Duration { return time.Duration(c.offset.Load()) }

// ErrClockBackwards is returned by Advance for a negative duration: the
// sandbox clock only moves forward.
var ErrClockBackwards = errors.New("bankfeedstest: the sandbox clock only moves forward")

// Now returns the sandbox clock's time.
func (s *Server) Now() time.Time { return s.now() }

// Advance moves the sandbox clock forward by d without waiting, and
// completes at once whatever that brings due: a long-pending push
// (Scenarios.LongPending), a QBO account's disconnection
// (Scenarios.QBODisconnectAfter). Crossing 00:00 UTC resets the daily
// quota; moving past 90 minutes expires idempotency keys; OTPs and link
// URLs expire as they would. Work that waits in real time (WithPushDelay)
// is not hurried. It returns the new time, or ErrClockBackwards for a
// negative d.
func (s *Server) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return s.now(), ErrClockBackwards
	}
	s.clock.add(d)
	s.mu.Lock()
	s.settleLocked()
	s.mu.Unlock()
	s.wh.wake() // with a webhook registered, deliver what became due
	return s.now(), nil
}

// PushTiming says how long, in real time, a push operation, a mapping and
// a managed sync stay in progress: Delay, plus a random part in [0, Jitter)
// drawn from a generator seeded with Seed, so the same seed and the same
// pushes take the same times.
type PushTiming struct {
	Delay, Jitter time.Duration
	Seed          int64
}

// WithPushTiming sets the push timing (default: DefaultPushDelay, no
// jitter); negative durations are ignored. WithPushDelay sets Delay alone.
func WithPushTiming(t PushTiming) Option {
	return func(c *config) {
		if t.Delay >= 0 {
			c.pushDelay = t.Delay
		}
		if t.Jitter >= 0 {
			c.pushJitter = t.Jitter
		}
		c.pushSeed = t.Seed
	}
}

// SetPushTiming changes the push timing for work started from now on, and
// reseeds its generator.
func (s *Server) SetPushTiming(t PushTiming) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timing.set(PushTiming{Delay: max(0, t.Delay), Jitter: max(0, t.Jitter), Seed: t.Seed})
}

// timing draws each piece of work's duration. Guarded by Server.mu.
type timing struct {
	t   PushTiming
	rng *rand.Rand
}

func (tm *timing) set(t PushTiming) {
	tm.t = t
	seed := uint64(t.Seed)
	tm.rng = rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed+0x14057b7ef767814f))
}

func (tm *timing) draw() time.Duration {
	d := tm.t.Delay
	if tm.t.Jitter > 0 {
		d += time.Duration(tm.rng.Int64N(int64(tm.t.Jitter)))
	}
	return d
}
