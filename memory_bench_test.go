package bankfeeds

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// BenchmarkPushAll100kMemory pushes 100,000 transactions against a server
// that answers at once, and reports the heap against the caller's input:
// peak-live/input is the most the heap held live at any collection (what
// PushAll keeps), peak-heap/input the most it held at all, garbage
// included (at GOGC=100 the collector lets garbage grow to the live size).
//
//	go test -run '^$' -bench PushAll100kMemory -benchtime 3x .
func BenchmarkPushAll100kMemory(b *testing.B) {
	const n = 100_000
	var pushes atomic.Int64
	op := `{"pushOperationKey":"8b5c1bd4-0e7f-4a0b-8c5e-1f2a3b4c5d6e","companyId":"c1","dataConnectionKey":"cc1","status":"Success","statusCode":200,"requestedOnUtc":"2026-11-24T08:00:00Z"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost {
			pushes.Add(1)
		}
		_, _ = io.WriteString(w, op)
	}))
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	txns := make([]BankTransaction, n)
	input := int64(n) * int64(unsafe.Sizeof(BankTransaction{}))
	for i := range txns {
		j := (i * 7919) % n // out of order
		desc := "Card payment " + strconv.Itoa(j) + " " + strings.Repeat("x", 20)
		txns[i] = BankTransaction{ID: "tx-" + strconv.Itoa(j), Date: NewDateTime(start.Add(time.Duration(j) * time.Second)),
			Description: &desc, Amount: NewDecimal(100, -2), Balance: NewDecimal(int64(j+1)*100, -2)}
		input += int64(len(txns[i].ID) + len(desc) + 8)
	}
	opts := &PushAllOptions{PushOptions: PushOptions{Rules: &PushRules{RequireBalance: true}}}
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	var peakLive, peakHeap, base uint64
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		metrics.Read(samples)
		base = samples[0].Value.Uint64() - uint64(input) // what lives besides the input
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-done:
					return
				case <-time.After(200 * time.Microsecond):
				}
				metrics.Read(samples)
				peakLive = max(peakLive, samples[0].Value.Uint64()-base)
				peakHeap = max(peakHeap, samples[1].Value.Uint64()-base)
			}
		}()
		res, err := c.Transactions.PushAll(context.Background(), "c1", "cc1", "a1", txns, opts)
		close(done)
		if err != nil || res.Pushed != n {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peakLive)/float64(input), "peak-live/input")
	b.ReportMetric(float64(peakHeap)/float64(input), "peak-heap/input")
	b.ReportMetric(float64(input)/(1<<20), "input-MiB")
}
