// Package feedpg runs the feed engine (package feed) on PostgreSQL through
// pgx and River's pgx driver, for a fleet of worker processes on many
// machines sharing one database: the outbox, the leases, the request
// budget and River's jobs all live there.
//
//	pool, err := pgxpool.New(ctx, "postgres://...")
//	eng, err := feedpg.Open(ctx, pool, feed.Config{})
//	c, err := bankfeeds.NewClient(key, eng.ClientOption())
//	err = eng.Start(ctx, c)
//
// AppendTx takes a pgx.Tx, so a ledger write and its feed lines commit
// together.
package feedpg

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Engine is the feed engine on PostgreSQL; AppendTx takes a pgx.Tx.
type Engine = feed.Engine[pgx.Tx]

// Open makes an engine on pool and brings River's tables and the
// engine's up to date (Migrate); processes opening at once take turns on
// a lock. It refuses a database a newer release migrated with an error
// matching feed.ErrSchemaTooNew.
func Open(ctx context.Context, pool *pgxpool.Pool, cfg feed.Config) (*Engine, error) {
	e, err := feed.New[pgx.Tx](New(pool), cfg)
	if err != nil {
		return nil, err
	}
	if err := e.Migrate(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Backend is feed.Backend on a pgx pool.
type Backend struct {
	pool   *pgxpool.Pool
	driver *riverpgxv5.Driver
	binds  sync.Map // query with ? -> query with $n
}

// New returns the Backend of pool.
func New(pool *pgxpool.Pool) *Backend { return &Backend{pool: pool, driver: riverpgxv5.New(pool)} }

// Driver returns River's pgx driver on the pool.
func (b *Backend) Driver() riverdriver.Driver[pgx.Tx] { return b.driver }

// Begin starts a transaction (READ COMMITTED).
func (b *Backend) Begin(ctx context.Context) (pgx.Tx, error) { return b.pool.Begin(ctx) }

// Commit commits tx.
func (b *Backend) Commit(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) }

// Rollback rolls tx back; after Commit it does nothing.
func (b *Backend) Rollback(ctx context.Context, tx pgx.Tx) error {
	if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}

// Exec runs a statement in tx.
func (b *Backend) Exec(ctx context.Context, tx pgx.Tx, query string, args ...any) (int64, error) {
	tag, err := tx.Exec(ctx, b.rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// Query runs a query in tx.
func (b *Backend) Query(ctx context.Context, tx pgx.Tx, query string, args ...any) (feed.Rows, error) {
	return tx.Query(ctx, b.rebind(query), args...)
}

// Name returns "postgres".
func (b *Backend) Name() string { return "postgres" }

// rebind turns the engine's ? placeholders into $1, $2, ... The engine's
// queries hold no ? inside literals.
func (b *Backend) rebind(q string) string {
	if v, ok := b.binds.Load(q); ok {
		return v.(string)
	}
	var sb strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	out := sb.String()
	b.binds.Store(q, out)
	return out
}
