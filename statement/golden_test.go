package statement_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bankfeeds-go/bankfeeds/statement"
)

// edgeFiles are this package's own small files for the edge cases, with
// the options each is read with.
var edgeFiles = []struct {
	file string
	opts *statement.Options
}{
	{"camt053-edge.xml", nil},
	{"camt052-intraday.xml", nil},
	{"mt940-edge.sta", nil},
	{"mt942-interim.sta", nil},
	{"ofx-sgml.qfx", nil},
	{"ofx-xml.ofx", nil},
	{"bai2-edge.bai", nil},
	{"statement.csv", &statement.Options{CSV: &statement.CSVMapping{Account: "40001234", Currency: "GBP"}}},
	{"csv-newest-first.csv", &statement.Options{CSV: &statement.CSVMapping{DateLayout: "02/01/2006", DecimalComma: true, Account: "40001234", Currency: "GBP"}}},
}

// TestGolden reads each edge-case file and compares the statements, as
// JSON, with testdata/golden/<file>.json (rewrite with -update).
func TestGolden(t *testing.T) {
	for _, tc := range edgeFiles {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			stmts, err := statement.Read(f, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(stmts, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", tc.file+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./statement -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file:\n%s", tc.file, got)
			}
		})
	}
}
