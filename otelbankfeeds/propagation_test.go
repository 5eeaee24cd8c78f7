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
