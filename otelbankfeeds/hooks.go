package otelbankfeeds

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans and metrics.
const ScopeName = "github.com/bankfeeds-go/bankfeeds/otelbankfeeds"

// The composite operation whose end settles what its chunks did not count.
const opPushAll = "Transactions.PushAll"

// Hooks returns the hooks that report a Client's calls as spans and
// metrics; pass them to bankfeeds.WithHooks. Without options they use the
// global TracerProvider, MeterProvider and TextMapPropagator. The hooks are
// safe for concurrent use, and one set may serve several Clients.
//
// Give them before hooks that may refuse an attempt (a request budget) so
// that the refusal shows as an attempt that failed, or after them so that a
// refused attempt leaves no span and is not counted as a request.
func Hooks(opts ...Option) bankfeeds.Hooks {
	cfg := newConfig(opts)
	in := &instr{
		tracer: cfg.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(bankfeeds.Version), trace.WithSchemaURL(semconv.SchemaURL)),
		prop:   cfg.propagator,
		m: newInstruments(cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(bankfeeds.Version),
			metric.WithSchemaURL(semconv.SchemaURL))),
		pushes: newPushTracker(maxTrackedPushes),
	}
	return bankfeeds.Hooks{CallStart: in.callStart, CallEnd: in.callEnd, AttemptStart: in.attemptStart, AttemptEnd: in.attemptEnd}
}

// instr is one set of hooks. Its context keys hold its pointer, so two sets
// on one Client never read each other's state.
type instr struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	m      *instruments
	pushes *pushTracker
}

type (
	callKey    struct{ in *instr }
	attemptKey struct{ in *instr }
	pushAllKey struct{ in *instr }
)

// callState is one logical call in flight.
type callState struct {
	span          trace.Span
	mu            sync.Mutex
	correlationID string // the latest attempt's
}

// attemptState is one HTTP attempt in flight.
type attemptState struct {
	span trace.Span
	ep   endpoint
}

// pushAllScope counts what the chunks of one PushAll reported, so that its
// end adds only what they did not.
type pushAllScope struct{ counted atomic.Int64 }

func (in *instr) callStart(ctx context.Context, info *bankfeeds.CallInfo) context.Context {
	if info == nil {
		return ctx
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, KeyOperation.String(info.Operation))
	if info.CompanyID != "" {
		attrs = append(attrs, KeyCompanyID.String(info.CompanyID))
	}
	if info.Transactions > 0 {
		attrs = append(attrs, KeyTransactions.Int(info.Transactions))
	}
	if info.PushOperationKey != "" {
		attrs = append(attrs, KeyPushOperationKey.String(info.PushOperationKey))
	}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...)}
	if !info.Start.IsZero() {
		opts = append(opts, trace.WithTimestamp(info.Start))
	}
	ctx, span := in.tracer.Start(in.parent(ctx), spanName(info.Operation), opts...)
	ctx = context.WithValue(ctx, callKey{in}, &callState{span: span})
	if info.Operation == opPushAll {
		ctx = context.WithValue(ctx, pushAllKey{in}, &pushAllScope{})
	}
	return ctx
}

// parent is ctx with these hooks' innermost call span as the current span,
// when there is one: another set of hooks (or anything else) that started a
// span in between does not split this set's tree.
func (in *instr) parent(ctx context.Context) context.Context {
	// Spans are compared by their SpanContext: a span's dynamic type may
	// not be comparable (the API's non-recording spans are not).
	if st, _ := ctx.Value(callKey{in}).(*callState); st != nil && !trace.SpanContextFromContext(ctx).Equal(st.span.SpanContext()) {
		return trace.ContextWithSpan(ctx, st.span)
	}
	return ctx
}

func (in *instr) callEnd(ctx context.Context, info *bankfeeds.CallInfo, err error) {
	st, _ := ctx.Value(callKey{in}).(*callState)
	if st == nil || info == nil {
		return // not started by these hooks
	}
	now := time.Now()
	if info.PushOperationKey != "" {
		st.span.SetAttributes(KeyPushOperationKey.String(info.PushOperationKey))
	}
	if s := pushStatusValue(info.PushStatus); s != "" {
		st.span.SetAttributes(KeyPushStatus.String(s))
	}
	st.mu.Lock()
	corr := st.correlationID
	st.mu.Unlock()
	// Codat names the request that failed in the error's body, which the
	// attempt hooks do not see: take it from the call's *APIError.
	var apiErr *bankfeeds.APIError
	if errors.As(err, &apiErr) && apiErr.CorrelationID != "" {
		corr = apiErr.CorrelationID
	}
	if corr != "" {
		st.span.SetAttributes(KeyCorrelationID.String(corr))
	}
	et := ErrorType(err)
	if err != nil {
		st.span.SetAttributes(semconv.ErrorTypeKey.String(et))
		st.span.SetStatus(codes.Error, err.Error())
	}
	if !info.Start.IsZero() && in.m.callDuration.Enabled(ctx) {
		attrs := []attribute.KeyValue{KeyOperation.String(info.Operation)}
		if et != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(et))
		}
		in.m.callDuration.Record(ctx, now.Sub(info.Start).Seconds(), metric.WithAttributes(attrs...))
	}
	in.pushCallEnded(ctx, info, err, now)
	st.span.End(trace.WithTimestamp(now))
}

