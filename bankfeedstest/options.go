package bankfeedstest

import (
	"log/slog"

	"github.com/bankfeeds-go/bankfeeds/webhooks"
	"strings"
	"time"
)

// DefaultPushDelay is how long a push operation stays Pending before it
// completes, unless WithPushDelay says otherwise.
const DefaultPushDelay = 20 * time.Millisecond

// Option configures a Server made by NewServer or NewHandler.
type Option func(*config)

// config is what the options set. It is read-only once the Server exists.
type config struct {
	apiKey     string
	now        func() time.Time
	pushDelay  time.Duration
	pushJitter time.Duration
	processing time.Duration // how long a write takes (WithProcessingTime)
	pushSeed   int64
	dailyQuota int // 0: no quota
	perMinute  int // 0: no limit
	companyMax int // 0: no limit
	scenarios  Scenarios
	baseURL    string
	logger     *slog.Logger

	webhookURL, webhookSecret string // WithWebhook (webhooks.go)
	webhookEvents             []webhooks.EventType
}

func defaultConfig() config {
	return config{
		apiKey:     "sbx_" + randomHex(16),
		now:        time.Now,
		pushDelay:  DefaultPushDelay,
		companyMax: DefaultCompanyConcurrency,
	}
}

// WithAPIKey sets the API key the sandbox accepts (default: a random key,
// readable as Server.APIKey). Clients send it as
// "Authorization: Basic base64(key)", as they do to Codat.
func WithAPIKey(k string) Option {
	return func(c *config) {
		if k = strings.TrimSpace(k); k != "" {
			c.apiKey = k
		}
	}
}

// WithClock sets the sandbox's clock (default time.Now); Server.Advance
// moves it forward from there. It decides what "now" is for created dates,
// push operation times, the future and history windows of the push rules,
// OTP expiry, the 90-minute idempotency cache, the daily quota and the
// per-minute limit. The delay before a push operation completes is measured
// in real time (see WithPushDelay), so a frozen clock still lets pushes end.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithPushDelay sets how long, in real time, a push operation, a mapping
// and a managed sync stay in progress before they complete (default
// DefaultPushDelay). Zero completes them immediately after the request that
// started them has been answered: the answer still says Pending, and the
// next request sees the final state.
func WithPushDelay(d time.Duration) Option {
	return func(c *config) {
		if d >= 0 {
			c.pushDelay = d
		}
	}
}

// WithDailyQuota limits the number of authenticated API requests per UTC
// day on the sandbox clock, as Codat's daily quota does. Requests over it
// are answered 429 with Retry-After (the seconds until midnight UTC). Zero,
// the default, means no limit: the rate-limit headers then report Codat's
// quota, 1000 × (1 + companies with a Linked connection), without
// enforcing it. Server.SetDailyQuota changes it later.
func WithDailyQuota(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.dailyQuota = n
		}
	}
}

// WithRateLimit limits the authenticated API requests per minute of the
// sandbox clock for the sandbox's API key, as Codat limits a client.
// Requests over it are answered 429 with Retry-After (the seconds until the
// next minute) and are not counted against the daily quota. Zero, the
// default, means no limit. Server.SetRateLimit changes it later.
func WithRateLimit(perMinute int) Option {
	return func(c *config) {
		if perMinute >= 0 {
			c.perMinute = perMinute
		}
	}
}

// WithCompanyConcurrency sets how many API requests may be in flight for
// one company (its path /companies/{companyId}/...) at once; the next is
// answered 429 with Retry-After: 1. The default is
// DefaultCompanyConcurrency (10), as Codat allows; zero means no limit.
// Server.SetCompanyConcurrency changes it later.
func WithCompanyConcurrency(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.companyMax = n
		}
	}
}

// WithProcessingTime sets how long, in real time, the sandbox takes to
// process each POST and PATCH before it answers, as Codat takes a moment
// for a write (default 0: at once). While a write is processed its
// Idempotency-Key is in flight, and another request with the same key is
// answered 409, as Codat answers it: a client's handling of that 409 (wait,
// then resend the same key and get the first answer replayed) is
// exercised whenever two sends of one write overlap. The wait ends early
// when the request's context ends or the Server is closed; the write is
// processed anyway. Server.SetProcessingTime changes it later.
func WithProcessingTime(d time.Duration) Option {
	return func(c *config) {
		if d >= 0 {
			c.processing = d
		}
	}
}

// WithBaseURL sets the sandbox's public base URL, such as
// "http://127.0.0.1:8080": Server.URL, and the root of each company's
// redirect and each connection's linkUrl. NewServer sets it from its
// listener; with NewHandler and no base URL the request's Host is used.
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL = strings.TrimRight(strings.TrimSpace(u), "/") }
}

// WithLogger logs one line per request (method, path without query string,
// status, injected fault, duration). The default is silence.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}
