package feed_test

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

// A line the platform would refuse is set aside with the guard's reason,
// and the rest of the feed goes on; Status and NeedsAttention say so.
func ExampleEngine_NeedsAttention() {
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

	co, _ := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	conn, _ := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero)
	_, _ = c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: "acc-1", AccountName: "Checking",
		AccountType: bankfeeds.AccountTypeChecking, AccountNumber: "12345678", Currency: "GBP", Balance: bankfeeds.NewDecimal(0, 0)})
	_ = srv.CompleteLink(co.ID, conn.ID)
	id, _ := eng.AddFeed(ctx, feed.Spec{CompanyID: co.ID, ConnectionID: conn.ID, AccountID: "acc-1"})

	day := time.Now().UTC().AddDate(0, 0, -1).Truncate(24 * time.Hour)
	good := bankfeeds.BankTransaction{ID: "t1", Date: bankfeeds.NewDateTime(day.Add(9 * time.Hour)),
		Amount: bankfeeds.NewDecimal(1000, -2), Balance: bankfeeds.NewDecimal(1000, -2)}
	noBalance := bankfeeds.BankTransaction{ID: "t2", Date: bankfeeds.NewDateTime(day.Add(10 * time.Hour)),
		Amount: bankfeeds.NewDecimal(-250, -2)} // Xero needs a running balance
	_, _ = eng.Append(ctx, id, good, noBalance)

	var st *feed.Status
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err = eng.Status(ctx, id); err == nil && st.Delivered+st.SetAside == 2 {
			break
		}
	}
	if st == nil {
		fmt.Println(err)
		return
	}
	fmt.Println("delivered", st.Delivered, "set aside", st.SetAside)
	for _, l := range st.Aside {
		fmt.Println(l.ID, "set aside:", l.Reason != "")
	}
	need, _ := eng.NeedsAttention(ctx)
	fmt.Println("feeds needing a person:", len(need))
	// Output:
	// delivered 1 set aside 1
	// t2 set aside: true
	// feeds needing a person: 1
}
