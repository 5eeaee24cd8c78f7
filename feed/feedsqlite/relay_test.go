package feedsqlite_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// Codat sends each webhook to one endpoint: the process that receives an
// event settles the chunk another process waits for, through the
// database, with no request to read the operation.
func TestWebhookSettlesAnotherProcesssChunk(t *testing.T) {
	cfg := fastConfig()
	cfg.Webhooks = true
	cfg.Wait.EventGrace = time.Minute // polling would come only after a minute
	cfg.EventPollInterval = 50 * time.Millisecond
	w := newWorld(t, cfg, 1, 2, bankfeeds.PlatformXero)
	ctx := context.Background()
	// The receiver is a second engine on the same database that delivers
	// nothing: it only takes the webhooks.
	receiver, db, err := feedsqlite.Open(ctx, w.path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	stop, err := feedtest.Webhooks(w.srv, receiver.HandleEvent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	var reads atomic.Int32
	client, err := bankfeeds.NewClient(w.srv.APIKey, bankfeeds.WithBaseURL(w.srv.URL), w.eng.ClientOption(),
		bankfeeds.WithHooks(bankfeeds.Hooks{CallStart: func(ctx context.Context, c *bankfeeds.CallInfo) context.Context {
			if c.Operation == "Transactions.GetOperation" {
				reads.Add(1)
			}
			return ctx
		}}))
	if err != nil {
		t.Fatal(err)
	}
	w.client = client
	want := make([][]bankfeeds.BankTransaction, len(w.accounts))
	for i, a := range w.accounts {
		want[i] = feedtest.Statement(a, 1500, recent(1500), time.Minute)
		if _, err := w.eng.Append(ctx, w.feeds[i], want[i]...); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	w.start(t)
	all := w.waitSettled(t, 30*time.Second)
	took := time.Since(start)
	var chunks int64
	for _, s := range all {
		chunks += s.Chunks
	}
	t.Logf("%d chunks settled in %s by events another engine received; %d operation reads", chunks, took.Round(time.Millisecond), reads.Load())
	if chunks != 4 {
		t.Errorf("%d chunks, want 4", chunks)
	}
	if n := reads.Load(); n != 0 {
		t.Errorf("%d reads of push operations, want none: the events settle every chunk", n)
	}
	for i, a := range w.accounts {
		if err := feedtest.CheckLanded(w.srv, a, want[i]); err != nil {
			t.Error(err)
		}
	}
}
