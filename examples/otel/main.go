// Command otel pushes a bank statement to the embedded sandbox with
// OpenTelemetry wired in: spans and metrics go to stdout through the SDK's
// stdout exporters, as JSON. Swap the exporters for OTLP ones to send them
// to a collector.
//
//	go run ./examples/otel                    # 2,500 transactions
//	go run ./examples/otel -faults=false -transactions 500
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	n := flag.Int("transactions", 2500, "how many transactions to push")
	faults := flag.Bool("faults", true, "make the sandbox answer some requests 500 or 429")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, os.Stderr, *n, *faults); err != nil {
		fmt.Fprintln(os.Stderr, "otel:", err)
		os.Exit(1)
	}
}

// run writes the spans and then the metrics to telemetry, as JSON, and a
// summary to out.
func run(ctx context.Context, telemetry, out io.Writer, n int, faults bool) (err error) {
	// The SDK, as an application sets it up once at start.
	spans, err := stdouttrace.New(stdouttrace.WithWriter(telemetry))
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(spans))
	metrics, err := stdoutmetric.New(stdoutmetric.WithWriter(telemetry))
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics)))
	defer func() {
		// Flush: the spans first, then one collection of the metrics.
		shutdown := context.WithoutCancel(ctx)
		if e := tp.Shutdown(shutdown); e != nil && err == nil {
			err = e
		}
		if e := mp.Shutdown(shutdown); e != nil && err == nil {
			err = e
		}
	}()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(propagation.TraceContext{})

	srv := bankfeedstest.NewServer(bankfeedstest.WithDailyQuota(10_000))
	defer srv.Close()
	// Hooks() uses the global providers and propagator set above.
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL),
		bankfeeds.WithRetryWait(5*time.Millisecond, time.Second),
		bankfeeds.WithHooks(otelbankfeeds.Hooks()))
	if err != nil {
		return err
	}

	ctx, span := otel.Tracer("example/otel").Start(ctx, "import statement")
	defer span.End()
	co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
	if err != nil {
		return err
	}
	conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		return err
	}
	const accountID = "acc-checking-001"
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{ID: accountID, AccountName: "Business checking",
		AccountType: bankfeeds.AccountTypeChecking, AccountNumber: "01120912", Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0)}); err != nil {
		return err
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		return err
	}
	if faults {
		srv.SetFaults(bankfeedstest.Faults{Seed: 1, ServerErrorBefore: 0.1, RateLimit: 0.1, RetryAfter: 0})
	}
	res, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, accountID, statement(n, time.Now()),
		// Chunks of 100 give the faults requests to strike.
		&bankfeeds.PushAllOptions{BatchSize: 100, Wait: &bankfeeds.WaitOptions{Interval: 10 * time.Millisecond}})
	srv.SetFaults(bankfeedstest.Faults{})
	if err != nil {
		return err
	}
	fc := srv.FaultCounts()
	fmt.Fprintf(out, "pushed %d transactions in %d push operations; the sandbox answered %d requests 500 and %d 429\n",
		res.Pushed, len(res.Operations), fc.ServerErrorBefore, fc.RateLimit)
	return nil
}

// statement is n transactions over the last five days, with a running
// balance.
func statement(n int, now time.Time) []bankfeeds.BankTransaction {
	start := now.UTC().Add(-5 * 24 * time.Hour).Truncate(time.Second)
	step := 4 * 24 * time.Hour / time.Duration(n+1)
	balance := bankfeeds.NewDecimal(0, 0)
	txns := make([]bankfeeds.BankTransaction, n)
	for i := range txns {
		amount := bankfeeds.NewDecimal(int64(i%9*1000-3500), -2)
		balance = balance.Add(amount)
		txns[i] = bankfeeds.BankTransaction{
			ID: "txn-" + strconv.Itoa(i+1), Date: bankfeeds.NewDateTime(start.Add(time.Duration(i+1) * step)),
			Description: bankfeeds.Ptr("Card payment " + strconv.Itoa(i+1)),
			Amount:      amount, Balance: balance, TransactionType: bankfeeds.TransactionDebit,
		}
	}
	return txns
}
