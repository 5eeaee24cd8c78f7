package feed

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// BudgetConfig tunes the fleet's request budget. Zero fields take the
// defaults, which are Codat's limits.
type BudgetConfig struct {
	// PerMinute is how many requests the fleet sends in any Window, as one
	// egress IP (default 1000, Codat's per-minute limit).
	PerMinute int
	// Window is the span PerMinute counts over (default 1 minute); tests
	// against a sandbox whose clock runs fast shorten it.
	Window time.Duration
	// Margin widens the window the budget counts over, so requests that
	// take a while to arrive never put two windows' worth into one of
	// Codat's minutes (default 1/60 of Window: at most 98.4% of PerMinute).
	Margin time.Duration
	// PerCompany is how many requests may be in flight for one company at
	// once, fleet-wide (default 10, Codat's limit).
	PerCompany int
	// MaxBlock is the longest a request waits for the budget; a longer wait
	// (an exhausted daily quota, a pause) fails the attempt with a
	// *BudgetError, and the engine parks the job until then (default 5 s).
	MaxBlock time.Duration
	// LongRetryAfter: a 429 whose Retry-After is at least this long pauses
	// the whole fleet until then (default 10 s). Shorter ones are left to
	// the client's retries.
	LongRetryAfter time.Duration
	// SlotTTL is how long a request's in-flight slot counts unless its
	// process renews it, which a started engine does every third of it
	// (default 15 s): a killed process's requests stop counting against
	// their company that long after it died.
	SlotTTL time.Duration
}

func (c BudgetConfig) withDefaults() BudgetConfig {
	if c.PerMinute <= 0 {
		c.PerMinute = 1000
	}
	if c.Window <= 0 {
		c.Window = time.Minute
	}
	if c.Margin <= 0 {
		c.Margin = c.Window / 60
	}
	if c.PerCompany <= 0 {
		c.PerCompany = 10
	}
	if c.MaxBlock <= 0 {
		c.MaxBlock = 5 * time.Second
	}
	if c.LongRetryAfter <= 0 {
		c.LongRetryAfter = 10 * time.Second
	}
	if c.SlotTTL <= 0 {
		c.SlotTTL = 15 * time.Second
	}
	return c
}

// BudgetError says the budget will not let a request go before Until:
// the daily quota is spent, or the fleet is paused (a long Retry-After,
// the client.rateLimit.reached webhook, Budget.Pause). The engine parks
// the job until then rather than holding a worker asleep.
type BudgetError struct {
	Until  time.Time
	Reason string
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("feed: request budget: %s until %s", e.Reason, e.Until.UTC().Format(time.RFC3339))
}

// ErrBudget matches every *BudgetError with errors.Is.
var ErrBudget = errors.New("feed: request budget exhausted")

// Is makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// Budget is the fleet's request budget, kept in the database so every
// worker process shares it: requests per window (a sliding window), the
// daily quota as Codat last reported it (X-Rate-Limit-*), requests in
// flight per company, and a fleet-wide pause. Every HTTP attempt of a
// Client made with Engine.ClientOption passes through it.
type Budget[TTx any] struct {
	b     Backend[TTx]
	cfg   BudgetConfig
	owner string // this process, in the slots it holds

	granted, blocked, refused atomic.Int64
	waited                    atomic.Int64 // nanoseconds
}

func newBudget[TTx any](b Backend[TTx], cfg BudgetConfig, owner string) *Budget[TTx] {
	return &Budget[TTx]{b: b, cfg: cfg, owner: owner}
}

// BudgetStats counts what this process's budget did.
type BudgetStats struct {
	Granted int64         // attempts let through
	Blocked int64         // attempts that had to wait
	Refused int64         // attempts refused with a *BudgetError
	Waited  time.Duration // total time attempts waited
}

// Stats returns this process's counters.
func (g *Budget[TTx]) Stats() BudgetStats {
	return BudgetStats{Granted: g.granted.Load(), Blocked: g.blocked.Load(), Refused: g.refused.Load(), Waited: time.Duration(g.waited.Load())}
}

// Usage is the fleet's budget as the database holds it.
type Usage struct {
	InWindow, PerMinute int // requests granted in the current window, and the limit
	InFlight            int // requests in flight, all companies
	// DailyLimit, DailyRemaining and DailyReset are Codat's last report
	// (0 when none was seen).
	DailyLimit, DailyRemaining int
	DailyReset                 time.Time
	PausedUntil                time.Time // zero when not paused
	PauseReason                string
}

