package bankfeedstest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// post sends a company create with a plain client (no retries) and reports
// the status, or 0 when no answer arrived.
func post(t *testing.T, srv *bankfeedstest.Server, hc *http.Client, key, name string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/companies", strings.NewReader(`{"name":"`+name+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(srv.APIKey)))
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestFaultServerErrorAfterCommits(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{ServerErrorAfter: 1})
	if st := post(t, srv, http.DefaultClient, "after", "Committed"); st != 500 {
		t.Fatalf("status %d, want 500", st)
	}
	srv.SetFaults(bankfeedstest.Faults{})
	if st := post(t, srv, http.DefaultClient, "after", "Committed"); st != 500 {
		t.Fatalf("the 500 is cached under the key: %d", st)
	}
	if n := countCompanies(t, c); n != 1 {
		t.Fatalf("the change should be committed once: %d companies", n)
	}
	if fc := srv.FaultCounts(); fc.ServerErrorAfter != 1 || fc.Total() != 1 {
		t.Fatalf("counts %+v", fc)
	}
}

func TestFaultLostAfterCommit(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{LostAfterCommit: 1})
	if st := post(t, srv, http.DefaultClient, "lost", "Lost"); st != 0 {
		t.Fatalf("the answer should be lost, got %d", st)
	}
	srv.SetFaults(bankfeedstest.Faults{})
	if n := countCompanies(t, c); n != 1 {
		t.Fatalf("the change should be committed: %d companies", n)
	}
	resp, body := raw(t, srv, http.MethodPost, "/companies", `{"name":"Lost"}`, "Idempotency-Key", "lost")
	if resp.StatusCode != 200 || resp.Header.Get("Idempotent-Replayed") != "true" || decode[bankfeeds.Company](t, body).Name != "Lost" {
		t.Fatalf("resending the key replays the lost answer: %d %s", resp.StatusCode, body)
	}
	if n := countCompanies(t, c); n != 1 {
		t.Fatalf("%d companies after the replay, want 1", n)
	}
	if srv.FaultCounts().LostAfterCommit != 1 {
		t.Fatalf("counts %+v", srv.FaultCounts())
	}
}

func TestFaultServerErrorBeforeChangesNothing(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{ServerErrorBefore: 1})
	for i := 0; i < 3; i++ {
		if st := post(t, srv, http.DefaultClient, "", "Nothing"); st != 500 {
			t.Fatalf("status %d", st)
		}
	}
	srv.SetFaults(bankfeedstest.Faults{})
	if n := countCompanies(t, c); n != 0 {
		t.Fatalf("%d companies", n)
	}
	if srv.FaultCounts().ServerErrorBefore != 3 {
		t.Fatalf("counts %+v", srv.FaultCounts())
	}
}

func TestFaultRateLimitThroughSDK(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{Seed: 3, RateLimit: 0.5})
	for i := 0; i < 10; i++ {
		if _, err := c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Retried"}); err != nil {
			t.Fatalf("the SDK should retry a 429 with the same key: %v", err)
		}
	}
	srv.SetFaults(bankfeedstest.Faults{})
	if n := countCompanies(t, c); n != 10 {
		t.Fatalf("%d companies, want 10", n)
	}
	if srv.FaultCounts().RateLimit == 0 {
		t.Fatal("seed 3 at 50% should rate-limit some requests")
	}
}

func TestFaultStallPastClientTimeout(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{Stall: 1, StallFor: 10 * time.Second})
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	if st := post(t, srv, hc, "stall", "Stalled"); st != 0 {
		t.Fatalf("the client should time out, got %d", st)
	}
	srv.SetFaults(bankfeedstest.Faults{})
	// The server noticed the client leave, stopped waiting and processed the
	// request anyway: the company exists, and the key replays it.
	deadline := time.Now().Add(2 * time.Second)
	for countCompanies(t, c) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the stalled request was never processed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the stall did not honour the request's context")
	}
	resp, _ := raw(t, srv, http.MethodPost, "/companies", `{"name":"Stalled"}`, "Idempotency-Key", "stall")
	if resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("the stalled request's answer should be cached under its key")
	}
}

func TestFaultStallEndsOnClose(t *testing.T) {
	srv := bankfeedstest.NewServer()
	srv.SetFaults(bankfeedstest.Faults{Stall: 1, StallFor: time.Minute})
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/companies", nil)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(srv.APIKey)))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	for srv.FaultCounts().Stall == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	srv.Close()
	<-done
	if time.Since(start) > 5*time.Second {
		t.Fatal("Close waited for the stall")
	}
}

func TestFaultLatencyAndPaths(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{Latency: 60 * time.Millisecond, ServerErrorBefore: 1, Paths: "/connections"})
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Unfaulted"}))
	if fc := srv.FaultCounts(); fc.Latency != 0 || fc.Total() != 0 {
		t.Fatalf("a path outside Paths was faulted: %+v", fc)
	}
	start := time.Now()
	_, err := c.Connections.List(t.Context(), co.ID, nil)
	if !errors.Is(err, bankfeeds.ErrServer) {
		t.Fatalf("list connections: %v, want 500", err)
	}
	if time.Since(start) < 60*time.Millisecond {
		t.Fatal("latency not applied")
	}
	fc := srv.FaultCounts()
	if fc.Latency == 0 || fc.ServerErrorBefore == 0 || fc.ServerErrorBefore != fc.Latency {
		t.Fatalf("counts %+v: each faulted request was also delayed", fc)
	}
}

// statuses sends n GETs and returns their statuses.
func statuses(t *testing.T, srv *bankfeedstest.Server, n int) []int {
	out := make([]int, n)
	for i := range out {
		resp, _ := raw(t, srv, http.MethodGet, "/companies", nil)
		out[i] = resp.StatusCode
	}
	return out
}

func TestFaultsAreSeeded(t *testing.T) {
	f := bankfeedstest.Faults{Seed: 42, ServerErrorBefore: 0.3, RateLimit: 0.3}
	a := bankfeedstest.NewServer()
	defer a.Close()
	b := bankfeedstest.NewServer()
	defer b.Close()
	a.SetFaults(f)
	b.SetFaults(f)
	sa, sb := statuses(t, a, 60), statuses(t, b, 60)
	if !equalInts(sa, sb) {
		t.Fatalf("the same seed gave different faults:\n%v\n%v", sa, sb)
	}
	if a.FaultCounts() != b.FaultCounts() || a.FaultCounts().Total() == 0 || a.FaultCounts().Total() == 60 {
		t.Fatalf("counts %+v %+v", a.FaultCounts(), b.FaultCounts())
	}
	// SetFaults reseeds: the sequence starts again.
	a.SetFaults(f)
	if again := statuses(t, a, 60); !equalInts(sa, again) {
		t.Fatal("reseeding did not restart the sequence")
	}
	f.Seed = 43
	b.SetFaults(f)
	if other := statuses(t, b, 60); equalInts(sa, other) {
		t.Fatal("another seed gave the same 60 faults")
	}
	// The counts match what the client saw.
	n500, n429 := 0, 0
	for _, s := range sa {
		switch s {
		case 500:
			n500++
		case 429:
			n429++
		}
	}
	fc := a.FaultCounts()
	if fc.ServerErrorBefore != 2*n500 || fc.RateLimit != 2*n429 {
		t.Fatalf("counts %+v, client saw %d x 500 and %d x 429 (twice)", fc, n500, n429)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPushAllExactlyOnceUnderFaults runs the SDK's PushAll against every
// fault at once: each chunk lands exactly once, in order.
func TestPushAllExactlyOnceUnderFaults(t *testing.T) {
	srv, c := sandbox(t)
	co, conn := linked(t, srv, c, bankfeeds.PlatformQuickBooksOnlineBankFeeds, v2Account("a1", "USD"))
	srv.SetFaults(bankfeedstest.Faults{
		Seed: 11, ServerErrorBefore: 0.1, RateLimit: 0.1, LostAfterCommit: 0.1, ServerErrorAfter: 0.1,
		Paths: "/bankTransactions",
	})
	txns := recent("f", 2500, time.Now().Add(-time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	res, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "a1", txns, &bankfeeds.PushAllOptions{Wait: fastWait(), BatchSize: 500})
	if err != nil {
		t.Fatalf("PushAll: %v (faults %+v)", err, srv.FaultCounts())
	}
	landed := srv.Transactions(co.ID, conn.ID, "a1")
	if res.Pushed != 2500 || len(landed) != 2500 {
		t.Fatalf("pushed %d, landed %d", res.Pushed, len(landed))
	}
	for i := range landed {
		if landed[i].ID != txns[i].ID {
			t.Fatalf("landed[%d] = %s, want %s", i, landed[i].ID, txns[i].ID)
		}
	}
	succeeded := 0
	for _, op := range srv.PushOperations(co.ID) {
		if op.Status == bankfeeds.PushStatusSuccess {
			succeeded++
		}
	}
	if succeeded != 5 {
		t.Fatalf("%d successful push operations, want exactly one per chunk (5)", succeeded)
	}
	if srv.FaultCounts().Total() == 0 {
		t.Fatal("no fault was injected")
	}
}

func TestFaultsNeverTouchLinkPages(t *testing.T) {
	srv, c := sandbox(t)
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Pages"}))
	srv.SetFaults(bankfeedstest.Faults{ServerErrorBefore: 1})
	st, html := page(t, http.MethodGet, co.Redirect, nil)
	if st != 200 || !bytes.Contains([]byte(html), []byte("no connections yet")) {
		t.Fatalf("company page under faults: %d", st)
	}
	if srv.FaultCounts().ServerErrorBefore != 0 {
		t.Fatal("a link page was faulted")
	}
}
