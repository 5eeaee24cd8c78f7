package otelbankfeeds

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Metric names, as exported.
const (
	MetricRequests           = "bankfeeds.client.requests"
	MetricRetries            = "bankfeeds.client.retries"
	MetricRateLimited        = "bankfeeds.client.rate_limited"
	MetricRateLimitRemaining = "bankfeeds.client.rate_limit.remaining"
	MetricRequestDuration    = "http.client.request.duration"
	MetricCallDuration       = "bankfeeds.client.call.duration"
	MetricPushDuration       = "bankfeeds.push.duration"
	MetricPushTransactions   = "bankfeeds.push.transactions"
)

// requestBuckets are the HTTP semantic conventions' advised boundaries for
// http.client.request.duration, in seconds.
var requestBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// pushBuckets cover a push operation's life: Codat usually finishes in
// seconds, and a push may take up to its timeoutInMinutes (an hour or more).
var pushBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200}

// callBuckets cover single requests and PushAll calls of many chunks.
var callBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800}

type instruments struct {
	requests     metric.Int64Counter
	retries      metric.Int64Counter
	rateLimited  metric.Int64Counter
	remaining    metric.Int64Gauge
	reqDuration  metric.Float64Histogram
	callDuration metric.Float64Histogram
	pushDuration metric.Float64Histogram
	pushed       metric.Int64Counter
}

// newInstruments makes the instruments on m. An instrument the provider
// refuses is reported to otel.Handle, and the provider's fallback (a no-op
// with the API's own providers) is used: telemetry never stops a call.
func newInstruments(m metric.Meter) *instruments {
	var in instruments
	var err error
	report := func(e error) {
		if e != nil {
			otel.Handle(e)
		}
	}
	in.requests, err = m.Int64Counter(MetricRequests, metric.WithUnit("{request}"),
		metric.WithDescription("HTTP attempts sent to Codat, by operation and status."))
	report(err)
	in.retries, err = m.Int64Counter(MetricRetries, metric.WithUnit("{request}"),
		metric.WithDescription("HTTP attempts that were retries of an earlier one."))
	report(err)
	in.rateLimited, err = m.Int64Counter(MetricRateLimited, metric.WithUnit("{response}"),
		metric.WithDescription("429 Too Many Requests answers."))
	report(err)
	in.remaining, err = m.Int64Gauge(MetricRateLimitRemaining, metric.WithUnit("{request}"),
		metric.WithDescription("Requests left in Codat's daily quota (X-Rate-Limit-Remaining of the latest answer)."))
	report(err)
	in.reqDuration, err = m.Float64Histogram(MetricRequestDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP client requests."), metric.WithExplicitBucketBoundaries(requestBuckets...))
	report(err)
	in.callDuration, err = m.Float64Histogram(MetricCallDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of logical SDK calls, retries and waits included."), metric.WithExplicitBucketBoundaries(callBuckets...))
	report(err)
	in.pushDuration, err = m.Float64Histogram(MetricPushDuration, metric.WithUnit("s"),
		metric.WithDescription("Time from a push to its push operation's final status."), metric.WithExplicitBucketBoundaries(pushBuckets...))
	report(err)
	in.pushed, err = m.Int64Counter(MetricPushTransactions, metric.WithUnit("{transaction}"),
		metric.WithDescription("Bank transactions whose push operation reached Success."))
	report(err)
	in.fillNoop()
	return &in
}

// fillNoop replaces any instrument a provider did not give with a no-op one.
func (in *instruments) fillNoop() {
	if in.requests == nil {
		in.requests = noop.Int64Counter{}
	}
	if in.retries == nil {
		in.retries = noop.Int64Counter{}
	}
	if in.rateLimited == nil {
		in.rateLimited = noop.Int64Counter{}
	}
	if in.remaining == nil {
		in.remaining = noop.Int64Gauge{}
	}
	if in.reqDuration == nil {
		in.reqDuration = noop.Float64Histogram{}
	}
	if in.callDuration == nil {
		in.callDuration = noop.Float64Histogram{}
	}
	if in.pushDuration == nil {
		in.pushDuration = noop.Float64Histogram{}
	}
	if in.pushed == nil {
		in.pushed = noop.Int64Counter{}
	}
}
