// Command migrate brings a feed engine's database (River's tables and the
// engine's) up to date and does nothing else: run it once before a rolling
// deploy of a new release, so its processes start on a database they know.
//
//	go run ./examples/migrate -postgres 'postgres://user@host/db'
//	go run ./examples/migrate -sqlite feeds.db
//
// A database a newer release migrated is refused (feed.ErrSchemaTooNew).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	pg := flag.String("postgres", "", "the PostgreSQL database's URL")
	lite := flag.String("sqlite", "", "the SQLite database's path")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *pg, *lite); err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
}

// run migrates the database one of pg and lite names.
func run(ctx context.Context, out io.Writer, pg, lite string) error {
	switch {
	case (pg == "") == (lite == ""):
		return errors.New("give one of -postgres URL and -sqlite PATH")
	case pg != "":
		pool, err := pgxpool.New(ctx, pg)
		if err != nil {
			return err
		}
		defer pool.Close()
		if err := feedpg.Migrate(ctx, pool); err != nil {
			return err
		}
	default:
		if err := feedsqlite.Migrate(ctx, lite); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "the feed engine's tables are at version %d\n", feed.SchemaVersion())
	return nil
}
