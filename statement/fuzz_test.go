package statement_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds/statement"
)

// seed adds the package's testdata files whose names match to the corpus.
func seed(f *testing.F, patterns ...string) {
	f.Helper()
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			if st, err := os.Stat(file); err != nil || st.IsDir() {
				continue
			}
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// fuzzRead reads data as format and checks what any reader promises: an
// error or statements, never a panic; ids unique and of the id alphabet;
// running balances that chain from the opening balance.
func fuzzRead(t *testing.T, data []byte, opts *statement.Options) {
	stmts, err := statement.Parse(data, opts)
	if err != nil {
		if stmts != nil {
			t.Fatalf("statements and an error %v", err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("error is not one line: %q", err)
		}
		return
	}
	seen := map[string]bool{}
	for i := range stmts {
		s := &stmts[i]
		run := s.Opening.Amount
		for j := range s.Transactions {
			tx := &s.Transactions[j]
			if !idPattern.MatchString(tx.ID) || seen[tx.ID] {
				t.Fatalf("statement %d line %d: id %q is malformed or repeated", i, j, tx.ID)
			}
			seen[tx.ID] = true
			if !tx.Amount.IsSet() || tx.Date.IsZero() {
				t.Fatalf("statement %d line %d: no amount or date", i, j)
			}
			if s.Opening.IsSet() {
				run = run.Add(tx.Amount)
				if !tx.Balance.Equal(run) {
					t.Fatalf("statement %d line %d: balance %s, want %s", i, j, tx.Balance, run)
				}
			}
		}
		for _, b := range s.Breaks {
			if b.Stated.Equal(b.Computed) {
				t.Fatalf("statement %d: a break with equal amounts: %v", i, b)
			}
		}
	}
}

func FuzzCamt(f *testing.F) {
	seed(f, "*.xml")
	f.Add([]byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry><Amt>1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-01-01</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, &statement.Options{Format: statement.FormatCamt053})
	})
}

func FuzzOFX(f *testing.F) {
	seed(f, "*.ofx", "*.qfx")
	f.Add([]byte("<OFX><STMTRS><BANKTRANLIST><STMTTRN><DTPOSTED>20260101<TRNAMT>1</STMTTRN></BANKTRANLIST></STMTRS></OFX>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, &statement.Options{Format: statement.FormatOFX})
	})
}

func FuzzMT940(f *testing.F) {
	seed(f, "*.sta")
	f.Add([]byte(":20:X\n:25:1\n:60F:C260101EUR1,\n:61:2601010101D1,NTRFNONREF\n:62F:C260101EUR0,\n-"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, &statement.Options{Format: statement.FormatMT940})
	})
}

func FuzzBAI2(f *testing.F) {
	seed(f, "*.bai")
	f.Add([]byte("01,A,B,260101,0000,1,,,2/\n02,B,A,1,260101,,USD,2/\n03,1,,010,100,,/\n16,475,1,Z,,,x/\n49,1,2/\n98,1,1,4/\n99,1,1,6/"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, &statement.Options{Format: statement.FormatBAI2})
	})
}

func FuzzCSV(f *testing.F) {
	seed(f, "*.csv")
	f.Add([]byte("date,amount,balance\n2026-01-01,(1.00),-1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, &statement.Options{Format: statement.FormatCSV})
		fuzzRead(t, data, &statement.Options{Format: statement.FormatCSV, CSV: &statement.CSVMapping{DecimalComma: true, DateLayout: "02/01/2006"}})
	})
}

func FuzzDetect(f *testing.F) {
	seed(f, "*")
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := statement.Detect(data)
		if err != nil {
			return
		}
		if _, err := statement.ParseFormat(string(format)); err != nil {
			t.Fatalf("Detect gave %q, which ParseFormat refuses", format)
		}
		fuzzRead(t, data, nil)
	})
}
