// Command quickstart runs the whole bank-feeds journey: a company, a
// connection to QuickBooks Online Bank Feeds, a source account, the user's
// authorisation, 2,500 shuffled transactions pushed in order with progress,
// the push operations listed, and clean-up.
//
// It runs against the embedded sandbox unless CODAT_API_KEY is set:
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -platform gbol -transactions 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/examples/internal/backend"
)

func main() {
	platform := flag.String("platform", bankfeeds.PlatformQuickBooksOnlineBankFeeds, "platform key: hcws (QBO Bank Feeds), olpr (Sage), gbol (Xero), akxx, fbrh, qudb")
	n := flag.Int("transactions", 2500, "how many transactions to push")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, *platform, *n); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, platform string, n int) error {
	b, err := backend.Open(out)
	if err != nil {
		return err
	}
	defer b.Close()
	c := b.Client

	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores", Description: "go-bankfeeds quickstart"})
	if err != nil {
		return fmt.Errorf("creating the company: %w", err)
	}
	fmt.Fprintf(out, "1. company %q created\n", co.Name)
	defer func() {
		// Clean up even when a step fails.
		if err := c.Companies.Delete(context.WithoutCancel(ctx), co.ID); err != nil {
			fmt.Fprintln(out, "clean-up failed:", err)
			return
		}
		fmt.Fprintln(out, "7. company deleted")
	}()

	conn, err := c.Connections.Create(ctx, co.ID, platform)
	if err != nil {
		return fmt.Errorf("creating the connection: %w", err)
	}
	fmt.Fprintf(out, "2. connection to %s: %s\n", conn.PlatformName, conn.Status)

	const accountID = "acc-checking-001"
	opening := bankfeeds.NewDecimal(2_500_000, -2) // 25,000.00
	results, err := c.SourceAccounts.CreateBatch(ctx, co.ID, conn.ID, []bankfeeds.SourceAccount{{
		ID: accountID, AccountName: "Business checking", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "01120912", Currency: "USD", Balance: opening,
	}})
	if err != nil {
		return fmt.Errorf("creating the source account: %w", err)
	}
	for _, r := range results {
		if !r.Created() {
			return fmt.Errorf("source account %s: %d %s", r.SourceAccountID, r.StatusCode, r.Error)
		}
	}
	fmt.Fprintf(out, "3. source account %s created\n", accountID)

	if err := b.Authorise(ctx, conn, co.ID); err != nil {
		return err
	}
	accts, err := c.SourceAccounts.List(ctx, co.ID, conn.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "4. the user authorised the connection: account %s is %s\n", accts[0].ID, accts[0].Status)

	txns := statement(n, opening, time.Now())
	fmt.Fprintf(out, "5. pushing %d transactions (shuffled; the SDK sorts them)\n", len(txns))
	res, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, accountID, txns, &bankfeeds.PushAllOptions{
		PushOptions: bankfeeds.PushOptions{Platform: conn.IntegrationKey},
		Wait:        &bankfeeds.WaitOptions{Interval: 20 * time.Millisecond},
		OnProgress: func(p bankfeeds.Progress) {
			fmt.Fprintf(out, "   chunk %d/%d: %d/%d pushed (push operation %s)\n", p.Chunk+1, p.Chunks, p.Pushed, p.Total, p.Operation.Status)
		},
	})
	if err != nil {
		return fmt.Errorf("pushing: %w", err)
	}

	ops := 0
	for _, err := range c.Transactions.AllOperations(ctx, co.ID, &bankfeeds.ListOptions{Query: "status=Success", OrderBy: "requestedOnUtc"}) {
		if err != nil {
			return err
		}
		ops++
	}
	fmt.Fprintf(out, "6. %d transactions pushed in %d push operations; Codat lists %d successful\n", res.Pushed, len(res.Operations), ops)
	if b.Sandbox != nil {
		landed := b.Sandbox.Transactions(co.ID, conn.ID, accountID)
		last := landed[len(landed)-1]
		fmt.Fprintf(out, "   the sandbox holds %d transactions, oldest first; closing balance %s\n", len(landed), last.Balance)
	}
	return nil
}

// statement makes n transactions over the last five days with a running
// balance, then shuffles them, as a bank's export might arrive.
func statement(n int, opening bankfeeds.Decimal, now time.Time) []bankfeeds.BankTransaction {
	r := rand.New(rand.NewPCG(2026, 11))
	start := now.UTC().Add(-5 * 24 * time.Hour).Truncate(time.Second)
	step := 5 * 24 * time.Hour / time.Duration(n+1)
	balance := opening
	txns := make([]bankfeeds.BankTransaction, n)
	for i := range txns {
		cents := int64(r.IntN(100_000)) - 45_000 // -450.00 to +549.99
		amount := bankfeeds.NewDecimal(cents, -2)
		balance = balance.Add(amount)
		kind := bankfeeds.TransactionDebit
		if cents > 0 {
			kind = bankfeeds.TransactionCredit
		}
		txns[i] = bankfeeds.BankTransaction{
			ID:              "txn-" + strconv.Itoa(i+1),
			Date:            bankfeeds.NewDateTime(start.Add(time.Duration(i+1) * step)),
			Description:     bankfeeds.Ptr("Card payment " + strconv.Itoa(i+1)),
			Amount:          amount,
			Balance:         balance,
			TransactionType: kind,
		}
	}
	r.Shuffle(len(txns), func(i, j int) { txns[i], txns[j] = txns[j], txns[i] })
	return txns
}
