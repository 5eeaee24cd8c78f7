// Package feed is a durable feed engine: it delivers the bank transactions
// of many source accounts to Codat, each line exactly once and in date
// order, across restarts, crashes and several processes sharing one Codat
// quota.
//
// [bankfeeds.TransactionsService.PushAll] pushes one account's lines once. A
// bank's feed service needs more: thousands of accounts, lines booked all
// day in any order, restarts, crashes and replicas. The engine runs on River
// (https://riverqueue.com), with an embedded SQLite database
// (package feed/feedsqlite, pure Go, no server) or PostgreSQL for a fleet
// (package feed/feedpg, pgx). The root package bankfeeds imports none of
// them.
//
//	eng, db, err := feedsqlite.Open(ctx, "feeds.db", feed.Config{})
//	c, err := bankfeeds.NewClient(key, eng.ClientOption()) // every request through the fleet's budget
//	err = eng.Start(ctx, c)
//	id, err := eng.AddFeed(ctx, feed.Spec{CompanyID: co, ConnectionID: conn, AccountID: "acc-1"})
//	res, err := eng.Append(ctx, id, lines...)      // any order; an id twice is stored once
//	res, err = eng.AppendTx(ctx, tx, id, lines...) // the outbox: commits with your ledger write
//	st, err := eng.Status(ctx, id)                 // appended, delivered, waiting, set aside (why), high-water mark
//	err = eng.Pause(ctx, id, "checking")
//	err = eng.Resume(ctx, id)
//	need, err := eng.NeedsAttention(ctx)           // set-aside lines, repeated failures, disconnected, unsettled chunks
//
// The program examples/feeder runs it all against the embedded sandbox:
// 20 accounts, 4 producers appending 10,000 lines out of order, progress,
// and a table of every feed.
//
// # Delivery
//
// Each feed's lines go in date order (lines of one date in the order their
// running balances chain, as the ordering guard orders them), in chunks of
// at most 1000 ([Config.ChunkSize]), under the platform's rules. A line the
// platform would refuse (older than the account holds on QBO and Sage,
// outside QBO's 7 days, missing a balance or a description) is set aside
// with the guard's reason, shown in [Status].Aside, and the feed goes on.
//
// # What is durable
//
// Each step is a database transaction, fenced by the connection's lease:
// before a chunk is sent, its lines, Idempotency-Key and body hash
// (PushAllOptions.BeforeSend); when Codat answers, the push operation key
// (OnAccepted); after Success, the lines delivered and the new high-water
// mark, in the same transaction that completes the River job and queues the
// next.
//
// Everything appended survives a crash. A chunk in flight is settled by the
// next worker through PushAllOptions.InFlight, never blindly resent: it
// waits for the known operation; resends the same bytes under the same key
// within Codat's 90-minute replay window; past it, reconciles against the
// connection's push operations; and sends under a new key only when none
// holds the chunk. A push that ended TimedOut, or that Codat's records
// cannot place, pauses the feed for a person: check the account, then call
// [Engine.ResolveInFlight] with whether the chunk landed.
//
// # One writer per connection
//
// Push operations carry no account id, so the engine keeps one writer per
// connection. Each connection has one delivery job, a River unique job by
// (company, connection, generation); the job works only under the
// connection's lease (a database row with a fencing token, renewed while it
// works and checked in every write it makes), so a worker that lost its
// lease can record nothing and stops sending.
//
// A worker killed mid-job leaves its job running until River's rescuer
// notices (JobTimeout + 1 min). Rather than wait, each engine's kick watches
// the connections with work, and one whose job River says is running while
// nothing touches the connection's row (no lease taken, renewed or
// released) for 1.25 x LeaseTTL, timed on the kick's own clock, gets the
// next generation's job; the old one, if River retries it, ends at once. The
// rescue is bounded by the lease: a killed worker's connections get new jobs
// within 1.25 x LeaseTTL + 2 x KickInterval of its death (about a minute
// with the defaults), whether it held the lease or not, then wait their turn
// for a worker. A job waiting for a free worker is left alone; one River
// should have started and has not (scheduled or retryable, past its park)
// gets a new job after StuckAfter.
//
// Every transaction that writes a connection's feeds, lines or job (an
// append, a pause, the kick, a job's steps) takes the connection's row
// first, so on PostgreSQL they queue in one order and never deadlock.
//
// # Text
//
// Append follows the root package's rule for text: a line whose id is not
// valid UTF-8 is refused with a *bankfeeds.ValidationError and nothing is
// stored, and text is stored and sent converted by bankfeeds.ToUTF8.
// Should a chunk land while the feed holds some of its lines under no
// waiting row, the lines found are recorded and the feed pauses with the
// ids in PauseReason (so NeedsAttention lists it) rather than settling the
// chunk again for ever.
//
// # The request budget
//
// The budget is shared through the database. Every HTTP attempt of a
// client made with [Engine.ClientOption] takes a grant from a sliding window
// of Budget.PerMinute (default 1000, one egress IP) per minute plus a
// margin, at most PerCompany (10) requests in flight per company (a slot its
// process renews while it lives, so a killed worker's requests stop counting
// within SlotTTL), and the daily quota as Codat last reported it in
// X-Rate-Limit-* headers. A wait longer than MaxBlock, a 429 with a long
// Retry-After, a spent daily quota or the client.rateLimit.reached webhook
// parks the job (river.JobSnooze) instead of holding a worker; the .reset
// webhook resumes it.
//
// # Webhooks
//
// Feed Codat's webhooks to [Engine.HandleEvent] (it fits
// webhooks.NewHandler) and set [Config].Webhooks: bankTransactions.write.*
// events then settle chunks without polling; polling, fitted to how long
// operations take, is the fallback after Wait.EventGrace. Codat sends each
// event to one endpoint, so in a fleet the process that receives it is
// seldom the one whose job waits: HandleEvent settles its own waits at once
// and keeps the event in the database (table bankfeeds_op_event, three
// hours), and every process looks there for the operations it waits for
// every [Config].EventPollInterval (250 ms), a query of its own database and
// no request to Codat. Any process can serve the webhook endpoint, even one
// that delivers nothing.
//
// # Databases
//
// On PostgreSQL, run feedpg.Open(ctx, pool, cfg) once to migrate, then
// feed.New(feedpg.New(pool), cfg) and Start in every worker process, on any
// machine.
//
// Clock tolerance: no decision that could cost a duplicate compares times
// written on different machines. Leases are fenced by token, a killed
// worker is found by silence timed on one clock, and a chunk is first sent
// only once the client has learnt Codat's time from a Date header, so the
// InFlight every worker keeps carries a bound on Codat's clock (Since) that
// reconcile uses whichever machine resumes it. What skew does shift:
// back-offs and parks (by the skew), and the request budget, whose window
// each process counts on its own clock. Keep the fleet's clocks within
// Budget.Margin (default 1/60 of the window, 1 s) of each other, or widen
// the margin by the skew you expect, else the fleet may go over Codat's
// per-minute limit (429s, never duplicates).
//
// Schema: Open (and Migrate, to run alone before a rolling deploy) brings
// River's tables up through River's migrator and the engine's own through
// numbered migrations recorded in the table bankfeeds_schema; a database
// migrated by a newer release is refused with a *SchemaError
// (ErrSchemaTooNew).
//
// SQLite is one machine: the file is WAL, transactions begin
// IMMEDIATE, and each process keeps one connection, as River's SQLite driver
// asks.
//
// Performance figures, and the commands that measure them, are in
// docs/performance.md in the repository.
package feed
