package statement_test

import (
	"fmt"
	"strings"

	"github.com/bankfeeds-go/bankfeeds/statement"
)

func ExampleRead() {
	mt940 := `:20:STMT-1
:25:NL91ABNA0417164300
:28C:1/1
:60F:C260301EUR100,00
:61:2603010301D25,50NTRFNONREF//B-1
:86:Coffee beans
:61:2603020302C4,50NTRFINV-9
:86:Refund
:62F:C260302EUR79,00
-`
	stmts, err := statement.Read(strings.NewReader(mt940), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := stmts[0]
	fmt.Println(s.Format, s.Account, s.Currency, s.Opening.Amount, "->", s.Closing.Amount)
	for _, t := range s.Transactions {
		fmt.Println(t.ID, t.Date.Format("2006-01-02"), t.Amount, t.Balance, *t.Description)
	}
	fmt.Println("balances chain:", s.BalanceError() == nil)
	// Output:
	// mt940 NL91ABNA0417164300 EUR 100.00 -> 79.00
	// B-1 2026-03-01 -25.50 74.50 Coffee beans
	// 20260302-INV-9 2026-03-02 4.50 79.00 Refund
	// balances chain: true
}

func ExampleStatement_BalanceError() {
	csv := "date,amount,balance\n2026-03-01,10.00,110.00\n2026-03-02,-5.00,104.00\n"
	stmts, err := statement.Read(strings.NewReader(csv), &statement.Options{CSV: &statement.CSVMapping{Account: "12345678", Currency: "GBP"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(stmts[0].BalanceError())
	// Output:
	// statement: balances of account "12345678" (line 1) do not chain: intermediate balance 104.00 (line 3) but the running balance is 105.00, off by -1.00, after line 2 (id 20260302-cade8bc26a5f5ad493a5)
}

func ExampleDetect() {
	f, _ := statement.Detect([]byte("OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>"))
	fmt.Println(f)
	// Output: ofx
}
