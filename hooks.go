package bankfeeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Hooks see every call the Client makes and every HTTP attempt inside it.
// They are the middleware the SDK's telemetry (otelbankfeeds) and the feed
// engine's request budget are built on. Register them with WithHooks; any
// field may be nil. Hooks run on the caller's goroutine and must be safe
// for concurrent use; they never see the API key, the Authorization header
// or a query string.
type Hooks struct {
	// CallStart runs when a logical call begins: one operation such as
	// Companies.List, or PushAll and WaitForOperation around the calls they
	// make. The context it returns carries on into the call (a span, say).
	CallStart func(ctx context.Context, call *CallInfo) context.Context
	// CallEnd runs when the call returns, with its error (nil on success).
	CallEnd func(ctx context.Context, call *CallInfo, err error)
	// AttemptStart runs before each HTTP attempt of an operation, the first
	// and every retry. It may set headers on the attempt (a trace context)
	// with Attempt.SetHeader. A non-nil error stops the attempt before
	// anything is sent, and the call returns it (a budget that says no).
	AttemptStart func(ctx context.Context, a *Attempt) (context.Context, error)
	// AttemptEnd runs when an attempt has its answer or has failed.
	AttemptEnd func(ctx context.Context, a *Attempt)
}

// CallInfo describes one logical call.
type CallInfo struct {
	Operation string    // the SDK method, such as "Companies.List" or "Transactions.PushAll"
	Method    string    // the HTTP method; empty for calls made of several requests
	Route     string    // the path template, such as "/companies/{companyId}"; empty likewise
	CompanyID string    // the company the call is for, when it has one
	Start     time.Time // when the call began
	// Transactions is how many bank transactions a push sends.
	Transactions int
	// PushOperationKey and PushStatus are the push operation the call's
	// answer names (a push, GetOperation, WaitForOperation), when it does;
	// set before CallEnd.
	PushOperationKey string
	PushStatus       PushStatus
	// Pushed is how many transactions a PushAll (or Resume) wrote, set
	// before CallEnd whether it succeeded or not.
	Pushed int
}

// Attempt describes one HTTP attempt of an operation. The fields after
// Attempt are set when it ends.
type Attempt struct {
	Call    *CallInfo
	URL     string // scheme, host and escaped path: never a query string
	Attempt int    // 1 for the first attempt, 2 for the next (a retry, or a resend: see Resent), ...
	// Status is the HTTP status, 0 when no answer came.
	Status int
	// CorrelationID is Codat's id for the request, from an error's body or
	// the answer's headers, when there is one.
	CorrelationID string
	// RateLimit is what Codat said of its quota, when it did.
	RateLimit RateLimit
	// RetryAfter is the answer's Retry-After, when it had one.
	RetryAfter time.Duration
	// Duration is how long the attempt took.
	Duration time.Duration
	// Err is the attempt's transport error, if it got no answer, or the
	// error of the AttemptStart hook that refused it.
	Err error
	// Refused reports that an AttemptStart hook refused the attempt, so
	// nothing was sent.
	Refused bool
	// Resent reports that net/http itself sends the request again, on a new
	// connection, after the one before closed without an answer (that
	// attempt ends with no status and an error saying so). Its hooks start
	// from the headers of the attempt before and may set them again (its own
	// trace context). It counts as one of the call's retries.
	Resent bool

	start  time.Time
	header http.Header
}

// RateLimit is Codat's X-Rate-Limit-* headers: the daily quota, what is
// left of it, and when it resets. Zero values mean the header was absent.
type RateLimit struct {
	Limit, Remaining int
	Reset            time.Time
	// Known reports whether the answer carried the headers.
	Known bool
}

// SetHeader sets a header on the attempt's request, such as traceparent.
// The headers the SDK owns (Authorization, Idempotency-Key, Content-Type,
// Accept, User-Agent) cannot be set.
func (a *Attempt) SetHeader(key, value string) {
	if a.header == nil || ownedHeader(key) {
		return
	}
	a.header.Set(key, value)
}

func ownedHeader(key string) bool {
	switch http.CanonicalHeaderKey(key) {
	case "Authorization", "Idempotency-Key", "Content-Type", "Accept", "User-Agent", "Cookie", "Host", "Content-Length":
		return true
	}
	return false
}

// WithHooks adds hooks to the Client; it may be given more than once, and
// the hooks run in the order they were given (ends in reverse order).
func WithHooks(h Hooks) Option {
	return func(c *config) error {
		c.hooks = append(c.hooks, h)
		return nil
	}
}

// startCall runs the CallStart hooks and returns the context to carry on
// with and a function that runs the CallEnd hooks.
func (c *Client) startCall(ctx context.Context, info *CallInfo) (context.Context, func(error)) {
	if len(c.hooks) == 0 {
		return ctx, func(error) {}
	}
	info.Start = time.Now()
	for _, h := range c.hooks {
		if h.CallStart != nil {
			if next := h.CallStart(ctx, info); next != nil {
				ctx = next
			}
		}
	}
	return ctx, func(err error) {
		for i := len(c.hooks) - 1; i >= 0; i-- {
			if h := c.hooks[i]; h.CallEnd != nil {
				h.CallEnd(ctx, info, err)
			}
		}
	}
}

// hookTransport runs the attempt hooks around each HTTP attempt.
type hookTransport struct {
	base  http.RoundTripper
	hooks []Hooks
}

