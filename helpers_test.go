package bankfeeds

// Shared helpers of the per-service unit tests (companies_test.go,
// connections_test.go, ...) and of contract_test.go.
//
// Every test talks to Codat through gock, which intercepts the *http.Client
// handed to the SDK with WithHTTPClient. gock's registry is global, so these
// tests never call t.Parallel. Mocks route requests (method + anchored
// path); what the SDK actually sent is recorded by a gock observer and
// checked afterwards with the assertion helpers below.

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

// Identifiers used across the service tests. The account id has a space, as
// in Codat's own examples, so every test that uses it also checks escaping.
const (
	fxBase             = "https://api.codat.io"
	fxCompanyID        = "8a210b68-6988-11ed-a1eb-0242ac120002"
	fxConnectionID     = "2e9d2c44-f675-40ba-8049-353bfcb5e171"
	fxAccountID        = "Checking 0202"
	fxAccountIDEscaped = "Checking%200202"
	fxPushKey          = "f6a5bf2c-5b28-4b4e-8b5b-0f0f6ce0c6a4"
	fxSyncID           = "3c5ad0a4-7f0a-4b61-9a2e-56b5e1f2d0c9"
	fxAuthorization    = "Basic dGVzdC1rZXk=" // base64("test-key")

	fxCompanyPath    = "/companies/" + fxCompanyID
	fxConnectionPath = fxCompanyPath + "/connections/" + fxConnectionID
)

// guidPattern is the shape of an Idempotency-Key.
var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// sentRequest is one request as the SDK put it on the wire.
type sentRequest struct {
	Method string
	Path   string // escaped, as req.URL.EscapedPath()
	Query  url.Values
	Header http.Header
	Body   []byte // nil when there was none
}

// apiEnv is a Client wired to gock, and the requests it sent.
type apiEnv struct {
	t    *testing.T
	c    *Client
	mu   sync.Mutex
	sent []sentRequest
}

// setup returns a Client whose inner *http.Client is intercepted by gock,
// with retries that never wait. Extra options come after the defaults. At
// the end of the test it checks that every mock was consumed and that no
// request went unmatched, then turns gock off.
func setup(t *testing.T, opts ...Option) *apiEnv {
	t.Helper()
	gock.Off()
	gock.CleanUnmatchedRequest()
	// The fallback transport refuses everything: even when gock passes a
	// request through, nothing reaches a real network.
	hc := &http.Client{Transport: noNetwork{}}
	gock.InterceptClient(hc)
	gock.Intercept() // so that a test with no mock still intercepts
	e := &apiEnv{t: t}
	gock.Observe(func(req *http.Request, _ gock.Mock) { e.record(req) })
	t.Cleanup(func() {
		done := gock.IsDone() // every mock consumed
		pending := gock.Pending()
		unmatched := gock.GetUnmatchedRequests()
		gock.Observe(nil)
		gock.Off()
		gock.CleanUnmatchedRequest()
		gock.RestoreClient(hc)
		if !done {
			for _, m := range pending {
				r := m.Request()
				t.Errorf("mock not consumed: %s %s", r.Method, r.URLStruct.Path)
			}
		}
		for _, r := range unmatched {
			t.Errorf("request matched no mock: %s %s", r.Method, r.URL.EscapedPath())
		}
	})
	all := append([]Option{WithHTTPClient(hc), WithBaseURL(fxBase), WithRetryWait(0, 0)}, opts...)
	c, err := NewClient("test-key", all...)
	require.NoError(t, err)
	e.c = c
	return e
}

// noNetwork is a RoundTripper that never sends anything.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("test: real network access refused")
}

// record keeps a copy of a request, its body included.
func (e *apiEnv) record(req *http.Request) {
	r := sentRequest{Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.Query(), Header: req.Header.Clone()}
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		if err == nil && len(b) > 0 {
			r.Body = b
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	e.mu.Lock()
	e.sent = append(e.sent, r)
	e.mu.Unlock()
}

// requests returns what was sent so far.
func (e *apiEnv) requests() []sentRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sentRequest(nil), e.sent...)
}

// only asserts that exactly one request was sent and returns it.
func (e *apiEnv) only() sentRequest {
	e.t.Helper()
	sent := e.requests()
	require.Len(e.t, sent, 1, "requests sent")
	return sent[0]
}

// nothingSent asserts that no request reached the wire.
func (e *apiEnv) nothingSent() {
	e.t.Helper()
	assert.Empty(e.t, e.requests(), "no request should have been sent")
}

// expect registers a mock for method and an escaped path (the path is
// matched exactly, after unescaping, as gock compares URL.Path).
func (e *apiEnv) expect(method, escapedPath string) *gock.Request {
	e.t.Helper()
	p, err := url.PathUnescape(escapedPath)
	require.NoError(e.t, err)
	pattern := "^" + regexp.QuoteMeta(p) + "$"
	r := gock.New(fxBase)
	switch method {
	case http.MethodGet:
		return r.Get(pattern)
	case http.MethodPost:
		return r.Post(pattern)
	case http.MethodPut:
		return r.Put(pattern)
	case http.MethodPatch:
		return r.Patch(pattern)
	case http.MethodDelete:
		return r.Delete(pattern)
	}
	e.t.Fatalf("unsupported method %s", method)
	return nil
}

// replyFile answers with status and a fixture from testdata.
func (e *apiEnv) replyFile(method, escapedPath string, status int, fixture string) {
	e.t.Helper()
	e.expect(method, escapedPath).Reply(status).SetHeader("Content-Type", "application/json").
		BodyString(string(readFixture(e.t, fixture)))
}

