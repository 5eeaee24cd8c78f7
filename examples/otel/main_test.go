package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

type span struct {
	Name        string
	SpanContext struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
	Attributes  []struct {
		Key   string
		Value struct{ Value any }
	}
}

type resourceMetrics struct {
	ScopeMetrics []struct {
		Metrics []struct {
			Name string
			Data struct {
				DataPoints []struct {
					Value float64
					Count uint64
				}
			}
		}
	}
}

// TestRun pushes 2,500 transactions under faults and reads back what the
// stdout exporters wrote: one trace under the application's span, with
// PushAll in it, and the metrics.
func TestRun(t *testing.T) {
	var telemetry, out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, &telemetry, &out, 2500, true); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "pushed 2500 transactions in 25 push operations") {
		t.Errorf("summary: %q", out.String())
	}
	for _, bad := range []string{"sbx_", "Basic ", "Authorization", "?"} {
		if strings.Contains(telemetry.String(), bad) {
			t.Errorf("the telemetry holds %q", bad)
		}
	}
	var spans []span
	var metrics []resourceMetrics
	dec := json.NewDecoder(&telemetry)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(`"ScopeMetrics"`)) {
			var rm resourceMetrics
			if err := json.Unmarshal(raw, &rm); err != nil {
				t.Fatal(err)
			}
			metrics = append(metrics, rm)
			continue
		}
		var s span
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		spans = append(spans, s)
	}
	byID := map[string]span{}
	var app, push span
	for _, s := range spans {
		byID[s.SpanContext.SpanID] = s
		switch s.Name {
		case "import statement":
			app = s
		case "Transactions.PushAll":
			push = s
		}
	}
	if app.Name == "" || push.Name == "" || push.Parent.SpanID != app.SpanContext.SpanID {
		t.Fatalf("no Transactions.PushAll under the application's span among %d spans", len(spans))
	}
	attempts := 0
	for _, s := range spans {
		if s.SpanContext.TraceID != app.SpanContext.TraceID {
			t.Errorf("%s is in another trace", s.Name)
		}
		if s.Name != app.Name && byID[s.Parent.SpanID].Name == "" {
			t.Errorf("%s has no parent among the spans", s.Name)
		}
		if strings.HasPrefix(s.Name, "GET ") || strings.HasPrefix(s.Name, "POST ") {
			attempts++
		}
	}
	if len(metrics) != 1 {
		t.Fatalf("%d metric exports, want 1 (at shutdown)", len(metrics))
	}
	got := map[string]float64{}
	for _, sm := range metrics[0].ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, dp := range m.Data.DataPoints {
				got[m.Name] += dp.Value + float64(dp.Count)
			}
		}
	}
	if got["bankfeeds.push.transactions"] != 2500 {
		t.Errorf("bankfeeds.push.transactions = %v, want 2500", got["bankfeeds.push.transactions"])
	}
	if got["bankfeeds.client.requests"] != float64(attempts) || got["http.client.request.duration"] != float64(attempts) {
		t.Errorf("requests %v and request durations %v, want one per attempt span (%d)", got["bankfeeds.client.requests"], got["http.client.request.duration"], attempts)
	}
}
