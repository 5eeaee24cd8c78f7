package feed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// A migration is one numbered, forward-only step of the engine's own
// tables. A migration, once released, never changes: a database that has
// run it will not run it again. A change to a table is a new migration at
// the end of migrations (ALTER TABLE ... ADD COLUMN ... NOT NULL DEFAULT
// ..., say), so that a database made by any earlier release is brought up
// to date in place.
type migration struct {
	version    int
	name       string
	statements []string
}

// migrations are the engine's tables, version by version. Version 1 is
// the schema of v0.2.0, which kept no version: its statements create
// nothing that exists, so a database made by v0.2.0 (the tables, no
// bankfeeds_schema table) is taken up as version 1 in place.
var migrations = []migration{
	{version: 1, name: "the tables of v0.2.0", statements: schema},
	// key_salt is mixed into a feed's Idempotency-Keys: the key of its
	// latest push operation that ended Failed, so a retry is not answered
	// with that push's replay, by this process or one started later.
	{version: 2, name: "bankfeeds_feed.key_salt", statements: []string{
		`ALTER TABLE bankfeeds_feed ADD COLUMN key_salt TEXT NOT NULL DEFAULT ''`,
	}},
}

// versionTable records the versions of migrations a database has run,
// one row each, as river_migration does River's.
const versionTable = `CREATE TABLE IF NOT EXISTS bankfeeds_schema (
	version BIGINT NOT NULL PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL)`

// SchemaVersion is the newest version of the engine's tables this code
// knows; Migrate brings a database to it.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// ErrSchemaTooNew says a database was migrated by a newer release than
// the running code: the code refuses it rather than write rows the newer
// schema does not expect. Match it with errors.Is; *SchemaError says which
// versions.
var ErrSchemaTooNew = errors.New("feed: the database's schema is newer than this code")

// SchemaError is the error of a database whose schema is newer than the
// code: Component is "feed" (the engine's tables) or "river" (River's),
// Database the version the database is at, Code the newest this code
// knows. It matches ErrSchemaTooNew.
type SchemaError struct {
	Component      string
	Database, Code int
}

// Error says which schema is ahead and what to do.
func (e *SchemaError) Error() string {
	return fmt.Sprintf("feed: the database's %s schema is at version %d, newer than this code's %d: run a release that knows it", e.Component, e.Database, e.Code)
}

// Is makes errors.Is(err, ErrSchemaTooNew) hold.
func (e *SchemaError) Is(target error) bool { return target == ErrSchemaTooNew }

// schemaLocker is implemented by a Backend whose database lets concurrent
// migrations collide (PostgreSQL: CREATE TABLE IF NOT EXISTS, and River's
// migrator, from two processes at once). LockSchema holds a lock across
// processes until unlock is called, so that processes migrating at once
// take turns. SQLite's IMMEDIATE transactions already serialize them.
type schemaLocker interface {
	LockSchema(ctx context.Context) (unlock func(), err error)
}

// Migrate brings the database of b up to date: River's tables through
// River's migrator (rivermigrate), then the engine's, migration by
// migration, each version recorded in the bankfeeds_schema table in the
// transaction that ran it. It refuses, with a *SchemaError, a database
// that a newer release migrated, before changing anything. It is safe to
// run from every process at start, and alone (feedpg.Migrate,
// feedsqlite.Migrate) before a rolling deploy.
func Migrate[TTx any](ctx context.Context, b Backend[TTx]) error {
	if l, ok := any(b).(schemaLocker); ok {
		unlock, err := l.LockSchema(ctx)
		if err != nil {
			return fmt.Errorf("feed: migrate: taking the schema lock: %w", err)
		}
		defer unlock()
	}
	m, err := rivermigrate.New(b.Driver(), nil)
	if err != nil {
		return fmt.Errorf("feed: migrate: %w", err)
	}
	if err := checkRiverVersion(ctx, b, m); err != nil {
		return err
	}
	// Refuse a newer schema of the engine's before River's migrator
	// changes anything.
	if err := inSchemaTx(ctx, b, func(tx TTx) error { _, err := versionTx(ctx, b, tx); return err }); err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("feed: migrate river: %w", err)
	}
	return inSchemaTx(ctx, b, func(tx TTx) error {
		at, err := versionTx(ctx, b, tx)
		if err != nil {
			return err
		}
		for _, mg := range migrations {
			if mg.version <= at {
				continue
			}
			for _, q := range mg.statements {
				if _, err := b.Exec(ctx, tx, q); err != nil {
					return fmt.Errorf("feed: migrate to version %d (%s): %w", mg.version, mg.name, err)
				}
			}
			if _, err := b.Exec(ctx, tx, `INSERT INTO bankfeeds_schema (version, name, applied_at) VALUES (?, ?, ?)`,
				mg.version, mg.name, time.Now().UnixMilli()); err != nil {
				return fmt.Errorf("feed: migrate to version %d: %w", mg.version, err)
			}
		}
		return nil
	})
}

// inSchemaTx runs fn in a transaction in which the version table exists.
func inSchemaTx[TTx any](ctx context.Context, b Backend[TTx], fn func(tx TTx) error) error {
	return inTx(ctx, b, func(tx TTx) error {
		if _, err := b.Exec(ctx, tx, versionTable); err != nil {
			return fmt.Errorf("feed: migrate: %w", err)
		}
		return fn(tx)
	})
}

// checkRiverVersion refuses a database whose River tables a newer River
// migrated. River's migrator fails on a version it does not know, with an
// error of its own; this says which, as a *SchemaError.
func checkRiverVersion[TTx any](ctx context.Context, b Backend[TTx], m *rivermigrate.Migrator[TTx]) error {
	exec := b.Driver().GetExecutor()
	exists, err := exec.TableExists(ctx, &riverdriver.TableExistsParams{Table: "river_migration"})
	if err != nil || !exists {
		return err
	}
	if lined, err := exec.ColumnExists(ctx, &riverdriver.ColumnExistsParams{Table: "river_migration", Column: "line"}); err != nil || !lined {
		return err // River's first versions, which its migrator upgrades
	}
	var db int64
	err = inTx(ctx, b, func(tx TTx) error {
		_, err := queryRow(ctx, b, tx, `SELECT COALESCE(MAX(version), 0) FROM river_migration WHERE line = 'main'`, nil, &db)
		return err
	})
	if err != nil {
		return fmt.Errorf("feed: migrate river: %w", err)
	}
	known := m.AllVersions()
	if code := known[len(known)-1].Version; int(db) > code {
		return &SchemaError{Component: "river", Database: int(db), Code: code}
	}
	return nil
}

// versionTx reads the newest version recorded in tx, refusing one newer
// than the code.
func versionTx[TTx any](ctx context.Context, b Backend[TTx], tx TTx) (int, error) {
	var v int64
	if _, err := queryRow(ctx, b, tx, `SELECT COALESCE(MAX(version), 0) FROM bankfeeds_schema`, nil, &v); err != nil {
		return 0, fmt.Errorf("feed: migrate: reading the schema version: %w", err)
	}
	if int(v) > SchemaVersion() {
		return 0, &SchemaError{Component: "feed", Database: int(v), Code: SchemaVersion()}
	}
	return int(v), nil
}
