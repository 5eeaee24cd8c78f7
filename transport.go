package bankfeeds

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryPolicy is the SDK's whole retry policy, in one place. It plugs into
// go-retryablehttp as CheckRetry and Backoff.
//
// Reads (GET, DELETE, PUT) are retried on transport errors and on 429, 500,
// 502, 503 and 504. Writes (POST, PATCH) carry an Idempotency-Key that stays
// the same on every attempt, and are retried only where Codat's idempotency
// rules make that safe: transport errors (Codat replays the first answer for
// the key), 429 (which releases the key) and 409 (the key is still in
// flight). A 5xx answer to a write is cached by Codat under the key, so it is
// never retried: the caller decides (PushAll reconciles).
type retryPolicy struct {
	max     int
	waitMin time.Duration
	waitMax time.Duration
}

// callState travels in the request's context so the hooks know which call
// and attempt they see.
type callState struct {
	method  string
	path    string
	attempt int // 1-based number of the attempt in progress
	resent  int // attempts that were net/http's own resends (hooks.go)
	// conflictIsFinal: a 409 to this call is an answer, not a key in flight.
	conflictIsFinal bool
	maxRetries      int       // retries allowed after the first attempt
	info            *CallInfo // for the hooks; nil when there are none
	last            *Attempt  // the latest attempt that got an answer, for the hooks
}

// maxRetries bounds retries, the Client's and a call's alike.
const maxRetries = 20

type callStateKey struct{}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

func isWrite(method string) bool { return method == http.MethodPost || method == http.MethodPatch }

// client builds the go-retryablehttp client over inner.
func (p *retryPolicy) client(inner *http.Client, logger *slog.Logger) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   inner,
		Logger:       nil, // its own logger prints URLs with query strings; ours is in the hooks
		RetryWaitMin: p.waitMin,
		RetryWaitMax: p.waitMax,
		RetryMax:     maxRetries, // each call's own bound is kept by checkRetry
		CheckRetry:   p.checkRetry,
		Backoff:      p.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, i int) {
			st := stateFrom(req.Context())
			if st == nil {
				return
			}
			st.attempt = i + 1 + st.resent
			if logger != nil && i > 0 {
				logger.Debug("bankfeeds: retrying", "method", st.method, "path", st.path, "attempt", st.attempt)
			}
		},
		ResponseLogHook: func(_ retryablehttp.Logger, resp *http.Response) {
			st := stateFrom(resp.Request.Context())
			if logger == nil || st == nil {
				return
			}
			logger.Debug("bankfeeds: response", "method", st.method, "path", st.path,
				"status", resp.StatusCode, "attempt", st.attempt)
		},
	}
}

// checkRetry decides whether an attempt is tried again. A nil error with
// false hands the last answer back as it is.
func (p *retryPolicy) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	write, conflictIsFinal, resend := false, false, false
	if st := stateFrom(ctx); st != nil {
		write, conflictIsFinal, resend = isWrite(st.method), st.conflictIsFinal, st.attempt > 1
		if st.attempt > st.maxRetries {
			return false, nil // this call's retries are spent
		}
	}
	if err != nil {
		var refused *hookError
		if errors.As(err, &refused) {
			return false, nil
		}
		return retryableTransportError(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		// Codat releases the key on 429, so the same key may be sent again.
		// A Retry-After beyond the cap is handed back at once as ErrRateLimited.
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && wait > p.waitMax {
			return false, nil
		}
		return true, nil
	case http.StatusConflict:
		if !write {
			return false, nil
		}
		// A 409 is the key still in flight, except for writes whose 409 is
		// an answer (conflictIsFinal). Even for those, a resend's 409 may be
		// its own first send still running (the connection died, Codat
		// went on), so it is retried unless its body is that answer's
		// per-account array.
		return !conflictIsFinal || resend && !bodyIsArray(resp), nil
	case http.StatusServiceUnavailable:
		// Like a 429: a Retry-After beyond the cap is handed back at once
		// rather than retried every cap.
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && wait > p.waitMax {
			return false, nil
		}
		return !write, nil
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return !write, nil
	}
	return false, nil
}

// retryableTransportError reports whether a transport error may succeed on
// another attempt: everything but bad certificates and malformed requests.
func retryableTransportError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		verify           *tls.CertificateVerificationError
		invalidCert      x509.CertificateInvalidError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &verify) || errors.As(err, &invalidCert) {
		return false
	}
	msg := err.Error()
	return !strings.Contains(msg, "unsupported protocol scheme") && !strings.Contains(msg, "invalid header")
}

// backoff is exponential with full jitter: a random wait in [0, min·2^n],
// capped at max. Retry-After on 429 or 503 is honoured, capped at max.
func (p *retryPolicy) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return clamp(wait, max)
		}
	}
	if min <= 0 || max <= 0 {
		return 0
	}
	ceiling := min
	for i := 0; i < attempt && ceiling < max; i++ {
		ceiling *= 2
	}
	ceiling = clamp(ceiling, max)
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func clamp(d, max time.Duration) time.Duration {
	if d > max {
		return max
	}
	if d < 0 {
		return 0
	}
	return d
}

// maxRetryAfter is the longest Retry-After read; longer values, however many
// digits they have, read as this.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if allDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true // too many digits to hold: the longest wait
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// defaultTransport is a pooled transport with TLS 1.2 or newer and bounded
// waits for dialling, the handshake and the response header.
func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// bodyIsArray reports whether resp's JSON body is an array, leaving the body
// to be read again from its start.
func bodyIsArray(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	head := make([]byte, 64)
	n, _ := io.ReadAtLeast(resp.Body, head, 1)
	head = head[:n]
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '['
}
