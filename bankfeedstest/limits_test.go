package bankfeedstest_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// frozen is a sandbox clock that moves only when Advance moves it.
func frozen(at time.Time) bankfeedstest.Option {
	return bankfeedstest.WithClock(func() time.Time { return at })
}

func TestPerMinuteRateLimit(t *testing.T) {
	srv, _ := sandbox(t, bankfeedstest.WithRateLimit(3), frozen(time.Date(2026, 3, 2, 10, 0, 15, 0, time.UTC)))
	for i := 0; i < 3; i++ {
		if resp, _ := raw(t, srv, http.MethodGet, "/companies", nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := raw(t, srv, http.MethodGet, "/companies", nil)
	wantError(t, resp, body, http.StatusTooManyRequests)
	if ra := resp.Header.Get("Retry-After"); ra != "45" {
		t.Fatalf("Retry-After %q, want the 45 s left in the minute", ra)
	}
	if resp.Header.Get("X-Rate-Limit-Limit") == "" || resp.Header.Get("X-Rate-Limit-Reset") != "2026-03-03T00:00:00Z" {
		t.Fatalf("rate-limit headers missing on a 429: %v", resp.Header)
	}
	if _, err := srv.Advance(45 * time.Second); err != nil { // the next minute
		t.Fatal(err)
	}
	if resp, _ := raw(t, srv, http.MethodGet, "/companies", nil); resp.StatusCode != 200 {
		t.Fatalf("next minute: %d", resp.StatusCode)
	}
	srv.SetRateLimit(0)
	for i := 0; i < 5; i++ {
		if resp, _ := raw(t, srv, http.MethodGet, "/companies", nil); resp.StatusCode != 200 {
			t.Fatalf("limit removed, request %d: %d", i, resp.StatusCode)
		}
	}
	c := srv.RequestCounts()
	if c.Served != 10 || c.PerMinute != 1 || c.RateLimited() != 1 || c.DailyQuota != 0 {
		t.Fatalf("counts %+v", c)
	}
	if l := srv.Limits(); l.PerMinute != 0 || l.MinuteUsed != 6 {
		t.Fatalf("limits %+v", l)
	}
}

func TestDailyQuotaResetsAtMidnightOnTheSandboxClock(t *testing.T) {
	srv, _ := sandbox(t, bankfeedstest.WithDailyQuota(2), frozen(time.Date(2026, 3, 2, 22, 0, 0, 0, time.UTC)))
	raw(t, srv, http.MethodGet, "/companies", nil)
	raw(t, srv, http.MethodGet, "/companies", nil)
	resp, _ := raw(t, srv, http.MethodGet, "/companies", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7200" {
		t.Fatalf("over quota: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if _, err := srv.Advance(2 * time.Hour); err != nil { // 00:00 UTC, without waiting
		t.Fatal(err)
	}
	resp, _ = raw(t, srv, http.MethodGet, "/companies", nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Rate-Limit-Remaining") != "1" || resp.Header.Get("X-Rate-Limit-Reset") != "2026-03-04T00:00:00Z" {
		t.Fatalf("after midnight: %d %v", resp.StatusCode, resp.Header)
	}
	srv.SetDailyQuota(0)
	if got := srv.RequestCounts(); got.DailyQuota != 1 || got.Served != 4 {
		t.Fatalf("counts %+v", got)
	}
	if _, err := srv.Advance(-time.Second); err == nil {
		t.Fatal("the clock moved backwards")
	}
}

// TestCompanyConcurrency holds ten requests in flight for one company; the
// eleventh is refused, another company's request is not.
func TestCompanyConcurrency(t *testing.T) {
	srv, c := sandbox(t)
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Busy"}))
	other := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Quiet"}))
	srv.SetFaults(bankfeedstest.Faults{Stall: 1, StallFor: 10 * time.Second, Paths: "/companies/" + co.ID})

	var wg sync.WaitGroup
	for i := 0; i < bankfeedstest.DefaultCompanyConcurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw(t, srv, http.MethodGet, "/companies/"+co.ID, nil)
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Limits().InFlight < bankfeedstest.DefaultCompanyConcurrency {
		if time.Now().After(deadline) {
			t.Fatalf("in flight %d", srv.Limits().InFlight)
		}
		time.Sleep(time.Millisecond)
	}
	resp, body := raw(t, srv, http.MethodGet, "/companies/"+co.ID+"/connections", nil)
	wantError(t, resp, body, http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if resp, _ := raw(t, srv, http.MethodGet, "/companies/"+other.ID, nil); resp.StatusCode != 200 {
		t.Fatalf("another company: %d", resp.StatusCode)
	}
	srv.Close() // ends the stalls
	wg.Wait()
	got := srv.RequestCounts()
	if got.Concurrency != 1 || got.PeakInFlight != 10 {
		t.Fatalf("counts %+v", got)
	}
}

func TestCompanyConcurrencySettable(t *testing.T) {
	srv, c := sandbox(t, bankfeedstest.WithCompanyConcurrency(0))
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Unlimited"}))
	var wg sync.WaitGroup
	codes := make([]int, 40)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := raw(t, srv, http.MethodGet, "/companies/"+co.ID, nil)
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != 200 {
			t.Fatalf("request %d: %d with no limit", i, code)
		}
	}
	srv.SetCompanyConcurrency(3)
	if l := srv.Limits(); l.CompanyConcurrency != 3 || l.InFlight != 0 {
		t.Fatalf("limits %+v", l)
	}
}

// TestPushTimingJitter: with jitter, pushes take different times (the
// seeded draw itself is TestTimingDrawIsSeeded).
func TestPushTimingJitter(t *testing.T) {
	durations := func(seed int64) []time.Duration {
		srv, c := sandbox(t, bankfeedstest.WithPushTiming(bankfeedstest.PushTiming{Delay: 20 * time.Millisecond, Jitter: 60 * time.Millisecond, Seed: seed}))
		co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
		var out []time.Duration
		for i := 0; i < 4; i++ {
			// Timed from before the push is sent: the delay starts when it
			// arrives, so no busy machine can make it look shorter.
			start := time.Now()
			op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(t.Context(), co.ID, conn.ID, "a1",
				[]bankfeeds.BankTransaction{txn("t"+strconv.Itoa(i), time.Now().Add(time.Duration(i-10)*time.Minute), "1", "1")}, nil))
			wait(t, c, co.ID, op.PushOperationKey)
			out = append(out, time.Since(start))
		}
		return out
	}
	a := durations(1)
	for _, d := range a {
		if d < 20*time.Millisecond || d > 2*time.Second {
			t.Fatalf("push took %v, want 20 to 80 ms", d)
		}
	}
	spread := false
	for _, d := range a[1:] {
		if d-a[0] > 10*time.Millisecond || a[0]-d > 10*time.Millisecond {
			spread = true
		}
	}
	if !spread {
		t.Fatalf("jitter gave the same durations %v", a)
	}
}

// Without a daily quota set, the rate-limit headers say Codat's: 1000 × (1
// + companies with a Linked connection), and nothing is refused past it.
func TestRateLimitHeadersSayCodatsQuotaWithoutEnforcingIt(t *testing.T) {
	srv, c := sandbox(t, frozen(rulesNow))
	limit := func(t *testing.T) (int, int) {
		t.Helper()
		resp, _ := raw(t, srv, http.MethodGet, "/companies", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		l, errL := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Limit"))
		r, errR := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Remaining"))
		if errL != nil || errR != nil {
			t.Fatalf("X-Rate-Limit-Limit %q, -Remaining %q", resp.Header.Get("X-Rate-Limit-Limit"), resp.Header.Get("X-Rate-Limit-Remaining"))
		}
		return l, r
	}
	want := func(t *testing.T, quota int) {
		t.Helper()
		used := srv.Limits().DailyUsed
		if l, r := limit(t); l != quota || r != max(0, quota-used-1) {
			t.Fatalf("limit %d remaining %d, want %d and %d", l, r, quota, max(0, quota-used-1))
		}
		if l := srv.Limits(); l.CodatQuota != quota || l.DailyQuota != 0 {
			t.Fatalf("Limits %+v, want CodatQuota %d and no DailyQuota", l, quota)
		}
	}
	want(t, 1000) // no company yet
	co1 := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Pending"}))
	must[*bankfeeds.Connection](t)(c.Connections.Create(t.Context(), co1.ID, bankfeeds.PlatformXero))
	want(t, 1000) // a connection not linked yet
	co2, conn2 := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	want(t, 2000)
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a2", "GBP"))
	want(t, 3000)
	must[*bankfeeds.Connection](t)(c.Connections.Unlink(t.Context(), co2.ID, conn2.ID))
	want(t, 2000)

	// Past the quota nothing is refused: it is enforced only when set.
	for used := srv.Limits().DailyUsed; used <= 2000; used++ {
		if resp, _ := raw(t, srv, http.MethodGet, "/companies?pageSize=1", nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", used+1, resp.StatusCode)
		}
	}
	if l, r := limit(t); l != 2000 || r != 0 {
		t.Fatalf("past the quota: limit %d remaining %d, want 2000 and 0", l, r)
	}
	if n := srv.RequestCounts().DailyQuota; n != 0 {
		t.Fatalf("%d requests refused for a quota nobody set", n)
	}
	// A quota set is the one reported, and enforced.
	srv.SetDailyQuota(50_000)
	if l, _ := limit(t); l != 50_000 {
		t.Fatalf("with a quota set: limit %d", l)
	}
}
