package otelbankfeeds

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Option configures Hooks.
type Option func(*config)

type config struct {
	tp         trace.TracerProvider
	mp         metric.MeterProvider
	propagator propagation.TextMapPropagator
}

// WithTracerProvider sets where spans go; the default is the global
// TracerProvider (otel.GetTracerProvider). A nil provider keeps the default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithMeterProvider sets where metrics go; the default is the global
// MeterProvider (otel.GetMeterProvider). A nil provider keeps the default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}

// WithPropagator sets how each attempt's trace context is written into its
// request headers; the default is the global TextMapPropagator
// (otel.GetTextMapPropagator), which sends nothing until one is set. A nil
// propagator keeps the default.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) {
		if p != nil {
			c.propagator = p
		}
	}
}

func newConfig(opts []Option) config {
	c := config{tp: otel.GetTracerProvider(), mp: otel.GetMeterProvider(), propagator: otel.GetTextMapPropagator()}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}
