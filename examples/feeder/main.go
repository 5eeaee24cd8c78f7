// Command feeder runs the feed engine the way a bank's feed service would:
// an embedded SQLite database and, in-process, the sandbox standing in for
// Codat. Twenty source accounts, four producers appending 10,000 booked
// transactions out of order, progress as they land, and a table of every
// feed at the end.
//
//	go run ./examples/feeder
//	go run ./examples/feeder -postgres postgres://postgres@localhost:5432/bankfeeds?sslmode=disable
//
// With -postgres (or BANKFEEDS_POSTGRES) it runs a second time on that
// database, through feedpg.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	opts := options{Accounts: 20, Producers: 4, Lines: 10_000}
	flag.IntVar(&opts.Accounts, "accounts", opts.Accounts, "source accounts (10 companies' worth: 2 a connection)")
	flag.IntVar(&opts.Lines, "lines", opts.Lines, "transactions in all")
	flag.IntVar(&opts.Producers, "producers", opts.Producers, "concurrent producers")
	pg := flag.String("postgres", os.Getenv("BANKFEEDS_POSTGRES"), "a PostgreSQL URL for a second run on feedpg")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "feeder")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	fmt.Println("== embedded SQLite")
	if err := runSQLite(ctx, os.Stdout, filepath.Join(dir, "feeds.db"), opts); err != nil {
		fail(err)
	}
	if *pg != "" {
		fmt.Println("\n== PostgreSQL")
		if err := runPostgres(ctx, os.Stdout, *pg, opts); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "feeder:", err)
	os.Exit(1)
}

type options struct{ Accounts, Producers, Lines int }

// engine is what the example needs of feed.Engine, whatever its database.
type engine interface {
	ClientOption() bankfeeds.Option
	Start(context.Context, *bankfeeds.Client) error
	Stop(context.Context) error
	AddFeed(context.Context, feed.Spec) (string, error)
	Append(context.Context, string, ...bankfeeds.BankTransaction) (feed.AppendResult, error)
	Pause(context.Context, string, string) error
	Resume(context.Context, string) error
	Feeds(context.Context) ([]*feed.Status, error)
}

var (
	_ engine = (*feed.Engine[*sql.Tx])(nil)
	_ engine = (*feed.Engine[pgx.Tx])(nil)
)

func runSQLite(ctx context.Context, out io.Writer, path string, o options) error {
	eng, db, err := feedsqlite.Open(ctx, path, config())
	if err != nil {
		return err
	}
	defer db.Close()
	return run(ctx, out, eng, o)
}

func runPostgres(ctx context.Context, out io.Writer, url string, o options) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	eng, err := feedpg.Open(ctx, pool, config())
	if err != nil {
		return err
	}
	return run(ctx, out, eng, o)
}

func config() feed.Config {
	return feed.Config{Workers: 8, KickInterval: time.Second, FetchPollInterval: 100 * time.Millisecond,
		Wait: bankfeeds.WaitOptions{Interval: 20 * time.Millisecond, MaxInterval: time.Second}}
}

