package bankfeeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Client talks to Codat's Bank Feeds API. Its services group the operations
// as Codat's reference does. Create one with [NewClient] and share it: a
// Client is safe for concurrent use. The only state it keeps is what makes
// pushes safe: the server's clock offset, and per connection a send lock and
// the push operations Codat answered it with (see PushAll).
type Client struct {
	Companies          *CompaniesService          // companies: create, list, get, replace, update, delete, access token
	Connections        *ConnectionsService        // data connections to a bank-feeds integration
	SourceAccounts     *SourceAccountsService     // the bank accounts the SMB user may connect
	AccountMapping     *AccountMappingService     // source-to-target account mapping
	CompanyInformation *CompanyInformationService // the accounting software's company information
	BankAccounts       *BankAccountsService       // target bank accounts in the accounting software
	Transactions       *TransactionsService       // pushing bank transactions and push operations
	ManagedSyncs       *ManagedSyncsService       // managed bank feed syncs

	base             string  // base URL without trailing slash
	auth             *secret // "Basic base64(key)"; a pointer so fmt never prints it
	userAgent        string
	http             *retryablehttp.Client
	policy           *retryPolicy
	logger           *slog.Logger
	maxResponseBytes int64
	integrations     map[string]string // WithIntegrationPlatforms
	hooks            []Hooks           // WithHooks
	clock            *serverClock      // the server's time, learnt from Date headers
	pushes           *pushLedger       // per-connection send locks and known push operations
	opTimes          *opTimes          // how long push operations take, for polling
}

// service is the common shape of every service: a back-pointer to the Client.
type service struct{ c *Client }

// String describes the client without its key.
func (c Client) String() string {
	return "bankfeeds.Client{base: " + c.base + ", key: " + redacted + "}"
}

// GoString describes the client without its key, for %#v.
func (c Client) GoString() string { return c.String() }

// Format prints the client without its key for every fmt verb, so no %v,
// %+v, %#v or %s of a Client or *Client shows it.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// NewClient returns a client for Codat's Bank Feeds API, authenticating with
// apiKey (the key from the Codat Portal; a ready-made "Basic ..." header value
// is accepted too). It does no I/O and reads no environment.
//
// An empty key, a malformed base URL, or plain http:// to a host that is not
// loopback is an error.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	auth, err := newAuth(apiKey)
	if err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := checkBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	inner := cfg.httpClient
	if inner == nil {
		inner = defaultHTTPClient()
	} else {
		copied := *inner // never change the caller's client
		inner = &copied
	}
	inner.CheckRedirect = noRedirects
	if len(cfg.hooks) > 0 {
		base := inner.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		inner.Transport = &hookTransport{base: base, hooks: cfg.hooks}
	}

	c := &Client{
		base:             base,
		auth:             auth,
		userAgent:        userAgent(cfg.userAgent),
		logger:           cfg.logger,
		maxResponseBytes: cfg.maxResponseBytes,
		integrations:     cfg.integrations,
		hooks:            cfg.hooks,
		clock:            new(serverClock),
		pushes:           newPushLedger(),
		opTimes:          new(opTimes),
	}
	c.policy = &retryPolicy{max: cfg.retryMax, waitMin: cfg.retryWaitMin, waitMax: cfg.retryWaitMax}
	c.http = c.policy.client(inner, cfg.logger)
	svc := service{c: c}
	c.Companies = (*CompaniesService)(&svc)
	c.Connections = (*ConnectionsService)(&svc)
	c.SourceAccounts = (*SourceAccountsService)(&svc)
	c.AccountMapping = (*AccountMappingService)(&svc)
	c.CompanyInformation = (*CompanyInformationService)(&svc)
	c.BankAccounts = (*BankAccountsService)(&svc)
	c.Transactions = (*TransactionsService)(&svc)
	c.ManagedSyncs = (*ManagedSyncsService)(&svc)
	return c, nil
}

