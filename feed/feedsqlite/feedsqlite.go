// Package feedsqlite runs the feed engine (package feed) on an embedded
// SQLite database, through River's SQLite driver on the pure-Go
// modernc.org/sqlite: no server, no cgo.
//
//	eng, db, err := feedsqlite.Open(ctx, "feeds.db", feed.Config{})
//	c, err := bankfeeds.NewClient(key, eng.ClientOption())
//	err = eng.Start(ctx, c)
//	id, err := eng.AddFeed(ctx, feed.Spec{CompanyID: co, ConnectionID: conn, AccountID: acc, Platform: bankfeeds.PlatformXero})
//	_, err = eng.Append(ctx, id, lines...)
//
// SQLite lets one transaction write at a time. The database is opened in
// WAL mode with a busy timeout, every transaction begins IMMEDIATE (so two
// processes never deadlock upgrading a read to a write), and each process
// keeps one connection, as River's driver asks; several processes may
// share one file on one machine.
package feedsqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Engine is the feed engine on SQLite; AppendTx takes a *sql.Tx of DB.
type Engine = feed.Engine[*sql.Tx]

// Open opens (creating if need be) the SQLite database at path, brings its
// tables up to date and returns an engine on it. Close the engine's
// database with Close after Stop.
func Open(ctx context.Context, path string, cfg feed.Config) (*Engine, *sql.DB, error) {
	if path == "" {
		return nil, nil, errors.New("feedsqlite: empty path")
	}
	db, err := OpenDB(path)
	if err != nil {
		return nil, nil, err
	}
	e, err := feed.New[*sql.Tx](New(db), cfg)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	if err := e.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return e, db, nil
}

// OpenDB opens the SQLite database at path as the engine wants it: WAL,
// a 30-second busy timeout, IMMEDIATE transactions, one connection.
func OpenDB(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("feedsqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Backend is feed.Backend on a *sql.DB opened with OpenDB.
type Backend struct {
	db     *sql.DB
	driver *riversqlite.Driver
}

// New returns the Backend of db, which should come from OpenDB.
func New(db *sql.DB) *Backend { return &Backend{db: db, driver: riversqlite.New(db)} }

// Driver returns River's SQLite driver on the database.
func (b *Backend) Driver() riverdriver.Driver[*sql.Tx] { return b.driver }

// Begin starts an IMMEDIATE transaction.
func (b *Backend) Begin(ctx context.Context) (*sql.Tx, error) { return b.db.BeginTx(ctx, nil) }

// Commit commits tx.
func (b *Backend) Commit(_ context.Context, tx *sql.Tx) error { return tx.Commit() }

// Rollback rolls tx back; after Commit it does nothing.
func (b *Backend) Rollback(_ context.Context, tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// Exec runs a statement in tx.
func (b *Backend) Exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a query in tx.
func (b *Backend) Query(ctx context.Context, tx *sql.Tx, query string, args ...any) (feed.Rows, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// Name returns "sqlite".
func (b *Backend) Name() string { return "sqlite" }

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