func (t *hookTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateFrom(req.Context())
	if st == nil || st.info == nil {
		return t.base.RoundTrip(req)
	}
	u := *req.URL
	u.RawQuery, u.ForceQuery = "", false
	// The request may be resent by the retry loop: set headers on a copy.
	req = req.Clone(req.Context())
	r := &hookedSend{t: t, st: st, base: req.Context(), url: u.String(), header: req.Header}
	if err := r.start(false); err != nil {
		return nil, &hookError{err}
	}
	sendCtx, stop := context.WithCancelCause(r.ctx)
	resp, err := t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(sendCtx, r.trace(stop))))
	a := r.a
	a.Duration = time.Since(a.start)
	if err != nil {
		refusal := context.Cause(sendCtx)
		stop(nil)
		if r.refused {
			return nil, &hookError{refusal} // a resend the hooks refused: ended already
		}
		a.Err = err
	} else {
		resp.Body = stopOnClose{resp.Body, stop}
		a.Status = resp.StatusCode
		a.RateLimit = rateLimitOf(resp.Header)
		a.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		a.CorrelationID = firstHeader(resp.Header, "X-Correlation-Id", "Correlation-Id", "X-Request-Id")
		if a.CorrelationID == "" && resp.StatusCode >= 400 {
			// Codat puts it in an error's body: read that (as much as an
			// APIError keeps) and hand the same bytes on.
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			var e struct {
				CorrelationID string `json:"correlationId"`
			}
			if json.Unmarshal(body, &e) == nil {
				a.CorrelationID = e.CorrelationID
			}
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		}
		st.last = a
	}
	if !r.refused {
		t.end(r.ctx, a)
	}
	return resp, err
}

// hookedSend runs the attempt hooks around the sends of one RoundTrip.
// net/http sends a request again by itself, on a new connection, when a
// reused one closes after the request went out (GETs and keyed POSTs):
// each such send is an attempt of its own to the hooks, so that a budget
// counts every request that reaches Codat, and sends the headers its own
// hooks set. net/http's resend is a shallow copy of the request, sharing
// its header map, and it writes the headers only once it has the new
// connection (after GetConn); the send before is done with them by then
// (net/http waits for its writer before it resends).
type hookedSend struct {
	t       *hookTransport
	st      *callState
	base    context.Context // the request's context
	url     string
	header  http.Header // the request's (a clone of the caller's), which every send writes
	a       *Attempt
	ctx     context.Context // the hooks' context for a
	refused bool            // a resend's AttemptStart said no (a is ended)
}

// start runs the AttemptStart hooks for a new attempt, the first send or
// net/http's resend; they may set the request's headers.
func (r *hookedSend) start(resent bool) error {
	r.a = &Attempt{Call: r.st.info, URL: r.url, Attempt: r.st.attempt, Resent: resent, start: time.Now(), header: r.header}
	r.ctx = r.base
	defer func() { r.a.header = nil }()
	for _, h := range r.t.hooks {
		if h.AttemptStart == nil {
			continue
		}
		next, err := h.AttemptStart(r.ctx, r.a)
		if err != nil {
			r.a.Err, r.a.Refused, r.a.Duration = err, true, time.Since(r.a.start)
			r.t.end(r.ctx, r.a)
			return err
		}
		if next != nil {
			r.ctx = next
		}
	}
	return nil
}

// trace sees net/http take a connection again after the request was
// written: the attempt before ends without an answer and a new one starts.
// When its hooks refuse, the send is cancelled (stop).
func (r *hookedSend) trace(stop context.CancelCauseFunc) *httptrace.ClientTrace {
	var wrote atomic.Bool // set on net/http's writing goroutine
	return &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
		GetConn: func(string) {
			if r.refused || !wrote.Swap(false) {
				return
			}
			r.a.Err, r.a.Duration = errResent, time.Since(r.a.start)
			r.t.end(r.ctx, r.a)
			r.st.resent++
			r.st.attempt++
			if err := r.start(true); err != nil {
				r.refused = true
				stop(err)
			}
		},
	}
}

// errResent ends an attempt that net/http sends again by itself.
var errResent = errors.New("bankfeeds: the connection closed before an answer; net/http sends the request again")

// stopOnClose releases a send's context when its answer's body is closed.
type stopOnClose struct {
	io.ReadCloser
	stop context.CancelCauseFunc
}

func (b stopOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.stop(nil)
	return err
}

func (t *hookTransport) end(ctx context.Context, a *Attempt) {
	for i := len(t.hooks) - 1; i >= 0; i-- {
		if h := t.hooks[i]; h.AttemptEnd != nil {
			h.AttemptEnd(ctx, a)
		}
	}
}

// hookError carries an AttemptStart hook's refusal through the retry loop,
// which does not retry it, back to the caller as it was.
type hookError struct{ err error }

func (e *hookError) Error() string { return e.err.Error() }
func (e *hookError) Unwrap() error { return e.err }

func rateLimitOf(h http.Header) RateLimit {
	var r RateLimit
	limit, errL := strconv.Atoi(h.Get("X-Rate-Limit-Limit"))
	remaining, errR := strconv.Atoi(h.Get("X-Rate-Limit-Remaining"))
	if errL != nil || errR != nil {
		return r
	}
	r.Limit, r.Remaining, r.Known = limit, remaining, true
	if v := strings.TrimSpace(h.Get("X-Rate-Limit-Reset")); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			r.Reset = t
		} else if t, err := http.ParseTime(v); err == nil {
			r.Reset = t
		} else if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
			if secs > 1e9 {
				r.Reset = time.Unix(secs, 0) // a Unix time
			} else {
				r.Reset = time.Now().Add(time.Duration(secs) * time.Second) // seconds from now
			}
		}
	}
	return r
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}
