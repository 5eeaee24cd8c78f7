package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// binary is the command built once for the tests that run it for real.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bankfeeds-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "bankfeeds")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the command: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a run of the command gave.
type result struct {
	code           int
	stdout, stderr string
}

// runIn runs the command in-process with the given environment.
func runIn(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(strings.NewReader(stdin), &out, &errb)
	a.getenv = func(k string) string { return env[k] }
	cmd := a.root()
	cmd.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := a.exit(cmd.ExecuteContext(ctx))
	return result{code, out.String(), errb.String()}
}

// runBin runs the built binary with exactly the given environment.
func runBin(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// feed is a sandbox with a company, a connection and a connected source
// account ready for pushes.
type feed struct {
	srv                          *bankfeedstest.Server
	client                       *bankfeeds.Client
	env                          map[string]string
	company, connection, account string
}

func newFeed(t *testing.T, platform string) *feed {
	t.Helper()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(time.Millisecond))
	t.Cleanup(srv.Close)
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Statement test"})
	if err != nil {
		t.Fatal(err)
	}
	cn, err := c.Connections.Create(ctx, co.ID, platform)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SourceAccounts.Create(ctx, co.ID, cn.ID, bankfeeds.SourceAccount{
		ID: "acc-1", AccountName: "Operating", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "55555555", Currency: "GBP", SortCode: bankfeeds.Ptr("20-20-15"), Balance: bankfeeds.NewDecimal(0, 0),
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteLink(co.ID, cn.ID); err != nil {
		t.Fatal(err)
	}
	return &feed{srv: srv, client: c, company: co.ID, connection: cn.ID, account: "acc-1",
		env: map[string]string{"CODAT_API_KEY": srv.APIKey, "CODAT_BASE_URL": srv.URL}}
}

// target is the push flags naming the feed's account.
func (f *feed) target() []string {
	return []string{"--company", f.company, "--connection", f.connection, "--account", f.account, "--poll", "2ms"}
}

func testdata(name string) string { return filepath.Join("..", "..", "statement", "testdata", name) }

// oneLine asserts an error output is a single line.
func oneLine(t *testing.T, s string) {
	t.Helper()
	if s = strings.TrimRight(s, "\n"); s == "" || strings.Contains(s, "\n") {
		t.Errorf("want a one-line message, got %q", s)
	}
}
