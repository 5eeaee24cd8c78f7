package otelbankfeeds_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TestPushAndWaitByHand counts a push the caller polls for itself, once,
// even when Codat replays the push's answer for its Idempotency-Key.
func TestPushAndWaitByHand(t *testing.T) {
	j := newJourney(t, bankfeedstest.WithPushDelay(0))
	tm := newTelemetry(t)
	c := j.client(t, tm.hooks)
	ctx := bankfeeds.WithIdempotencyKey(context.Background(), "7b0cf1f5-6a3e-4d3b-9a43-1f0f2d9d6c11")
	txns := statement(40)
	op, err := c.Transactions.Push(ctx, j.company, j.connection, j.account, txns, nil)
	if err != nil {
		t.Fatal(err)
	}
	replay, err := c.Transactions.Push(ctx, j.company, j.connection, j.account, txns, nil)
	if err != nil {
		t.Fatal(err)
	}
	if replay.PushOperationKey != op.PushOperationKey {
		t.Fatalf("the replay names %s, the push %s", replay.PushOperationKey, op.PushOperationKey)
	}
	for range 2 { // the second wait sees it Success again
		done, err := c.Transactions.WaitForOperation(context.Background(), j.company, op.PushOperationKey, &bankfeeds.WaitOptions{Interval: time.Millisecond})
		if err != nil || done.Status != bankfeeds.PushStatusSuccess {
			t.Fatalf("wait: %v, %v", done, err)
		}
	}
	ms := tm.metrics(t)
	if got := sumInt(t, ms[otelbankfeeds.MetricPushTransactions]); got != int64(len(txns)) {
		t.Errorf("transactions pushed %d, want %d", got, len(txns))
	}
	if n, _ := histCount(t, ms[otelbankfeeds.MetricPushDuration], "codat.push_status=Success"); n != 1 {
		t.Errorf("%d pushes timed, want 1", n)
	}
	tree := newSpanTree(tm.spans.GetSpans())
	var keys, waits int
	for i := range tree.all {
		s := &tree.all[i]
		if s.SpanKind == trace.SpanKindInternal && attrString(s, "codat.push_operation_key") == op.PushOperationKey {
			keys++
		}
		if s.Name == "Transactions.WaitForOperation" {
			waits++
			if attrString(s, "codat.push_status") != "Success" {
				t.Errorf("wait span: push status %q", attrString(s, "codat.push_status"))
			}
		}
	}
	// Two pushes, two waits and the polls inside them name the operation.
	if waits != 2 || keys < 4 {
		t.Errorf("%d wait spans, %d call spans name the operation", waits, keys)
	}
}

// TestFailedCall records a 404 as an error on the call and on its attempt,
// with Codat's correlation id, and counts it by status.
func TestFailedCall(t *testing.T) {
	j := newJourney(t)
	tm := newTelemetry(t)
	c := j.client(t, tm.hooks)
	_, err := c.Companies.Get(context.Background(), "no-such-company")
	var apiErr *bankfeeds.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("err = %v, want a 404", err)
	}
	tree := newSpanTree(tm.spans.GetSpans())
	if len(tree.roots) != 1 {
		t.Fatalf("%d roots", len(tree.roots))
	}
	call := tree.roots[0]
	kids := tree.kids(call)
	if call.Name != "Companies.Get" || len(kids) != 1 {
		t.Fatalf("%s with %d attempts, want Companies.Get with 1", call.Name, len(kids))
	}
	if call.Status.Code != codes.Error || attrString(call, "error.type") != "404" || attrString(call, "codat.company_id") != "no-such-company" {
		t.Errorf("call: status %v, attributes %v", call.Status, call.Attributes)
	}
	if got := attrString(call, "codat.correlation_id"); got == "" || got != apiErr.CorrelationID {
		t.Errorf("correlation id %q, the error says %q", got, apiErr.CorrelationID)
	}
	a := kids[0]
	if a.Name != "GET /companies/{companyId}" || a.Status.Code != codes.Error || attrInt(a, "http.response.status_code") != 404 ||
		attrString(a, "error.type") != "404" || attrString(a, "url.full") != j.srv.URL+"/companies/no-such-company" {
		t.Errorf("attempt %s: status %v, attributes %v", a.Name, a.Status, a.Attributes)
	}
	if _, ok := attr(a, "http.request.resend_count"); ok {
		t.Error("a first attempt carries http.request.resend_count")
	}
	ms := tm.metrics(t)
	if got := sumInt(t, ms[otelbankfeeds.MetricRequests], "codat.operation=Companies.Get", "http.response.status_code=404",
		"error.type=404", "url.template=/companies/{companyId}", "http.request.method=GET"); got != 1 {
		t.Errorf("404 requests counted %d, want 1", got)
	}
	if n, _ := histCount(t, ms[otelbankfeeds.MetricCallDuration], "codat.operation=Companies.Get", "error.type=404"); n != 1 {
		t.Errorf("call duration of the 404: %d values", n)
	}
	noIDsInMetrics(t, j, &bankfeeds.PushResult{}, metricStrings(ms))
	for _, s := range metricStrings(ms) {
		if s == "no-such-company" || s == j.srv.URL+"/companies/no-such-company" {
			t.Errorf("metric attribute %q holds an id", s)
		}
	}
}

