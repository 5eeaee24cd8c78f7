package bankfeeds

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Option configures a Client. Options are applied in order by NewClient; one
// that is given a bad value makes NewClient return an error.
type Option func(*config) error

type config struct {
	baseURL          string
	httpClient       *http.Client
	logger           *slog.Logger
	retryMax         int
	retryWaitMin     time.Duration
	retryWaitMax     time.Duration
	userAgent        string
	maxResponseBytes int64
	integrations     map[string]string // integrationId or sourceId (lower case) -> platform key
	hooks            []Hooks
}

// Defaults of a new Client.
const (
	DefaultRetryMax         = 4 // retries after the first attempt
	DefaultRetryWaitMin     = 500 * time.Millisecond
	DefaultRetryWaitMax     = 30 * time.Second // also the longest Retry-After honoured
	DefaultMaxResponseBytes = 32 << 20         // 32 MiB
)

func defaultConfig() config {
	return config{
		baseURL:          DefaultBaseURL,
		retryMax:         DefaultRetryMax,
		retryWaitMin:     DefaultRetryWaitMin,
		retryWaitMax:     DefaultRetryWaitMax,
		maxResponseBytes: DefaultMaxResponseBytes,
	}
}

// WithBaseURL sets the API's address (default https://api.codat.io). Plain
// http:// is allowed only for loopback hosts, such as the sandbox.
func WithBaseURL(u string) Option {
	return func(c *config) error { c.baseURL = u; return nil }
}

// WithHTTPClient sets the *http.Client used for each attempt. The Client
// copies it, so the caller's value is never changed; redirects are not
// followed whatever its CheckRedirect says. Its Timeout bounds one attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return invalid("HTTP client", "must not be nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithLogger logs each attempt (method, path, status, attempt, correlation
// id) at debug level and failures at warn level. Headers, keys and query
// strings are never logged. The default is silence.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithRetryMax sets how many times a failed call is retried (default 4; 0
// turns retries off).
func WithRetryMax(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 20 {
			return invalid("retry max", "must be between 0 and 20")
		}
		c.retryMax = n
		return nil
	}
}

// WithRetryWait sets the backoff's first and longest wait (defaults 500 ms
// and 30 s). The longest wait also caps Retry-After: a server asking for a
// longer wait gets an ErrRateLimited error at once, carrying RetryAfter.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config) error {
		if min < 0 || max < min {
			return invalid("retry wait", "need 0 <= min <= max")
		}
		c.retryWaitMin, c.retryWaitMax = min, max
		return nil
	}
}

// WithUserAgent puts the caller's product token before the SDK's own
// ("myapp/1.2 bankfeeds-go/0.1.0").
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.ContainsAny(ua, "\r\n") {
			return invalid("user agent", "must be one line")
		}
		c.userAgent = strings.TrimSpace(ua)
		return nil
	}
}

// WithMaxResponseBytes caps the size of a success body (default 32 MiB); a
// larger one is an error wrapping ErrResponseTooLarge. Error bodies are read
// up to 64 KiB.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("max response bytes", "must be positive")
		}
		c.maxResponseBytes = n
		return nil
	}
}

// WithIntegrationPlatforms tells the Client which platform each of your
// Codat integrations is, by integrationId or sourceId (as Codat's Platform
// API list-integrations gives them) mapped to a platform key such as
// PlatformXero. PlatformOf, and so PushAll, use it when a connection carries
// no integrationKey. Keys must be platforms RulesFor knows.
func WithIntegrationPlatforms(ids map[string]string) Option {
	return func(c *config) error {
		m := make(map[string]string, len(ids))
		for id, key := range ids {
			if !isUUID(id) {
				return invalid("integration id", strconv.Quote(id)+" is not a uuid")
			}
			if !knownPlatform(key) {
				return invalid("platform key", strconv.Quote(key)+" is not a bank-feeds platform this SDK knows")
			}
			m[strings.ToLower(id)] = key
		}
		c.integrations = m
		return nil
	}
}
