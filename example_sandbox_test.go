package bankfeeds_test

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// The whole journey against the sandbox: a company, a QBO Bank Feeds
// connection, a source account the user connects, and a push of 2,500
// transactions in order.
func ExampleTransactionsService_PushAll() {
	srv := bankfeedstest.NewServer()
	defer srv.Close()
	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	ctx := context.Background()

	co, _ := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	conn, _ := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	_, _ = c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{
		ID: "acc-1", AccountName: "Checking", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "0101", Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0),
	})
	_ = srv.CompleteLink(co.ID, conn.ID) // the user authorises and maps the account

	start := time.Now().UTC().Add(-72 * time.Hour)
	txns := make([]bankfeeds.BankTransaction, 2500)
	for i := range txns {
		txns[i] = bankfeeds.BankTransaction{
			ID:          "tx-" + strconv.Itoa(i),
			Date:        bankfeeds.NewDateTime(start.Add(time.Duration(i) * time.Minute)),
			Description: bankfeeds.Ptr("Card payment " + strconv.Itoa(i)),
			Amount:      bankfeeds.NewDecimal(100, -2),
			Balance:     bankfeeds.NewDecimal(int64(i+1)*100, -2),
		}
	}
	res, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "acc-1", txns, &bankfeeds.PushAllOptions{
		OnProgress: func(p bankfeeds.Progress) { fmt.Printf("chunk %d of %d: %d pushed\n", p.Chunk+1, p.Chunks, p.Pushed) },
		Wait:       &bankfeeds.WaitOptions{Interval: 10 * time.Millisecond},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	landed := srv.Transactions(co.ID, conn.ID, "acc-1")
	fmt.Println(res.Pushed, "pushed;", len(landed), "landed; closing balance", landed[len(landed)-1].Balance)
	// Output:
	// chunk 1 of 3: 1000 pushed
	// chunk 2 of 3: 2000 pushed
	// chunk 3 of 3: 2500 pushed
	// 2500 pushed; 2500 landed; closing balance 2500.00
}

// All pages lazily through every company.
func ExampleCompaniesService_All() {
	srv := bankfeedstest.NewServer()
	defer srv.Close()
	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		_, _ = c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Shop " + strconv.Itoa(i)})
	}
	opts := &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{PageSize: 2, OrderBy: "-name"}}
	for co, err := range c.Companies.All(ctx, opts) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(co.Name)
	}
	// Output:
	// Shop 5
	// Shop 4
	// Shop 3
	// Shop 2
	// Shop 1
}
