package bankfeedstest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// The sandbox under faults: server errors and lost answers on a third of
// the requests, and PushAll still lands each line exactly once, in order.
func ExampleServer_SetFaults() {
	ctx := context.Background()
	srv := bankfeedstest.NewServer()
	defer srv.Close()
	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 10*time.Millisecond))

	co, _ := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	conn, _ := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero)
	_, _ = c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: "acc-1", AccountName: "Checking",
		AccountType: bankfeeds.AccountTypeChecking, AccountNumber: "12345678", Currency: "GBP", Balance: bankfeeds.NewDecimal(0, 0)})
	_ = srv.CompleteLink(co.ID, conn.ID)

	day := srv.Now().UTC().AddDate(0, 0, -1).Truncate(24 * time.Hour)
	var txns []bankfeeds.BankTransaction
	for i := range 30 {
		txns = append(txns, bankfeeds.BankTransaction{ID: fmt.Sprintf("t%02d", i),
			Date:   bankfeeds.NewDateTime(day.Add(time.Duration(i) * time.Minute)),
			Amount: bankfeeds.NewDecimal(100, -2), Balance: bankfeeds.NewDecimal(int64(100*(i+1)), -2)})
	}

	srv.SetFaults(bankfeedstest.Faults{Seed: 7, ServerErrorBefore: 0.15, ServerErrorAfter: 0.1, LostAfterCommit: 0.1})
	res, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "acc-1", txns, &bankfeeds.PushAllOptions{BatchSize: 10})
	srv.SetFaults(bankfeedstest.Faults{})
	if err != nil {
		fmt.Println(err)
		return
	}
	landed := srv.Transactions(co.ID, conn.ID, "acc-1")
	fmt.Println("pushed", res.Pushed, "landed", len(landed), "last", landed[len(landed)-1].ID, landed[len(landed)-1].Balance)
	// Output:
	// pushed 30 landed 30 last t29 30.00
}