func (in *instr) attemptStart(ctx context.Context, a *bankfeeds.Attempt) (context.Context, error) {
	if a == nil || a.Call == nil {
		return ctx, nil
	}
	ep := endpointOf(a.URL)
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(methodValue(a.Call.Method)), KeyOperation.String(a.Call.Operation))
	if a.Call.Route != "" {
		attrs = append(attrs, semconv.URLTemplate(a.Call.Route))
	}
	if ep.full != "" {
		attrs = append(attrs, semconv.URLFull(ep.full), semconv.ServerAddress(ep.host))
		if ep.port > 0 {
			attrs = append(attrs, semconv.ServerPort(ep.port))
		}
	}
	if a.Attempt > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCount(a.Attempt-1))
	}
	ctx, span := in.tracer.Start(in.parent(ctx), attemptName(a.Call), trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	ctx = context.WithValue(ctx, attemptKey{in}, &attemptState{span: span, ep: ep})
	in.prop.Inject(ctx, headerCarrier{a})
	return ctx, nil
}

func (in *instr) attemptEnd(ctx context.Context, a *bankfeeds.Attempt) {
	st, _ := ctx.Value(attemptKey{in}).(*attemptState)
	if st == nil || a == nil || a.Call == nil {
		return // not started by these hooks (another hook refused first)
	}
	span := st.span
	if a.Status > 0 {
		span.SetAttributes(semconv.HTTPResponseStatusCode(a.Status))
	}
	if a.CorrelationID != "" {
		span.SetAttributes(KeyCorrelationID.String(a.CorrelationID))
		if cs, _ := ctx.Value(callKey{in}).(*callState); cs != nil {
			cs.mu.Lock()
			cs.correlationID = a.CorrelationID
			cs.mu.Unlock()
		}
	}
	if a.RateLimit.Known {
		span.SetAttributes(KeyRateLimitRemaining.Int(a.RateLimit.Remaining))
	}
	if et := attemptErrorType(a); et != "" {
		span.SetAttributes(semconv.ErrorTypeKey.String(et))
		desc := ""
		if a.Err != nil {
			desc = a.Err.Error()
		}
		span.SetStatus(codes.Error, desc)
	}

	span.End()
	in.attemptMetrics(ctx, a, st.ep)
}

// attemptMetrics records an attempt's metrics, building no attributes for
// instruments that record nothing (the API's no-op providers).
func (in *instr) attemptMetrics(ctx context.Context, a *bankfeeds.Attempt, ep endpoint) {
	if a.Refused {
		return // never sent: not a request
	}
	if in.m.requests.Enabled(ctx) || in.m.reqDuration.Enabled(ctx) {
		attrs := metric.WithAttributes(attemptMetricAttrs(a, ep)...)
		in.m.requests.Add(ctx, 1, attrs)
		in.m.reqDuration.Record(ctx, a.Duration.Seconds(), attrs)
	}
	if a.Attempt > 1 && in.m.retries.Enabled(ctx) {
		in.m.retries.Add(ctx, 1, metric.WithAttributes(KeyOperation.String(a.Call.Operation),
			semconv.HTTPRequestMethodKey.String(methodValue(a.Call.Method)), semconv.URLTemplate(a.Call.Route)))
	}
	if a.Status == 429 && in.m.rateLimited.Enabled(ctx) {
		in.m.rateLimited.Add(ctx, 1, metric.WithAttributes(KeyOperation.String(a.Call.Operation)))
	}
	if a.RateLimit.Known && in.m.remaining.Enabled(ctx) {
		in.m.remaining.Record(ctx, int64(a.RateLimit.Remaining), metric.WithAttributes(semconv.ServerAddress(ep.host)))
	}
}

// pushCallEnded feeds the push metrics from a call that ended: a push
// answered with its operation's key starts the clock; the first call that
// sees that operation final stops it, and counts its transactions if it
// is Success; a PushAll's end counts what its chunks did not.
func (in *instr) pushCallEnded(ctx context.Context, info *bankfeeds.CallInfo, err error, now time.Time) {
	key := info.PushOperationKey
	if err == nil && key != "" {
		if info.Operation == "Transactions.Push" {
			in.pushes.sent(key, info.Transactions, info.Start)
		}
		if info.PushStatus.Final() {
			if lines, start, ok := in.pushes.settle(key); ok {
				status := pushStatusValue(info.PushStatus)
				if !start.IsZero() {
					in.m.pushDuration.Record(ctx, now.Sub(start).Seconds(), metric.WithAttributes(KeyPushStatus.String(status)))
				}
				if info.PushStatus == bankfeeds.PushStatusSuccess && lines > 0 {
					in.m.pushed.Add(ctx, int64(lines))
					if sc, _ := ctx.Value(pushAllKey{in}).(*pushAllScope); sc != nil {
						sc.counted.Add(int64(lines))
					}
				}
			}
		}
	}
	if info.Operation != opPushAll {
		return
	}
	sc, _ := ctx.Value(pushAllKey{in}).(*pushAllScope)
	if sc == nil {
		return
	}
	if rest := int64(info.Pushed) - sc.counted.Load(); rest > 0 {
		in.m.pushed.Add(ctx, rest)
	}
}

func spanName(operation string) string {
	if operation == "" {
		return "bankfeeds"
	}
	return operation
}

// attemptName is "{method} {url.template}", as the HTTP conventions name a
// client span, or the method alone without a template.
func attemptName(c *bankfeeds.CallInfo) string {
	m := methodValue(c.Method)
	if m == "_OTHER" {
		m = "HTTP"
	}
	if c.Route == "" {
		return m
	}
	return m + " " + c.Route
}

// headerCarrier writes a propagator's fields into an attempt's headers.
// The attempt's headers cannot be read back, and the SDK's own are not the
// propagator's business, so Get and Keys see nothing.
type headerCarrier struct{ a *bankfeeds.Attempt }

func (c headerCarrier) Get(string) string     { return "" }
func (c headerCarrier) Set(key, value string) { c.a.SetHeader(key, value) }
func (c headerCarrier) Keys() []string        { return nil }
