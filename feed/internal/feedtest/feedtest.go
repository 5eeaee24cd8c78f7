// Package feedtest builds sandbox worlds for the feed engine's tests,
// benchmarks and example: companies, connections and connected source
// accounts, statements with running balances, and the check that every
// line landed exactly once, in order.
package feedtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// Account is one connected source account of the sandbox.
type Account struct {
	CompanyID, ConnectionID, AccountID, Platform string
}

// Setup creates companies, each with one connection to platform and
// accounts source accounts on it, and links them all. The client should
// not carry a budget that needs a started engine.
func Setup(ctx context.Context, c *bankfeeds.Client, srv *bankfeedstest.Server, companies, accounts int, platform string) ([]Account, error) {
	var out []Account
	for i := 0; i < companies; i++ {
		co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Feed test " + strconv.Itoa(i)})
		if err != nil {
			return nil, err
		}
		conn, err := c.Connections.Create(ctx, co.ID, platform)
		if err != nil {
			return nil, err
		}
		for k := 0; k < accounts; k++ {
			id := fmt.Sprintf("acc-%d-%d", i, k)
			if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{
				ID: id, AccountName: "Checking " + id, AccountType: bankfeeds.AccountTypeChecking,
				AccountNumber: strconv.Itoa(10000000 + i*100 + k), Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0),
			}); err != nil {
				return nil, err
			}
			out = append(out, Account{CompanyID: co.ID, ConnectionID: conn.ID, AccountID: id, Platform: platform})
		}
		if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Statement returns n lines of an account, oldest first, with a running
// balance, dated from start one every step: what must land, in this
// order. Ids are unique across accounts.
func Statement(a Account, n int, start time.Time, step time.Duration) []bankfeeds.BankTransaction {
	return Range(a, 0, n, start, step)
}

// Range is lines from..from+n-1 of the statement Statement starts, the
// first dated start.
func Range(a Account, from, n int, start time.Time, step time.Duration) []bankfeeds.BankTransaction {
	out := make([]bankfeeds.BankTransaction, n)
	balance := int64(0)
	for k := range out {
		i := from + k
		amount := int64(100 + i%7*25)
		if i%3 == 2 {
			amount = -amount
		}
		balance += amount
		out[k] = bankfeeds.BankTransaction{
			ID:              fmt.Sprintf("%s-%s-%06d", a.ConnectionID[:8], a.AccountID, i),
			Date:            bankfeeds.NewDateTime(start.Add(time.Duration(k) * step).UTC().Truncate(time.Millisecond)),
			Description:     bankfeeds.Ptr("Line " + strconv.Itoa(i)),
			Amount:          bankfeeds.NewDecimal(amount, -2),
			Balance:         bankfeeds.NewDecimal(balance, -2),
			TransactionType: bankfeeds.TransactionCredit,
		}
		if amount < 0 {
			out[k].TransactionType = bankfeeds.TransactionDebit
		}
	}
	return out
}

// Shuffled returns a shuffled copy.
func Shuffled(lines []bankfeeds.BankTransaction, seed uint64) []bankfeeds.BankTransaction {
	out := append([]bankfeeds.BankTransaction(nil), lines...)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// CheckLanded reports the first way the account's landed lines differ
// from want: each line exactly once, in want's order, with its amount.
func CheckLanded(srv *bankfeedstest.Server, a Account, want []bankfeeds.BankTransaction) error {
	got := srv.Transactions(a.CompanyID, a.ConnectionID, a.AccountID)
	seen := make(map[string]int, len(got))
	for i := range got {
		if j, dup := seen[got[i].ID]; dup {
			return fmt.Errorf("account %s: line %s landed twice (at %d and %d)", a.AccountID, got[i].ID, j, i)
		}
		seen[got[i].ID] = i
	}
	for i := range want {
		if i >= len(got) {
			return fmt.Errorf("account %s: %d of %d lines landed; first missing %s", a.AccountID, len(got), len(want), want[i].ID)
		}
		if got[i].ID != want[i].ID {
			return fmt.Errorf("account %s: landed[%d] is %s, want %s (out of order or lost)", a.AccountID, i, got[i].ID, want[i].ID)
		}
		if got[i].Amount.Cmp(want[i].Amount) != 0 {
			return fmt.Errorf("account %s: line %s landed with amount %s, want %s", a.AccountID, want[i].ID, got[i].Amount, want[i].Amount)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("account %s: %d lines landed, want %d", a.AccountID, len(got), len(want))
	}
	return nil
}

// CheckOperations reports a push that broke the rules of settling: each
// line must be held by exactly one push operation that ended Success, and
// by no other operation unless that one ended Failed (nothing of it was
// written, so a resend under a new key was allowed). It returns the
// number of operations seen.
func CheckOperations(srv *bankfeedstest.Server, companyID string) (int, error) {
	ops := srv.PushOperations(companyID)
	success := map[string]string{}
	n := 0
	for _, op := range ops {
		if op.DataType != "" && op.DataType != "bankTransactions" {
			continue
		}
		n++
		if op.Status == bankfeeds.PushStatusFailed {
			continue
		}
		if op.Status != bankfeeds.PushStatusSuccess {
			return n, fmt.Errorf("push operation %s ended %s", op.PushOperationKey, op.Status)
		}
		for _, c := range op.Changes {
			if c.RecordRef == nil {
				continue
			}
			if prev, dup := success[c.RecordRef.ID]; dup {
				return n, fmt.Errorf("line %s was written by push operations %s and %s", c.RecordRef.ID, prev, op.PushOperationKey)
			}
			success[c.RecordRef.ID] = op.PushOperationKey
		}
	}
	return n, nil
}
