package feedtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivermigrate"
)

// V020Feed is the feed of the v0.2.0 fixtures (testdata/v0.2.0.sql of
// feedsqlite and feedpg): a database made by v0.2.0's code on River
// v0.30.2, with three lines delivered and two waiting.
const V020Feed = "toft/acc-1"

// engineTables are the engine's own tables.
var engineTables = []string{"bankfeeds_connection", "bankfeeds_feed", "bankfeeds_line", "bankfeeds_budget",
	"bankfeeds_budget_grant", "bankfeeds_budget_slot", "bankfeeds_op_event"}

// Rows returns every row of the engine's tables, in the columns of
// schema (as Schema gives it, "table.column"), and the id, kind, state and
// queue of River's jobs: one string a row, sorted, read through b.
func Rows[TTx any](ctx context.Context, t testing.TB, b feed.Backend[TTx], schema []string) []string {
	t.Helper()
	cols := map[string][]string{}
	for _, tc := range schema {
		table, col, _ := strings.Cut(tc, ".")
		cols[table] = append(cols[table], col)
	}
	tables := append(slices.Clone(engineTables), "river_job")
	cols["river_job"] = []string{"id", "kind", "state", "queue"}
	tx, err := b.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Rollback(ctx, tx) }()
	var out []string
	for _, name := range tables {
		query := "SELECT " + strings.Join(cols[name], ", ") + " FROM " + name
		rows, err := b.Query(ctx, tx, query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		for rows.Next() {
			vals := make([]any, len(cols[name]))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			out = append(out, name+" "+fmt.Sprint(vals...))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// Columns returns the names of table's columns, sorted.
func Columns[TTx any](ctx context.Context, t testing.TB, b feed.Backend[TTx], tx TTx, table string) []string {
	t.Helper()
	var q string
	switch b.Name() {
	case "sqlite":
		q = "SELECT name FROM pragma_table_info('" + table + "')"
	default:
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '" + table + "'"
	}
	rows, err := b.Query(ctx, tx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Schema returns the columns of every engine table, "table.column".
func Schema[TTx any](ctx context.Context, t testing.TB, b feed.Backend[TTx]) []string {
	t.Helper()
	tx, err := b.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Rollback(ctx, tx) }()
	var out []string
	for _, name := range engineTables {
		for _, c := range Columns(ctx, t, b, tx, name) {
			out = append(out, name+"."+c)
		}
	}
	return out
}

// CheckUpgradedV020 holds an engine opened on the v0.2.0 fixture to what
// the fixture held: old is Schema and before is Rows of the fixture
// before the upgrade, fresh is Schema of a database made by this code.
func CheckUpgradedV020[TTx any](ctx context.Context, t *testing.T, eng *feed.Engine[TTx], b feed.Backend[TTx], old, before, fresh []string) {
	t.Helper()
	if after := Rows(ctx, t, b, old); !slices.Equal(before, after) {
		t.Errorf("the upgrade changed the rows:\nbefore %q\nafter  %q", before, after)
	}
	if got := Schema(ctx, t, b); !slices.Equal(got, fresh) {
		t.Errorf("an upgraded database's tables differ from a new one's (a change to a table must be a new migration):\nupgraded %q\nnew      %q", got, fresh)
	}
	// River's tables are at the newest version River's migrator knows,
	// and it finds nothing to do.
	m, err := rivermigrate.New(b.Driver(), nil)
	if err != nil {
		t.Fatal(err)
	}
	have, err := m.ExistingVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if all := m.AllVersions(); len(have) != len(all) || have[len(have)-1].Version != all[len(all)-1].Version {
		t.Errorf("River's tables at %d versions, want all %d", len(have), len(all))
	}
	if res, err := m.Validate(ctx, nil); err != nil || !res.OK {
		t.Errorf("River's migrator: %v %v", res, err)
	}
	// River reads the jobs v0.2.0 wrote (on SQLite its json columns are
	// now jsonb).
	jobs, err := eng.River().JobList(ctx, river.NewJobListParams().First(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Jobs) == 0 {
		t.Fatal("no River job after the upgrade; the fixture has some")
	}
	for _, j := range jobs.Jobs {
		var args map[string]any
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil || args["company_id"] == nil && j.Kind == "bankfeeds_deliver" {
			t.Errorf("job %d (%s): args %s: %v", j.ID, j.Kind, j.EncodedArgs, err)
		}
	}
	// The feed is as v0.2.0 left it, and takes lines.
	s, err := eng.Status(ctx, V020Feed)
	if err != nil {
		t.Fatal(err)
	}
	if s.Appended != 5 || s.Delivered != 3 || s.Waiting != 2 || s.HighWaterMark.IsZero() {
		t.Errorf("status after the upgrade %+v, want 5 appended, 3 delivered, 2 waiting, a high-water mark", s)
	}
	res, err := eng.Append(ctx, V020Feed, bankfeeds.BankTransaction{ID: "t6",
		Date: bankfeeds.NewDateTime(s.HighWaterMark.AddDate(0, 0, 1)), Amount: bankfeeds.NewDecimal(100, -2), Balance: bankfeeds.NewDecimal(100, -2)})
	if err != nil || res.Added != 1 {
		t.Fatalf("append after the upgrade: %+v %v", res, err)
	}
	if s, err := eng.Status(ctx, V020Feed); err != nil || s.Appended != 6 || s.Waiting != 3 {
		t.Errorf("status after an append %+v %v, want 6 appended, 3 waiting", s, err)
	}
}
