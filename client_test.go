package bankfeeds

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testKey = "sk_live_SECRET_5f3a"

func TestNewClientRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		key  string
		opts []Option
	}{
		{"empty key", "", nil},
		{"blank key", "  ", nil},
		{"key with newline", "a\nb", nil},
		{"malformed base URL", "k", []Option{WithBaseURL("://nope")}},
		{"relative base URL", "k", []Option{WithBaseURL("/api")}},
		{"ftp base URL", "k", []Option{WithBaseURL("ftp://api.codat.io")}},
		{"plain http to a remote host", "k", []Option{WithBaseURL("http://api.codat.io")}},
		{"credentials in URL", "k", []Option{WithBaseURL("https://u:p@api.codat.io")}},
		{"query in URL", "k", []Option{WithBaseURL("https://api.codat.io/?x=1")}},
		{"nil HTTP client", "k", []Option{WithHTTPClient(nil)}},
		{"negative retries", "k", []Option{WithRetryMax(-1)}},
		{"min above max wait", "k", []Option{WithRetryWait(time.Second, time.Millisecond)}},
		{"two-line user agent", "k", []Option{WithUserAgent("a\r\nX-Evil: 1")}},
		{"zero body cap", "k", []Option{WithMaxResponseBytes(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.key, tt.opts...)
			assert.Nil(t, c)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
		})
	}
}

func TestNewClientAcceptsLoopbackHTTP(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80/", "https://api.codat.io"} {
		c, err := NewClient("k", WithBaseURL(u))
		require.NoError(t, err, u)
		assert.NotContains(t, c.base, "//:", u)
	}
	c, err := NewClient("k", nil) // a nil option is ignored
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.base)
}

func TestKeyNeverPrinted(t *testing.T) {
	c, err := NewClient(testKey)
	require.NoError(t, err)
	encoded := c.auth.v
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{c, *c, c.auth, *c.auth} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testKey, verb)
			assert.NotContains(t, out, strings.TrimPrefix(encoded, "Basic "), verb)
		}
	}
	b, err := json.Marshal(c.auth)
	require.NoError(t, err)
	assert.Equal(t, `"[REDACTED]"`, string(b))
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "auth", *c.auth)
	assert.NotContains(t, logged.String(), testKey)
}

func TestReadyMadeBasicHeader(t *testing.T) {
	a, err := newAuth("Basic c2stMTIz")
	require.NoError(t, err)
	assert.Equal(t, "Basic c2stMTIz", a.v)
	a, err = newAuth("sk-123")
	require.NoError(t, err)
	assert.Equal(t, "Basic c2stMTIz", a.v)
}

// capture is a test server that records the last request and answers with
// a fixed status and body.
func capture(t *testing.T, status int, body string) (*http.Request, *Client, *[]byte) {
	t.Helper()
	var got http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = *r.Clone(context.Background())
		gotBody, _ = readAll(r)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(testKey, WithBaseURL(srv.URL+"/"), WithRetryMax(0), WithUserAgent("myapp/1.2"))
	require.NoError(t, err)
	return &got, c, &gotBody
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

func TestRequestHeaders(t *testing.T) {
	got, c, body := capture(t, 200, `{"id":"c1","name":"Toft stores","redirect":"https://link.codat.io/c1"}`)
	co, err := c.Companies.Create(context.Background(), CompanyRequest{Name: "Toft stores"})
	require.NoError(t, err)
	assert.Equal(t, "c1", co.ID)
	assert.Equal(t, "Basic c2tfbGl2ZV9TRUNSRVRfNWYzYQ==", got.Header.Get("Authorization"))
	assert.Equal(t, "myapp/1.2 bankfeeds-go/"+Version, got.Header.Get("User-Agent"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Equal(t, "/companies", got.URL.Path, "the base URL's trailing slash is dropped")
	assert.JSONEq(t, `{"name":"Toft stores"}`, string(*body))
}

func TestRedirectsNotFollowed(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, "https://evil.example/steal", http.StatusFound)
	}))
	defer srv.Close()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c, err := NewClient(testKey, WithBaseURL(srv.URL), WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = c.Companies.Get(context.Background(), "c1")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusFound, apiErr.StatusCode)
	assert.Equal(t, 1, hits)
	assert.NotNil(t, hc.CheckRedirect, "the caller's client is not changed")
}

func TestResponseTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":"`))
		chunk := bytes.Repeat([]byte("a"), 1<<16)
		for i := 0; i < 64; i++ { // 4 MiB, far past the cap
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := NewClient(testKey, WithBaseURL(srv.URL), WithMaxResponseBytes(1<<10))
	require.NoError(t, err)
	_, err = c.Companies.Get(context.Background(), "c1")
	require.ErrorIs(t, err, ErrResponseTooLarge)
}

func TestInvalidResponse(t *testing.T) {
	for _, body := range []string{`{"id": 12}`, `{"id":`, `<html>`} {
		_, c, _ := capture(t, 200, body)
		_, err := c.Companies.Get(context.Background(), "c1")
		require.ErrorIs(t, err, ErrInvalidResponse, body)
		assert.NotContains(t, err.Error(), "\n")
	}
	_, c, _ := capture(t, 200, "  ")
	co, err := c.Companies.Get(context.Background(), "c1")
	require.NoError(t, err, "an empty 200 is a success")
	assert.Equal(t, "", co.ID)
}

func TestCancelledContextReturnsAtOnce(t *testing.T) {
	got, c, _ := capture(t, 200, `{}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Companies.Get(ctx, "c1")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, got.Method, "nothing was sent")
	//lint:ignore SA1012 a nil context must be refused with an error, not a panic
	_, err = c.Companies.Get(nil, "c1")
	var ve *ValidationError
	assert.ErrorAs(t, err, &ve)
}

func TestTransportErrorHasNoURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	base := srv.URL
	srv.Close() // nothing listens now
	c, err := NewClient(testKey, WithBaseURL(base), WithRetryMax(0))
	require.NoError(t, err)
	_, err = c.Connections.List(context.Background(), "c1", &ListOptions{Query: "secret=abc"})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "GET", te.Method)
	assert.Equal(t, "/companies/c1/connections", te.Path)
	assert.NotContains(t, err.Error(), "secret=abc")
	assert.NotContains(t, err.Error(), base)
}

func TestLoggerNeverLogsSecrets(t *testing.T) {
	var logs bytes.Buffer
	s := &scripted{steps: []step{{status: 503}, {status: 404}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(testKey, WithBaseURL(srv.URL), WithLogger(logger), WithRetryWait(0, 0))
	require.NoError(t, err)
	_, err = c.Connections.List(context.Background(), "c1", &ListOptions{Query: "name=hush"})
	require.ErrorIs(t, err, ErrNotFound)
	out := logs.String()
	assert.Contains(t, out, `"path":"/companies/c1/connections"`)
	assert.Contains(t, out, `"status":503`)
	assert.Contains(t, out, `"attempt":2`)
	assert.Contains(t, out, `"correlationId":"corr-1"`)
	for _, secret := range []string{testKey, "c2tfbGl2ZV9TRUNSRVRfNWYzYQ", "hush", "Authorization"} {
		assert.NotContains(t, out, secret)
	}
}

func TestPathEscapingAndEmptyIDs(t *testing.T) {
	p, err := path("/companies", ":companyID", "c 1/2", "/connections")
	require.NoError(t, err)
	assert.Equal(t, "/companies/c%201%2F2/connections", p)
	_, err = path("/companies", ":companyID", " ")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "companyID", ve.Field)
}

func TestDefaultTransportIsHardened(t *testing.T) {
	tr := defaultTransport()
	require.NotNil(t, tr.TLSClientConfig)
	assert.Equal(t, uint16(tls.VersionTLS12), tr.TLSClientConfig.MinVersion)
	assert.NotZero(t, tr.TLSHandshakeTimeout)
	assert.NotZero(t, tr.ResponseHeaderTimeout)
	assert.NotZero(t, defaultHTTPClient().Timeout)
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	s, c := newScripted(t, step{status: 200, body: `{"id":"c1","name":"n","redirect":"https://x"}`})
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			co, err := c.Companies.Get(context.Background(), "c1")
			assert.NoError(t, err)
			assert.Equal(t, "c1", co.ID)
			_, err = c.Companies.Create(context.Background(), CompanyRequest{Name: "x"})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	keys := map[string]bool{}
	for _, r := range s.requests() {
		if k := r.Header.Get("Idempotency-Key"); k != "" {
			keys[k] = true
		}
	}
	assert.Len(t, keys, 32, "every write has its own key")
}
