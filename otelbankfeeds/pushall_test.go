package otelbankfeeds_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// pushed transactions go in chunks of batch: 50 chunks give the faults
// enough requests to strike (at least 101: a push and a poll a chunk).
const (
	pushed = 2500
	batch  = 50
	chunks = pushed / batch
)

// TestPushAllUnderFaults pushes 2,500 transactions (50 chunks) while the
// sandbox injects faults, and holds the spans and metrics against what the
// sandbox counted.
func TestPushAllUnderFaults(t *testing.T) {
	cases := []struct {
		name   string
		faults bankfeedstest.Faults
		// adopted reports whether chunks may be adopted by reconciling (a
		// 5xx after commit), so that they are not timed.
		adopted bool
	}{
		{name: "5xx before processing and 429", faults: bankfeedstest.Faults{Seed: 1, ServerErrorBefore: 0.1, RateLimit: 0.1, RetryAfter: 0}},
		{name: "answers lost and 5xx after commit", adopted: true,
			faults: bankfeedstest.Faults{Seed: 3, LostAfterCommit: 0.1, ServerErrorAfter: 0.15, RateLimit: 0.05, RetryAfter: 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := newJourney(t, bankfeedstest.WithDailyQuota(100_000), bankfeedstest.WithPushDelay(5*time.Millisecond))
			tm := newTelemetry(t)
			c := j.client(t, tm.hooks)
			served0 := j.srv.RequestCounts().Served
			j.srv.SetFaults(tc.faults)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			start := time.Now()
			res, err := c.Transactions.PushAll(ctx, j.company, j.connection, j.account, statement(pushed),
				&bankfeeds.PushAllOptions{BatchSize: batch, Wait: &bankfeeds.WaitOptions{Interval: 2 * time.Millisecond, MaxInterval: 4 * time.Millisecond}})
			elapsed := time.Since(start)
			j.srv.SetFaults(bankfeedstest.Faults{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Pushed != pushed || len(res.Operations) != chunks {
				t.Fatalf("pushed %d in %d operations, want %d in %d", res.Pushed, len(res.Operations), pushed, chunks)
			}
			faults := j.srv.FaultCounts()
			served := j.srv.RequestCounts().Served - served0
			if faults.Total() < 3 {
				t.Fatalf("only %d faults injected (%+v): the test would prove little", faults.Total(), faults)
			}
			tree := newSpanTree(tm.spans.GetSpans())
			a := checkTree(t, tree, j)
			t.Logf("%d requests, faults %+v, %d call spans, %d attempt spans, %d retries", served, faults, a.calls, a.attempts, a.retries)

			// Every request the sandbox answered is one attempt span, and the
			// faults are the attempts that failed; a connection the sandbox
			// drops is an attempt without an answer, whether the client's
			// retry or net/http itself (bankfeeds.Attempt.Resent) sends the
			// request again.
			if a.attempts != served {
				t.Errorf("%d attempt spans, the sandbox answered %d requests", a.attempts, served)
			}
			if got, want := a.byStatus[500], faults.ServerErrorBefore+faults.ServerErrorAfter; got != want {
				t.Errorf("%d attempts answered 500, the sandbox injected %d", got, want)
			}
			if got := a.byStatus[429]; got != faults.RateLimit {
				t.Errorf("%d attempts answered 429, the sandbox injected %d", got, faults.RateLimit)
			}
			if got := a.byStatus[0]; got != faults.LostAfterCommit {
				t.Errorf("%d attempts got no answer, the sandbox lost %d", got, faults.LostAfterCommit)
			}
			if a.retries == 0 {
				t.Error("no attempt was a retry")
			}

			// The push operations the spans name are the ones that landed.
			// A chunk is timed when a push was answered with its operation's
			// key and a later call saw that operation Success; a chunk adopted
			// by reconciling is neither.
			timed := 0
			for i, op := range res.Operations {
				k := op.PushOperationKey
				switch {
				case a.answered[k] && a.succeeded[k] > 0:
					timed++
				case !tc.adopted:
					t.Errorf("operation %d (%s): answered to a push %v, seen Success by %d calls", i, k, a.answered[k], a.succeeded[k])
				}
			}
			if n := len(j.srv.PushOperations(j.company)); n != chunks {
				t.Errorf("the sandbox holds %d push operations, want %d", n, chunks)
			}

			ms := tm.metrics(t)
			noSecrets(t, j, append(tree.strings(), metricStrings(ms)...), tree)
			noIDsInMetrics(t, j, res, metricStrings(ms))

			req := ms[otelbankfeeds.MetricRequests]
			if got := sumInt(t, req); got != int64(a.attempts) {
				t.Errorf("requests counter %d, want %d", got, a.attempts)
			}
			if got, want := sumInt(t, req, "http.response.status_code=500"), faults.ServerErrorBefore+faults.ServerErrorAfter; got != int64(want) {
				t.Errorf("requests with status 500: %d, want %d", got, want)
			}
			if got := sumInt(t, req, "http.response.status_code=429", "error.type=429"); got != int64(faults.RateLimit) {
				t.Errorf("requests with status 429: %d, want %d", got, faults.RateLimit)
			}
			if got := sumInt(t, req, "http.response.status_code=", "error.type=transport"); got != int64(a.byStatus[0]) {
				t.Errorf("requests without an answer: %d, want %d", got, a.byStatus[0])
			}
			if got := sumInt(t, req, "codat.operation=Transactions.Push", "http.request.method=POST",
				"url.template=/companies/{companyId}/connections/{connectionId}/push/bankAccounts/{accountId}/bankTransactions",
				"http.response.status_code=200"); got != int64(a.pushAnswered) {
				t.Errorf("pushes answered 200: counter %d, spans %d", got, a.pushAnswered)
			}
			if got := sumInt(t, ms[otelbankfeeds.MetricRetries]); got != int64(a.retries) {
				t.Errorf("retries counter %d, spans %d", got, a.retries)
			}
			if got := sumInt(t, ms[otelbankfeeds.MetricRateLimited]); got != int64(faults.RateLimit) {
				t.Errorf("rate_limited counter %d, want %d", got, faults.RateLimit)
			}
			if got := sumInt(t, ms[otelbankfeeds.MetricPushTransactions]); got != pushed {
				t.Errorf("transactions pushed %d, want %d", got, pushed)
			}
			if n, _ := histCount(t, ms[otelbankfeeds.MetricRequestDuration]); n != uint64(a.attempts) {
				t.Errorf("request duration has %d values, want %d", n, a.attempts)
			}
			if n, sum := histCount(t, ms[otelbankfeeds.MetricCallDuration], "codat.operation=Transactions.PushAll", "error.type="); n != 1 || sum <= 0 || sum > elapsed.Seconds() {
				t.Errorf("PushAll call duration: %d values summing %.3fs, want 1 within %.3fs", n, sum, elapsed.Seconds())
			}
			if tc.adopted && timed == chunks {
				t.Error("no chunk was adopted by reconciling: the counter's top-up at PushAll's end went untested")
			}
			t.Logf("%d of %d chunks timed", timed, chunks)
			n, sum := histCount(t, ms[otelbankfeeds.MetricPushDuration], "codat.push_status=Success")
			if n != uint64(timed) {
				t.Errorf("%d pushes timed to Success, want %d", n, timed)
			}
			if all, _ := histCount(t, ms[otelbankfeeds.MetricPushDuration]); all != n {
				t.Errorf("%d pushes timed to another status", all-n)
			}
			if n > 0 && (sum <= 0 || sum > elapsed.Seconds()) {
				t.Errorf("push durations sum %.3fs, outside (0, %.3fs]", sum, elapsed.Seconds())
			}
			remaining := gaugeInt(t, ms[otelbankfeeds.MetricRateLimitRemaining], "server.address=127.0.0.1")
			if lim := j.srv.Limits(); remaining != int64(lim.DailyQuota-lim.DailyUsed) {
				t.Errorf("remaining quota gauge %d, the sandbox says %d", remaining, lim.DailyQuota-lim.DailyUsed)
			}
		})
	}
}

// shape is what checkTree counted.
type shape struct {
	calls, attempts, retries int
	byStatus                 map[int]int
	succeeded                map[string]int  // push operation key: call spans that saw it Success
	answered                 map[string]bool // push operation keys a Transactions.Push was answered with
	pushAnswered             int             // push attempts answered 200
}

// checkTree holds the span tree of one PushAll to its structure: one root,
// composite calls holding calls, single-request calls holding attempts
// numbered from the first, every retry following a failed attempt.
func checkTree(t *testing.T, tree *spanTree, j *journey) shape {
	t.Helper()
	sh := shape{byStatus: map[int]int{}, succeeded: map[string]int{}, answered: map[string]bool{}}
	if len(tree.roots) != 1 || tree.roots[0].Name != "Transactions.PushAll" {
		names := []string{}
		for _, r := range tree.roots {
			names = append(names, r.Name)
		}
		t.Fatalf("roots %v, want one Transactions.PushAll", names)
	}
	root := tree.roots[0]
	if root.Status.Code == codes.Error || attrInt(root, "codat.transactions") != pushed || attrString(root, "codat.company_id") != j.company {
		t.Errorf("root: status %v, attributes %v", root.Status, root.Attributes)
	}
	base, _ := url.Parse(j.srv.URL)
	port, _ := strconv.Atoi(base.Port())
	// The calls PushAll and WaitForOperation make, and where each may sit.
	parents := map[string]string{
		"Connections.Get":               "Transactions.PushAll",
		"Transactions.Push":             "Transactions.PushAll",
		"Transactions.WaitForOperation": "Transactions.PushAll",
		"Transactions.ListOperations":   "Transactions.PushAll",
		"Transactions.GetOperation":     "Transactions.WaitForOperation",
	}
	composite := map[string]bool{"Transactions.PushAll": true, "Transactions.WaitForOperation": true}
	for i := range tree.all {
		s := &tree.all[i]
		if s.SpanContext.TraceID() != root.SpanContext.TraceID() {
			t.Errorf("%s is in another trace", s.Name)
		}
		switch s.SpanKind {
		case trace.SpanKindInternal:
			sh.calls++
			if s != root && tree.parent(s).Name != parents[s.Name] {
				t.Errorf("%s is under %s, want %s", s.Name, tree.parent(s).Name, parents[s.Name])
			}
			if attrString(s, "codat.operation") != s.Name {
				t.Errorf("%s: codat.operation %q", s.Name, attrString(s, "codat.operation"))
			}
			if attrString(s, "codat.push_status") == "Success" {
				sh.succeeded[attrString(s, "codat.push_operation_key")]++
			}
			checkCall(t, tree, s, composite[s.Name], &sh)
		case trace.SpanKindClient:
			sh.attempts++
			checkAttempt(t, tree, s, j, base.Hostname(), port, &sh)
		default:
			t.Errorf("%s has kind %v", s.Name, s.SpanKind)
		}
	}
	return sh
}

func checkCall(t *testing.T, tree *spanTree, s *tracetest.SpanStub, composite bool, sh *shape) {
	t.Helper()
	kids := tree.kids(s)
	if composite {
		for _, k := range kids {
			if k.SpanKind != trace.SpanKindInternal {
				t.Errorf("composite %s holds attempt %s", s.Name, k.Name)
			}
		}
		return
	}
	if len(kids) == 0 {
		t.Errorf("%s made no attempt", s.Name)
		return
	}
	for n, k := range kids {
		if k.SpanKind != trace.SpanKindClient {
			t.Errorf("%s holds call %s", s.Name, k.Name)
		}
		if got := attrInt(k, "http.request.resend_count"); got != n {
			t.Errorf("%s attempt %d has resend_count %d", s.Name, n+1, got)
		}
		if n < len(kids)-1 {
			st := attrInt(k, "http.response.status_code")
			if st != 0 && st != 429 && st < 500 {
				t.Errorf("%s attempt %d was retried after status %d", s.Name, n+1, st)
			}
			sh.retries++
		}
	}
	last := kids[len(kids)-1]
	failed := s.Status.Code == codes.Error
	if lastFailed := last.Status.Code == codes.Error; failed != lastFailed {
		t.Errorf("%s: call failed %v, last attempt failed %v", s.Name, failed, lastFailed)
	}
	if failed {
		et := attrString(s, "error.type")
		if st := attrInt(last, "http.response.status_code"); st != 0 && et != strconv.Itoa(st) {
			t.Errorf("%s: error.type %q, last status %d", s.Name, et, st)
		}
		if st := attrInt(last, "http.response.status_code"); st >= 400 && attrString(s, "codat.correlation_id") == "" {
			t.Errorf("%s failed with %d and names no correlation id", s.Name, st)
		}
	}
	if s.Name == "Transactions.Push" && !failed {
		k := attrString(s, "codat.push_operation_key")
		if k == "" {
			t.Errorf("a push that succeeded names no push operation")
		}
		sh.answered[k] = true
	}
}

func checkAttempt(t *testing.T, tree *spanTree, s *tracetest.SpanStub, j *journey, host string, port int, sh *shape) {
	t.Helper()
	call := tree.parent(s)
	if call == nil || call.SpanKind != trace.SpanKindInternal {
		t.Fatalf("attempt %s has no call span as parent", s.Name)
	}
	tmpl := attrString(s, "url.template")
	method := attrString(s, "http.request.method")
	if s.Name != method+" "+tmpl || attrString(s, "codat.operation") != call.Name {
		t.Errorf("attempt %q of %s: method %q template %q", s.Name, call.Name, method, tmpl)
	}
	full := attrString(s, "url.full")
	if !strings.HasPrefix(full, j.srv.URL+"/companies/"+j.company) || strings.ContainsAny(full, "?#") {
		t.Errorf("url.full %q", full)
	}
	if attrString(s, "server.address") != host || attrInt(s, "server.port") != port {
		t.Errorf("server %q:%d, want %s:%d", attrString(s, "server.address"), attrInt(s, "server.port"), host, port)
	}
	status := attrInt(s, "http.response.status_code")
	sh.byStatus[status]++
	if tmpl == "/companies/{companyId}/connections/{connectionId}/push/bankAccounts/{accountId}/bankTransactions" && status == 200 {
		sh.pushAnswered++
	}
	wantErr := status >= 400 || status == 0
	if got := s.Status.Code == codes.Error; got != wantErr {
		t.Errorf("%s with status %d: span status %v", s.Name, status, s.Status)
	}
	et := attrString(s, "error.type")
	switch {
	case status >= 400 && et != strconv.Itoa(status):
		t.Errorf("%s with status %d: error.type %q", s.Name, status, et)
	case status == 0 && et != "transport" && et != "timeout":
		t.Errorf("%s without an answer: error.type %q", s.Name, et)
	case status > 0 && status < 400 && et != "":
		t.Errorf("%s with status %d: error.type %q", s.Name, status, et)
	}
	if _, ok := attr(s, "codat.rate_limit.remaining"); status > 0 && !ok {
		t.Errorf("%s status %d: no codat.rate_limit.remaining", s.Name, status)
	}
}

// noSecrets fails if the API key, its Authorization form, or any query
// string or parameter appears in what would be exported.
func noSecrets(t *testing.T, j *journey, all []string, tree *spanTree) {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(j.srv.APIKey))
	bad := []string{j.srv.APIKey, auth, "Basic ", "Authorization", "authorization", "?", "pageSize", "orderBy", "dataConnectionKey", "Idempotency"}
	for _, s := range all {
		for _, b := range bad {
			if strings.Contains(s, b) {
				t.Errorf("exported data holds %q: %q", b, s)
			}
		}
	}
	if len(all) < len(tree.all) {
		t.Error("nothing was scanned")
	}
}

// noIDsInMetrics fails if an id reaches a metric's attributes.
func noIDsInMetrics(t *testing.T, j *journey, res *bankfeeds.PushResult, all []string) {
	t.Helper()
	ids := []string{j.company, j.connection, j.account}
	for _, op := range res.Operations {
		ids = append(ids, op.PushOperationKey)
	}
	for _, s := range all {
		for _, id := range ids {
			if strings.Contains(s, id) {
				t.Errorf("metric attribute %q holds id %s", s, id)
			}
		}
	}
}
