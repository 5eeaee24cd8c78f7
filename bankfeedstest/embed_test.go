package bankfeedstest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func serve(h http.Handler, key, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestNewHandlerEmbedded(t *testing.T) {
	var logs lockedBuffer
	sb := bankfeedstest.NewHandler(
		bankfeedstest.WithBaseURL("https://sandbox.example/"),
		bankfeedstest.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		bankfeedstest.WithAPIKey("  embedded  "),
	)
	defer sb.Close()
	if sb.URL != "https://sandbox.example" || sb.APIKey != "embedded" {
		t.Fatalf("URL %q key %q", sb.URL, sb.APIKey)
	}
	rec := serve(sb.Handler(), sb.APIKey, http.MethodPost, "/companies", `{"name":"Embedded"}`)
	var co struct{ ID, Redirect string }
	if err := json.Unmarshal(rec.Body.Bytes(), &co); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if co.Redirect != "https://sandbox.example/link/companies/"+co.ID {
		t.Fatalf("redirect %q", co.Redirect)
	}
	if !strings.Contains(logs.String(), `"path":"/companies"`) || !strings.Contains(logs.String(), `"status":200`) {
		t.Fatalf("logs %q", logs.String())
	}
	sb.SetFaults(bankfeedstest.Faults{ServerErrorBefore: 1})
	serve(sb.Handler(), sb.APIKey, http.MethodGet, "/companies", "")
	if !strings.Contains(logs.String(), `"fault":"server-error-before"`) {
		t.Fatalf("the fault is logged: %q", logs.String())
	}

	// Without a base URL, links follow the request's Host.
	plain := bankfeedstest.NewHandler()
	defer plain.Close()
	rec = serve(plain.Handler(), plain.APIKey, http.MethodPost, "http://sandbox.test:9000/companies", `{"name":"Hosted"}`)
	if err := json.Unmarshal(rec.Body.Bytes(), &co); err != nil {
		t.Fatal(err)
	}
	if plain.URL != "" || !strings.HasPrefix(co.Redirect, "http://sandbox.test:9000/link/companies/") {
		t.Fatalf("URL %q redirect %q", plain.URL, co.Redirect)
	}
	// Closing twice is fine.
	plain.Close()
}
