package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/statement"
)

// readFile reads a statement file as the command does.
func readFile(t *testing.T, file string, opts *statement.Options) []statement.Statement {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stmts, err := statement.Read(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return stmts
}

// sameLines asserts that what landed is exactly the lines read, in the
// order PushAll sends them.
func sameLines(t *testing.T, landed, read []bankfeeds.BankTransaction) {
	t.Helper()
	want := bankfeeds.SortTransactions(read)
	if len(landed) != len(want) {
		t.Fatalf("%d transactions landed, want %d", len(landed), len(want))
	}
	for i := range want {
		g, w := landed[i], want[i]
		if g.ID != w.ID || !g.Date.Equal(w.Date.Time) || !g.Amount.Equal(w.Amount) || !g.Balance.Equal(w.Balance) ||
			deref(g.Description) != deref(w.Description) || deref(g.Counterparty) != deref(w.Counterparty) {
			t.Errorf("line %d landed as %+v, want %+v", i, g, w)
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func TestPushCamt053LandsTheLinesRead(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformNetSuite)
	file := testdata("camt053-edge.xml")
	args := append([]string{"push", file, "--statement-account", "GB33BUKB20201555555555"}, f.target()...)
	r := runBin(t, f.env, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "pushed 3 transactions in 1 push operation(s)") {
		t.Errorf("summary: %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "pushed 3/3") {
		t.Errorf("no plain progress lines without a terminal: %q", r.stderr)
	}
	var read []bankfeeds.BankTransaction
	for _, s := range readFile(t, file, nil) {
		if s.Account == "GB33BUKB20201555555555" {
			read = append(read, s.Transactions...)
		}
	}
	sameLines(t, f.srv.Transactions(f.company, f.connection, f.account), read)
}

func TestPushCSVLandsTheLinesRead(t *testing.T) {
	file := testdata("csv-newest-first.csv")
	csvFlags := []string{"--csv-date-layout", "02/01/2006", "--csv-decimal-comma", "--csv-account", "40001234", "--csv-currency", "GBP"}
	read := readFile(t, file, &statement.Options{CSV: &statement.CSVMapping{DateLayout: "02/01/2006", DecimalComma: true, Account: "40001234", Currency: "GBP"}})
	for name, run := range map[string]func(*testing.T, map[string]string, string, ...string) result{"in-process": runIn, "binary": runBin} {
		t.Run(name, func(t *testing.T) {
			f := newFeed(t, bankfeeds.PlatformXero)
			args := append(append([]string{"push", file, "--json", "--batch-size", "2"}, csvFlags...), f.target()...)
			r := run(t, f.env, "", args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var sum struct {
				Pushed         int      `json:"pushed"`
				PushOperations []string `json:"pushOperations"`
				HighWaterMark  string   `json:"highWaterMark"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
				t.Fatalf("--json summary %q: %v", r.stdout, err)
			}
			if sum.Pushed != 4 || len(sum.PushOperations) != 2 || sum.HighWaterMark != "2026-03-03T00:00:00" {
				t.Errorf("summary %+v", sum)
			}
			sameLines(t, f.srv.Transactions(f.company, f.connection, f.account), read[0].Transactions)
		})
	}
}

func TestPushFromStandardInput(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformNetSuite)
	data, err := os.ReadFile(testdata("statement.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := runIn(t, f.env, string(data), append([]string{"push", "-"}, f.target()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := len(f.srv.Transactions(f.company, f.connection, f.account)); got != 4 {
		t.Errorf("%d landed, want 4", got)
	}
}

func TestDryRunJSONSendsNothing(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformNetSuite)
	file := testdata("camt053-edge.xml")
	r := runBin(t, f.env, "", append([]string{"push", file, "--dry-run", "--json", "--statement-account", "GB33BUKB20201555555555"}, f.target()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("dry run output %q: %v", r.stdout, err)
	}
	if len(got) != 1 {
		t.Fatalf("%d statements, want 1", len(got))
	}
	s := got[0]
	for k, want := range map[string]string{"account": `"GB33BUKB20201555555555"`, "currency": `"GBP"`, "openingBalance": "1000.00000", "closingBalance": "1120.12345"} {
		if string(s[k]) != want {
			t.Errorf("%s is %s, want %s", k, s[k], want)
		}
	}
	var txns []bankfeeds.BankTransaction
	if err := json.Unmarshal(s["transactions"], &txns); err != nil {
		t.Fatal(err)
	}
	if len(txns) != 3 || txns[0].ID != "BANKREF-001" || txns[0].Amount.String() != "150.12345" || !strings.Contains(string(s["transactions"]), `"amount": 150.12345`) {
		t.Errorf("transactions %s", s["transactions"])
	}
	if ops := f.srv.PushOperations(f.company); len(ops) != 0 {
		t.Errorf("a dry run sent %d pushes", len(ops))
	}
	if n := len(f.srv.Transactions(f.company, f.connection, f.account)); n != 0 {
		t.Errorf("a dry run landed %d transactions", n)
	}
}

func TestPlainDryRun(t *testing.T) {
	r := runIn(t, nil, "", "push", testdata("statement.csv"), "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"csv statement of", "4 booked lines", "opening 0.00 (derived)", "dry run: 4 transactions would be pushed; nothing was sent"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestFailures: each bad input exits with its code and a one-line message,
// and sends nothing.
func TestFailures(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformNetSuite)
	noKey := map[string]string{"CODAT_BASE_URL": f.srv.URL}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		say  string
	}{
		{"unknown flag", f.env, []string{"push", "x", "--bogus"}, exitUsage, "unknown flag: --bogus"},
		{"unknown command", f.env, []string{"frobnicate"}, exitUsage, "unknown command"},
		{"no file", f.env, []string{"push"}, exitUsage, "accepts 1 arg"},
		{"unreadable file", f.env, append([]string{"push", "no/such/file.sta"}, f.target()...), exitUsage, "no such file"},
		{"not a statement", f.env, append([]string{"push", "main.go"}, f.target()...), exitUsage, "not a statement file"},
		{"bad format name", f.env, []string{"push", testdata("statement.csv"), "--format", "pdf"}, exitUsage, `unknown format "pdf"`},
		{"malformed file", f.env, append([]string{"push", testdata("statement.csv"), "--format", "mt940"}, f.target()...), exitUsage, "holds no statement"},
		{"no target", f.env, []string{"push", testdata("statement.csv")}, exitUsage, "needs --company, --connection and --account"},
		{"no key", noKey, append([]string{"push", testdata("statement.csv")}, f.target()...), exitUsage, "CODAT_API_KEY is not set"},
		{"two accounts", f.env, append([]string{"push", testdata("camt053-edge.xml")}, f.target()...), exitUsage, "--statement-account"},
		{"balances break", f.env, append([]string{"push", testdata("mt940-edge.sta")}, f.target()...), exitBalances, "do not chain"},
		{"guard refuses", f.env, []string{"push", testdata("statement.csv"), "--dry-run", "--not-before", "2026-03-02"}, exitGuard, "older than the newest transaction"},
		{"unknown company", f.env, []string{"push", testdata("statement.csv"), "--company", "nope", "--connection", f.connection, "--account", f.account}, exitAPI, "404"},
		{"listen without target", f.env, []string{"listen"}, exitUsage, "--forward-to"},
		{"listen without secret", f.env, []string{"listen", "--forward-to", "http://127.0.0.1:1/"}, exitUsage, "webhook secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runIn(t, tc.env, "", tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			last := r.stderr
			if i := strings.LastIndex(strings.TrimRight(last, "\n"), "\n"); i >= 0 {
				last = last[i+1:]
			}
			oneLine(t, last)
			if !strings.Contains(last, tc.say) {
				t.Errorf("message %q does not say %q", last, tc.say)
			}
		})
	}
	if ops := f.srv.PushOperations(f.company); len(ops) != 0 {
		t.Errorf("failures sent %d pushes", len(ops))
	}
	// The same through the real binary, for the key cases.
	for _, tc := range cases[:4] {
		r := runBin(t, tc.env, "", tc.args...)
		if r.code != tc.code {
			t.Errorf("%s: binary exit %d, want %d", tc.name, r.code, tc.code)
		}
		oneLine(t, r.stderr)
	}
}

func TestBalanceBreakCanBeForced(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformNetSuite)
	r := runIn(t, f.env, "", append([]string{"push", testdata("mt940-edge.sta"), "--allow-balance-break"}, f.target()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := len(f.srv.Transactions(f.company, f.connection, f.account)); n != 5 {
		t.Errorf("%d landed, want 5", n)
	}
}

func TestJSONErrors(t *testing.T) {
	r := runIn(t, nil, "", "push", "no/such/file", "--dry-run", "--json")
	var e struct {
		Error    string `json:"error"`
		ExitCode int    `json:"exitCode"`
	}
	if err := json.Unmarshal([]byte(r.stderr), &e); err != nil || e.ExitCode != exitUsage || !strings.Contains(e.Error, "no such file") {
		t.Errorf("stderr %q (%v)", r.stderr, err)
	}
}
