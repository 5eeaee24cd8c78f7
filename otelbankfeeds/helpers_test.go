package otelbankfeeds_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// telemetry is an SDK pipeline that keeps everything in memory.
type telemetry struct {
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	hooks  bankfeeds.Hooks
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return &telemetry{spans: exp, reader: reader, hooks: otelbankfeeds.Hooks(
		otelbankfeeds.WithTracerProvider(tp), otelbankfeeds.WithMeterProvider(mp),
		otelbankfeeds.WithPropagator(propagation.TraceContext{}))}
}

// metrics collects what the reader holds, by instrument name.
func (tm *telemetry) metrics(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tm.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelbankfeeds.ScopeName {
			t.Errorf("metrics from scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// journey is a company, a linked QBO Bank Feeds connection and one source
// account on a sandbox, made by a client without hooks so that nothing of
// it is recorded.
type journey struct {
	srv                          *bankfeedstest.Server
	company, connection, account string
}

func newJourney(t *testing.T, opts ...bankfeedstest.Option) *journey {
	t.Helper()
	srv := bankfeedstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		t.Fatal(err)
	}
	acct := bankfeeds.SourceAccount{ID: "acc-checking-001", AccountName: "Business checking", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "01120912", Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0)}
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, acct); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	return &journey{srv: srv, company: co.ID, connection: conn.ID, account: acct.ID}
}

