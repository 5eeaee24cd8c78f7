package feed

// schema is the engine's own tables, beside River's. It is the same SQL for
// SQLite and PostgreSQL: TEXT and BIGINT only, times as Unix milliseconds,
// no identity columns, upserts with ON CONFLICT.
var schema = []string{
	// One row a connection: the writer's lease (with a fencing token) and
	// the generation of its delivery job.
	`CREATE TABLE IF NOT EXISTS bankfeeds_connection (
		company_id TEXT NOT NULL,
		connection_id TEXT NOT NULL,
		lease_owner TEXT NOT NULL DEFAULT '',
		lease_token BIGINT NOT NULL DEFAULT 0,
		lease_until BIGINT NOT NULL DEFAULT 0,
		job_gen BIGINT NOT NULL DEFAULT 0,
		touched_at BIGINT NOT NULL DEFAULT 0,
		parked_until BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (company_id, connection_id))`,
	// One row a feed (source account); migration 2 adds key_salt.
	`CREATE TABLE IF NOT EXISTS bankfeeds_feed (
		feed_id TEXT NOT NULL PRIMARY KEY,
		company_id TEXT NOT NULL,
		connection_id TEXT NOT NULL,
		account_id TEXT NOT NULL,
		platform TEXT NOT NULL,
		paused BIGINT NOT NULL DEFAULT 0,
		pause_reason TEXT NOT NULL DEFAULT '',
		disconnected BIGINT NOT NULL DEFAULT 0,
		high_water TEXT NOT NULL DEFAULT '',
		inflight TEXT NOT NULL DEFAULT '',
		last_op TEXT NOT NULL DEFAULT '',
		last_status TEXT NOT NULL DEFAULT '',
		last_error TEXT NOT NULL DEFAULT '',
		failures BIGINT NOT NULL DEFAULT 0,
		retry_at BIGINT NOT NULL DEFAULT 0,
		appended BIGINT NOT NULL DEFAULT 0,
		delivered BIGINT NOT NULL DEFAULT 0,
		set_aside BIGINT NOT NULL DEFAULT 0,
		chunks BIGINT NOT NULL DEFAULT 0,
		picked_at BIGINT NOT NULL DEFAULT 0,
		UNIQUE (company_id, connection_id, account_id))`,
	// One row a line appended; state 0 waiting, 1 delivered, 2 set aside.
	`CREATE TABLE IF NOT EXISTS bankfeeds_line (
		feed_id TEXT NOT NULL,
		txn_id TEXT NOT NULL,
		sort_key TEXT NOT NULL,
		body TEXT NOT NULL,
		state BIGINT NOT NULL DEFAULT 0,
		reason TEXT NOT NULL DEFAULT '',
		op_key TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (feed_id, txn_id))`,
	`CREATE INDEX IF NOT EXISTS bankfeeds_line_state ON bankfeeds_line (feed_id, state, sort_key)`,
	// The fleet's request budget.
	`CREATE TABLE IF NOT EXISTS bankfeeds_budget (
		name TEXT NOT NULL PRIMARY KEY,
		daily_limit BIGINT NOT NULL DEFAULT 0,
		daily_remaining BIGINT NOT NULL DEFAULT 0,
		daily_reset BIGINT NOT NULL DEFAULT 0,
		paused_until BIGINT NOT NULL DEFAULT 0,
		pause_reason TEXT NOT NULL DEFAULT '')`,
	`CREATE TABLE IF NOT EXISTS bankfeeds_budget_grant (
		at_ms BIGINT NOT NULL,
		nonce TEXT NOT NULL,
		PRIMARY KEY (at_ms, nonce))`,
	// A request in flight holds a slot until it ends; its process renews
	// the slot while it lives, so a killed process's slots lapse soon.
	`CREATE TABLE IF NOT EXISTS bankfeeds_budget_slot (
		company_id TEXT NOT NULL,
		slot TEXT NOT NULL,
		owner TEXT NOT NULL DEFAULT '',
		until_ms BIGINT NOT NULL,
		PRIMARY KEY (company_id, slot))`,
	`CREATE INDEX IF NOT EXISTS bankfeeds_budget_slot_owner ON bankfeeds_budget_slot (owner)`,
	`INSERT INTO bankfeeds_budget (name) VALUES ('default') ON CONFLICT (name) DO NOTHING`,
	// The ends of push operations, from Codat's webhooks as any process of
	// the fleet received them, for the process whose job waits.
	`CREATE TABLE IF NOT EXISTS bankfeeds_op_event (
		op_key TEXT NOT NULL PRIMARY KEY,
		status TEXT NOT NULL,
		at_ms BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS bankfeeds_op_event_at ON bankfeeds_op_event (at_ms)`,
}

// Line states.
const (
	lineWaiting   = 0
	lineDelivered = 1
	lineSetAside  = 2
)
