package feedpg

import (
	"context"

	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migrate brings River's tables and the engine's in the database of pool
// up to date, and nothing else: run it once before a rolling deploy, so
// that the processes of the new release start on a database they know
// (Open runs it too). It refuses a database a newer release migrated with
// an error matching feed.ErrSchemaTooNew.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error { return feed.Migrate(ctx, New(pool)) }

// schemaLockKey is the advisory lock of the engine's migrations (the
// 64-bit FNV-1a hash of "bankfeeds_schema").
const schemaLockKey int64 = 0x22c1_a656_c9d4_0fae

// LockSchema holds the engine's migration lock, a PostgreSQL session
// advisory lock on a connection of its own (not one of the pool's, which
// River's migrator uses meanwhile), until unlock is called: processes
// migrating at once take turns, as concurrent CREATE TABLE IF NOT EXISTS
// statements and River's migrations collide otherwise. feed.Migrate takes
// it.
func (b *Backend) LockSchema(ctx context.Context) (unlock func(), err error) {
	conn, err := pgx.ConnectConfig(ctx, b.pool.Config().ConnConfig)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, schemaLockKey); err != nil {
		_ = conn.Close(ctx)
		return nil, err
	}
	return func() {
		// Closing the session releases its lock.
		_ = conn.Close(context.WithoutCancel(ctx))
	}, nil
}