func userAgent(extra string) string {
	ua := "bankfeeds-go/" + Version
	if extra != "" {
		ua = extra + " " + ua
	}
	return ua
}

func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", invalid("base URL", "must be an absolute http(s) URL such as https://api.codat.io")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", invalid("base URL", "must not hold credentials, a query or a fragment")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", invalid("base URL", "plain http:// is allowed only for loopback hosts; use https://")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// noRedirects stops the inner client following redirects: an API call that
// is redirected is answered with the 3xx itself, which becomes an APIError.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// call is one logical API call: one or more HTTP attempts.
type call struct {
	method string
	path   string     // escaped path, such as /companies/abc
	query  url.Values // may be nil
	body   any        // JSON body; nil for none
	out    any        // where a 2xx JSON body is decoded; nil to ignore it
	// conflictIsFinal marks writes whose 409 is an answer (a batch id that
	// exists, a sync already running), not a key in flight: not retried,
	// except on a resend, whose 409 may be its first send still running
	// (checkRetry).
	conflictIsFinal bool
	lines           int // bank transactions in a push's body, for the hooks
}

// do sends a call and decodes the answer. It is the one request path of the
// SDK: auth, user agent, idempotency key, retries, size caps, decoding and
// error mapping all happen here. It returns the final HTTP status.
func (c *Client) do(ctx context.Context, cl call) (status int, err error) {
	if ctx == nil {
		return 0, invalid("ctx", "a nil context.Context was passed")
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	r := routeOf(cl.method, cl.path)
	info := &CallInfo{Operation: r.operation, Method: cl.method, Route: r.template, CompanyID: companyOf(cl.path), Transactions: cl.lines}
	ctx, end := c.startCall(ctx, info)
	defer func() { end(err) }()
	ctx, cancel := callTimeout(ctx)
	defer cancel()
	opts := callOptionsFrom(ctx)
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = encodeJSON(cl.body); err != nil {
			return 0, invalid("request body", err.Error())
		}
	}
	target := c.base + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	st := &callState{method: cl.method, path: cl.path, conflictIsFinal: cl.conflictIsFinal, maxRetries: c.policy.max}
	if len(c.hooks) > 0 {
		st.info = info
	}
	if opts != nil && opts.Retries != nil {
		st.maxRetries = min(max(*opts.Retries, 0), maxRetries)
	}
	ctx = context.WithValue(ctx, callStateKey{}, st)
	var rbody any // nil interface, not a nil []byte, when there is no body
	if body != nil {
		rbody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, target, rbody)
	if err != nil {
		return 0, &TransportError{Method: cl.method, Path: cl.path, Err: errors.New("cannot build request")}
	}
	h := req.Header
	if opts != nil {
		for k, v := range opts.Header {
			if !ownedHeader(k) {
				h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
			}
		}
	}
	h.Set("Authorization", c.auth.v)
	h.Set("User-Agent", c.userAgent)
	h.Set("Accept", "application/json")
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	if isWrite(cl.method) {
		key := idempotencyKeyFrom(ctx)
		if key == "" && opts != nil {
			key = opts.IdempotencyKey
		}
		if key == "" {
			key = newIdempotencyKey()
		}
		h.Set("Idempotency-Key", key)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		var refused *hookError
		if errors.As(err, &refused) {
			return 0, refused.err // an AttemptStart hook said no: its error, as it is
		}
		return 0, c.transportError(ctx, st, err)
	}
	defer resp.Body.Close()
	err = c.handle(st, resp, cl.out)
	if op, ok := cl.out.(*PushOperation); ok && err == nil {
		info.PushOperationKey, info.PushStatus = op.PushOperationKey, op.Status
	}
	return resp.StatusCode, err
}

// companyOf returns the company id of a /companies/{id}/... path.
func companyOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/companies/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if u, err := url.PathUnescape(id); err == nil {
		return u
	}
	return id
}

