package otelbankfeeds_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// headerLog wraps the sandbox's handler: it keeps each request's
// traceparent, and answers the first request 503 itself so that the call
// makes two attempts.
type headerLog struct {
	next   http.Handler
	mu     sync.Mutex
	parent []string
	first  atomic.Bool
}

func (h *headerLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.parent = append(h.parent, r.Header.Get("traceparent"))
	h.mu.Unlock()
	if h.first.CompareAndSwap(false, true) {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	h.next.ServeHTTP(w, r)
}

func (h *headerLog) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.parent...)
}

// TestTraceContextReachesCodat checks that each attempt sends its own span
// as the W3C traceparent, under the caller's trace, through the configured
// propagator, and that without one nothing is sent.
func TestTraceContextReachesCodat(t *testing.T) {
	for _, tc := range []struct {
		name       string
		propagator propagation.TextMapPropagator // nil: the global one, which sends nothing
	}{
		{name: "W3C trace context", propagator: propagation.TraceContext{}},
		{name: "global default", propagator: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := bankfeedstest.NewHandler()
			log := &headerLog{next: sb.Handler()}
			ts := httptest.NewServer(log)
			defer ts.Close()
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
			defer func() { _ = tp.Shutdown(context.Background()) }()
			opts := []otelbankfeeds.Option{otelbankfeeds.WithTracerProvider(tp)}
			if tc.propagator != nil {
				opts = append(opts, otelbankfeeds.WithPropagator(tc.propagator))
			}
			c, err := bankfeeds.NewClient(sb.APIKey, bankfeeds.WithBaseURL(ts.URL), bankfeeds.WithRetryWait(time.Millisecond, 5*time.Millisecond),
				bankfeeds.WithHooks(otelbankfeeds.Hooks(opts...)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
			if _, err := c.Companies.List(ctx, nil); err != nil {
				t.Fatal(err)
			}
			parent.End()

			var attempts []sdktrace.ReadOnlySpan
			var call sdktrace.ReadOnlySpan
			for _, s := range rec.Ended() {
				switch {
				case s.SpanKind() == trace.SpanKindClient:
					attempts = append(attempts, s)
				case s.Name() == "Companies.List":
					call = s
				}
			}
			if call == nil || call.Parent().SpanID() != parent.SpanContext().SpanID() {
				t.Fatalf("Companies.List is not a child of the caller's span")
			}
			seen := log.seen()
			if len(attempts) != 2 || len(seen) != 2 {
				t.Fatalf("%d attempt spans, %d requests: want 2 of each", len(attempts), len(seen))
			}
			for i, a := range attempts {
				want := ""
				if tc.propagator != nil {
					want = "00-" + a.SpanContext().TraceID().String() + "-" + a.SpanContext().SpanID().String() + "-01"
				}
				if seen[i] != want {
					t.Errorf("request %d: traceparent %q, want %q", i+1, seen[i], want)
				}
				if a.Parent().SpanID() != call.SpanContext().SpanID() || a.SpanContext().TraceID() != parent.SpanContext().TraceID() {
					t.Errorf("attempt %d is not under Companies.List in the caller's trace", i+1)
				}
			}
		})
	}
}

// dropSecond answers the first request on each connection and closes the
// connection on the second after reading it, without answering: net/http
// then sends that request again by itself on a new connection. It keeps
// each request's traceparent.
func dropSecond(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var parents []string
	perConn := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		parents = append(parents, r.Header.Get("traceparent"))
		perConn[r.RemoteAddr]++
		n := perConn[r.RemoteAddr]
		mu.Unlock()
		if n == 2 {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"c1","name":"Acme"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), parents...)
	}
}

// TestEveryRequestCarriesItsOwnAttemptsTraceparent checks that each request
// on the wire names its own attempt span, the ones net/http sends again by
// itself after a connection closed included: one request per attempt span,
// and no span named twice.
func TestEveryRequestCarriesItsOwnAttemptsTraceparent(t *testing.T) {
	srv, seen := dropSecond(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	c, err := bankfeeds.NewClient("k", bankfeeds.WithBaseURL(srv.URL),
		bankfeeds.WithHooks(otelbankfeeds.Hooks(otelbankfeeds.WithTracerProvider(tp), otelbankfeeds.WithPropagator(propagation.TraceContext{}))))
	if err != nil {
		t.Fatal(err)
	}
	const calls = 8
	for i := 0; i < calls; i++ {
		if i%2 == 0 {
			_, err = c.Companies.Get(context.Background(), "c1")
		} else {
			_, err = c.Companies.Create(context.Background(), bankfeeds.CompanyRequest{Name: "Acme"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	spans := map[string]bool{} // traceparent of each attempt span -> named by a request
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			spans["00-"+s.SpanContext().TraceID().String()+"-"+s.SpanContext().SpanID().String()+"-01"] = false
		}
	}
	requests := seen()
	if len(requests) <= calls {
		t.Fatalf("%d requests for %d calls: net/http resent none, the test proves nothing", len(requests), calls)
	}
	if len(requests) != len(spans) {
		t.Errorf("%d requests, %d attempt spans", len(requests), len(spans))
	}
	for i, p := range requests {
		named, ok := spans[p]
		switch {
		case !ok:
			t.Errorf("request %d carries traceparent %q, no attempt span's", i+1, p)
		case named:
			t.Errorf("request %d carries traceparent %q, which an earlier request carried", i+1, p)
		}
		spans[p] = true
	}
}
