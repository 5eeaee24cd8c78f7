package main

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
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-key", "cmd-key", "-push-delay", "0s", "-v"}, &out, &errOut)
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
	if err := run(ctx, []string{"-nope"}, &out, &errOut); err == nil {
		t.Fatal("an unknown flag should fail")
	}
	if err := run(ctx, []string{"-h"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "-addr") {
		t.Fatalf("-h: %v %q", err, errOut.String())
	}
	if err := run(ctx, []string{"extra"}, &out, &errOut); err == nil {
		t.Fatal("a stray argument should fail")
	}
	if err := run(ctx, []string{"-push-delay", "-1s"}, &out, &errOut); err == nil {
		t.Fatal("a negative delay should fail")
	}
	if err := run(ctx, []string{"-addr", "127.0.0.1:-1"}, &out, &errOut); err == nil {
		t.Fatal("a bad address should fail")
	}
	if err := run(ctx, []string{"-addr", "127.0.0.1:0", "-webhook-url", "ftp://example.invalid/hook"}, &out, &errOut); err == nil {
		t.Fatal("a webhook endpoint that is not http(s) should fail")
	}
}