// Usage reads the fleet's budget.
func (g *Budget[TTx]) Usage(ctx context.Context) (Usage, error) {
	var u Usage
	now := nowMS()
	err := inTx(ctx, g.b, func(tx TTx) error {
		var reset, paused int64
		if _, err := queryRow(ctx, g.b, tx, `SELECT daily_limit, daily_remaining, daily_reset, paused_until, pause_reason FROM bankfeeds_budget WHERE name = 'default'`, nil,
			&u.DailyLimit, &u.DailyRemaining, &reset, &paused, &u.PauseReason); err != nil {
			return err
		}
		if reset > 0 {
			u.DailyReset = time.UnixMilli(reset)
		}
		if paused > now {
			u.PausedUntil = time.UnixMilli(paused)
		} else {
			u.PauseReason = ""
		}
		if _, err := queryRow(ctx, g.b, tx, `SELECT COUNT(*) FROM bankfeeds_budget_grant WHERE at_ms > ?`, []any{now - g.span().Milliseconds()}, &u.InWindow); err != nil {
			return err
		}
		_, err := queryRow(ctx, g.b, tx, `SELECT COUNT(*) FROM bankfeeds_budget_slot WHERE until_ms > ?`, []any{now}, &u.InFlight)
		return err
	})
	u.PerMinute = g.cfg.PerMinute
	return u, err
}

// Pause stops every request of the fleet until until (the
// client.rateLimit.reached webhook does this).
func (g *Budget[TTx]) Pause(ctx context.Context, until time.Time, reason string) error {
	return inTx(ctx, g.b, func(tx TTx) error {
		_, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget SET paused_until = ?, pause_reason = ? WHERE name = 'default'`, until.UnixMilli(), reason)
		return err
	})
}

// Resume ends a pause (the client.rateLimit.reset webhook does this) and
// forgets a spent daily quota.
func (g *Budget[TTx]) Resume(ctx context.Context) error {
	return inTx(ctx, g.b, func(tx TTx) error {
		_, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget SET paused_until = 0, pause_reason = '', daily_remaining = daily_limit WHERE name = 'default'`)
		return err
	})
}

func (g *Budget[TTx]) span() time.Duration { return g.cfg.Window + g.cfg.Margin }

type slotKey struct{}

type slot struct{ company, id string }

func (g *Budget[TTx]) hooks() bankfeeds.Hooks {
	return bankfeeds.Hooks{
		AttemptStart: func(ctx context.Context, a *bankfeeds.Attempt) (context.Context, error) {
			company := ""
			if a.Call != nil {
				company = a.Call.CompanyID
			}
			s, err := g.acquire(ctx, company)
			if err != nil {
				return ctx, err
			}
			return context.WithValue(ctx, slotKey{}, s), nil
		},
		AttemptEnd: func(ctx context.Context, a *bankfeeds.Attempt) {
			s, _ := ctx.Value(slotKey{}).(*slot)
			g.release(context.WithoutCancel(ctx), s, a)
		},
	}
}

// acquire waits until the budget lets one request for company go, and
// takes it.
func (g *Budget[TTx]) acquire(ctx context.Context, company string) (*slot, error) {
	start := time.Now()
	waitedOnce := false
	for {
		s, wait, why, err := g.try(ctx, company)
		if err != nil {
			return nil, err
		}
		if s != nil {
			g.granted.Add(1)
			if waitedOnce {
				g.blocked.Add(1)
				g.waited.Add(int64(time.Since(start)))
			}
			return s, nil
		}
		if time.Since(start)+wait > g.cfg.MaxBlock {
			g.refused.Add(1)
			return nil, &BudgetError{Until: time.Now().Add(wait), Reason: why}
		}
		waitedOnce = true
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// try takes one request from the budget, or says how long to wait.
func (g *Budget[TTx]) try(ctx context.Context, company string) (s *slot, wait time.Duration, why string, err error) {
	err = inTx(ctx, g.b, func(tx TTx) error {
		// Take the budget's row first: every grant of the fleet is made
		// one at a time, so no two count the same window.
		if _, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget SET name = name WHERE name = 'default'`); err != nil {
			return err
		}
		now := nowMS()
		var limit, remaining, reset, paused int64
		if _, err := queryRow(ctx, g.b, tx, `SELECT daily_limit, daily_remaining, daily_reset, paused_until FROM bankfeeds_budget WHERE name = 'default'`, nil,
			&limit, &remaining, &reset, &paused); err != nil {
			return err
		}
		if paused > now {
			wait, why = time.Duration(paused-now)*time.Millisecond, "paused"
			return nil
		}
		if limit > 0 && remaining <= 0 && reset > now {
			wait, why = time.Duration(reset-now)*time.Millisecond, "daily quota spent"
			return nil
		}
		cutoff := now - g.span().Milliseconds()
		var used int
		if _, err := queryRow(ctx, g.b, tx, `SELECT COUNT(*) FROM bankfeeds_budget_grant WHERE at_ms > ?`, []any{cutoff}, &used); err != nil {
			return err
		}
		if used >= g.cfg.PerMinute {
			// The window frees a request when its oldest grant leaves it.
			var oldest int64
			if _, err := queryRow(ctx, g.b, tx, `SELECT at_ms FROM bankfeeds_budget_grant WHERE at_ms > ? ORDER BY at_ms LIMIT 1 OFFSET ?`,
				[]any{cutoff, used - g.cfg.PerMinute}, &oldest); err != nil {
				return err
			}
			wait, why = time.Duration(oldest-cutoff+1)*time.Millisecond, "per-minute limit"
			return nil
		}
		if company != "" {
			var n int
			if _, err := queryRow(ctx, g.b, tx, `SELECT COUNT(*) FROM bankfeeds_budget_slot WHERE company_id = ? AND until_ms > ?`, []any{company, now}, &n); err != nil {
				return err
			}
			if n >= g.cfg.PerCompany {
				wait, why = 20*time.Millisecond, "company concurrency"
				return nil
			}
		}
		s = &slot{company: company, id: randomHex(8)}
		if _, err := g.b.Exec(ctx, tx, `INSERT INTO bankfeeds_budget_grant (at_ms, nonce) VALUES (?, ?)`, now, s.id); err != nil {
			return err
		}
		if company != "" {
			if _, err := g.b.Exec(ctx, tx, `INSERT INTO bankfeeds_budget_slot (company_id, slot, owner, until_ms) VALUES (?, ?, ?, ?)`,
				company, s.id, g.owner, now+g.cfg.SlotTTL.Milliseconds()); err != nil {
				return err
			}
		}
		if limit > 0 {
			if _, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget SET daily_remaining = daily_remaining - 1 WHERE name = 'default'`); err != nil {
				return err
			}
		}
		if s.id[0] == '0' && s.id[1] < '4' { // 1 in 64: forget grants and slots long gone
			if _, err := g.b.Exec(ctx, tx, `DELETE FROM bankfeeds_budget_grant WHERE at_ms < ?`, cutoff-g.span().Milliseconds()); err != nil {
				return err
			}
			if _, err := g.b.Exec(ctx, tx, `DELETE FROM bankfeeds_budget_slot WHERE until_ms < ?`, now); err != nil {
				return err
			}
		}
		return nil
	})
	return s, wait, why, err
}

