// Command errors shows the errors the SDK returns and how to match them:
// input refused before sending, Codat's answers matched by status, the
// ordering guard, rate limits and your own deadline.
//
//	go run ./examples/errors
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/examples/internal/backend"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "errors:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// A small daily quota on the sandbox, to show a rate limit.
	b, err := backend.Open(out, bankfeedstest.WithDailyQuota(12))
	if err != nil {
		return err
	}
	defer b.Close()
	c := b.Client

	// 1. Bad input is refused before anything is sent.
	_, err = c.Companies.Get(ctx, "")
	var ve *bankfeeds.ValidationError
	if errors.As(err, &ve) {
		fmt.Fprintf(out, "1. refused before sending (field %s): %v\n", ve.Field, err)
	}

	// 2. Codat's answers match a sentinel by status, and carry Codat's
	// message and the correlation id to quote to support.
	_, err = c.Companies.Get(ctx, "7a7d1b42-0000-4000-8000-000000000000")
	var apiErr *bankfeeds.APIError
	if errors.Is(err, bankfeeds.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Fprintf(out, "2. not found (status %d, correlation id present: %t)\n   %v\n", apiErr.StatusCode, apiErr.CorrelationID != "", err)
	}

	// 3. The ordering guard checks a push before it is sent: Xero needs a
	// running balance on every line.
	txns := []bankfeeds.BankTransaction{
		{ID: "t1", Date: bankfeeds.NewDateTime(time.Now().Add(-time.Hour)), Amount: bankfeeds.NewDecimal(-999, -2)},
	}
	_, err = c.Transactions.Push(ctx, "company", "connection", "account", txns, &bankfeeds.PushOptions{Platform: bankfeeds.PlatformXero})
	if errors.As(err, &ve) {
		fmt.Fprintf(out, "3. the guard refused transaction %d: %s %s\n", ve.Index, ve.Field, ve.Reason)
	}

	// 4. A rate limit: the client waits for Retry-After when it is short,
	// and otherwise returns ErrRateLimited at once with RetryAfter set.
	if b.Sandbox != nil {
		for i := 0; i < 20; i++ {
			_, err = c.Companies.List(ctx, nil)
			if errors.Is(err, bankfeeds.ErrRateLimited) && errors.As(err, &apiErr) {
				fmt.Fprintf(out, "4. rate limited after %d calls; Codat asks to wait %s\n", i, apiErr.RetryAfter)
				break
			}
		}
	}

	// 5. Your deadline ends a call, retries included.
	short, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-short.Done()
	_, err = c.Companies.List(short, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(out, "5. the context's deadline passed: %v\n", err)
	}
	return nil
}
