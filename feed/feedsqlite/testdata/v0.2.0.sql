PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE river_queue (
    name text PRIMARY KEY NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata blob NOT NULL DEFAULT (json('{}')),
    paused_at timestamp,
    updated_at timestamp NOT NULL
);
INSERT INTO river_queue VALUES('bankfeeds','2026-12-04 20:01:35.196','{}',NULL,'2026-12-04 20:01:35.196');
CREATE TABLE river_leader (
    elected_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    leader_id text NOT NULL,
    name text PRIMARY KEY NOT NULL DEFAULT 'default' CHECK (name = 'default'),
    CONSTRAINT name_length CHECK (length(name) > 0 AND length(name) < 128),
    CONSTRAINT leader_id_length CHECK (length(leader_id) > 0 AND length(leader_id) < 128)
);
CREATE TABLE river_migration (
    line text NOT NULL,
    version integer NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT line_length CHECK (length(line) > 0 AND length(line) < 128),
    CONSTRAINT version_gte_1 CHECK (version >= 1),
    PRIMARY KEY (line, version)
);
INSERT INTO river_migration VALUES('main',1,'2026-12-04 20:01:35');
INSERT INTO river_migration VALUES('main',2,'2026-12-04 20:01:35');
INSERT INTO river_migration VALUES('main',3,'2026-12-04 20:01:35');
INSERT INTO river_migration VALUES('main',4,'2026-12-04 20:01:35');
INSERT INTO river_migration VALUES('main',5,'2026-12-04 20:01:35');
INSERT INTO river_migration VALUES('main',6,'2026-12-04 20:01:35');
CREATE TABLE river_client (
    id text PRIMARY KEY NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata blob NOT NULL DEFAULT (json('{}')),
    paused_at timestamp,
    updated_at timestamp NOT NULL,
    CONSTRAINT name_length CHECK (length(id) > 0 AND length(id) < 128)
);
CREATE TABLE river_client_queue (
    river_client_id text NOT NULL REFERENCES river_client (id) ON DELETE CASCADE,
    name text NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    max_workers integer NOT NULL DEFAULT 0,
    metadata blob NOT NULL DEFAULT (json('{}')),
    num_jobs_completed integer NOT NULL DEFAULT 0,
    num_jobs_running integer NOT NULL DEFAULT 0,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (river_client_id, name),
    CONSTRAINT name_length CHECK (length(name) > 0 AND length(name) < 128),
    CONSTRAINT num_jobs_completed_zero_or_positive CHECK (num_jobs_completed >= 0),
    CONSTRAINT num_jobs_running_zero_or_positive CHECK (num_jobs_running >= 0)
);
CREATE TABLE river_job (
    id integer PRIMARY KEY, -- SQLite makes this autoincrementing automatically
    args blob NOT NULL DEFAULT '{}',
    attempt integer NOT NULL DEFAULT 0,
    attempted_at timestamp,
    attempted_by blob, -- json
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    errors blob, -- json
    finalized_at timestamp,
    kind text NOT NULL,
    max_attempts integer NOT NULL,
    metadata blob NOT NULL DEFAULT (json('{}')),
    priority integer NOT NULL DEFAULT 1,
    queue text NOT NULL DEFAULT 'default',
    state text NOT NULL DEFAULT 'available',
    scheduled_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    tags blob NOT NULL DEFAULT (json('[]')),
    unique_key blob,
    unique_states integer,
    CONSTRAINT finalized_or_finalized_at_null CHECK (
        (finalized_at IS NULL AND state NOT IN ('cancelled', 'completed', 'discarded')) OR
        (finalized_at IS NOT NULL AND state IN ('cancelled', 'completed', 'discarded'))
    ),
    CONSTRAINT priority_in_range CHECK (priority >= 1 AND priority <= 4),
    CONSTRAINT queue_length CHECK (length(queue) > 0 AND length(queue) < 128),
    CONSTRAINT kind_length CHECK (length(kind) > 0 AND length(kind) < 128),
    CONSTRAINT state_valid CHECK (state IN ('available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled'))
);
INSERT INTO river_job VALUES(1,X'7b22636f6d70616e795f6964223a2230343964623830342d633539652d343138652d623337312d343862313765373737363031222c22636f6e6e656374696f6e5f6964223a2238663464663633612d393936382d343834352d393230632d626436623536646435303464222c2267656e223a307d',1,'2026-12-04 20:01:35.256','["vm_2026_12_04T20_01_35_109336"]','2026-12-04 20:01:35.215',NULL,'2026-12-04 20:01:35.540495483 +0000 UTC m=+0.438025788','bankfeeds_deliver',100,'{"river:unique_nonce":"a3d2b8d35d1fde1e"}',1,'bankfeeds','completed','2026-12-04 20:01:35.215','[]',X'9a0a42fd47e9870b551b7b9ad6b70a125f8026e1fc779162b4f77fb3ab94d5f7',241);
INSERT INTO river_job VALUES(2,X'7b22636f6d70616e795f6964223a2230343964623830342d633539652d343138652d623337312d343862313765373737363031222c22636f6e6e656374696f6e5f6964223a2238663464663633612d393936382d343834352d393230632d626436623536646435303464222c2267656e223a307d',0,NULL,NULL,'2026-12-04 20:01:35.580',NULL,NULL,'bankfeeds_deliver',100,'{"river:unique_nonce":"67b24b278f9b08f7"}',1,'bankfeeds','available','2026-12-04 20:01:35.580','[]',X'9a0a42fd47e9870b551b7b9ad6b70a125f8026e1fc779162b4f77fb3ab94d5f7',241);
CREATE TABLE bankfeeds_connection (
		company_id TEXT NOT NULL,
		connection_id TEXT NOT NULL,
		lease_owner TEXT NOT NULL DEFAULT '',
		lease_token BIGINT NOT NULL DEFAULT 0,
		lease_until BIGINT NOT NULL DEFAULT 0,
		job_gen BIGINT NOT NULL DEFAULT 0,
		touched_at BIGINT NOT NULL DEFAULT 0,
		parked_until BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (company_id, connection_id));