// renewSlots keeps this process's in-flight slots counted until ctx ends.
func (g *Budget[TTx]) renewSlots(ctx context.Context) {
	every(ctx, g.cfg.SlotTTL/3, func() bool {
		_ = inTx(ctx, g.b, func(tx TTx) error {
			// The budget's row first, as try takes it before it sweeps slots.
			if _, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget SET name = name WHERE name = 'default'`); err != nil {
				return err
			}
			_, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget_slot SET until_ms = ? WHERE owner = ?`, nowMS()+g.cfg.SlotTTL.Milliseconds(), g.owner)
			return err
		})
		return true
	})
}

// release frees the attempt's slot and learns from its answer: Codat's
// daily quota, and a 429 with a long Retry-After, which pauses the fleet.
func (g *Budget[TTx]) release(ctx context.Context, s *slot, a *bankfeeds.Attempt) {
	pause := a.Status == 429 && a.RetryAfter >= g.cfg.LongRetryAfter
	if s == nil && !pause {
		return // refused by the budget itself: nothing was sent
	}
	_ = inTx(ctx, g.b, func(tx TTx) error {
		// The budget's row before the slot's, in the order try takes them.
		// A 429 is answered by its Retry-After (below); its quota headers
		// may read 0 for a per-minute or injected limit, so only other
		// answers tell the daily quota.
		if rl := a.RateLimit; rl.Known && rl.Limit > 0 && a.Status != 429 {
			reset := int64(0)
			if !rl.Reset.IsZero() {
				reset = rl.Reset.UnixMilli()
			}
			// A new reset time is a new day: take Codat's count. Within a
			// day, keep the lower of Codat's count and ours.
			if _, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget SET
				daily_remaining = CASE WHEN daily_reset = ? AND daily_remaining < ? THEN daily_remaining ELSE ? END,
				daily_limit = ?, daily_reset = ? WHERE name = 'default'`, reset, rl.Remaining, rl.Remaining, rl.Limit, reset); err != nil {
				return err
			}
		}
		if pause {
			until := time.Now().Add(a.RetryAfter).UnixMilli()
			if _, err := g.b.Exec(ctx, tx, `UPDATE bankfeeds_budget SET paused_until = ?, pause_reason = ? WHERE name = 'default' AND paused_until < ?`,
				until, fmt.Sprintf("429 with Retry-After %s", a.RetryAfter), until); err != nil {
				return err
			}
		}
		if s != nil && s.company != "" {
			if _, err := g.b.Exec(ctx, tx, `DELETE FROM bankfeeds_budget_slot WHERE company_id = ? AND slot = ?`, s.company, s.id); err != nil {
				return err
			}
		}
		return nil
	})
}
