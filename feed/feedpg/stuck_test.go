package feedpg_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/jackc/pgx/v5/pgxpool"
)

// unsettled returns the feeds with lines waiting or in flight.
func unsettled(all []*feed.Status) []*feed.Status {
	var out []*feed.Status
	for _, s := range all {
		if s.Waiting > 0 || s.InFlight > 0 {
			out = append(out, s)
		}
	}
	return out
}

// describeStuck shows, for each feed not settled, its Status, its
// connection's lease row and its connection's River delivery jobs: what a
// test that gives up must say to tell a held lease, a stale generation, a
// parked or snoozed job and a job left running by a dead worker apart.
func describeStuck(ctx context.Context, pool *pgxpool.Pool, feeds []*feed.Status) string {
	var sb strings.Builder
	now := time.Now().UnixMilli()
	rel := func(ms int64) string {
		if ms == 0 {
			return "0"
		}
		return fmt.Sprintf("now%+.1fs", float64(ms-now)/1000)
	}
	type conn struct{ company, connection string }
	seen := map[conn]bool{}
	for _, s := range feeds {
		fmt.Fprintf(&sb, "feed %s: appended %d, delivered %d, waiting %d, set aside %d, in flight %d, paused %v %q, failures %d, last op %q status %q error %q, needs person %q\n",
			s.ID, s.Appended, s.Delivered, s.Waiting, s.SetAside, s.InFlight, s.Paused, s.PauseReason, s.Failures, s.LastOperation, s.LastStatus, s.LastError, s.NeedsPerson())
		c := conn{s.CompanyID, s.ConnectionID}
		if seen[c] {
			continue
		}
		seen[c] = true
		var owner string
		var token, until, gen, touched, parked int64
		err := pool.QueryRow(ctx, `SELECT lease_owner, lease_token, lease_until, job_gen, touched_at, parked_until FROM bankfeeds_connection WHERE company_id = $1 AND connection_id = $2`,
			c.company, c.connection).Scan(&owner, &token, &until, &gen, &touched, &parked)
		if err != nil {
			fmt.Fprintf(&sb, "  connection %s: %v\n", c.connection, err)
			continue
		}
		fmt.Fprintf(&sb, "  connection %s: lease owner %q token %d until %s, job gen %d, touched %s, parked until %s\n",
			c.connection, owner, token, rel(until), gen, rel(touched), rel(parked))
		rows, err := pool.Query(ctx, `SELECT id, state, attempt, max_attempts, (args->>'gen')::bigint, scheduled_at, attempted_at, COALESCE(attempted_by[array_upper(attempted_by, 1)], ''),
			COALESCE(errors[array_upper(errors, 1)]->>'error', ''), COALESCE(metadata->>'snoozes', '0')
			FROM river_job WHERE kind = 'bankfeeds_deliver' AND args->>'company_id' = $1 AND args->>'connection_id' = $2 ORDER BY id DESC LIMIT 6`, c.company, c.connection)
		if err != nil {
			fmt.Fprintf(&sb, "  river jobs: %v\n", err)
			continue
		}
		for rows.Next() {
			var id, gen int64
			var attempt, maxAttempts int
			var state, by, lastErr, snoozes string
			var scheduled time.Time
			var attempted *time.Time
			if err := rows.Scan(&id, &state, &attempt, &maxAttempts, &gen, &scheduled, &attempted, &by, &lastErr, &snoozes); err != nil {
				fmt.Fprintf(&sb, "  river job: %v\n", err)
				break
			}
			at := "never"
			if attempted != nil {
				at = rel(attempted.UnixMilli())
			}
			fmt.Fprintf(&sb, "  river job %d: gen %d, %s, attempt %d of %d, snoozes %s, scheduled %s, attempted %s by %q, last error %q\n",
				id, gen, state, attempt, maxAttempts, snoozes, rel(scheduled.UnixMilli()), at, by, lastErr)
		}
		rows.Close()
	}
	return sb.String()
}

// progress judges liveness: it fails the test, showing the feeds not
// settled, when no line has been delivered (or set aside) for stall.
type progress struct {
	stall time.Duration
	last  int64
	at    time.Time
}

func newProgress(stall time.Duration) *progress {
	return &progress{stall: stall, last: -1, at: time.Now()}
}

// check records the feeds' state and reports whether they all settled.
func (p *progress) check(t testing.TB, pool *pgxpool.Pool, all []*feed.Status) bool {
	t.Helper()
	var done int64
	for _, s := range all {
		done += s.Delivered + s.SetAside
	}
	if done != p.last {
		p.last, p.at = done, time.Now()
	}
	stuck := unsettled(all)
	if len(stuck) == 0 {
		return true
	}
	if time.Since(p.at) > p.stall {
		t.Fatalf("no line delivered for %s (%d delivered or set aside); %d feeds not settled:\n%s",
			p.stall, done, len(stuck), describeStuck(context.Background(), pool, stuck))
	}
	return false
}
