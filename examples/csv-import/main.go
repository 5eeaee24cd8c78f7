// Command csv-import pushes a CSV bank statement (id, date, description,
// amount, balance) to a source account. The rows may be in any order: the
// SDK sorts them oldest first and checks them before anything is sent.
//
//	go run ./examples/csv-import                       # the sample statement
//	go run ./examples/csv-import -file statement.csv   # your own
package main

import (
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/examples/internal/backend"
)

//go:embed statement.csv
var sample string

func main() {
	file := flag.String("file", "", "CSV statement to push (default: the sample)")
	platform := flag.String("platform", bankfeeds.PlatformNetSuite, "platform key of the connection to create")
	flag.Parse()
	in := io.Reader(strings.NewReader(sample))
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "csv-import:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, in, *platform); err != nil {
		fmt.Fprintln(os.Stderr, "csv-import:", err)
		os.Exit(1)
	}
}

// readStatement reads the CSV into transactions, exactly: amounts and
// balances as decimals, dates as local date-times.
func readStatement(in io.Reader) ([]bankfeeds.BankTransaction, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = 5
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	if strings.Join(header, ",") != "id,date,description,amount,balance" {
		return nil, errors.New("the header must be id,date,description,amount,balance")
	}
	var txns []bankfeeds.BankTransaction
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return txns, nil
		}
		if err != nil {
			return nil, err
		}
		date, err := bankfeeds.ParseDateTime(rec[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		amount, err := bankfeeds.ParseDecimal(rec[3])
		if err != nil {
			return nil, fmt.Errorf("line %d: amount: %w", line, err)
		}
		t := bankfeeds.BankTransaction{ID: rec[0], Date: date, Description: bankfeeds.Ptr(rec[2]), Amount: amount}
		if rec[4] != "" {
			if t.Balance, err = bankfeeds.ParseDecimal(rec[4]); err != nil {
				return nil, fmt.Errorf("line %d: balance: %w", line, err)
			}
		}
		txns = append(txns, t)
	}
}

func run(ctx context.Context, out io.Writer, in io.Reader, platform string) error {
	txns, err := readStatement(in)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "read %d transactions\n", len(txns))

	b, err := backend.Open(out)
	if err != nil {
		return err
	}
	defer b.Close()
	c := b.Client
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "CSV import demo"})
	if err != nil {
		return err
	}
	defer func() { _ = c.Companies.Delete(context.WithoutCancel(ctx), co.ID) }()
	conn, err := c.Connections.Create(ctx, co.ID, platform)
	if err != nil {
		return err
	}
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{
		ID: "csv-account", AccountName: "Operating account", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "40001234", Currency: "GBP", SortCode: bankfeeds.Ptr("40-00-01"), Balance: bankfeeds.NewDecimal(0, 0),
	}); err != nil {
		return err
	}
	if err := b.Authorise(ctx, conn, co.ID); err != nil {
		return err
	}
	res, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "csv-account", txns, &bankfeeds.PushAllOptions{
		PushOptions: bankfeeds.PushOptions{Rules: &bankfeeds.PushRules{RequireBalance: true, CheckRunningBalance: true}},
		Wait:        &bankfeeds.WaitOptions{Interval: 20 * time.Millisecond},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pushed %d transactions in %d push operation(s)\n", res.Pushed, len(res.Operations))
	if b.Sandbox != nil {
		for _, t := range b.Sandbox.Transactions(co.ID, conn.ID, "csv-account") {
			fmt.Fprintf(out, "  %s  %-8s %10s %10s  %s\n", t.Date.Format("2006-01-02 15:04"), t.ID, t.Amount, t.Balance, *t.Description)
		}
	}
	return nil
}
