package feedsqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// benchDeliver appends perFeed lines to every feed of w and waits until
// they landed, b.N times, and reports lines landed per second and requests
// per 1000 lines.
func benchDeliver(b *testing.B, w *world, perFeed int) {
	ctx := context.Background()
	w.start(b)
	base := time.Now().UTC().Add(-time.Duration(b.N*perFeed+60) * time.Minute)
	before := w.srv.RequestCounts().Served
	lines := 0
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i, a := range w.accounts {
			chunk := feedtest.Range(a, n*perFeed, perFeed, base.Add(time.Duration(n*perFeed)*time.Minute), time.Minute)
			if _, err := w.eng.Append(ctx, w.feeds[i], feedtest.Shuffled(chunk, uint64(n))...); err != nil {
				b.Fatal(err)
			}
			lines += perFeed
		}
		w.waitSettled(b, 2*time.Minute)
	}
	b.StopTimer()
	served := w.srv.RequestCounts().Served - before
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(1000*float64(served)/float64(lines), "requests/1000lines")
}

// BenchmarkLinesLanded: lines landed per second with 1, 2 and 4 workers,
// 8 feeds on 4 connections, 250 lines a feed per round.
func BenchmarkLinesLanded(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			cfg := fastConfig()
			cfg.Workers = workers
			w := newWorld(b, cfg, 4, 2, bankfeeds.PlatformXero)
			benchDeliver(b, w, 250)
		})
	}
}

// BenchmarkRequestsPer1000Lines: requests per 1000 lines landed when
// chunks are settled from webhooks, and when they are polled, with push
// operations taking 200 ms and 1 s (Codat's 2 s and 10 s, scaled down
// 10 times so the benchmark runs in seconds).
func BenchmarkRequestsPer1000Lines(b *testing.B) {
	for _, tc := range []struct {
		name     string
		webhooks bool
		opTime   time.Duration
	}{
		{"webhooks/op=200ms", true, 200 * time.Millisecond},
		{"polling/op=200ms", false, 200 * time.Millisecond},
		{"polling/op=1s", false, time.Second},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := fastConfig()
			cfg.Webhooks = tc.webhooks
			cfg.Wait = bankfeeds.WaitOptions{} // the client's defaults: 250 ms growing to 10 s, fitted to learned times
			w := newWorld(b, cfg, 2, 2, bankfeeds.PlatformXero,
				bankfeedstest.WithPushTiming(bankfeedstest.PushTiming{Delay: tc.opTime, Jitter: tc.opTime / 5, Seed: 1}))
			benchDeliver(b, w, 1000)
		})
	}
}