// client is a client with the hooks, quick to retry.
func (j *journey) client(t *testing.T, h bankfeeds.Hooks, opts ...bankfeeds.Option) *bankfeeds.Client {
	t.Helper()
	opts = append([]bankfeeds.Option{bankfeeds.WithBaseURL(j.srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 20*time.Millisecond),
		bankfeeds.WithHooks(h)}, opts...)
	c, err := bankfeeds.NewClient(j.srv.APIKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statement is n transactions over the last five days with a running
// balance, in order.
func statement(n int) []bankfeeds.BankTransaction {
	start := time.Now().UTC().Add(-5 * 24 * time.Hour).Truncate(time.Second)
	step := 4 * 24 * time.Hour / time.Duration(n+1)
	balance := bankfeeds.NewDecimal(0, 0)
	txns := make([]bankfeeds.BankTransaction, n)
	for i := range txns {
		amount := bankfeeds.NewDecimal(int64(i%7*1000-2500), -2)
		balance = balance.Add(amount)
		txns[i] = bankfeeds.BankTransaction{
			ID:              "txn-" + strconv.Itoa(i+1),
			Date:            bankfeeds.NewDateTime(start.Add(time.Duration(i+1) * step)),
			Description:     bankfeeds.Ptr("Card payment " + strconv.Itoa(i+1)),
			Amount:          amount,
			Balance:         balance,
			TransactionType: bankfeeds.TransactionDebit,
		}
	}
	return txns
}

// spanTree indexes exported spans by id and by parent.
type spanTree struct {
	all      tracetest.SpanStubs
	byID     map[trace.SpanID]*tracetest.SpanStub
	children map[trace.SpanID][]*tracetest.SpanStub
	roots    []*tracetest.SpanStub
}

func newSpanTree(spans tracetest.SpanStubs) *spanTree {
	st := &spanTree{all: spans, byID: map[trace.SpanID]*tracetest.SpanStub{}, children: map[trace.SpanID][]*tracetest.SpanStub{}}
	for i := range spans {
		st.byID[spans[i].SpanContext.SpanID()] = &spans[i]
	}
	for i := range spans {
		s := &spans[i]
		if !s.Parent.IsValid() || st.byID[s.Parent.SpanID()] == nil {
			st.roots = append(st.roots, s)
			continue
		}
		st.children[s.Parent.SpanID()] = append(st.children[s.Parent.SpanID()], s)
	}
	for id := range st.children {
		kids := st.children[id]
		sort.SliceStable(kids, func(a, b int) bool { return kids[a].StartTime.Before(kids[b].StartTime) })
	}
	return st
}

func (st *spanTree) kids(s *tracetest.SpanStub) []*tracetest.SpanStub {
	return st.children[s.SpanContext.SpanID()]
}

func (st *spanTree) parent(s *tracetest.SpanStub) *tracetest.SpanStub {
	return st.byID[s.Parent.SpanID()]
}

func attr(s *tracetest.SpanStub, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func attrString(s *tracetest.SpanStub, key string) string {
	v, ok := attr(s, key)
	if !ok {
		return ""
	}
	return v.String()
}

func attrInt(s *tracetest.SpanStub, key string) int {
	v, ok := attr(s, key)
	if !ok {
		return 0
	}
	return int(v.AsInt64())
}

// strings returns every string the spans would export: names, attribute
// keys and values, status descriptions, events and links.
func (st *spanTree) strings() []string {
	var out []string
	for i := range st.all {
		s := &st.all[i]
		out = append(out, s.Name, s.Status.Description)
		for _, kv := range s.Attributes {
			out = append(out, string(kv.Key), kv.Value.String())
		}
		for _, e := range s.Events {
			out = append(out, e.Name)
			for _, kv := range e.Attributes {
				out = append(out, string(kv.Key), kv.Value.String())
			}
		}
	}
	return out
}

// sumInt is the sum of an Int64 sum's points whose attributes hold every
// pair of match ("key=value").
func sumInt(t *testing.T, m metricdata.Metrics, match ...string) int64 {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is %T, not an int64 sum", m.Name, m.Data)
	}
	var n int64
	for _, dp := range sum.DataPoints {
		if matches(dp.Attributes, match) {
			n += dp.Value
		}
	}
	return n
}

// histCount is the number of values a histogram recorded in the points
// whose attributes hold every pair of match, and their sum.
func histCount(t *testing.T, m metricdata.Metrics, match ...string) (uint64, float64) {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is %T, not a float64 histogram", m.Name, m.Data)
	}
	var n uint64
	var total float64
	for _, dp := range h.DataPoints {
		if matches(dp.Attributes, match) {
			n += dp.Count
			total += dp.Sum
		}
	}
	return n, total
}

func matches(set attribute.Set, match []string) bool {
	for _, m := range match {
		k, v, _ := strings.Cut(m, "=")
		got, ok := set.Value(attribute.Key(k))
		if v == "" {
			if ok {
				return false // "key=" asks for the key to be absent
			}
			continue
		}
		if !ok || got.String() != v {
			return false
		}
	}
	return true
}

// metricStrings returns every attribute key and value of every point.
func metricStrings(ms map[string]metricdata.Metrics) []string {
	var out []string
	add := func(set attribute.Set) {
		for _, kv := range set.ToSlice() {
			out = append(out, string(kv.Key), kv.Value.String())
		}
	}
	for _, m := range ms {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, dp := range d.DataPoints {
				add(dp.Attributes)
			}
		case metricdata.Gauge[int64]:
			for _, dp := range d.DataPoints {
				add(dp.Attributes)
			}
		case metricdata.Histogram[float64]:
			for _, dp := range d.DataPoints {
				add(dp.Attributes)
			}
		default:
			out = append(out, fmt.Sprintf("unexpected data %T in %s", d, m.Name))
		}
	}
	return out
}

// gaugeInt is the value of an Int64 gauge's one point whose attributes hold
// every pair of match.
func gaugeInt(t *testing.T, m metricdata.Metrics, match ...string) int64 {
	t.Helper()
	g, ok := m.Data.(metricdata.Gauge[int64])
	if !ok {
		t.Fatalf("%s is %T, not an int64 gauge", m.Name, m.Data)
	}
	var found []int64
	for _, dp := range g.DataPoints {
		if matches(dp.Attributes, match) {
			found = append(found, dp.Value)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d points match %v", m.Name, len(found), match)
	}
	return found[0]
}
