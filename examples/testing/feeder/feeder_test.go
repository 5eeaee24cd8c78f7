package feeder_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/examples/testing/feeder"
)

// newFeeder starts a sandbox and walks the journey up to a connected QBO
// Bank Feeds account, as the SMB user would.
func newFeeder(t *testing.T) (*feeder.Feeder, *bankfeedstest.Server) {
	t.Helper()
	srv := bankfeedstest.NewServer()
	t.Cleanup(srv.Close)
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Feeder test"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{
		ID: "acc-1", AccountName: "Checking", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "1234", Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0),
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	return &feeder.Feeder{Client: c, CompanyID: co.ID, ConnectionID: conn.ID, Platform: conn.IntegrationKey}, srv
}

// statement returns the transactions numbered from..to (inclusive), one an
// hour, with a running balance, newest first as a bank export might be.
func statement(from, to int) []bankfeeds.BankTransaction {
	base := time.Now().UTC().Add(-5 * 24 * time.Hour).Truncate(time.Hour)
	var out []bankfeeds.BankTransaction
	for i := to; i >= from; i-- {
		out = append(out, bankfeeds.BankTransaction{
			ID:          "tx-" + strconv.Itoa(i),
			Date:        bankfeeds.NewDateTime(base.Add(time.Duration(i) * time.Hour)),
			Description: bankfeeds.Ptr("Transfer " + strconv.Itoa(i)),
			Amount:      bankfeeds.NewDecimal(100, -2),
			Balance:     bankfeeds.NewDecimal(int64(i)*100, -2),
		})
	}
	return out
}

func assertLanded(t *testing.T, srv *bankfeedstest.Server, f *feeder.Feeder, n int) {
	t.Helper()
	landed := srv.Transactions(f.CompanyID, f.ConnectionID, "acc-1")
	if len(landed) != n {
		t.Fatalf("%d transactions landed, want %d", len(landed), n)
	}
	for i, tx := range landed {
		if want := "tx-" + strconv.Itoa(i+1); tx.ID != want {
			t.Fatalf("landed[%d] = %s, want %s: each once, in order", i, tx.ID, want)
		}
	}
}

func TestOverlappingStatementsLandOnce(t *testing.T) {
	f, srv := newFeeder(t)
	ctx := context.Background()
	if n, err := f.Sync(ctx, "acc-1", statement(1, 40)); err != nil || n != 40 {
		t.Fatalf("first sync: %d, %v", n, err)
	}
	if n, err := f.Sync(ctx, "acc-1", statement(30, 70)); err != nil || n != 30 {
		t.Fatalf("second sync pushed %d (want only the 30 new), %v", n, err)
	}
	if n, err := f.Sync(ctx, "acc-1", statement(1, 70)); err != nil || n != 0 {
		t.Fatalf("a repeated statement pushed %d, %v", n, err)
	}
	assertLanded(t, srv, f, 70)
}

func TestSyncUnderFaults(t *testing.T) {
	f, srv := newFeeder(t)
	srv.SetFaults(bankfeedstest.Faults{Seed: 7, ServerErrorBefore: 0.15, ServerErrorAfter: 0.15, LostAfterCommit: 0.15, RateLimit: 0.1})
	ctx := context.Background()
	for _, s := range [][2]int{{1, 25}, {20, 60}, {55, 90}} {
		if _, err := f.Sync(ctx, "acc-1", statement(s[0], s[1])); err != nil {
			t.Fatalf("sync %v: %v", s, err)
		}
	}
	assertLanded(t, srv, f, 90)
	if srv.FaultCounts().Total() == 0 {
		t.Fatal("no fault was injected: the test proves nothing")
	}
}