// replyJSON answers with status and a literal body.
func (e *apiEnv) replyJSON(method, escapedPath string, status int, body string) {
	e.t.Helper()
	e.expect(method, escapedPath).Reply(status).SetHeader("Content-Type", "application/json").BodyString(body)
}

// replyEmpty answers with status and no body.
func (e *apiEnv) replyEmpty(method, escapedPath string, status int) {
	e.t.Helper()
	e.expect(method, escapedPath).Reply(status)
}

// readFixture reads testdata/<name>.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	require.NoError(t, err)
	return b
}

// wantRequest is what a test expects on the wire.
type wantRequest struct {
	Method string
	Path   string     // escaped
	Query  url.Values // nil: no query string at all
	Golden string     // testdata file holding the JSON body; "" for no body
}

// check asserts method, path, query, body and headers of one request.
func (w wantRequest) check(t *testing.T, got sentRequest) {
	t.Helper()
	assert.Equal(t, w.Method, got.Method, "method")
	assert.Equal(t, w.Path, got.Path, "escaped path")
	assertQuery(t, w.Query, got.Query)
	if w.Golden == "" {
		assert.Empty(t, got.Body, "request body")
	} else {
		assertJSONBody(t, w.Golden, got.Body)
	}
	assertHeaders(t, got)
}

// assertQuery compares query strings exactly; nil wants none.
func assertQuery(t *testing.T, want, got url.Values) {
	t.Helper()
	if len(want) == 0 {
		assert.Empty(t, got, "query string")
		return
	}
	assert.Equal(t, want, got, "query string")
}

// assertJSONBody compares a body with a golden file as JSON, not as bytes.
func assertJSONBody(t *testing.T, golden string, body []byte) {
	t.Helper()
	require.NotEmpty(t, body, "request body")
	assert.JSONEq(t, string(readFixture(t, golden)), string(body), "request body vs %s", golden)
}

// assertHeaders checks the headers every request carries, and that an
// Idempotency-Key (a GUID) is sent on POST and PATCH only.
func assertHeaders(t *testing.T, r sentRequest) {
	t.Helper()
	assert.Equal(t, fxAuthorization, r.Header.Get("Authorization"), "Authorization")
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "bankfeeds-go/"), "User-Agent %q", r.Header.Get("User-Agent"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"), "Accept")
	if len(r.Body) > 0 {
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"), "Content-Type")
	}
	keys := r.Header.Values("Idempotency-Key")
	switch r.Method {
	case http.MethodPost, http.MethodPatch:
		if assert.Len(t, keys, 1, "Idempotency-Key on %s", r.Method) {
			assert.Regexp(t, guidPattern, keys[0], "Idempotency-Key is a GUID")
		}
	default:
		assert.Empty(t, keys, "no Idempotency-Key on %s", r.Method)
	}
}

// assertInvalid asserts err is a *ValidationError about field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var ve *ValidationError
	if assert.ErrorAs(t, err, &ve) {
		assert.Equal(t, field, ve.Field)
	}
}

// assertAPIError asserts err is an *APIError with status, matching sentinel.
func assertAPIError(t *testing.T, err error, status int, sentinel error) *APIError {
	t.Helper()
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, status, ae.StatusCode)
	assert.True(t, errors.Is(err, sentinel), "errors.Is(%v, %v)", err, sentinel)
	return ae
}

// assertDecimal compares a Decimal's exact text.
func assertDecimal(t *testing.T, want string, got Decimal, msgAndArgs ...any) {
	t.Helper()
	assert.True(t, got.IsSet(), msgAndArgs...)
	assert.Equal(t, want, got.String(), msgAndArgs...)
}

// assertTime compares instants with time.Time.Equal; want is read as
// Codat's DateTime forms are (a zone-less value as UTC).
func assertTime(t *testing.T, want string, got time.Time, what string) {
	t.Helper()
	w, err := ParseDateTime(want)
	require.NoError(t, err)
	assert.Truef(t, w.Equal(got), "%s: want %s, got %s", what, want, got.Format(time.RFC3339Nano))
}

// idCase is one empty-ID call for the empty-ID table tests.
type idCase struct {
	name  string
	field string
	call  func(*Client) error
}

// runEmptyIDs runs each case against a fresh env and asserts a
// *ValidationError naming the field, with nothing sent.
func runEmptyIDs(t *testing.T, cases []idCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			assertInvalid(t, tc.call(e.c), tc.field)
			e.nothingSent()
		})
	}
}

// pageBody builds a paged envelope around raw JSON results.
func pageBody(results string, pageNumber, pageSize, total int, next bool) string {
	n := strconv.Itoa(pageNumber)
	b := `{"results":[` + results + `],"pageNumber":` + n + `,"pageSize":` + strconv.Itoa(pageSize) +
		`,"totalResults":` + strconv.Itoa(total) + `,"_links":{"self":{"href":"/x"},"current":{"href":"/x?page=` + n + `"}`
	if next {
		b += `,"next":{"href":"/x?page=` + strconv.Itoa(pageNumber+1) + `"}`
	}
	return b + `}}`
}

// fxDec parses a decimal for test input, failing the test on a typo.
func fxDec(t *testing.T, s string) Decimal {
	t.Helper()
	d, err := ParseDecimal(s)
	require.NoError(t, err)
	return d
}

// fxDate parses a DateTime for test input.
func fxDate(t *testing.T, s string) *DateTime {
	t.Helper()
	d, err := ParseDateTime(s)
	require.NoError(t, err)
	return &d
}
