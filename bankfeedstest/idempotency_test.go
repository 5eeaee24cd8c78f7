package bankfeedstest_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

func countCompanies(t *testing.T, c *bankfeeds.Client) int {
	t.Helper()
	p := must[*bankfeeds.Page[bankfeeds.Company]](t)(c.Companies.List(t.Context(), nil))
	return p.TotalResults
}

func TestIdempotencyReplaysFirstAnswer(t *testing.T) {
	srv, c := sandbox(t)
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	path := "/companies/" + co.ID + "/connections/" + conn.ID + "/push/bankAccounts/a1/bankTransactions"
	body := map[string]any{"accountId": "a1", "transactions": []any{line("t1", wall(time.Now().Add(-time.Hour)), true)}}
	const key = "6f1c2b1e-0d55-4c1a-9c0e-1a2b3c4d5e6f"

	r1, b1 := raw(t, srv, http.MethodPost, path, body, "Idempotency-Key", key)
	r2, b2 := raw(t, srv, http.MethodPost, path, body, "Idempotency-Key", key)
	if r1.StatusCode != 200 || r2.StatusCode != 200 || !bytes.Equal(b1, b2) {
		t.Fatalf("replay differs: %d %s\n%d %s", r1.StatusCode, b1, r2.StatusCode, b2)
	}
	if r2.Header.Get("Idempotent-Replayed") != "true" || r1.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the replay should be marked, the first answer not")
	}
	if n := len(srv.PushOperations(co.ID)); n != 1 {
		t.Fatalf("%d push operations for one key, want 1", n)
	}
	if n := len(srv.Transactions(co.ID, conn.ID, "a1")); n != 1 {
		t.Fatalf("%d transactions landed, want 1", n)
	}

	// The same key for another body, method or path is refused.
	other := map[string]any{"accountId": "a1", "transactions": []any{line("t2", wall(time.Now().Add(-time.Hour)), true)}}
	resp, b := raw(t, srv, http.MethodPost, path, other, "Idempotency-Key", key)
	wantError(t, resp, b, http.StatusUnprocessableEntity)
	resp, b = raw(t, srv, http.MethodPost, "/companies", map[string]any{"name": "x"}, "Idempotency-Key", key)
	wantError(t, resp, b, http.StatusUnprocessableEntity)

	// Without a key, every request is processed.
	raw(t, srv, http.MethodPost, path, body)
	raw(t, srv, http.MethodPost, path, body)
	if n := len(srv.PushOperations(co.ID)); n != 3 {
		t.Fatalf("%d push operations, want 3", n)
	}
}

func TestIdempotencyCachesErrorsAndReplaysThem(t *testing.T) {
	srv, c := sandbox(t)
	const key = "err-key"
	r1, b1 := raw(t, srv, http.MethodPost, "/companies", `{"name":""}`, "Idempotency-Key", key)
	wantError(t, r1, b1, 400)
	r2, b2 := raw(t, srv, http.MethodPost, "/companies", `{"name":""}`, "Idempotency-Key", key)
	if r2.StatusCode != 400 || !bytes.Equal(b1, b2) {
		t.Fatalf("a 400 should be replayed byte for byte (same correlationId): %s vs %s", b1, b2)
	}
	if countCompanies(t, c) != 0 {
		t.Fatal("no company should exist")
	}
}

func TestIdempotencyExpiresAfter90Minutes(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	srv, c := sandbox(t, bankfeedstest.WithClock(clock.Now))
	body := map[string]any{"name": "Once"}
	raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "k1")
	clock.Add(89 * time.Minute)
	if r, _ := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "k1"); r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("the answer should still be cached after 89 minutes")
	}
	if n := countCompanies(t, c); n != 1 {
		t.Fatalf("%d companies, want 1", n)
	}
	clock.Add(2 * time.Minute)
	if r, _ := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "k1"); r.StatusCode != 200 || r.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("after 90 minutes the key is new again")
	}
	if n := countCompanies(t, c); n != 2 {
		t.Fatalf("%d companies, want 2", n)
	}
}

func TestIdempotencyInFlightIs409(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{Stall: 1, StallFor: 400 * time.Millisecond, Paths: "/companies"})
	body := `{"name":"Slow"}`
	var wg sync.WaitGroup
	firstStatus := make(chan int, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/companies", strings.NewReader(body))
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(srv.APIKey)))
		req.Header.Set("Idempotency-Key", "slow")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			firstStatus <- 0
			return
		}
		resp.Body.Close()
		firstStatus <- resp.StatusCode
	}()
	// Once the first request stalls it holds the key: the same key gets 409.
	for deadline := time.Now().Add(2 * time.Second); srv.FaultCounts().Stall == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the first request never stalled")
		}
		time.Sleep(time.Millisecond)
	}
	srv.SetFaults(bankfeedstest.Faults{})
	resp, b := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "slow")
	wantError(t, resp, b, http.StatusConflict)
	wg.Wait()
	if st := <-firstStatus; st != 200 {
		t.Fatalf("stalled request: %d", st)
	}
	if r, _ := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "slow"); r.StatusCode != 200 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("after the first finished, the key replays: %d", r.StatusCode)
	}
	if n := countCompanies(t, c); n != 1 {
		t.Fatalf("%d companies, want 1", n)
	}
	if fc := srv.FaultCounts(); fc.Stall != 1 {
		t.Fatalf("stalls %d", fc.Stall)
	}
}

