package feed

import (
	"context"

	"github.com/riverqueue/river/riverdriver"
)

// Backend is the database under an Engine: River's driver for it, and the
// few operations the engine's own tables need. feedsqlite (embedded
// SQLite) and feedpg (PostgreSQL through pgx) implement it; TTx is the
// driver's transaction type (*sql.Tx, pgx.Tx), the one AppendTx takes.
//
// Queries are written with ? placeholders; a backend whose database wants
// others ($1) rewrites them.
type Backend[TTx any] interface {
	// Driver is River's driver on the same database.
	Driver() riverdriver.Driver[TTx]
	// Begin starts a transaction that writes (SQLite: BEGIN IMMEDIATE).
	Begin(ctx context.Context) (TTx, error)
	// Commit and Rollback end it; Rollback after Commit is harmless.
	Commit(ctx context.Context, tx TTx) error
	Rollback(ctx context.Context, tx TTx) error
	// Exec runs a statement in tx and returns the rows it changed.
	Exec(ctx context.Context, tx TTx, query string, args ...any) (int64, error)
	// Query runs a query in tx.
	Query(ctx context.Context, tx TTx, query string, args ...any) (Rows, error)
	// Name is the database's name for messages ("sqlite", "postgres").
	Name() string
}

// Rows is a query's result, as *sql.Rows and pgx.Rows give it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// inTx runs fn in a transaction of b, committing when it returns nil.
func inTx[TTx any](ctx context.Context, b Backend[TTx], fn func(tx TTx) error) error {
	tx, err := b.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = b.Rollback(ctx, tx)
		return err
	}
	return b.Commit(ctx, tx)
}

// queryRow scans the first row of a query into dest; found is false when
// there is none.
func queryRow[TTx any](ctx context.Context, b Backend[TTx], tx TTx, query string, args []any, dest ...any) (found bool, err error) {
	rows, err := b.Query(ctx, tx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Err()
}
