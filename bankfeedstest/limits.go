package bankfeedstest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The limits Codat enforces (docs/api-notes.md §5.5), on the sandbox's clock: a
// daily quota per client that resets at 00:00 UTC, a per-minute request
// limit per API key, and at most 10 requests in flight per company. Each
// refusal is a 429 with Retry-After; every API answer carries the
// X-Rate-Limit-* headers of the daily quota.

// DefaultCompanyConcurrency is how many requests may be in flight for one
// company at once, as Codat allows, unless WithCompanyConcurrency says
// otherwise.
const DefaultCompanyConcurrency = 10

// codatQuota is Codat's daily quota for a client with this many active
// connected companies (API-NOTES §5.5): 1000 × (1 + companies). The
// rate-limit headers report it when no daily quota was set with
// WithDailyQuota, which is then not enforced.
func codatQuota(companies int) int { return 1000 * (1 + companies) }

// RequestCounts says what the sandbox has answered since the Server started.
type RequestCounts struct {
	// Served counts API requests answered, whatever the status (link and
	// console pages, and the browser's /favicon.ico, are not counted).
	Served int
	// DailyQuota, PerMinute and Concurrency count the 429s of each limit;
	// Fault counts the 429s of Faults.RateLimit.
	DailyQuota, PerMinute, Concurrency, Fault int
	// PeakInFlight is the most requests seen in flight for one company at
	// once.
	PeakInFlight int
}

// RateLimited is the number of 429s, all causes together.
func (c RequestCounts) RateLimited() int {
	return c.DailyQuota + c.PerMinute + c.Concurrency + c.Fault
}

// Limits says the sandbox's limits and how much of them is used.
type Limits struct {
	// DailyQuota is the requests allowed per UTC day (0: none), DailyUsed
	// how many were counted today, and DailyReset when the quota resets.
	DailyQuota, DailyUsed int
	DailyReset            time.Time
	// CodatQuota is Codat's daily quota for the companies the sandbox holds,
	// 1000 × (1 + ConnectedCompanies), where ConnectedCompanies have a
	// Linked connection: what X-Rate-Limit-Limit says when DailyQuota is 0
	// (and is not enforced).
	CodatQuota, ConnectedCompanies int
	// PerMinute is the requests allowed per minute (0: none), and
	// MinuteUsed how many were counted in the current minute.
	PerMinute, MinuteUsed int
	// CompanyConcurrency is the requests allowed in flight per company
	// (0: none), and InFlight how many are in flight now, all companies.
	CompanyConcurrency, InFlight int
}

// refusal is why the limiter refused a request.
type refusal int

const (
	admitted refusal = iota
	overDaily
	overMinute
	overConcurrency
)

// limiter holds the counters. One mutex guards them all; each request takes
// it once on the way in and once on the way out, for a few field updates.
type limiter struct {
	mu          sync.Mutex
	daily       int       // 0: none
	day         time.Time // midnight UTC of the day being counted
	used        int
	perMinute   int       // 0: none
	minute      time.Time // the minute being counted
	minuteUsed  int
	concurrency int            // 0: none
	connected   int            // companies with a Linked connection, for codatQuota
	inFlight    map[string]int // company id -> requests in flight
	total       int
	counts      RequestCounts
}

// nextMidnight is when the day of now ends, in UTC.
func nextMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// rollLocked starts a new day or minute when now has reached it.
func (l *limiter) rollLocked(now time.Time) {
	if today := dayOf(now.UTC()); !today.Equal(l.day) {
		l.day, l.used = today, 0
	}
	if m := now.UTC().Truncate(time.Minute); !m.Equal(l.minute) {
		l.minute, l.minuteUsed = m, 0
	}
}

// admit counts an authenticated request against the per-minute limit and
// the daily quota, and writes the headers. A request over a limit is not
// counted against the others.
func (l *limiter) admit(h http.Header, now time.Time) refusal {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(now)
	why := admitted
	switch {
	case l.perMinute > 0 && l.minuteUsed >= l.perMinute:
		why = overMinute
		l.counts.PerMinute++
		h.Set("Retry-After", ceilSeconds(l.minute.Add(time.Minute).Sub(now.UTC())))
	case l.daily > 0 && l.used >= l.daily:
		why = overDaily
		l.counts.DailyQuota++
		h.Set("Retry-After", ceilSeconds(nextMidnight(now).Sub(now.UTC())))
	default:
		l.used++
		l.minuteUsed++
	}
	l.writeLocked(h, now)
	return why
}

