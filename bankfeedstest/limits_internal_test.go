package bankfeedstest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTimingDrawIsSeeded(t *testing.T) {
	draws := func(seed int64) []time.Duration {
		var tm timing
		tm.set(PushTiming{Delay: time.Second, Jitter: time.Second, Seed: seed})
		out := make([]time.Duration, 8)
		for i := range out {
			out[i] = tm.draw()
			if out[i] < time.Second || out[i] >= 2*time.Second {
				t.Fatalf("draw %v outside [1s, 2s)", out[i])
			}
		}
		return out
	}
	a, b, c := draws(7), draws(7), draws(8)
	same, differ := true, false
	for i := range a {
		same = same && a[i] == b[i]
		differ = differ || a[i] != c[i]
	}
	if !same || !differ {
		t.Fatalf("seed 7 twice: %v %v; seed 8: %v", a, b, c)
	}
}

func TestCompanyOf(t *testing.T) {
	for path, want := range map[string]string{
		"/companies":                 "",
		"/companies/":                "",
		"/companies/abc":             "abc",
		"/companies/abc/connections": "abc",
		"/link/companies/abc":        "",
	} {
		if got := companyOf(path); got != want {
			t.Errorf("companyOf(%q) = %q, want %q", path, got, want)
		}
	}
}

// BenchmarkLimiter is the limiter's cost per request (admit, enter, leave,
// served) with every limit on, from many goroutines.
func BenchmarkLimiter(b *testing.B) {
	l := limiter{daily: 1 << 30, perMinute: 1 << 30, concurrency: 1 << 20}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	names := make([]string, 64)
	for i := range names {
		names[i] = "company-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		h := http.Header{}
		i := 0
		for pb.Next() {
			co := names[i%len(names)]
			i++
			if l.admit(h, now) != admitted || !l.enter(co) {
				b.Fatal("refused")
			}
			l.leave(co)
			l.served(false)
		}
	})
}

// BenchmarkServeGet is a whole API request (GET one company) through the
// handler, without a network, from many goroutines, limits on.
func BenchmarkServeGet(b *testing.B) {
	s := NewHandler(WithRateLimit(1<<30), WithDailyQuota(1<<30))
	defer s.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/companies", strings.NewReader(`{"name":"Bench"}`))
	req.Header.Set("Authorization", s.authHeader)
	s.Handler().ServeHTTP(rec, req)
	var co struct{ ID string }
	if err := decodeBody(rec.Body.Bytes(), &co); err != nil || co.ID == "" {
		b.Fatalf("create: %v %s", err, rec.Body.Bytes())
	}
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/companies/"+co.ID, nil)
			req.Header.Set("Authorization", s.authHeader)
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
