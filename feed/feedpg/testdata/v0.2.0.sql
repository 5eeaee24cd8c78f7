--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: river_job_state; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.river_job_state AS ENUM (
    'available',
    'cancelled',
    'completed',
    'discarded',
    'pending',
    'retryable',
    'running',
    'scheduled'
);


--
-- Name: river_job_state_in_bitmask(bit, public.river_job_state); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.river_job_state_in_bitmask(bitmask bit, state public.river_job_state) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending'   THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running'   THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: bankfeeds_budget; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bankfeeds_budget (
    name text NOT NULL,
    daily_limit bigint DEFAULT 0 NOT NULL,
    daily_remaining bigint DEFAULT 0 NOT NULL,
    daily_reset bigint DEFAULT 0 NOT NULL,
    paused_until bigint DEFAULT 0 NOT NULL,
    pause_reason text DEFAULT ''::text NOT NULL
);


--
-- Name: bankfeeds_budget_grant; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bankfeeds_budget_grant (
    at_ms bigint NOT NULL,
    nonce text NOT NULL
);


--
-- Name: bankfeeds_budget_slot; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bankfeeds_budget_slot (
    company_id text NOT NULL,
    slot text NOT NULL,
    owner text DEFAULT ''::text NOT NULL,
    until_ms bigint NOT NULL
);


--
-- Name: bankfeeds_connection; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bankfeeds_connection (
    company_id text NOT NULL,
    connection_id text NOT NULL,
    lease_owner text DEFAULT ''::text NOT NULL,
    lease_token bigint DEFAULT 0 NOT NULL,
    lease_until bigint DEFAULT 0 NOT NULL,
    job_gen bigint DEFAULT 0 NOT NULL,
    touched_at bigint DEFAULT 0 NOT NULL,
    parked_until bigint DEFAULT 0 NOT NULL
);


--
-- Name: bankfeeds_feed; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bankfeeds_feed (
    feed_id text NOT NULL,
    company_id text NOT NULL,
    connection_id text NOT NULL,
    account_id text NOT NULL,
    platform text NOT NULL,
    paused bigint DEFAULT 0 NOT NULL,
    pause_reason text DEFAULT ''::text NOT NULL,
    disconnected bigint DEFAULT 0 NOT NULL,
    high_water text DEFAULT ''::text NOT NULL,
    inflight text DEFAULT ''::text NOT NULL,
    last_op text DEFAULT ''::text NOT NULL,
    last_status text DEFAULT ''::text NOT NULL,
    last_error text DEFAULT ''::text NOT NULL,
    failures bigint DEFAULT 0 NOT NULL,
    retry_at bigint DEFAULT 0 NOT NULL,
    appended bigint DEFAULT 0 NOT NULL,
    delivered bigint DEFAULT 0 NOT NULL,
    set_aside bigint DEFAULT 0 NOT NULL,
    chunks bigint DEFAULT 0 NOT NULL,
    picked_at bigint DEFAULT 0 NOT NULL
);


--
-- Name: bankfeeds_line; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bankfeeds_line (
    feed_id text NOT NULL,
    txn_id text NOT NULL,
    sort_key text NOT NULL,
    body text NOT NULL,
    state bigint DEFAULT 0 NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    op_key text DEFAULT ''::text NOT NULL
);


--
-- Name: bankfeeds_op_event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bankfeeds_op_event (
    op_key text NOT NULL,
    status text NOT NULL,
    at_ms bigint NOT NULL
);


--
-- Name: river_client; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.river_client (
    id text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    paused_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT name_length CHECK (((char_length(id) > 0) AND (char_length(id) < 128)))
);


--
-- Name: river_client_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.river_client_queue (
    river_client_id text NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    max_workers bigint DEFAULT 0 NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    num_jobs_completed bigint DEFAULT 0 NOT NULL,
    num_jobs_running bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT name_length CHECK (((char_length(name) > 0) AND (char_length(name) < 128))),
    CONSTRAINT num_jobs_completed_zero_or_positive CHECK ((num_jobs_completed >= 0)),
    CONSTRAINT num_jobs_running_zero_or_positive CHECK ((num_jobs_running >= 0))
);