// handle reads a final response: a 2xx body into out, anything else into an
// APIError.
func (c *Client) handle(st *callState, resp *http.Response, out any) error {
	c.clock.observe(resp.Header.Get("Date"), time.Now())
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		apiErr := newAPIError(st.method, st.path, resp.StatusCode, resp.Header, b)
		if c.logger != nil {
			c.logger.Warn("bankfeeds: request failed", "method", st.method, "path", st.path,
				"status", resp.StatusCode, "attempt", st.attempt, "correlationId", apiErr.CorrelationID)
		}
		return apiErr
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := readBody(resp.Body, c.maxResponseBytes, resp.ContentLength, buf); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return fmt.Errorf("bankfeeds: %s %s: %w (over %d bytes)", st.method, st.path, ErrResponseTooLarge, c.maxResponseBytes)
		}
		return &TransportError{Method: st.method, Path: st.path, Err: fmt.Errorf("reading response: %w", stripURL(err))}
	}
	data := bytes.TrimSpace(buf.Bytes())
	if len(data) == 0 {
		return nil // an empty 200 is a success with nothing to decode
	}
	var skim func([]byte) error
	switch v := out.(type) {
	case skimmer:
		skim = v.skimJSON
	case *Page[Company]:
		skim = func(b []byte) error { return skimCompanies(v, b) }
	}
	if skim != nil {
		if err := skim(data); err != nil {
			return fmt.Errorf("bankfeeds: %s %s: %w: %s", st.method, st.path, ErrInvalidResponse, describeJSONError(err))
		}
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("bankfeeds: %s %s: %w: %s", st.method, st.path, ErrInvalidResponse, describeJSONError(err))
	}
	return nil
}

// transportError turns an error from the HTTP stack into a TransportError
// without the URL (net/http puts the full URL, query string included, in its
// errors), or returns the caller's context error as it is.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return &TransportError{Method: st.method, Path: st.path, Err: ctxErr}
	}
	if c.logger != nil {
		c.logger.Warn("bankfeeds: request failed", "method", st.method, "path", st.path,
			"attempt", st.attempt, "error", stripURL(err).Error())
	}
	return &TransportError{Method: st.method, Path: st.path, Err: stripURL(err)}
}

// stripURL removes the URL that *url.Error carries.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: cannot read JSON %s as %s", te.Field, te.Value, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	}
	return oneLine(err.Error(), 200)
}

// jsonAppender is implemented by bodies that write their own JSON quickly.
type jsonAppender interface{ appendJSON([]byte) []byte }

// rawBody is a body already encoded, sent as it is.
type rawBody []byte

func encodeJSON(v any) ([]byte, error) {
	if r, ok := v.(rawBody); ok {
		return r, nil
	}
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(make([]byte, 0, 4096)), nil
	}
	return json.Marshal(v)
}

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 4<<20 { // do not keep huge buffers alive
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

// path joins escaped segments into a path. Every ID is path-escaped (Codat's
// own example account id is "Checking 0202"); an empty ID is a
// ValidationError, so nothing is sent.
func path(parts ...string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if strings.HasPrefix(p, ":") { // ":name", then the value
			name := p[1:]
			i++
			v := parts[i]
			if strings.TrimSpace(v) == "" {
				return "", invalid(name, "must not be empty")
			}
			if v == "." || v == ".." { // a dot-segment would name another resource
				return "", invalid(name, `must not be "." or ".."`)
			}
			if err := checkID(name, v); err != nil {
				return "", err
			}
			b.WriteByte('/')
			b.WriteString(url.PathEscape(v))
			continue
		}
		b.WriteString(p)
	}
	return b.String(), nil
}

// defaultHTTPClient is the inner client when the caller gives none: TLS 1.2
// or newer, bounded dial, handshake and header waits, and a 60 s ceiling on
// each attempt.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: defaultTransport(), Timeout: 60 * time.Second}
}