func TestIdempotency429ReleasesKey(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{RateLimit: 1, RetryAfter: 1500 * time.Millisecond})
	body := map[string]any{"name": "Limited"}
	resp, b := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "rl")
	wantError(t, resp, b, http.StatusTooManyRequests)
	if ra := resp.Header.Get("Retry-After"); ra != "2" {
		t.Fatalf("Retry-After %q, want 2 (seconds, rounded up)", ra)
	}
	srv.SetFaults(bankfeedstest.Faults{})
	resp, _ = raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "rl")
	if resp.StatusCode != 200 || resp.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("after a 429 the same key is processed: %d", resp.StatusCode)
	}
	if n := countCompanies(t, c); n != 1 {
		t.Fatalf("%d companies, want 1", n)
	}
}

func TestIdempotencyServerErrorBeforeIsCached(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{ServerErrorBefore: 1})
	body := map[string]any{"name": "Never"}
	r1, b1 := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "5xx")
	wantError(t, r1, b1, 500)
	srv.SetFaults(bankfeedstest.Faults{})
	r2, b2 := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "5xx")
	if r2.StatusCode != 500 || !bytes.Equal(b1, b2) {
		t.Fatalf("the 500 is cached under the key: %d %s", r2.StatusCode, b2)
	}
	if n := countCompanies(t, c); n != 0 {
		t.Fatalf("nothing should have happened: %d companies", n)
	}
	// A new key gets through.
	if r, _ := raw(t, srv, http.MethodPost, "/companies", body, "Idempotency-Key", "5xx-2"); r.StatusCode != 200 {
		t.Fatalf("new key: %d", r.StatusCode)
	}
}

func TestIdempotencyOnlyOnPostAndPatch(t *testing.T) {
	srv, c := sandbox(t)
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Put"}))
	// PUT ignores the key: a second PUT with another body is processed.
	r1, _ := raw(t, srv, http.MethodPut, "/companies/"+co.ID, map[string]any{"name": "One"}, "Idempotency-Key", "put")
	r2, b2 := raw(t, srv, http.MethodPut, "/companies/"+co.ID, map[string]any{"name": "Two"}, "Idempotency-Key", "put")
	if r1.StatusCode != 200 || r2.StatusCode != 200 || decode[bankfeeds.Company](t, b2).Name != "Two" {
		t.Fatalf("PUT with a key: %d %d %s", r1.StatusCode, r2.StatusCode, b2)
	}
	// PATCH honours it.
	p1, _ := raw(t, srv, http.MethodPatch, "/companies/"+co.ID, map[string]any{"name": "Three"}, "Idempotency-Key", "patch")
	p2, b := raw(t, srv, http.MethodPatch, "/companies/"+co.ID, map[string]any{"name": "Four"}, "Idempotency-Key", "patch")
	if p1.StatusCode != 200 {
		t.Fatalf("patch: %d", p1.StatusCode)
	}
	wantError(t, p2, b, http.StatusUnprocessableEntity)
}

func TestSDKWritesAreExactlyOnceUnderLostAnswers(t *testing.T) {
	srv, c := sandbox(t)
	co, conn := linked(t, srv, c, bankfeeds.PlatformQuickBooksOnlineBankFeeds, v2Account("a1", "USD"))
	srv.SetFaults(bankfeedstest.Faults{Seed: 7, LostAfterCommit: 0.5, Paths: "/bankTransactions"})
	for i := 0; i < 6; i++ {
		at := time.Now().Add(-time.Duration(10-i) * time.Hour)
		if _, err := c.Transactions.Push(t.Context(), co.ID, conn.ID, "a1", []bankfeeds.BankTransaction{txn("t"+string(rune('a'+i)), at, "1", "1")}, nil); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	if n := len(srv.PushOperations(co.ID)); n != 6 {
		t.Fatalf("%d push operations for 6 pushes, want 6 (lost answers must be replayed, not redone)", n)
	}
	if fc := srv.FaultCounts(); fc.LostAfterCommit == 0 {
		t.Fatal("seed 7 should lose some answers")
	}
	if n := len(srv.Transactions(co.ID, conn.ID, "a1")); n != 6 {
		t.Fatalf("landed %d, want 6", n)
	}
}
