package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestWebhookWait(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Setenv("CODAT_API_KEY", "") // always the embedded sandbox
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"using the embedded sandbox",
		"registered with the sandbox",
		"3. webhook bankFeeds.sourceAccount.connected: account acc-001 is connected",
		"4. pushed 3 transactions: push operation ",
		"5. webhook bankTransactions.write.successful: push operation ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// The handler ran once per event although some arrived twice.
	m := regexp.MustCompile(`6\. the sandbox delivered (\d+) events, (\d+) of them twice; the handler ran (\d+) times`).FindStringSubmatch(s)
	if m == nil || m[1] != "2" || m[2] == "0" || m[3] != m[1] {
		t.Errorf("want 2 events, some duplicates, and the handler run once per event:\n%s", s)
	}
	// Step 3 comes before the push: the service waited for the event.
	if strings.Index(s, "3. webhook") > strings.Index(s, "4. pushed") {
		t.Errorf("pushed before the connected event:\n%s", s)
	}
}

func TestWebhookWaitAgainstCodat(t *testing.T) {
	t.Setenv("CODAT_API_KEY", "not-a-real-key")
	t.Setenv("CODAT_BASE_URL", "http://127.0.0.1:1") // nothing must be sent
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "Codat Portal") || strings.Contains(s, "using Codat") {
		t.Errorf("want the Portal note and nothing else:\n%s", s)
	}
}
