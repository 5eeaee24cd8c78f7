// Command webhook-wait shows a service that waits for Codat's webhooks
// instead of polling: it pushes transactions only once
// bankFeeds.sourceAccount.connected says the account is connected, and
// learns that the push landed from bankTransactions.write.successful.
//
// The service runs its webhook endpoint (webhooks.NewHandler) on a loopback
// port and registers it with the embedded sandbox, which signs and delivers
// the events as Codat does: late, retried and now and then twice. The
// handler verifies each delivery and drops the copies.
//
//	go run ./examples/webhook-wait
//
// With CODAT_API_KEY set it only says what to do: Codat delivers webhooks to
// endpoints configured in the Codat Portal.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/examples/internal/backend"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-wait:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	if os.Getenv("CODAT_API_KEY") != "" {
		fmt.Fprintln(out, "webhook-wait runs against the embedded sandbox only. With Codat, configure webhooks in the Codat Portal:")
		fmt.Fprintln(out, "  add an endpoint (your service's HTTPS URL), subscribe it to bankFeeds.sourceAccount.connected and")
		fmt.Fprintln(out, "  bankTransactions.write.successful/unsuccessful, and give its signing secret (whsec_...) to webhooks.NewHandler.")
		return nil
	}
	b, err := backend.Open(out)
	if err != nil {
		return err
	}
	defer b.Close()
	c, srv := b.Client, b.Sandbox

	// The service's webhook endpoint. With Codat, the secret comes from the
	// Portal; the sandbox takes any secret it is given.
	secret := webhooks.NewSecret()
	inbox := make(chan *webhooks.Event, 16)
	var handled atomic.Int32
	h, err := webhooks.NewHandler(secret, func(ctx context.Context, e *webhooks.Event) error {
		handled.Add(1)
		select {
		case inbox <- e:
			return nil
		case <-ctx.Done():
			return ctx.Err() // answers 500: the event is delivered again
		}
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /codat/webhooks", h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	endpoint := "http://" + ln.Addr().String() + "/codat/webhooks"
	// Subscribe to the events this service acts on, as a Codat endpoint would.
	if err := srv.SetWebhook(endpoint, secret, webhooks.EventSourceAccountConnected,
		webhooks.EventBankTransactionsWriteSuccessful, webhooks.EventBankTransactionsWriteUnsuccessful); err != nil {
		return err
	}
	// Misbehave as Codat may: some webhooks arrive twice.
	srv.SetFaults(bankfeedstest.Faults{Seed: 4, WebhookDuplicate: 0.5})
	fmt.Fprintf(out, "1. webhook endpoint %s registered with the sandbox\n", endpoint)

	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	if err != nil {
		return err
	}
	conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero)
	if err != nil {
		return err
	}
	const accountID = "acc-001"
	opening := bankfeeds.NewDecimal(100_000, -2) // 1,000.00
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{
		ID: accountID, AccountName: "Business current account", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "12345678", SortCode: bankfeeds.Ptr("040004"), Currency: "GBP", Balance: opening,
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "2. company %q, %s connection %s, source account %s\n", co.Name, conn.PlatformName, conn.Status, accountID)

	// The user authorises the connection and maps the account behind
	// conn.LinkURL; here the sandbox plays the user. Nothing is pushed
	// until Codat says the account is connected.
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		return err
	}
	e, err := waitFor(ctx, inbox, func(e *webhooks.Event) bool {
		p, ok := e.Payload.(*webhooks.SourceAccountPayload)
		return ok && e.Type == webhooks.EventSourceAccountConnected && p.ConnectionID == conn.ID && p.SourceAccount.ID == accountID
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "3. webhook %s: account %s is %s\n", e.Type, accountID, e.Payload.(*webhooks.SourceAccountPayload).SourceAccount.Status)

	now := time.Now()
	balance := opening
	var txns []bankfeeds.BankTransaction
	for i, cents := range []int64{-1250, 4000, -899} {
		amount := bankfeeds.NewDecimal(cents, -2)
		balance = balance.Add(amount)
		txns = append(txns, bankfeeds.BankTransaction{
			ID: fmt.Sprintf("txn-%d", i+1), Date: bankfeeds.NewDateTime(now.Add(time.Duration(i-3) * time.Hour)),
			Description: bankfeeds.Ptr("Card payment"), Amount: amount, Balance: balance,
		})
	}
	op, err := c.Transactions.Push(ctx, co.ID, conn.ID, accountID, txns, &bankfeeds.PushOptions{Platform: conn.IntegrationKey})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "4. pushed %d transactions: push operation %s is %s\n", len(txns), op.PushOperationKey, op.Status)

	e, err = waitFor(ctx, inbox, func(e *webhooks.Event) bool {
		p, ok := e.Payload.(*webhooks.WritePayload)
		return ok && p.ID == op.PushOperationKey
	})
	if err != nil {
		return err
	}
	if e.Type != webhooks.EventBankTransactionsWriteSuccessful {
		return fmt.Errorf("push operation %s: %s", op.PushOperationKey, e.Type)
	}
	fmt.Fprintf(out, "5. webhook %s: push operation %s is %s\n", e.Type, op.PushOperationKey, e.Payload.(*webhooks.WritePayload).Status)

	// Let the sandbox finish (a duplicate may be on its way), then compare.
	for srv.WebhookCounts().Pending > 0 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	n := srv.WebhookCounts()
	fmt.Fprintf(out, "6. the sandbox delivered %d events, %d of them twice; the handler ran %d times\n", n.Delivered, n.Duplicates, handled.Load())
	return nil
}

// waitFor returns the first event from inbox that match accepts, skipping
// the others, or fails when ctx ends.
func waitFor(ctx context.Context, inbox <-chan *webhooks.Event, match func(*webhooks.Event) bool) (*webhooks.Event, error) {
	for {
		select {
		case e := <-inbox:
			if match(e) {
				return e, nil
			}
		case <-ctx.Done():
			return nil, errors.New("no webhook came: " + ctx.Err().Error())
		}
	}
}
