package statement_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/statement"
)

// samplesDir is ../shared/statements beside the module root, computed from
// this file's place so that it works from any working directory.
func samplesDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	root := filepath.Dir(filepath.Dir(file)) // the module root
	dir := filepath.Join(root, "..", "shared", "statements")
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
		t.Skipf("sample statements not found at %s (they sit beside the clone as shared/statements): %v", dir, err)
	}
	return dir
}

// sample is what a public sample file holds, read by hand from the file
// and cross-checked with SOURCES.md: statements, booked and pending
// entries, the sum of the booked amounts, and which balances do not chain.
type sample struct {
	file        string
	format      statement.Format
	stmts       int
	booked      int
	pending     int
	sum         string // of every booked amount in the file
	closing     int    // statements whose opening + sum != closing (hand-edited samples)
	continuity  int    // statements whose opening is not the previous closing of the account
	accounts    []string
	err         string // a substring of the error, for files that cannot be read
	errIs       error
	firstAmount string // the first booked line's amount, where worth pinning
}

var samples = []sample{
	// BAI2
	{file: "bai2/moov-io__bai2/sample1.txt", format: statement.FormatBAI2, stmts: 2, booked: 17, sum: "0", accounts: []string{"10200123456"}, firstAmount: "-25.00"},
	{file: "bai2/moov-io__bai2/sample2.txt", format: statement.FormatBAI2, stmts: 5, booked: 4, sum: "309500.00",
		accounts: []string{"0123456789", "9876543210", "4589761203", "0975312468", "7890654321"}, firstAmount: "4500.00"},
	{file: "bai2/moov-io__bai2/sample3.txt", format: statement.FormatBAI2, stmts: 15, booked: 26, sum: "-197.05", accounts: []string{"1111111", "11111111"}, firstAmount: "25.00"},
	{file: "bai2/moov-io__bai2/errors/sample-parseError.txt", err: "bai2: line 1: not a BAI2 record"},

	// camt.052
	{file: "camt052/genkgo__camt/camt052.v1.xml", format: statement.FormatCamt052, stmts: 1, booked: 1, sum: "-200000", accounts: []string{"CH2801234000123456789"}},
	{file: "camt052/genkgo__camt/camt052.v2.other-account.xml", format: statement.FormatCamt052, stmts: 1, booked: 1, sum: "-200000"},
	{file: "camt052/genkgo__camt/camt052.v2.with-account-name.xml", err: "Rpt[1]/Ntry[1]/BookgDt: no booking date"},
	{file: "camt052/genkgo__camt/camt052.v2.xml", format: statement.FormatCamt052, stmts: 1, booked: 1, sum: "-200000"},
	{file: "camt052/genkgo__camt/camt052.v4.xml", format: statement.FormatCamt052, stmts: 1, pending: 1, sum: "0", accounts: []string{"CH2801234000123456789"}},
	{file: "camt052/genkgo__camt/camt052.v6.Amt-zero.xml", format: statement.FormatCamt052, stmts: 1, pending: 1, sum: "0"},
	{file: "camt052/genkgo__camt/camt052.v6.xml", format: statement.FormatCamt052, stmts: 1, pending: 1, sum: "0"},
	{file: "camt052/genkgo__camt/camt052.v8.xml", format: statement.FormatCamt052, stmts: 1, booked: 1, sum: "-200000"},

	// camt.053
	{file: "camt053/genkgo__camt/camt053.v2.all-balance-types.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.850", closing: 1},
	{file: "camt053/genkgo__camt/camt053.v2.five.decimals.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.850", closing: 1},
	{file: "camt053/genkgo__camt/camt053.v2.minimal.ultimate.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.85", closing: 1},
	{file: "camt053/genkgo__camt/camt053.v2.minimal.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.85", closing: 1},
	{file: "camt053/genkgo__camt/camt053.v2.multi.statement.xml", format: statement.FormatCamt053, stmts: 2, booked: 2, sum: "1.85"},
	{file: "camt053/genkgo__camt/camt053.v2.with-account-name.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.85"},
	{file: "camt053/genkgo__camt/camt053.v2.with-party-ids.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.85", closing: 1},
	{file: "camt053/genkgo__camt/camt053.v2.wrong.xml", errIs: statement.ErrNoStatements},
	{file: "camt053/genkgo__camt/camt053.v3.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.85", closing: 1},
	{file: "camt053/genkgo__camt/camt053.v4.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.85", closing: 1},
	{file: "camt053/genkgo__camt/camt053.v8.xml", format: statement.FormatCamt053, stmts: 1, booked: 1, sum: "8.85", closing: 1},
	{file: "camt053/genkgo__camt/camt53.only-Dt-with-DtTm.xml", format: statement.FormatCamt053, stmts: 1, sum: "0"},
	{file: "camt053/jasperkrijgsman__dutch-sepa-iso20022/camt.053.001.02.xml", format: statement.FormatCamt053, stmts: 1, booked: 3, sum: "-64321.50",
		accounts: []string{"50000000054910000003"}, firstAmount: "105678.50"},

	// MT940 and MT942
	{file: "mt940/wolph__mt940/betterplace/amount_formats.sta", format: statement.FormatMT940, stmts: 6, sum: "0"},
	{file: "mt940/wolph__mt940/betterplace/currency_in_25.sta", format: statement.FormatMT940, stmts: 1, sum: "0", accounts: []string{"51210600/9223382012EUR"}},
	{file: "mt940/wolph__mt940/betterplace/empty_86.sta", format: statement.FormatMT940, stmts: 1, sum: "0"},
	{file: "mt940/wolph__mt940/betterplace/empty_entry_date.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "50.00"},
	{file: "mt940/wolph__mt940/betterplace/empty_line.sta", format: statement.FormatMT940, stmts: 1, sum: "0"},
	{file: "mt940/wolph__mt940/betterplace/missing_crlf_at_end.sta", format: statement.FormatMT940, stmts: 1, sum: "0"},
	{file: "mt940/wolph__mt940/betterplace/sepa_mt9401.sta", format: statement.FormatMT940, stmts: 26, booked: 97, sum: "-9269135.90"},
	{file: "mt940/wolph__mt940/betterplace/sepa_snippet.sta", format: statement.FormatMT940, stmts: 2, booked: 11, sum: "-2143323.39", closing: 1},
	{file: "mt940/wolph__mt940/betterplace/sepa_snippet_broken.sta", err: "mt940: line 6: :25: a second account"},
	{file: "mt940/wolph__mt940/betterplace/with_binary_character.sta", format: statement.FormatMT940, stmts: 2, booked: 4, sum: "-179066.75"},
	{file: "mt940/wolph__mt940/jejik/abnamro.sta", format: statement.FormatMT940, stmts: 2, booked: 10, sum: "-345.93", closing: 2, continuity: 1, accounts: []string{"517852257"}, firstAmount: "-9"},
	{file: "mt940/wolph__mt940/jejik/generic.sta", format: statement.FormatMT940, stmts: 2, booked: 2, sum: "-20.00"},
	{file: "mt940/wolph__mt940/jejik/ing.sta", format: statement.FormatMT940, stmts: 1, booked: 7, sum: "-45.59", closing: 1},
	{file: "mt940/wolph__mt940/jejik/knab.sta", format: statement.FormatMT940, stmts: 2, booked: 3, sum: "-6260", closing: 1, continuity: 1},
	{file: "mt940/wolph__mt940/jejik/postfinance.sta", format: statement.FormatMT940, stmts: 2, booked: 4, sum: "159.4", closing: 1, accounts: []string{"123456789"}},
	{file: "mt940/wolph__mt940/jejik/rabobank-iban.sta", format: statement.FormatMT940, stmts: 2, booked: 4, sum: "-70.00"},
	{file: "mt940/wolph__mt940/jejik/rabobank.sta", format: statement.FormatMT940, stmts: 4, booked: 5, sum: "-1589.09", closing: 2, continuity: 2},
	{file: "mt940/wolph__mt940/jejik/sns.sta", format: statement.FormatMT940, stmts: 2, booked: 2, sum: "-25.00"},
	{file: "mt940/wolph__mt940/jejik/triodos.sta", format: statement.FormatMT940, stmts: 1, booked: 2, sum: "-715.70", closing: 1},
	{file: "mt940/wolph__mt940/self-provided/account_identification.sta", format: statement.FormatMT940, stmts: 2, sum: "0"},
	{file: "mt940/wolph__mt940/self-provided/details_60-63.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "-233.15", closing: 1},
	{file: "mt940/wolph__mt940/self-provided/empty_non_swift.sta", errIs: statement.ErrNoStatements},
	{file: "mt940/wolph__mt940/self-provided/february_30.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "-6.00"},
	{file: "mt940/wolph__mt940/self-provided/gv_codes.sta", format: statement.FormatMT940, stmts: 1, booked: 2, sum: "-257.45"},
	{file: "mt940/wolph__mt940/self-provided/invalid_statement.sta", errIs: statement.ErrUnknownFormat},
	{file: "mt940/wolph__mt940/self-provided/long_statement_number.sta", format: statement.FormatMT940, stmts: 1, sum: "0"},
	{file: "mt940/wolph__mt940/self-provided/malformed_details.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "-233.15", closing: 1},
	{file: "mt940/wolph__mt940/self-provided/mt942.sta", format: statement.FormatMT942, stmts: 1, pending: 1, sum: "0"},
	{file: "mt940/wolph__mt940/self-provided/multiline.sta", format: statement.FormatMT940, stmts: 2, booked: 2, sum: "114"},
	{file: "mt940/wolph__mt940/self-provided/overly_long_details.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "-233.15", closing: 1},
	{file: "mt940/wolph__mt940/self-provided/raiffeisen-cmi.sta", format: statement.FormatMT940, stmts: 1, booked: 7, sum: "-1012213.50", closing: 1},
	{file: "mt940/wolph__mt940/self-provided/raphaelm.sta", format: statement.FormatMT940, stmts: 3, booked: 9, sum: "95000.00"},
	{file: "mt940/wolph__mt940/self-provided/sparkassen.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "30.00"},
	{file: "mt940/wolph__mt940/self-provided/transaction_details.yml", format: statement.FormatMT940, stmts: 1, booked: 3, sum: "45000.15"},
	{file: "mt940/wolph__mt940/self-provided/transaction_details_wrapped.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "-6.00"},
	{file: "mt940/wolph__mt940/self-provided/whitespace.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "-233.15", closing: 1},
	{file: "mt940/wolph__mt940/self-provided/wrapped_timestamp.sta", format: statement.FormatMT940, stmts: 1, booked: 1, sum: "-6.00"},

	// OFX
	{file: "ofx/jseutter__ofxparse/bank_medium.ofx", format: statement.FormatOFX, stmts: 1, booked: 3, sum: "-345.27"},
	{file: "ofx/jseutter__ofxparse/bank_small.ofx", errIs: statement.ErrNoStatements},
	{file: "ofx/jseutter__ofxparse/checking.ofx", format: statement.FormatOFX, stmts: 1, booked: 3, sum: "-59.50", accounts: []string{"1452687~7"}, firstAmount: "0.01"},
	{file: "ofx/jseutter__ofxparse/error_message.ofx", err: `STMTTRNRS/STATUS: the bank answered status "2000" (ERROR): "General Server Error"`},
	{file: "ofx/jseutter__ofxparse/multiple_accounts.ofx", format: statement.FormatOFX, stmts: 2, sum: "0", accounts: []string{"9100", "9200"}},
	{file: "ofx/jseutter__ofxparse/multiple_accounts2.ofx", format: statement.FormatOFX, stmts: 2, sum: "0"},
	{file: "ofx/jseutter__ofxparse/ofx-v102-empty-tags.ofx", format: statement.FormatOFX, stmts: 1, booked: 1, sum: "12.34", accounts: []string{"12345678"}},
	{file: "ofx/jseutter__ofxparse/fail_nice/date_missing.ofx", err: "ofx: line 33: STMTRS[1]/STMTTRN[1]/DTPOSTED: posting date"},
	{file: "ofx/jseutter__ofxparse/fail_nice/decimal_error.ofx", err: `STMTTRN[1]/TRNAMT: amount "$120" is not a number`},
	{file: "ofx/jseutter__ofxparse/fail_nice/empty_balance.ofx", format: statement.FormatOFX, stmts: 1, booked: 1, sum: "120"},
}

func TestPublicSamples(t *testing.T) {
	dir := samplesDir(t)
	seen := map[string]bool{}
	for _, tc := range samples {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := statement.Parse(data, nil)
			if tc.err != "" || tc.errIs != nil {
				if err == nil {
					t.Fatalf("read %d statements, want an error", len(stmts))
				}
				if tc.err != "" && !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %q does not say %q", err, tc.err)
				}
				if tc.errIs != nil && !errors.Is(err, tc.errIs) {
					t.Errorf("error %q is not %v", err, tc.errIs)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is not one line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSample(t, tc, stmts)
			again, err := statement.Parse(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkSameIDs(t, stmts, again)
		})
	}
	// Every sample file in the folder is in the table.
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || e.Name() == "LICENSE" || e.Name() == "SOURCES.md" {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !seen[filepath.ToSlash(rel)] {
			t.Errorf("sample %s is not in the table", rel)
		}
		return nil
	})
}

func checkSample(t *testing.T, tc sample, stmts []statement.Statement) {
	t.Helper()
	if len(stmts) != tc.stmts {
		t.Errorf("%d statements, want %d", len(stmts), tc.stmts)
	}
	booked, pending := 0, 0
	sum := bankfeeds.NewDecimal(0, 0)
	closing, continuity := 0, 0
	accounts := map[string]bool{}
	var first *bankfeeds.BankTransaction
	for i := range stmts {
		s := &stmts[i]
		if s.Format != tc.format {
			t.Errorf("statement %d is %s, want %s", i, s.Format, tc.format)
		}
		accounts[s.Account] = true
		booked += len(s.Transactions)
		pending += s.Pending
		sum = sum.Add(s.Sum())
		if first == nil && len(s.Transactions) > 0 {
			first = &s.Transactions[0]
		}
		reported := false
		for _, b := range s.Breaks {
			switch b.Kind {
			case statement.BreakClosing:
				closing++
				reported = true
				if !b.Difference().Equal(s.Closing.Amount.Sub(s.Opening.Amount.Add(s.Sum()))) {
					t.Errorf("statement %d: break %v: difference %s, want closing - (opening + sum)", i, b, b.Difference())
				}
			case statement.BreakContinuity:
				continuity++
			}
		}
		// Opening + sum = closing, worked out here, exactly when no closing
		// break is reported.
		if s.Opening.IsSet() && s.Closing.IsSet() && !s.Closing.Derived {
			chains := s.Opening.Amount.Add(s.Sum()).Equal(s.Closing.Amount)
			if chains == reported {
				t.Errorf("statement %d: opening %s + sum %s vs closing %s: chains=%v but closing break reported=%v",
					i, s.Opening.Amount, s.Sum(), s.Closing.Amount, chains, reported)
			}
		}
		if err := s.BalanceError(); (err != nil) != (len(s.Breaks) > 0) {
			t.Errorf("statement %d: BalanceError %v with %d breaks", i, err, len(s.Breaks))
		}
		checkRunning(t, i, s)
		checkGuard(t, i, s)
	}
	if booked != tc.booked || pending != tc.pending {
		t.Errorf("%d booked and %d pending, want %d and %d", booked, pending, tc.booked, tc.pending)
	}
	if want, err := bankfeeds.ParseDecimal(tc.sum); err != nil || !sum.Equal(want) {
		t.Errorf("sum %s, want %s", sum, tc.sum)
	}
	if closing != tc.closing || continuity != tc.continuity {
		t.Errorf("%d closing and %d continuity breaks, want %d and %d", closing, continuity, tc.closing, tc.continuity)
	}
	for _, a := range tc.accounts {
		if !accounts[a] {
			t.Errorf("no statement of account %q (have %v)", a, accounts)
		}
	}
	if tc.accounts != nil && len(accounts) != len(tc.accounts) {
		t.Errorf("accounts %v, want %v", accounts, tc.accounts)
	}
	if tc.firstAmount != "" && (first == nil || first.Amount.String() != tc.firstAmount) {
		t.Errorf("first amount %v, want %s", first, tc.firstAmount)
	}
}

// checkRunning: each line's balance is the previous one plus its amount.
func checkRunning(t *testing.T, i int, s *statement.Statement) {
	t.Helper()
	if !s.Opening.IsSet() {
		for _, tx := range s.Transactions {
			if tx.Balance.IsSet() {
				t.Errorf("statement %d: a balance without an opening balance", i)
			}
		}
		return
	}
	run := s.Opening.Amount
	for j, tx := range s.Transactions {
		run = run.Add(tx.Amount)
		if !tx.Balance.Equal(run) {
			t.Errorf("statement %d line %d: balance %s, want %s", i, j, tx.Balance, run)
		}
	}
}

// checkGuard: the lines pass the SDK's guard, sorted, with the rules of a
// platform that needs balances when they are there (Sage), and the shared
// rules when the file states no balance.
func checkGuard(t *testing.T, i int, s *statement.Statement) {
	t.Helper()
	if len(s.Transactions) == 0 {
		return
	}
	sorted := bankfeeds.SortTransactions(s.Transactions)
	now := bankfeeds.NewDateTime(sorted[len(sorted)-1].Date.Add(24 * time.Hour))
	opts := &bankfeeds.PushOptions{Platform: bankfeeds.PlatformSageBankFeeds, Now: now}
	if !s.Opening.IsSet() {
		opts.Platform = ""
	}
	if err := bankfeeds.CheckTransactions(sorted, opts); err != nil {
		t.Errorf("statement %d: the guard refuses the lines: %v", i, err)
	}
	for _, tx := range s.Transactions {
		if h, m, sec := tx.Date.Clock(); h+m+sec != 0 {
			t.Errorf("statement %d: date %v is not a local date", i, tx.Date)
		}
	}
}

// checkSameIDs: reading twice gives the same ids, unique and well formed.
func checkSameIDs(t *testing.T, a, b []statement.Statement) {
	t.Helper()
	seen := map[string]bool{}
	for i := range a {
		for j := range a[i].Transactions {
			id := a[i].Transactions[j].ID
			if id != b[i].Transactions[j].ID {
				t.Errorf("statement %d line %d: id %q, then %q", i, j, id, b[i].Transactions[j].ID)
			}
			if seen[id] {
				t.Errorf("id %q twice", id)
			}
			seen[id] = true
			if !idPattern.MatchString(id) {
				t.Errorf("id %q is not of the id alphabet", id)
			}
		}
	}
}