// peek writes the headers without counting a request.
func (l *limiter) peek(h http.Header, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(now)
	l.writeLocked(h, now)
}

func (l *limiter) writeLocked(h http.Header, now time.Time) {
	limit := l.daily
	if limit == 0 {
		limit = codatQuota(l.connected) // reported, not enforced
	}
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(0, limit-l.used)))
	h.Set("X-Rate-Limit-Reset", nextMidnight(now).Format(time.RFC3339))
}

// enter counts a request in flight for a company; false (and nothing
// counted) when the company already has as many as allowed. An empty id
// (a request for no company) always enters.
func (l *limiter) enter(companyID string) bool {
	if companyID == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight == nil {
		l.inFlight = make(map[string]int)
	}
	n := l.inFlight[companyID]
	if l.concurrency > 0 && n >= l.concurrency {
		l.counts.Concurrency++
		return false
	}
	l.inFlight[companyID] = n + 1
	l.total++
	l.counts.PeakInFlight = max(l.counts.PeakInFlight, n+1)
	return true
}

// leave ends a request that entered.
func (l *limiter) leave(companyID string) {
	if companyID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.inFlight[companyID] - 1; n > 0 {
		l.inFlight[companyID] = n
	} else {
		delete(l.inFlight, companyID)
	}
	l.total--
}

// served counts an answered request, and a 429 of a fault.
func (l *limiter) served(faultRateLimited bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts.Served++
	if faultRateLimited {
		l.counts.Fault++
	}
}

func (l *limiter) snapshot(now time.Time) (Limits, RequestCounts) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(now)
	return Limits{
		DailyQuota: l.daily, DailyUsed: l.used, DailyReset: nextMidnight(now),
		CodatQuota: codatQuota(l.connected), ConnectedCompanies: l.connected,
		PerMinute: l.perMinute, MinuteUsed: l.minuteUsed,
		CompanyConcurrency: l.concurrency, InFlight: l.total,
	}, l.counts
}

func (l *limiter) set(f func(l *limiter)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l)
}

// ceilSeconds is d in whole seconds, rounded up, at least 1.
func ceilSeconds(d time.Duration) string {
	return strconv.FormatInt(max(1, int64((d+time.Second-1)/time.Second)), 10)
}

// companyOf is the company id of an API path, "/companies/{id}/...", or "".
func companyOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/companies/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// recountConnectedLocked counts again the companies with a Linked
// connection, for the quota the rate-limit headers report. Callers hold mu.
func (s *Server) recountConnectedLocked() {
	n := 0
	for _, co := range s.companies {
		if co.deleted {
			continue
		}
		for _, cn := range co.conns {
			if !cn.deleted && cn.status == statusLinked {
				n++
				break
			}
		}
	}
	s.limits.set(func(l *limiter) { l.connected = n })
}

// SetDailyQuota changes the daily quota (see WithDailyQuota) from now on;
// what was used today still counts. Zero removes it.
func (s *Server) SetDailyQuota(n int) {
	s.limits.set(func(l *limiter) { l.daily = max(0, n) })
}

// SetRateLimit changes the per-minute request limit (see WithRateLimit)
// from now on. Zero removes it.
func (s *Server) SetRateLimit(perMinute int) {
	s.limits.set(func(l *limiter) { l.perMinute = max(0, perMinute) })
}

// SetCompanyConcurrency changes how many requests may be in flight per
// company (see WithCompanyConcurrency). Zero removes the limit.
func (s *Server) SetCompanyConcurrency(n int) {
	s.limits.set(func(l *limiter) { l.concurrency = max(0, n) })
}

// Limits returns the sandbox's limits and their use now.
func (s *Server) Limits() Limits {
	l, _ := s.limits.snapshot(s.now())
	return l
}

// RequestCounts returns how many requests the sandbox has answered, and how
// many of them each limit refused.
func (s *Server) RequestCounts() RequestCounts {
	_, c := s.limits.snapshot(s.now())
	return c
}