INSERT INTO bankfeeds_connection VALUES('049db804-c59e-418e-b371-48b17e777601','8f4df63a-9968-4845-920c-bd6b56dd504d','',1,0,0,1796414495580,0);
CREATE TABLE bankfeeds_feed (
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
		UNIQUE (company_id, connection_id, account_id));
INSERT INTO bankfeeds_feed VALUES('toft/acc-1','049db804-c59e-418e-b371-48b17e777601','8f4df63a-9968-4845-920c-bd6b56dd504d','acc-1','gbol',0,'',0,'2026-11-30T15:00:00','','79030dd6-928f-4ef9-88a3-feb3fad41474','Success','',0,0,5,3,0,1,1796414495264);
CREATE TABLE bankfeeds_line (
		feed_id TEXT NOT NULL,
		txn_id TEXT NOT NULL,
		sort_key TEXT NOT NULL,
		body TEXT NOT NULL,
		state BIGINT NOT NULL DEFAULT 0,
		reason TEXT NOT NULL DEFAULT '',
		op_key TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (feed_id, txn_id));
INSERT INTO bankfeeds_line VALUES('toft/acc-1','t3','2026-11-30T15:00:00.000000000','{"id":"t3","date":"2026-11-30T15:00:00","amount":-5.00,"balance":15.00}',1,'','79030dd6-928f-4ef9-88a3-feb3fad41474');
INSERT INTO bankfeeds_line VALUES('toft/acc-1','t1','2026-11-30T09:00:00.000000000','{"id":"t1","date":"2026-11-30T09:00:00","amount":10.00,"balance":10.00}',1,'','79030dd6-928f-4ef9-88a3-feb3fad41474');
INSERT INTO bankfeeds_line VALUES('toft/acc-1','t2','2026-11-30T11:00:00.000000000','{"id":"t2","date":"2026-11-30T11:00:00","amount":10.00,"balance":20.00}',1,'','79030dd6-928f-4ef9-88a3-feb3fad41474');
INSERT INTO bankfeeds_line VALUES('toft/acc-1','t4','2026-11-30T16:00:00.000000000','{"id":"t4","date":"2026-11-30T16:00:00","amount":2.50,"balance":17.50}',0,'','');
INSERT INTO bankfeeds_line VALUES('toft/acc-1','t5','2026-11-30T17:00:00.000000000','{"id":"t5","date":"2026-11-30T17:00:00","amount":-17.50,"balance":0.00}',0,'','');
CREATE TABLE bankfeeds_budget (
		name TEXT NOT NULL PRIMARY KEY,
		daily_limit BIGINT NOT NULL DEFAULT 0,
		daily_remaining BIGINT NOT NULL DEFAULT 0,
		daily_reset BIGINT NOT NULL DEFAULT 0,
		paused_until BIGINT NOT NULL DEFAULT 0,
		pause_reason TEXT NOT NULL DEFAULT '');
