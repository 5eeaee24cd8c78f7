package feedsqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
)

// An engine on an embedded SQLite file delivers a feed's lines, appended
// in any order, to Codat (here the sandbox) in date order, exactly once.
func ExampleOpen() {
	ctx := context.Background()
	srv := bankfeedstest.NewServer()
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "feeds")
	defer os.RemoveAll(dir)

	eng, db, err := feedsqlite.Open(ctx, filepath.Join(dir, "feeds.db"), feed.Config{FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), eng.ClientOption())
	if err := eng.Start(ctx, c); err != nil {
		fmt.Println(err)
		return
	}
	defer eng.Stop(ctx)

	// A company with a Xero connection and one linked source account.
	co, _ := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	conn, _ := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero)
	_, _ = c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: "acc-1", AccountName: "Checking",
		AccountType: bankfeeds.AccountTypeChecking, AccountNumber: "12345678", Currency: "GBP", Balance: bankfeeds.NewDecimal(0, 0)})
	_ = srv.CompleteLink(co.ID, conn.ID)

	id, err := eng.AddFeed(ctx, feed.Spec{CompanyID: co.ID, ConnectionID: conn.ID, AccountID: "acc-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	day := time.Now().UTC().AddDate(0, 0, -1).Truncate(24 * time.Hour)
	line := func(id string, hour int, amount, balance int64) bankfeeds.BankTransaction {
		return bankfeeds.BankTransaction{ID: id, Date: bankfeeds.NewDateTime(day.Add(time.Duration(hour) * time.Hour)),
			Amount: bankfeeds.NewDecimal(amount, -2), Balance: bankfeeds.NewDecimal(balance, -2)}
	}
	// Booked out of order, one of them twice.
	res, _ := eng.Append(ctx, id, line("t3", 15, -500, 1500), line("t1", 9, 1000, 1000), line("t2", 11, 1000, 2000), line("t1", 9, 1000, 1000))
	fmt.Println("added", res.Added, "duplicates", res.Duplicates)

	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s, err := eng.Status(ctx, id); err == nil && s.Delivered == 3 {
			break
		}
	}
	for _, t := range srv.Transactions(co.ID, conn.ID, "acc-1") {
		fmt.Println(t.ID, t.Amount)
	}
	// Output:
	// added 3 duplicates 1
	// t1 10.00
	// t2 10.00
	// t3 -5.00
}
