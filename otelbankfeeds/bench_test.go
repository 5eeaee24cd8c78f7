package otelbankfeeds_test

import (
	"context"
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkHooks measures what the hooks add to one call (Companies.Get
// against the sandbox over loopback): none, the hooks on the API's no-op
// providers (the globals before an SDK is set), and the hooks on the SDK
// recording every span and metric (spans sampled, not exported). "empty"
// is hooks that do nothing: what the root package spends on hooks at all.
func BenchmarkHooks(b *testing.B) {
	srv := bankfeedstest.NewServer()
	defer srv.Close()
	setup, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	co, err := setup.Companies.Create(context.Background(), bankfeeds.CompanyRequest{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	}()
	cases := []struct {
		name string
		opts []bankfeeds.Option
	}{
		{"none", nil},
		{"empty", []bankfeeds.Option{bankfeeds.WithHooks(bankfeeds.Hooks{
			CallStart:  func(ctx context.Context, _ *bankfeeds.CallInfo) context.Context { return ctx },
			AttemptEnd: func(context.Context, *bankfeeds.Attempt) {}})}},
		{"noop", []bankfeeds.Option{bankfeeds.WithHooks(otelbankfeeds.Hooks())}},
		{"sdk", []bankfeeds.Option{bankfeeds.WithHooks(otelbankfeeds.Hooks(otelbankfeeds.WithTracerProvider(tp),
			otelbankfeeds.WithMeterProvider(mp), otelbankfeeds.WithPropagator(propagation.TraceContext{})))}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c, err := bankfeeds.NewClient(srv.APIKey, append([]bankfeeds.Option{bankfeeds.WithBaseURL(srv.URL)}, tc.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Companies.Get(ctx, co.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
