package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// TestListenForwardsSandboxWebhooks: the sandbox delivers signed webhooks
// to listen, which verifies, prints and forwards them, headers and body
// intact, to a local endpoint that verifies them again.
func TestListenForwardsSandboxWebhooks(t *testing.T) {
	secret := webhooks.NewSecret()
	var mu sync.Mutex
	var forwarded []string
	local, err := webhooks.NewHandler(secret, func(_ context.Context, e *webhooks.Event) error {
		mu.Lock()
		forwarded = append(forwarded, string(e.Type))
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	target := httptest.NewServer(local)
	defer target.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	a := newApp(strings.NewReader(""), pw, io.Discard)
	a.getenv = func(k string) string { return map[string]string{"CODAT_WEBHOOK_SECRET": secret}[k] }
	cmd := a.root()
	cmd.SetArgs([]string{"listen", "--addr", "127.0.0.1:0", "--forward-to", target.URL + "/codat", "--json"})
	done := make(chan int, 1)
	go func() { done <- a.exit(cmd.ExecuteContext(ctx)); pw.Close() }()

	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("listen printed nothing")
	}
	var hello struct{ Listening string }
	if err := json.Unmarshal(lines.Bytes(), &hello); err != nil || hello.Listening == "" {
		t.Fatalf("first line %q: %v", lines.Text(), err)
	}
	if strings.Contains(lines.Text(), secret) {
		t.Fatal("listen printed the secret")
	}

	f := newFeed(t, bankfeeds.PlatformNetSuite)
	if err := f.srv.SetWebhook(hello.Listening+"/webhooks", secret); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, f.env, "", append([]string{"push", testdata("statement.csv")}, f.target()...)...)
	if r.code != 0 {
		t.Fatalf("push: exit %d: %s", r.code, r.stderr)
	}
	deadline := time.After(10 * time.Second)
	events := make(chan listenEvent)
	go func() {
		for lines.Scan() {
			var e listenEvent
			if json.Unmarshal(lines.Bytes(), &e) == nil {
				events <- e
			}
		}
	}()
	var e listenEvent
	for e.EventType != string(webhooks.EventBankTransactionsWriteSuccessful) {
		select {
		case e = <-events:
			if strings.Contains(e.Error+e.ForwardError, secret) {
				t.Fatal("an event printed the secret")
			}
			if !e.Verified || e.ForwardStatus != http.StatusOK || e.WebhookID == "" || e.EventID == "" {
				t.Errorf("event %+v", e)
			}
		case <-deadline:
			t.Fatal("no bankTransactions.write.successful event within 10 s")
		}
	}
	mu.Lock()
	got := strings.Join(forwarded, ",")
	mu.Unlock()
	if !strings.Contains(got, string(webhooks.EventBankTransactionsWriteSuccessful)) {
		t.Errorf("the local endpoint verified %q", got)
	}

	// A forged delivery is refused and not forwarded.
	resp, err := http.Post(hello.Listening+"/webhooks", "application/json", strings.NewReader(`{"id":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unsigned delivery answered %d", resp.StatusCode)
	}
	select {
	case e := <-events:
		if e.Verified || e.Error == "" {
			t.Errorf("unsigned delivery reported as %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Error("the refused delivery was not reported")
	}
	_ = f.srv.SetWebhook("", "")
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code := <-done; code != 0 {
		t.Errorf("listen exit %d", code)
	}
}