INSERT INTO bankfeeds_budget VALUES('default',1000000,999995,1796428800000,0,'');
CREATE TABLE bankfeeds_budget_grant (
		at_ms BIGINT NOT NULL,
		nonce TEXT NOT NULL,
		PRIMARY KEY (at_ms, nonce));
INSERT INTO bankfeeds_budget_grant VALUES(1796414495173,'0f5da7c6bb8f636c');
INSERT INTO bankfeeds_budget_grant VALUES(1796414495189,'233441c9f11b9e2f');
INSERT INTO bankfeeds_budget_grant VALUES(1796414495194,'686a6303ea4c7f99');
INSERT INTO bankfeeds_budget_grant VALUES(1796414495271,'368b062e05a91b88');
INSERT INTO bankfeeds_budget_grant VALUES(1796414495535,'81315c88936182ef');
CREATE TABLE bankfeeds_budget_slot (
		company_id TEXT NOT NULL,
		slot TEXT NOT NULL,
		owner TEXT NOT NULL DEFAULT '',
		until_ms BIGINT NOT NULL,
		PRIMARY KEY (company_id, slot));
CREATE TABLE bankfeeds_op_event (
		op_key TEXT NOT NULL PRIMARY KEY,
		status TEXT NOT NULL,
		at_ms BIGINT NOT NULL);
CREATE INDEX river_job_kind ON river_job (kind);
CREATE INDEX river_job_state_and_finalized_at_index ON river_job (state, finalized_at) WHERE finalized_at IS NOT NULL;
CREATE INDEX river_job_prioritized_fetching_index ON river_job (state, queue, priority, scheduled_at, id);
CREATE UNIQUE INDEX river_job_unique_idx ON river_job (unique_key)
    WHERE unique_key IS NOT NULL
        AND unique_states IS NOT NULL
        AND CASE state
            WHEN 'available' THEN unique_states & (1 << 0)
            WHEN 'cancelled' THEN unique_states & (1 << 1)
            WHEN 'completed' THEN unique_states & (1 << 2)
            WHEN 'discarded' THEN unique_states & (1 << 3)
            WHEN 'pending'   THEN unique_states & (1 << 4)
            WHEN 'retryable' THEN unique_states & (1 << 5)
            WHEN 'running'   THEN unique_states & (1 << 6)
            WHEN 'scheduled' THEN unique_states & (1 << 7)
            ELSE 0
        END >= 1;
CREATE INDEX bankfeeds_line_state ON bankfeeds_line (feed_id, state, sort_key);
CREATE INDEX bankfeeds_budget_slot_owner ON bankfeeds_budget_slot (owner);
CREATE INDEX bankfeeds_op_event_at ON bankfeeds_op_event (at_ms);
COMMIT;