--
-- Name: river_job; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_job (
    id bigint NOT NULL,
    state public.river_job_state DEFAULT 'available'::public.river_job_state NOT NULL,
    attempt smallint DEFAULT 0 NOT NULL,
    max_attempts smallint NOT NULL,
    attempted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finalized_at timestamp with time zone,
    scheduled_at timestamp with time zone DEFAULT now() NOT NULL,
    priority smallint DEFAULT 1 NOT NULL,
    args jsonb NOT NULL,
    attempted_by text[],
    errors jsonb[],
    kind text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    queue text DEFAULT 'default'::text NOT NULL,
    tags character varying(255)[] DEFAULT '{}'::character varying[] NOT NULL,
    unique_key bytea,
    unique_states bit(8),
    CONSTRAINT finalized_or_finalized_at_null CHECK ((((finalized_at IS NULL) AND (state <> ALL (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))) OR ((finalized_at IS NOT NULL) AND (state = ANY (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))))),
    CONSTRAINT kind_length CHECK (((char_length(kind) > 0) AND (char_length(kind) < 128))),
    CONSTRAINT max_attempts_is_positive CHECK ((max_attempts > 0)),
    CONSTRAINT priority_in_range CHECK (((priority >= 1) AND (priority <= 4))),
    CONSTRAINT queue_length CHECK (((char_length(queue) > 0) AND (char_length(queue) < 128)))
);


--
-- Name: river_job_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.river_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: river_job_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.river_job_id_seq OWNED BY public.river_job.id;


--
-- Name: river_leader; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.river_leader (
    elected_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    leader_id text NOT NULL,
    name text DEFAULT 'default'::text NOT NULL,
    CONSTRAINT leader_id_length CHECK (((char_length(leader_id) > 0) AND (char_length(leader_id) < 128))),
    CONSTRAINT name_length CHECK ((name = 'default'::text))
);


--
-- Name: river_migration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_migration (
    line text NOT NULL,
    version bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT line_length CHECK (((char_length(line) > 0) AND (char_length(line) < 128))),
    CONSTRAINT version_gte_1 CHECK ((version >= 1))
);


