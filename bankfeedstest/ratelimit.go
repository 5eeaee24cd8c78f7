package bankfeedstest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// unlimitedQuota is the limit the rate-limit headers report when no daily
// quota was set with WithDailyQuota.
const unlimitedQuota = 1_000_000

// quota counts authenticated API requests per UTC day, as Codat's daily
// quota does, and writes the X-Rate-Limit-* headers.
type quota struct {
	mu    sync.Mutex
	limit int       // 0: none
	day   time.Time // midnight UTC of the day being counted
	used  int
}

// nextMidnight is when the day of now ends, in UTC.
func nextMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

func (q *quota) roll(now time.Time) {
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !today.Equal(q.day) {
		q.day, q.used = today, 0
	}
}

func (q *quota) effectiveLimit() int {
	if q.limit > 0 {
		return q.limit
	}
	return unlimitedQuota
}

// take counts one request. It reports false when the request is over the
// quota; the headers are written either way.
func (q *quota) take(h http.Header, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	limit := q.effectiveLimit()
	ok := q.limit == 0 || q.used < q.limit
	if ok {
		q.used++
	}
	q.write(h, limit, now)
	if !ok {
		secs := int(nextMidnight(now).Sub(now.UTC()).Seconds()) + 1
		h.Set("Retry-After", strconv.Itoa(secs))
	}
	return ok
}

// peek writes the headers without counting a request.
func (q *quota) peek(h http.Header, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	q.write(h, q.effectiveLimit(), now)
}

func (q *quota) write(h http.Header, limit int, now time.Time) {
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(0, limit-q.used)))
	h.Set("X-Rate-Limit-Reset", nextMidnight(now).Format(time.RFC3339))
}