// run is the whole example on one engine.
func run(ctx context.Context, out io.Writer, eng engine, o options) error {
	if o.Accounts < 2 || o.Lines < o.Accounts || o.Producers < 1 {
		return errors.New("need at least 2 accounts, a line per account and a producer")
	}
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(20 * time.Millisecond))
	defer srv.Close()
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), eng.ClientOption())
	if err != nil {
		return err
	}
	if err := eng.Start(ctx, c); err != nil {
		return err
	}
	defer eng.Stop(context.WithoutCancel(ctx))

	// The bank's customers: two accounts on each QBO Bank Feeds connection.
	var feeds []string
	for i := 0; i < o.Accounts; i += 2 {
		co, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "SMB " + strconv.Itoa(i/2)})
		if err != nil {
			return err
		}
		conn, err := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
		if err != nil {
			return err
		}
		for k := i; k < min(i+2, o.Accounts); k++ {
			acc := bankfeeds.SourceAccount{ID: "acc-" + strconv.Itoa(k), AccountName: "Checking " + strconv.Itoa(k),
				AccountType: bankfeeds.AccountTypeChecking, AccountNumber: strconv.Itoa(40000000 + k), Currency: "USD", Balance: bankfeeds.NewDecimal(0, 0)}
			if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, acc); err != nil {
				return err
			}
			id, err := eng.AddFeed(ctx, feed.Spec{ID: co.ID[:6] + "/" + acc.ID, CompanyID: co.ID, ConnectionID: conn.ID, AccountID: acc.ID})
			if err != nil {
				return err
			}
			feeds = append(feeds, id)
		}
		if err := srv.CompleteLink(co.ID, conn.ID); err != nil { // the SMB user links the feed
			return err
		}
	}

	// A day of bookings, appended out of order by several producers while
	// the feeds are held; QBO refuses a line older than what it holds, so
	// the backfill is let go only once it is all in.
	lines := bookings(feeds, o.Lines)
	for _, id := range feeds {
		if err := eng.Pause(ctx, id, "backfill"); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := produce(ctx, eng, lines, o.Producers); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d lines appended out of order by %d producers in %s\n", o.Lines, o.Producers, time.Since(start).Round(time.Millisecond))
	for _, id := range feeds {
		if err := eng.Resume(ctx, id); err != nil {
			return err
		}
	}
	ours := map[string]bool{}
	for _, id := range feeds {
		ours[id] = true
	}
	for {
		every, err := eng.Feeds(ctx)
		if err != nil {
			return err
		}
		var all []*feed.Status // the database may hold other runs' feeds
		for _, s := range every {
			if ours[s.ID] {
				all = append(all, s)
			}
		}
		var delivered, waiting int64
		for _, s := range all {
			delivered += s.Delivered
			waiting += s.Waiting
		}
		fmt.Fprintf(out, "%6.1fs  %5d delivered  %5d waiting\n", time.Since(start).Seconds(), delivered, waiting)
		if waiting == 0 {
			return table(out, all, srv)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

type booking struct {
	feed string
	line bankfeeds.BankTransaction
}

// bookings spreads n lines over the feeds, a minute apart in each, with
// running balances, and shuffles them all.
func bookings(feeds []string, n int) []booking {
	start := time.Now().UTC().Add(-time.Duration(n/len(feeds)+60) * time.Minute).Truncate(time.Minute)
	var out []booking
	for f, id := range feeds {
		balance := int64(0)
		for i := 0; i < n/len(feeds)+btoi(f < n%len(feeds)); i++ {
			amount := int64(1000 + (i*37)%5000)
			kind := bankfeeds.TransactionCredit
			if i%3 == 2 {
				amount, kind = -amount/2, bankfeeds.TransactionDebit
			}
			balance += amount
			out = append(out, booking{id, bankfeeds.BankTransaction{
				ID: fmt.Sprintf("%s-%05d", id, i), Date: bankfeeds.NewDateTime(start.Add(time.Duration(i) * time.Minute)),
				Description: bankfeeds.Ptr("Card payment " + strconv.Itoa(i)), Amount: bankfeeds.NewDecimal(amount, -2),
				Balance: bankfeeds.NewDecimal(balance, -2), TransactionType: kind,
			}})
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// produce appends the bookings from k goroutines, a few at a time.
func produce(ctx context.Context, eng engine, lines []booking, k int) error {
	var wg sync.WaitGroup
	errs := make(chan error, k)
	for p := 0; p < k; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := p; i < len(lines); i += k {
				if _, err := eng.Append(ctx, lines[i].feed, lines[i].line); err != nil {
					errs <- err
					return
				}
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// table prints every feed, and checks each landed in order, once.
func table(out io.Writer, all []*feed.Status, srv *bankfeedstest.Server) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "feed\tappended\tdelivered\tset aside\tchunks\thigh-water mark\tin Codat, in order\t")
	for _, s := range all {
		landed := srv.Transactions(s.CompanyID, s.ConnectionID, s.AccountID)
		ok := int64(len(landed)) == s.Delivered
		for i := 1; ok && i < len(landed); i++ {
			ok = !landed[i].Date.Before(landed[i-1].Date.Time)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%v\t\n", s.ID, s.Appended, s.Delivered, s.SetAside, s.Chunks, s.HighWaterMark.Format("2006-01-02 15:04"), ok)
		if !ok {
			defer func() {
				fmt.Fprintf(out, "feed %s: Codat holds %d lines, the engine delivered %d\n", s.ID, len(landed), s.Delivered)
			}()
		}
	}
	return tw.Flush()
}
