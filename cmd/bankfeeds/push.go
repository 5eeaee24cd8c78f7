package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/statement"
	"github.com/spf13/cobra"
)

type pushFlags struct {
	company, connection, account string
	format, statementAccount     string
	platform, notBefore          string
	idempotencyKey               string
	batchSize                    int
	dryRun, allowBreak           bool
	csvMap, csvDateLayout        string
	csvDecimalComma              bool
	csvAccount, csvCurrency      string
	waitInterval                 time.Duration
}

func (a *app) pushCmd() *cobra.Command {
	var f pushFlags
	cmd := &cobra.Command{
		Use:   "push FILE",
		Short: "Read a statement file and push its lines to a source account",
		Long: `push reads a bank statement file (or - for standard input), checks its
balances and the ordering guard, and pushes its booked lines with PushAll:
in order, 1000 at a time, each chunk only after the one before it reached
Success. A progress bar is drawn on a terminal, plain lines otherwise.

Formats are detected from the content: camt.053 and camt.052, OFX and QFX,
MT940 and MT942, BAI2, and CSV (columns guessed from the header, or named
with --csv-map date=Booked,amount=Amount,balance=Balance,id=Ref,...).

A file holding several accounts needs --statement-account. A statement
whose balances do not chain is refused (exit 3) unless --allow-balance-break.
--dry-run reads and checks the file, prints what would be pushed and sends
nothing; with --json it prints the statements as a JSON array.

` + exitCodesHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.push(cmd.Context(), args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.company, "company", "", "company id")
	fl.StringVar(&f.connection, "connection", "", "connection id")
	fl.StringVar(&f.account, "account", "", "source account id to push to")
	fl.StringVar(&f.format, "format", "", "the file's format (camt053, camt052, ofx, mt940, mt942, bai2, csv); default: detected")
	fl.StringVar(&f.statementAccount, "statement-account", "", "push only the statements of this account (IBAN or number) in the file")
	fl.StringVar(&f.platform, "platform", "", "the connection's platform key, for its rules (default: looked up)")
	fl.StringVar(&f.notBefore, "not-before", "", "the account's high-water mark: the newest date it already holds (YYYY-MM-DD)")
	fl.StringVar(&f.idempotencyKey, "idempotency-key", "", "a key to derive each chunk's Idempotency-Key from, so a rerun resends safely")
	fl.IntVar(&f.batchSize, "batch-size", 0, "transactions a push (default and most 1000)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "read and check the file and print what would be pushed; send nothing")
	fl.BoolVar(&f.allowBreak, "allow-balance-break", false, "push even when the statement's balances do not chain")
	fl.StringVar(&f.csvMap, "csv-map", "", "CSV columns: date=...,amount=...,debit=...,credit=...,description=...,counterparty=...,reference=...,balance=...,id=...")
	fl.StringVar(&f.csvDateLayout, "csv-date-layout", "", "the CSV date's Go layout, such as 02/01/2006 (default ISO 8601)")
	fl.BoolVar(&f.csvDecimalComma, "csv-decimal-comma", false, "CSV amounts use a decimal comma (1.234,56)")
	fl.StringVar(&f.csvAccount, "csv-account", "", "the account number of a CSV statement")
	fl.StringVar(&f.csvCurrency, "csv-currency", "", "the currency of a CSV statement")
	fl.DurationVar(&f.waitInterval, "poll", 0, "first wait between polls of a push operation (default 250ms)")
	return cmd
}

func (a *app) push(ctx context.Context, file string, f *pushFlags) error {
	opts, err := f.readOptions()
	if err != nil {
		return err
	}
	stmts, err := a.readStatements(file, opts)
	if err != nil {
		return err
	}
	if stmts, err = selectAccount(stmts, f.statementAccount); err != nil {
		return err
	}
	var txns []bankfeeds.BankTransaction
	var breaks []string
	for i := range stmts {
		txns = append(txns, stmts[i].Transactions...)
		if err := stmts[i].BalanceError(); err != nil {
			breaks = append(breaks, err.Error())
		}
	}
	po := bankfeeds.PushOptions{Platform: f.platform, IdempotencyKey: f.idempotencyKey}
	if f.notBefore != "" {
		d, err := bankfeeds.ParseDateTime(f.notBefore)
		if err != nil {
			return usageErr("--not-before: %v", err)
		}
		po.NotBefore = d
	}
	if f.dryRun {
		if err := a.printDryRun(stmts, txns); err != nil {
			return err
		}
	}
	if len(breaks) > 0 && !f.allowBreak {
		if !a.json {
			for _, b := range breaks {
				fmt.Fprintln(a.stderr, b)
			}
		}
		return &exitError{exitBalances, fmt.Errorf("%s: the balances do not chain in %d statement(s); nothing pushed (--allow-balance-break pushes anyway)", file, len(breaks))}
	}
	if f.dryRun {
		if len(txns) > 0 {
			return bankfeeds.CheckTransactions(bankfeeds.SortTransactions(txns), &po)
		}
		return nil
	}
	if f.company == "" || f.connection == "" || f.account == "" {
		return usageErr("push needs --company, --connection and --account (or --dry-run)")
	}
	if len(txns) == 0 {
		return a.out(map[string]any{"pushed": 0}, func(w io.Writer) { fmt.Fprintln(w, "nothing to push: the file holds no booked lines") })
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	bar := newProgress(a.stderr, len(txns))
	o := &bankfeeds.PushAllOptions{PushOptions: po, BatchSize: f.batchSize, OnProgress: func(p bankfeeds.Progress) { bar.update(p.Pushed, p.Total) }}
	if f.waitInterval > 0 {
		o.Wait = &bankfeeds.WaitOptions{Interval: f.waitInterval, MaxInterval: 20 * f.waitInterval}
	}
	bar.start()
	res, err := c.Transactions.PushAll(ctx, f.company, f.connection, f.account, txns, o)
	bar.finish()
	if err != nil {
		var pe *bankfeeds.PushError
		if errors.As(err, &pe) && a.json {
			_ = a.out(pushFailureJSON(pe), nil)
		}
		return err
	}
	return a.out(pushResultJSON(res), func(w io.Writer) {
		fmt.Fprintf(w, "pushed %d transactions in %d push operation(s)", res.Pushed, len(res.Operations))
		if !res.HighWaterMark.IsZero() {
			fmt.Fprintf(w, "; high-water mark %s (pass it as --not-before next time)", res.HighWaterMark.Format("2006-01-02"))
		}
		fmt.Fprintln(w)
	})
}

// readOptions turns the flags into statement options.
func (f *pushFlags) readOptions() (*statement.Options, error) {
	opts := &statement.Options{}
	if f.format != "" {
		format, err := statement.ParseFormat(f.format)
		if err != nil {
			return nil, usageErr("--format: %v", err)
		}
		opts.Format = format
	}
	m := &statement.CSVMapping{DateLayout: f.csvDateLayout, DecimalComma: f.csvDecimalComma, Account: f.csvAccount, Currency: f.csvCurrency}
	if f.csvMap != "" {
		for _, kv := range strings.Split(f.csvMap, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, usageErr("--csv-map: %q is not column=header", kv)
			}
			dst := map[string]*string{"date": &m.Date, "amount": &m.Amount, "debit": &m.Debit, "credit": &m.Credit,
				"description": &m.Description, "counterparty": &m.Counterparty, "reference": &m.Reference,
				"balance": &m.Balance, "id": &m.ID}[strings.ToLower(strings.TrimSpace(k))]
			if dst == nil {
				return nil, usageErr("--csv-map: unknown column %q", k)
			}
			*dst = strings.TrimSpace(v)
		}
	}
	opts.CSV = m
	return opts, nil
}

// readStatements reads FILE, or standard input for "-".
func (a *app) readStatements(file string, opts *statement.Options) ([]statement.Statement, error) {
	in := a.stdin
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return nil, &exitError{exitUsage, err}
		}
		defer fh.Close()
		in = fh
	}
	stmts, err := statement.Read(in, opts)
	if err != nil {
		return nil, &exitError{exitUsage, fmt.Errorf("%s: %w", file, err)}
	}
	return stmts, nil
}

// selectAccount keeps the statements of one account.
func selectAccount(stmts []statement.Statement, account string) ([]statement.Statement, error) {
	if account != "" {
		var out []statement.Statement
		for _, s := range stmts {
			if s.Account == account {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, usageErr("the file holds no statement of account %q", account)
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, s := range stmts {
		seen[s.Account] = true
	}
	if len(seen) > 1 {
		var names []string
		for n := range seen {
			names = append(names, fmt.Sprintf("%q", n))
		}
		sort.Strings(names)
		return nil, usageErr("the file holds statements of %d accounts (%s): choose one with --statement-account", len(seen), strings.Join(names, ", "))
	}
	return stmts, nil
}
