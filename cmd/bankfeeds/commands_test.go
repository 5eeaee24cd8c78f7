package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
)

// jsonOut runs the command with --json and decodes its output.
func jsonOut(t *testing.T, env map[string]string, v any, args ...string) {
	t.Helper()
	r := runIn(t, env, "", append(args, "--json")...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("%v: output %q: %v", args, r.stdout, err)
	}
}

func TestResourceCommands(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	var co bankfeeds.Company
	jsonOut(t, f.env, &co, "companies", "create", "Toft stores", "--description", "CLI test")
	if co.ID == "" || co.Name != "Toft stores" {
		t.Fatalf("created %+v", co)
	}
	var list []bankfeeds.Company
	jsonOut(t, f.env, &list, "companies", "list", "--query", "name~Toft")
	if len(list) != 1 || list[0].ID != co.ID {
		t.Errorf("list %+v", list)
	}
	var got bankfeeds.Company
	jsonOut(t, f.env, &got, "companies", "get", co.ID)
	if got.ID != co.ID {
		t.Errorf("get %+v", got)
	}
	var sage bankfeeds.Connection
	jsonOut(t, f.env, &sage, "connections", "create", co.ID, bankfeeds.PlatformSageBankFeeds)
	var conns []bankfeeds.Connection
	jsonOut(t, f.env, &conns, "connections", "list", co.ID)
	if len(conns) != 1 || conns[0].ID != sage.ID {
		t.Errorf("connections %+v", conns)
	}
	var acct bankfeeds.SourceAccount
	jsonOut(t, f.env, &acct, "accounts", "create", co.ID, sage.ID, "--id", "acc-9", "--name", "Savings", "--number", "12345678", "--currency", "GBP", "--sort-code", "40-00-01", "--balance", "10.50")
	var accts []bankfeeds.SourceAccount
	jsonOut(t, f.env, &accts, "accounts", "list", co.ID, sage.ID)
	if len(accts) != 1 || accts[0].ID != "acc-9" || accts[0].Balance.String() != "10.50" {
		t.Errorf("accounts %+v", accts)
	}
	var otp struct{ ConnectionID, OTP string }
	jsonOut(t, f.env, &otp, "link", co.ID, sage.ID)
	if otp.ConnectionID != sage.ID || otp.OTP == "" {
		t.Errorf("Sage link %+v", otp)
	}
	var link struct{ LinkURL string }
	jsonOut(t, f.env, &link, "link", f.company, f.connection)
	if !strings.Contains(link.LinkURL, "otp=") {
		t.Errorf("QBO link %+v", link)
	}
	r := runIn(t, f.env, "", "link", f.company, f.connection)
	if strings.TrimSpace(r.stdout) != link.LinkURL {
		t.Errorf("plain link %q", r.stdout)
	}

	// Push operations: one push, then list, get and wait.
	feed := newFeed(t, bankfeeds.PlatformNetSuite)
	if r := runIn(t, feed.env, "", append([]string{"push", testdata("statement.csv")}, feed.target()...)...); r.code != 0 {
		t.Fatalf("push: %s", r.stderr)
	}
	var ops []bankfeeds.PushOperation
	jsonOut(t, feed.env, &ops, "ops", "list", feed.company)
	if len(ops) != 1 || ops[0].Status != bankfeeds.PushStatusSuccess {
		t.Fatalf("ops %+v", ops)
	}
	var op bankfeeds.PushOperation
	jsonOut(t, feed.env, &op, "ops", "get", feed.company, ops[0].PushOperationKey)
	jsonOut(t, feed.env, &op, "ops", "wait", feed.company, ops[0].PushOperationKey)
	if op.PushOperationKey != ops[0].PushOperationKey || op.Status != bankfeeds.PushStatusSuccess {
		t.Errorf("op %+v", op)
	}
	if r := runIn(t, feed.env, "", "ops", "get", feed.company, "00000000-0000-0000-0000-000000000000"); r.code != exitAPI {
		t.Errorf("unknown op: exit %d", r.code)
	}

	var del map[string]string
	jsonOut(t, f.env, &del, "companies", "delete", co.ID)
	if r := runIn(t, f.env, "", "companies", "get", co.ID); r.code != exitAPI || !strings.Contains(r.stderr, "404") {
		t.Errorf("get after delete: exit %d %q", r.code, r.stderr)
	}
}

// TestSandboxCommand serves the sandbox and stops it.
func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	a := newApp(strings.NewReader(""), pw, io.Discard)
	cmd := a.root()
	cmd.SetArgs([]string{"sandbox", "-addr", "127.0.0.1:0", "-key", "test-key"})
	done := make(chan int, 1)
	go func() { done <- a.exit(cmd.ExecuteContext(ctx)); pw.Close() }()
	sc := bufio.NewScanner(pr)
	var banner []string
	for sc.Scan() {
		banner = append(banner, sc.Text())
		if strings.Contains(sc.Text(), "API key") {
			break
		}
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(strings.Join(banner, "\n"), "test-key") {
		t.Errorf("banner %q", banner)
	}
	if r := runIn(t, nil, "", "sandbox", "-no-such-flag"); r.code != exitUsage {
		t.Errorf("bad sandbox flag: exit %d", r.code)
	}
}