--
-- Name: river_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_queue (
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    paused_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: river_job id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_job ALTER COLUMN id SET DEFAULT nextval('public.river_job_id_seq'::regclass);


--
-- Data for Name: bankfeeds_budget; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bankfeeds_budget VALUES ('default', 1000000, 999995, 1796428800000, 0, '');


--
-- Data for Name: bankfeeds_budget_grant; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bankfeeds_budget_grant VALUES (1796414495863, '08606d9cd27dea47');
INSERT INTO public.bankfeeds_budget_grant VALUES (1796414495882, 'c0a7341f2afc71e2');
INSERT INTO public.bankfeeds_budget_grant VALUES (1796414495898, 'ec8cff370f90feb4');
INSERT INTO public.bankfeeds_budget_grant VALUES (1796414496054, '35f1ca4292203649');
INSERT INTO public.bankfeeds_budget_grant VALUES (1796414496322, 'c9d3436c8013512c');


--
-- Data for Name: bankfeeds_budget_slot; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: bankfeeds_connection; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bankfeeds_connection VALUES ('372a4441-f723-4419-9584-dbd41a178c8d', '97cc0b53-e141-43ab-ab3f-1a86684188bf', '', 1, 0, 0, 1796414496418, 0);


--
-- Data for Name: bankfeeds_feed; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bankfeeds_feed VALUES ('toft/acc-1', '372a4441-f723-4419-9584-dbd41a178c8d', '97cc0b53-e141-43ab-ab3f-1a86684188bf', 'acc-1', 'gbol', 0, '', 0, '2026-11-30T15:00:00', '', '22b0dcf9-e8f8-4d03-8ec8-3b0735d3be7d', 'Success', '', 0, 0, 5, 3, 0, 1, 1796414496049);


--
-- Data for Name: bankfeeds_line; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bankfeeds_line VALUES ('toft/acc-1', 't1', '2026-11-30T09:00:00.000000000', '{"id":"t1","date":"2026-11-30T09:00:00","amount":10.00,"balance":10.00}', 1, '', '22b0dcf9-e8f8-4d03-8ec8-3b0735d3be7d');
INSERT INTO public.bankfeeds_line VALUES ('toft/acc-1', 't2', '2026-11-30T11:00:00.000000000', '{"id":"t2","date":"2026-11-30T11:00:00","amount":10.00,"balance":20.00}', 1, '', '22b0dcf9-e8f8-4d03-8ec8-3b0735d3be7d');
INSERT INTO public.bankfeeds_line VALUES ('toft/acc-1', 't3', '2026-11-30T15:00:00.000000000', '{"id":"t3","date":"2026-11-30T15:00:00","amount":-5.00,"balance":15.00}', 1, '', '22b0dcf9-e8f8-4d03-8ec8-3b0735d3be7d');
INSERT INTO public.bankfeeds_line VALUES ('toft/acc-1', 't4', '2026-11-30T16:00:00.000000000', '{"id":"t4","date":"2026-11-30T16:00:00","amount":2.50,"balance":17.50}', 0, '', '');
INSERT INTO public.bankfeeds_line VALUES ('toft/acc-1', 't5', '2026-11-30T17:00:00.000000000', '{"id":"t5","date":"2026-11-30T17:00:00","amount":-17.50,"balance":0.00}', 0, '', '');


--
-- Data for Name: bankfeeds_op_event; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: river_client; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: river_client_queue; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: river_job; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_job VALUES (1, 'completed', 1, 100, '2026-12-04 20:01:36.041095+00', '2026-12-04 20:01:35.965541+00', '2026-12-04 20:01:36.331674+00', '2026-12-04 20:01:35.965541+00', 1, '{"gen": 0, "company_id": "372a4441-f723-4419-9584-dbd41a178c8d", "connection_id": "97cc0b53-e141-43ab-ab3f-1a86684188bf"}', '{vm_2026_12_04T20_01_35_625178}', NULL, 'bankfeeds_deliver', '{}', 'bankfeeds', '{}', '\x8620718db3ee49c1d869b017677cc47444594b77a4673ba0a696cd26d3987559', B'11110001');
INSERT INTO public.river_job VALUES (2, 'available', 0, 100, NULL, '2026-12-04 20:01:36.413955+00', NULL, '2026-12-04 20:01:36.413955+00', 1, '{"gen": 0, "company_id": "372a4441-f723-4419-9584-dbd41a178c8d", "connection_id": "97cc0b53-e141-43ab-ab3f-1a86684188bf"}', NULL, NULL, 'bankfeeds_deliver', '{}', 'bankfeeds', '{}', '\x8620718db3ee49c1d869b017677cc47444594b77a4673ba0a696cd26d3987559', B'11110001');


--
-- Data for Name: river_leader; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: river_migration; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_migration VALUES ('main', 1, '2026-12-04 20:01:35.653898+00');
INSERT INTO public.river_migration VALUES ('main', 2, '2026-12-04 20:01:35.677513+00');
INSERT INTO public.river_migration VALUES ('main', 3, '2026-12-04 20:01:35.72713+00');
INSERT INTO public.river_migration VALUES ('main', 4, '2026-12-04 20:01:35.731795+00');
INSERT INTO public.river_migration VALUES ('main', 5, '2026-12-04 20:01:35.75042+00');
INSERT INTO public.river_migration VALUES ('main', 6, '2026-12-04 20:01:35.79337+00');


--
-- Data for Name: river_queue; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_queue VALUES ('bankfeeds', '2026-12-04 20:01:35.936062+00', '{}', NULL, '2026-12-04 20:01:35.936062+00');


--
-- Name: river_job_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.river_job_id_seq', 2, true);


--
-- Name: bankfeeds_budget_grant bankfeeds_budget_grant_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_budget_grant
    ADD CONSTRAINT bankfeeds_budget_grant_pkey PRIMARY KEY (at_ms, nonce);


--
-- Name: bankfeeds_budget bankfeeds_budget_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_budget
    ADD CONSTRAINT bankfeeds_budget_pkey PRIMARY KEY (name);


--
-- Name: bankfeeds_budget_slot bankfeeds_budget_slot_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_budget_slot
    ADD CONSTRAINT bankfeeds_budget_slot_pkey PRIMARY KEY (company_id, slot);


--
-- Name: bankfeeds_connection bankfeeds_connection_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_connection
    ADD CONSTRAINT bankfeeds_connection_pkey PRIMARY KEY (company_id, connection_id);


--
-- Name: bankfeeds_feed bankfeeds_feed_company_id_connection_id_account_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_feed
    ADD CONSTRAINT bankfeeds_feed_company_id_connection_id_account_id_key UNIQUE (company_id, connection_id, account_id);


--
-- Name: bankfeeds_feed bankfeeds_feed_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_feed
    ADD CONSTRAINT bankfeeds_feed_pkey PRIMARY KEY (feed_id);


--
-- Name: bankfeeds_line bankfeeds_line_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_line
    ADD CONSTRAINT bankfeeds_line_pkey PRIMARY KEY (feed_id, txn_id);


--
-- Name: bankfeeds_op_event bankfeeds_op_event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bankfeeds_op_event
    ADD CONSTRAINT bankfeeds_op_event_pkey PRIMARY KEY (op_key);


--
-- Name: river_client river_client_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_client
    ADD CONSTRAINT river_client_pkey PRIMARY KEY (id);


--
-- Name: river_client_queue river_client_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_client_queue
    ADD CONSTRAINT river_client_queue_pkey PRIMARY KEY (river_client_id, name);


--
-- Name: river_job river_job_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_job
    ADD CONSTRAINT river_job_pkey PRIMARY KEY (id);


--
-- Name: river_leader river_leader_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_leader
    ADD CONSTRAINT river_leader_pkey PRIMARY KEY (name);


--
-- Name: river_migration river_migration_pkey1; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_migration
    ADD CONSTRAINT river_migration_pkey1 PRIMARY KEY (line, version);


--
-- Name: river_queue river_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_queue
    ADD CONSTRAINT river_queue_pkey PRIMARY KEY (name);


--
-- Name: bankfeeds_budget_slot_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bankfeeds_budget_slot_owner ON public.bankfeeds_budget_slot USING btree (owner);


--
-- Name: bankfeeds_line_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bankfeeds_line_state ON public.bankfeeds_line USING btree (feed_id, state, sort_key);


--
-- Name: bankfeeds_op_event_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bankfeeds_op_event_at ON public.bankfeeds_op_event USING btree (at_ms);


--
-- Name: river_job_args_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_args_index ON public.river_job USING gin (args);


--
-- Name: river_job_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_kind ON public.river_job USING btree (kind);


--
-- Name: river_job_metadata_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_metadata_index ON public.river_job USING gin (metadata);


--
-- Name: river_job_prioritized_fetching_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_prioritized_fetching_index ON public.river_job USING btree (state, queue, priority, scheduled_at, id);


--
-- Name: river_job_state_and_finalized_at_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_state_and_finalized_at_index ON public.river_job USING btree (state, finalized_at) WHERE (finalized_at IS NOT NULL);


--
-- Name: river_job_unique_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX river_job_unique_idx ON public.river_job USING btree (unique_key) WHERE ((unique_key IS NOT NULL) AND (unique_states IS NOT NULL) AND public.river_job_state_in_bitmask(unique_states, state));


--
-- Name: river_client_queue river_client_queue_river_client_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_client_queue
    ADD CONSTRAINT river_client_queue_river_client_id_fkey FOREIGN KEY (river_client_id) REFERENCES public.river_client(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


