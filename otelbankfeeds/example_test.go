package otelbankfeeds_test

import (
	"context"
	"fmt"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Wire the hooks to a TracerProvider and a MeterProvider (here the SDK's
// in-memory ones; in production your exporters), and every call becomes a
// span with a child span per HTTP attempt.
func ExampleHooks() {
	srv := bankfeedstest.NewServer()
	defer srv.Close()

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL),
		bankfeeds.WithHooks(otelbankfeeds.Hooks(
			otelbankfeeds.WithTracerProvider(tp),
			otelbankfeeds.WithMeterProvider(mp),
			otelbankfeeds.WithPropagator(propagation.TraceContext{}))))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Companies.Get(ctx, co.ID)
	if err != nil {
		fmt.Println(err)
		return
	}

	for _, s := range rec.Ended() { // children end first
		status := ""
		for _, kv := range s.Attributes() {
			if kv.Key == "http.response.status_code" {
				status = " " + kv.Value.String()
			}
		}
		fmt.Printf("%-8s %s%s\n", s.SpanKind(), s.Name(), status)
	}

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name != otelbankfeeds.MetricRequests {
			continue
		}
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			op, _ := dp.Attributes.Value(otelbankfeeds.KeyOperation)
			route, _ := dp.Attributes.Value(attribute.Key("url.template"))
			fmt.Printf("requests{%s %s} = %d\n", op.String(), route.String(), dp.Value)
		}
	}
	// Unordered output:
	// client   POST /companies 200
	// internal Companies.Create
	// client   GET /companies/{companyId} 200
	// internal Companies.Get
	// requests{Companies.Create /companies} = 1
	// requests{Companies.Get /companies/{companyId}} = 1
}

// ErrorType names a call's failure in a few words, fit for a metric's
// labels.
func ExampleErrorType() {
	fmt.Println(otelbankfeeds.ErrorType(&bankfeeds.APIError{StatusCode: 429}))
	fmt.Println(otelbankfeeds.ErrorType(context.DeadlineExceeded))
	fmt.Println(otelbankfeeds.ErrorType(&bankfeeds.PushError{Err: bankfeeds.ErrPushTimedOut}))
	// Output:
	// 429
	// timeout
	// push_timed_out
}
