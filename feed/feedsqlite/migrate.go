package feedsqlite

import (
	"context"
	"errors"

	"github.com/bankfeeds-go/bankfeeds/feed"
)

// Migrate brings River's tables and the engine's in the SQLite database at
// path up to date (creating it if need be), and nothing else; Open runs it
// too. It refuses a database a newer release migrated with an error
// matching feed.ErrSchemaTooNew. Stop every process on the file first when
// it holds River's tables of v0.2.0 (River v0.30): River's migration 7
// turns SQLite's json columns into jsonb, which running processes of the
// older release would not read.
func Migrate(ctx context.Context, path string) error {
	if path == "" {
		return errors.New("feedsqlite: empty path")
	}
	db, err := OpenDB(path)
	if err != nil {
		return err
	}
	err = feed.Migrate(ctx, New(db))
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}
