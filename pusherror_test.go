package bankfeeds_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// The README's restart path, literally: keep perr as JSON, read it back in
// another process, Resume with it. The kept error still tells its cause,
// and names the push operation it was waiting for.
func TestPushErrorKeptAsJSONResumes(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformXero, "acc-1")
	want := lines("t", 25)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.tr.mu.Lock()
	f.tr.cancel, f.tr.act = cancel, func(push bool, n int) string { return pick(!push && n == 2, "cancel-before") }
	f.tr.mu.Unlock()
	opts := &bankfeeds.PushAllOptions{BatchSize: 10, PushOptions: bankfeeds.PushOptions{Platform: f.platform},
		Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
	res, err := f.c.Transactions.PushAll(ctx, f.company, f.connection, "acc-1", want, opts)
	var perr *bankfeeds.PushError
	if !errors.As(err, &perr) || perr.InFlight == nil {
		t.Fatalf("want a *PushError with a chunk in flight, got %v", err)
	}
	// A cancelled wait names the operation it waited for.
	if perr.Operation == nil || perr.Operation.PushOperationKey != perr.InFlight.PushOperationKey || perr.Operation.PushOperationKey == "" {
		t.Fatalf("the error names push operation %s but Operation is %+v", perr.InFlight.PushOperationKey, perr.Operation)
	}
	kept, err := json.Marshal(perr)
	if err != nil {
		t.Fatal(err)
	}
	f.tr.mu.Lock()
	f.tr.act = nil
	f.tr.mu.Unlock()

	var back bankfeeds.PushError
	if err := json.Unmarshal(kept, &back); err != nil {
		t.Fatalf("read the kept PushError back: %v", err)
	}
	if !errors.Is(&back, context.Canceled) || back.Error() != perr.Error() {
		t.Errorf("kept error %q (canceled %v), want %q", back.Error(), errors.Is(&back, context.Canceled), perr.Error())
	}
	again, err := json.Marshal(&back)
	if err != nil || string(again) != string(kept) {
		t.Errorf("the kept form does not round-trip:\n%s\n%s", kept, again)
	}
	resumer := process(t, f.srv, nil)
	if pushed := res.Pushed + resumeWith(t, resumer, &back, opts); pushed != len(want) {
		t.Errorf("reported %d pushed, want %d", pushed, len(want))
	}
	f.landedExactlyOnce(t, "acc-1", want)
}

// A chunk whose push ended Failed (the account was disconnected) is pushed
// again, once the cause is fixed, under keys Codat has not seen: with a
// derived key, the same key would be answered with the Failed push's
// replay for 90 minutes. It holds for a PushError kept through a restart.
func TestRetryAfterAFailedPushUsesAFreshKey(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformXero, "acc-1")
	want := lines("t", 25)
	opts := &bankfeeds.PushAllOptions{BatchSize: 10, PushOptions: bankfeeds.PushOptions{Platform: f.platform, IdempotencyKey: "nightly"},
		Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
	if err := f.srv.Disconnect(f.company, f.connection, "acc-1"); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.Transactions.PushAll(context.Background(), f.company, f.connection, "acc-1", want, opts)
	var perr *bankfeeds.PushError
	if !errors.As(err, &perr) || !errors.Is(err, bankfeeds.ErrPushFailed) {
		t.Fatalf("want ErrPushFailed, got %v", err)
	}
	kept, err := json.Marshal(perr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.AccountMapping.Create(context.Background(), f.company, f.connection, bankfeeds.AccountMapping{SourceAccountID: "acc-1"}); err != nil {
		t.Fatal(err)
	}
	var back bankfeeds.PushError
	if err := json.Unmarshal(kept, &back); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(&back, bankfeeds.ErrPushFailed) {
		t.Errorf("the kept error no longer says the push failed: %v", &back)
	}
	if pushed := resumeWith(t, process(t, f.srv, nil), &back, opts); pushed != len(want) {
		t.Errorf("reported %d pushed, want %d", pushed, len(want))
	}
	f.landedExactlyOnce(t, "acc-1", want)
}
