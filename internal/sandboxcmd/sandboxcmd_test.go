package sandboxcmd

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var banner = regexp.MustCompile(`base URL: (\S+)\n  API key:  (\S+)\n`)

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"-addr", "127.0.0.1:0", "-key", "cmd-key", "-push-delay", "0s", "-v"}, &out, &errOut)
	}()

	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner: %q", out.String())
		}
		m = banner.FindStringSubmatch(out.String())
		time.Sleep(5 * time.Millisecond)
	}
	base, key := m[1], m[2]
	if key != "cmd-key" || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("banner %q", out.String())
	}

	c, err := bankfeeds.NewClient(key, bankfeeds.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}
	co, err := c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "From the command"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(t.Context(), co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(conn.LinkURL, base+"/link/companies/"+co.ID+"/connections/"+conn.ID+"/start?otp=") {
		t.Fatalf("linkUrl %q should point at the sandbox", conn.LinkURL)
	}
	resp, err := http.Get(conn.LinkURL)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(html, []byte("Get credentials")) {
		t.Fatalf("link page %d", resp.StatusCode)
	}
	if !strings.Contains(errOut.String(), "path=/companies") {
		t.Fatalf("-v should log requests: %q", errOut.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop")
	}
	if !strings.Contains(out.String(), "stopped") {
		t.Fatalf("output %q", out.String())
	}
	if _, err := http.Get(base + "/companies"); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestRunFlags(t *testing.T) {
	var out, errOut syncBuffer
	ctx := context.Background()
	if err := Run(ctx, []string{"-nope"}, &out, &errOut); err == nil {
		t.Fatal("an unknown flag should fail")
	}
	if err := Run(ctx, []string{"-h"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "-addr") {
		t.Fatalf("-h: %v %q", err, errOut.String())
	}
	if err := Run(ctx, []string{"extra"}, &out, &errOut); err == nil {
		t.Fatal("a stray argument should fail")
	}
	if err := Run(ctx, []string{"-push-delay", "-1s"}, &out, &errOut); err == nil {
		t.Fatal("a negative delay should fail")
	}
	if err := Run(ctx, []string{"-addr", "127.0.0.1:-1"}, &out, &errOut); err == nil {
		t.Fatal("a bad address should fail")
	}
	if err := Run(ctx, []string{"-addr", "127.0.0.1:0", "-webhook-url", "ftp://example.invalid/hook"}, &out, &errOut); err == nil {
		t.Fatal("a webhook endpoint that is not http(s) should fail")
	}
}

// TestRunLimitsConsoleAndClock serves with the limits, faults, scenarios
// and a clock ahead, and checks the console and the API honour them.
func TestRunLimitsConsoleAndClock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"-addr", "127.0.0.1:0", "-key", "k", "-rate-limit", "2", "-company-concurrency", "3",
			"-push-jitter", "5ms", "-seed", "4", "-faults", "seed=1,latency=1ms", "-scenarios", "seed=2,qboDisconnect=1,disconnectAfter=72h",
			"-advance", "48h"}, &out, &errOut)
	}()
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no banner: %q %q", out.String(), errOut.String())
		}
		m = banner.FindStringSubmatch(out.String())
	}
	base := m[1]
	if !strings.Contains(out.String(), "console:  "+base+"/") {
		t.Fatalf("the banner should name the console: %q", out.String())
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ahead := time.Now().UTC().Add(48 * time.Hour).Format("2006-01-02")
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("Companies")) || !bytes.Contains(page, []byte(ahead)) || !bytes.Contains(page, []byte("72h0m0s")) {
		t.Fatalf("console %d, want the clock at %s and the scenario shown:\n%s", resp.StatusCode, ahead, page)
	}
	c, err := bankfeeds.NewClient("k", bankfeeds.WithBaseURL(base), bankfeeds.WithRetryMax(0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := c.Companies.List(t.Context(), nil); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := c.Companies.List(t.Context(), nil); !errors.Is(err, bankfeeds.ErrRateLimited) {
		t.Fatalf("the third request this minute: %v, want 429", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestRunRefusesBadLimitsAndSpecs(t *testing.T) {
	for _, args := range [][]string{
		{"-rate-limit", "-1"},
		{"-company-concurrency", "-2"},
		{"-advance", "-1h"},
		{"-push-jitter", "-1s"},
		{"-faults", "serverErrorBefore=2"},
		{"-faults", "nonsense=1"},
		{"-faults", "seed"},
		{"-scenarios", "longPending=x"},
	} {
		var out, errOut syncBuffer
		if err := Run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("%v should fail", args)
		}
	}
}
