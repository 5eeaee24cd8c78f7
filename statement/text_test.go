package statement_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/statement"
)

// checkUTF8 fails unless every id and text of the statements is valid
// UTF-8, as a push needs them.
func checkUTF8(t *testing.T, name string, stmts []statement.Statement) {
	t.Helper()
	for _, st := range stmts {
		for _, l := range st.Transactions {
			for _, s := range []*string{&l.ID, l.Description, l.Counterparty, l.Reference} {
				if s != nil && !utf8.ValidString(*s) {
					t.Errorf("%s: line %s hands over %q, not UTF-8", name, l.ID, *s)
				}
			}
		}
	}
}

// Every reader hands over ids and text in UTF-8, whatever the file's code
// page: text in Latin-1, Windows-1252 or another single-byte code page
// comes converted as bankfeeds.ToUTF8 does.
func TestReadersHandOverUTF8(t *testing.T) {
	for _, dir := range []string{"testdata", samplesDir(t)} {
		_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if stmts, err := statement.Parse(data, nil); err == nil {
				checkUTF8(t, p, stmts)
			}
			return nil
		})
	}
}

func TestLatin1StatementReadsAsItShould(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		format     statement.Format
	}{
		{"mt940", "{4:\n:20:STMT-1\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C260101EUR100,00\n:61:2601020102D4,50NMSCNONREF//B-1\n:86:Caf\xe9 M\xfcller \x80 5\n:62F:C260102EUR95,50\n-}\n", statement.FormatMT940},
		{"csv", "Date,Description,Amount,Balance\n2026-01-02,Caf\xe9 M\xfcller \x80 5,-4.50,95.50\n", statement.FormatCSV},
		{"bai2", "01,BANK,CUST,260102,1200,1,,,2/\n02,CUST,BANK,1,260102,,USD,2/\n03,12345,USD,010,10000,,/\n16,475,450,,B-1,,Caf\xe9 M\xfcller \x80 5\n49,10000,3/\n98,10000,1,5/\n99,10000,1,7/\n", statement.FormatBAI2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts, err := statement.Parse([]byte(tc.file), &statement.Options{Format: tc.format})
			if err != nil {
				t.Fatal(err)
			}
			if len(stmts) != 1 || len(stmts[0].Transactions) != 1 {
				t.Fatalf("read %+v", stmts)
			}
			l := stmts[0].Transactions[0]
			if l.Description == nil || *l.Description != "Café Müller € 5" {
				t.Errorf("description %q", deref(l.Description))
			}
			if again, _ := statement.Parse([]byte(tc.file), &statement.Options{Format: tc.format}); again[0].Transactions[0].ID != l.ID {
				t.Errorf("id %q, then %q", l.ID, again[0].Transactions[0].ID)
			}
			if err := bankfeeds.CheckTransactions(stmts[0].Transactions, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