// TestHookSetsKeepApart runs two sets of hooks on one client, and a hook
// that refuses attempts: each set sees every call whole, and a refused
// attempt ends only the span of the set that started it.
func TestHookSetsKeepApart(t *testing.T) {
	j := newJourney(t)
	first, second := newTelemetry(t), newTelemetry(t)
	refuse := errors.New("budget spent")
	budget := bankfeeds.Hooks{AttemptStart: func(ctx context.Context, a *bankfeeds.Attempt) (context.Context, error) {
		if a.Call.Operation == "Companies.Delete" {
			return ctx, refuse
		}
		return ctx, nil
	}}
	// first runs before the budget, second after it.
	c := j.client(t, first.hooks, bankfeeds.WithHooks(budget), bankfeeds.WithHooks(second.hooks))
	ctx := context.Background()
	if _, err := c.Companies.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Companies.Delete(ctx, j.company); !errors.Is(err, refuse) {
		t.Fatalf("delete: %v, want the budget's refusal", err)
	}
	for _, tc := range []struct {
		name     string
		tm       *telemetry
		attempts int // of Companies.Delete
		requests int64
	}{
		{"before the budget", first, 1, 1}, // the refused attempt has a span but was never sent: no request
		{"after the budget", second, 0, 1},
	} {
		tree := newSpanTree(tc.tm.spans.GetSpans())
		if len(tree.roots) != 2 || len(tree.all) != 3+tc.attempts {
			t.Errorf("%s: %d roots, %d spans", tc.name, len(tree.roots), len(tree.all))
			continue
		}
		del := tree.roots[1]
		if del.Name != "Companies.Delete" || del.Status.Code != codes.Error || len(tree.kids(del)) != tc.attempts {
			t.Errorf("%s: %s, status %v, %d attempts", tc.name, del.Name, del.Status, len(tree.kids(del)))
		}
		if list := tree.roots[0]; list.Name != "Companies.List" || len(tree.kids(list)) != 1 || list.Status.Code == codes.Error {
			t.Errorf("%s: %s with %d attempts", tc.name, list.Name, len(tree.kids(list)))
		}
		if got := sumInt(t, tc.tm.metrics(t)[otelbankfeeds.MetricRequests]); got != tc.requests {
			t.Errorf("%s: %d requests counted, want %d", tc.name, got, tc.requests)
		}
	}
}

// TestGlobalDefaults runs the hooks on the API's global providers, which
// record nothing until an SDK is installed: calls, a nested PushAll and a
// refused attempt go through untouched.
func TestGlobalDefaults(t *testing.T) {
	j := newJourney(t, bankfeedstest.WithPushDelay(0))
	other := newTelemetry(t) // a second set, so that spans of two kinds meet in one context
	c := j.client(t, otelbankfeeds.Hooks(), bankfeeds.WithHooks(other.hooks))
	ctx := context.Background()
	res, err := c.Transactions.PushAll(ctx, j.company, j.connection, j.account, statement(1200), nil)
	if err != nil || res.Pushed != 1200 {
		t.Fatalf("PushAll: %v, %v", res, err)
	}
	if _, err := c.Companies.Get(ctx, "missing"); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	tree := newSpanTree(other.spans.GetSpans())
	if len(tree.roots) != 2 || tree.roots[0].Name != "Transactions.PushAll" {
		t.Errorf("the SDK set saw %d roots", len(tree.roots))
	}
	if got := sumInt(t, other.metrics(t)[otelbankfeeds.MetricPushTransactions]); got != 1200 {
		t.Errorf("the SDK set counted %d transactions", got)
	}
}
