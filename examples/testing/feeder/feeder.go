// Package feeder is an example of your own service built on go-bankfeeds,
// with its tests run against the bankfeedstest sandbox (see feeder_test.go).
//
// A Feeder receives bank statements that may overlap (a bank export is often
// "the last seven days") and pushes each transaction to Codat once: it keeps
// each account's high-water mark and the ids it pushed, as your own store
// would.
package feeder

import (
	"context"
	"sync"

	"github.com/bankfeeds-go/bankfeeds"
)

// Feeder pushes statements to one connection's source accounts.
type Feeder struct {
	Client       *bankfeeds.Client
	CompanyID    string
	ConnectionID string
	Platform     string // the connection's platform key

	mu       sync.Mutex
	accounts map[string]*account
}

type account struct {
	mark   bankfeeds.DateTime  // date of the newest transaction pushed
	pushed map[string]struct{} // ids pushed
}

// Sync pushes the transactions of statement that were not pushed before and
// returns how many it pushed.
func (f *Feeder) Sync(ctx context.Context, accountID string, statement []bankfeeds.BankTransaction) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock() // one sync at a time keeps each account's order
	if f.accounts == nil {
		f.accounts = map[string]*account{}
	}
	a := f.accounts[accountID]
	if a == nil {
		a = &account{pushed: map[string]struct{}{}}
		f.accounts[accountID] = a
	}
	var fresh []bankfeeds.BankTransaction
	for _, t := range statement {
		if _, done := a.pushed[t.ID]; !done {
			fresh = append(fresh, t)
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	fresh = bankfeeds.SortTransactions(fresh) // PushAll pushes in this order
	res, err := f.Client.Transactions.PushAll(ctx, f.CompanyID, f.ConnectionID, accountID, fresh, &bankfeeds.PushAllOptions{
		PushOptions: bankfeeds.PushOptions{Platform: f.Platform, NotBefore: a.mark},
	})
	if res != nil {
		// Record what was written, even when a later chunk failed: the
		// first res.Pushed transactions, in the order PushAll pushed them.
		for _, t := range fresh[:res.Pushed] {
			a.pushed[t.ID] = struct{}{}
			a.mark = t.Date
		}
	}
	if err != nil {
		return 0, err
	}
	return res.Pushed, nil
}
