// Package bankfeeds is a Go client for Codat's Bank Feeds API.
//
// A bank feed connects a source bank account in your application to a target
// bank account in your SMB customer's accounting software (QuickBooks Online
// Bank Feeds, Xero, Sage, NetSuite, FreeAgent, Exact). Through Codat you
// create a company, a data connection to the bank-feeds integration, the
// source accounts the user may connect, and then push bank transactions,
// oldest first, which Codat applies asynchronously as push operations.
//
// # Authentication and options
//
// Create a Client with the API key from the Codat Portal (or the ready-made
// "Basic ..." header the Portal also shows). The key is sent as
// "Authorization: Basic base64(key)" on every request and is held in a type
// whose String, GoString and JSON forms are [REDACTED], so it never appears
// in errors, logs or the output of fmt verbs:
//
//	c, err := bankfeeds.NewClient(os.Getenv("CODAT_API_KEY"))
//
// NewClient does no I/O and reads no environment; an empty key or a
// malformed base URL is its error. A Client is safe for concurrent use;
// create one and share it. Options, with their defaults:
//
//   - [WithBaseURL] sets the address (default https://api.codat.io;
//     http:// only for loopback hosts).
//   - [WithHTTPClient] sets the *http.Client of each attempt (default a
//     pooled transport, TLS 1.2+, 60 s per attempt). The client is copied
//     and redirects are never followed; its Timeout bounds one attempt,
//     your context's deadline the whole call.
//   - [WithRetryMax] and [WithRetryWait] bound retries (default 4 retries,
//     500 ms to 30 s).
//   - [WithLogger] logs each attempt (method, path, status, attempt,
//     correlation id) at debug level and failures at warn; headers, keys
//     and query strings never (default silent).
//   - [WithUserAgent] puts yours in front of bankfeeds-go/[Version].
//   - [WithMaxResponseBytes] caps answers (default 32 MiB; error bodies
//     64 KiB).
//   - [WithIntegrationPlatforms] maps integration ids to platform keys, for
//     connections whose answers lack integrationKey.
//   - [WithHooks] sees every call and attempt (see Hooks below).
//
// # The journey
//
//  1. Company: c.Companies.Create; also List, All, Get, Replace, Update,
//     Delete and AccessToken (a one-day token for Codat's embedded UIs).
//  2. Connection to the bank-feeds integration: c.Connections.Create(ctx,
//     companyID, platformKey) with [PlatformQuickBooksOnlineBankFeeds]
//     ("hcws"), [PlatformSageBankFeeds] ("olpr"), [PlatformXero] ("gbol"),
//     [PlatformNetSuite], [PlatformFreeAgent] or [PlatformExact]. It starts
//     PendingAuth, with a LinkURL. For QBO the URL holds a one-hour OTP:
//     fetch the connection again rather than storing it. Sage users enter
//     the connection id and an OTP from c.SourceAccounts.GenerateOTP inside
//     Sage.
//  3. Source accounts the user may connect: c.SourceAccounts.Create or
//     CreateBatch (a 207 or 409 is a per-account result, not an error),
//     List, Update, Delete, GenerateCredentials and DeleteCredentials (QBO).
//     One [SourceAccount] struct holds both of Codat's shapes (v1 and v2).
//  4. Mapping: QBO and Sage map in their own products; for Xero, FreeAgent,
//     NetSuite and Exact you may build the mapping UI with
//     c.AccountMapping.Get and Create. Wait until the account's status is
//     connected.
//  5. Push bank transactions, oldest first (below).
//
// Also: c.BankAccounts (target accounts in the accounting software),
// c.CompanyInformation (Xero and NetSuite), c.ManagedSyncs (Run, Get, and
// Latest, which returns [ErrNoSync] when there is none).
//
// # Money and dates
//
// Money is [Decimal], exact, written as a bare JSON number and read from any
// JSON number without loss (12345678901234567.89 survives). Its zero value
// means "not set", so optional money needs no pointer: NewDecimal(12345, -2)
// is 123.45, [ParseDecimal] reads text. Times are [DateTime], which reads
// every form Codat sends (Z, offsets, no zone, dates, seven fraction
// digits); a transaction's date is written as a local date-time with no
// zone, as Codat wants: bankfeeds.Date(2026, 11, 24, 9, 30, 0).
//
// # Pushing transactions
//
// [TransactionsService.Push] sends exactly one request of at most 1000
// transactions. It sorts a copy (your slice is never reordered) and checks
// it first with the ordering guard: id, date and amount present, ids
// unique, balance where the platform needs it, nothing before
// PushOptions.NotBefore (your account's high-water mark), and the platform's
// calendar rules ([RulesFor]): QBO 7 calendar days back and nothing after
// the current UTC time, Xero one calendar year back, no date past UTC+14 on
// the rest, and on QBO a description and only the Credit, Debit and Unknown
// types. Bad input is a [*ValidationError] naming the transaction, and
// nothing is sent.
//
// [TransactionsService.PushAll] pushes any number, exactly once: it chunks
// by 1000, pushes chunk k+1 only after chunk k's push operation reached
// Success, carries the high-water mark, reports progress, and on failure
// returns a [*PushError] naming the chunk, the push operation and Codat's
// messages. With no Platform or Rules it reads the connection's platform
// from integrationKey, else platformName (or the ids registered with
// [WithIntegrationPlatforms]), and refuses a platform it cannot name.
//
// Lines that share a date are put in the order their running balances chain
// in (each balance is the one before plus its amount), so a statement
// exported newest first lands with the day's closing balance last; lines
// whose balances chain in more than one order are refused, naming them. The
// guard is usable alone: [SortTransactions], [CheckTransactions].
//
// Codat applies pushes asynchronously: WaitForOperation, GetOperation,
// ListOperations and AllOperations follow the push operations.
//
// # Resuming a push
//
// A [*PushError] hands back everything needed to carry on. Resume with it,
// never by sending Remaining afresh:
//
//	res, err := c.Transactions.PushAll(ctx, companyID, connectionID, accountID, txns, opts)
//	var perr *bankfeeds.PushError
//	if errors.As(err, &perr) {
//		// keep perr (it marshals to JSON) if the process may stop; later:
//		res, err = c.Transactions.Resume(ctx, perr, opts)
//	}
//
// When the failed chunk may already be in Codat (it was sent, and its push
// operation did not end Failed: a cancelled context, a lost answer, a
// timeout during the wait), PushError.InFlight names it: its lines, its
// Idempotency-Key, its push operation key once Codat answered, and when it
// was sent. Resume (or PushAllOptions.InFlight) settles that chunk before
// anything else and never sends it blindly again:
//
//  1. with the push operation key, it waits for the operation: Success means
//     the lines landed, Failed means they are pushed again, TimedOut is
//     returned to you ([ErrPushTimedOut]: Codat may still write it);
//  2. without it, when the key's first use is surely less than 80 minutes
//     ago by Codat's clock (Codat replays a key's first answer for 90), it
//     resends the same bytes under the same key: Codat answers with the
//     first push if that arrived, and takes it if not;
//  3. otherwise (later, or when it cannot tell), it first looks among the
//     connection's push operations requested since the chunk was first
//     sent for one holding exactly its ids (a Failed one holds nothing),
//     and only when none does sends the chunk again, under the same key,
//     which Codat replays if it still knows it.
//
// The chunk in flight is settled before the date rules are applied: its
// lines may be in Codat already, even if the platform's window has moved
// past them since (QBO's 7 days). Then it pushes the rest of Remaining from
// PushError.HighWaterMark, checked as usual. After a chunk ended Failed,
// Resume pushes it again under keys Codat has not seen (a derived key would
// be answered with the Failed push's replay for 90 minutes). Only what has
// landed is ever counted in Pushed or the high-water mark. A PushError kept
// with json.Marshal is read back with json.Unmarshal, and errors.Is still
// tells its cause.
//
// Settling goes forward in steps, each call keeping what it learnt in
// InFlight: a call that ends once the push operation's key is known, or once
// a resend was answered, leaves less for the next. A reconcile is one step:
// its pages of ListOperations, the wait for a Pending candidate and, when
// none holds the chunk, one push. A caller whose every call has a shorter
// deadline than that can resume for ever without settling; give Resume at
// least a few seconds.
//
// Clocks: processes of a fleet never share a clock, so every time compared
// across machines is Codat's, learnt from the Date header of each answer and
// kept in InFlight (Since, KeySince). Where a chunk was sent as a process's
// first request, before any answer told the server's time, the sender's own
// clock is allowed PushAllOptions.ClockTolerance ([DefaultClockTolerance],
// 5 minutes) either way. A skew within it never costs a duplicate; a larger
// value only makes a reconcile read further back.
//
// # Text that is not UTF-8
//
// Bank text often comes as Latin-1 or Windows-1252 bytes in Go strings. An
// id (a transaction's, an account's, a company's, a connection's) or a
// TransactionType that is not valid UTF-8 is refused with a
// [*ValidationError] naming it, before anything is sent: ids are matched
// byte for byte, so none is converted. A transaction's Description,
// Counterparty and Reference are converted by [ToUTF8] as they enter Push,
// PushAll and Resume (each byte that is not UTF-8 read as Windows-1252:
// "Caf\xe9" lands as "Café", never as U+FFFD; valid UTF-8 is left alone),
// before the body is hashed, so Remaining and InFlight hold the text that
// was sent and survive JSON unchanged.
//
// Push operations carry no account id, so two writers pushing the same ids
// to two accounts of one connection cannot be told apart. A Client therefore
// holds a connection while it sends and reconciles one of its chunks, and
// remembers the push operations Codat answered it with; across processes,
// keep one writer per connection. When Codat's records still cannot tell,
// PushAll neither adopts nor resends: it returns [ErrPushUnsettled] with the
// chunk in InFlight.
//
// With an idempotency key set for PushAll, each chunk's key is derived from
// it, the account and the chunk's content: the same chunk of the same
// account gets the same key in every run, a different chunk or account
// never does.
//
// # Pagination
//
// List methods return one [Page]; All methods return a lazy iterator that
// fetches one page at a time:
//
//	page, err := c.Companies.List(ctx, &bankfeeds.CompanyListOptions{
//		ListOptions: bankfeeds.ListOptions{PageSize: 500, Query: "name~Toft", OrderBy: "-created"},
//	})
//	for co, err := range c.Companies.All(ctx, nil) {
//		if err != nil { return err }
//		fmt.Println(co.Name)
//	}
//
// Options are checked before sending (page size 1 to 5000). All iterators
// copy your options, yield an error once and stop, honour break, and stop on
// an empty page, a missing next link, or a page number that does not
// advance.
//
// # Errors
//
// Every failed call returns an error that can be matched with errors.Is and
// errors.As: an [*APIError] for an answer from Codat (matched by status with
// [ErrBadRequest], [ErrUnauthorized], [ErrPaymentRequired], [ErrForbidden],
// [ErrNotFound], [ErrConflict], [ErrUnprocessable], [ErrRateLimited] and
// [ErrServer]), a [*ValidationError] for input refused before anything was
// sent, a [*TransportError] when no answer arrived, and the context's own
// error on cancellation. APIError.Error() is one line: the method, the path
// (never the query string), the status, Codat's message and the correlation
// id to quote to Codat support.
//
// # Retries, and what is never retried
//
// Retries live in one place, on go-retryablehttp, with exponential backoff
// and full jitter, bounded attempts, and every wait honouring your context.
// GET, DELETE and PUT are retried on transport errors, 429, 500, 502, 503
// and 504. Every POST and PATCH carries an Idempotency-Key made once per
// call and kept across its retries, and is retried only where Codat's
// idempotency rules make that safe: transport errors (the request not sent,
// or its answer lost), 429 after Retry-After, and 409 (the key is still in
// flight). A 5xx answer to a write is never retried: Codat caches it under
// the key, so a retry is useless and a new key could write twice; PushAll
// reconciles instead. A push operation that ends TimedOut may still be
// written, so it is reported ([ErrPushTimedOut]) and never resent.
//
// # Rate limits
//
// Codat allows 1000 x (1 + active companies) requests a day and answers 429
// with Retry-After past it. The client waits for Retry-After when it is
// within WithRetryWait's maximum; a longer wait returns [ErrRateLimited] at
// once, with APIError.RetryAfter, so you decide.
//
// # Per-call control
//
// Any call can be tuned without a second client, through its context; every
// operation, PushAll, Resume and WaitForOperation read the same options
// ([WithCallOptions]): a Timeout for the whole call (attempts, waits and
// polls), Retries, extra Header values (the SDK's own cannot be replaced)
// and an IdempotencyKey. A later WithCallOptions keeps what it leaves zero.
//
// # Hooks
//
// [Hooks] see every logical call begin and end and every HTTP attempt
// inside it; telemetry (package otelbankfeeds) and the feed engine's request
// budget are built on them. A call is one operation (CallInfo.Operation such
// as "Companies.List", Route such as "/companies/{companyId}", the company
// id, for a push the number of transactions and, once answered, the push
// operation key and status), or PushAll and WaitForOperation around the
// calls they make, so a hook's context nests them. An attempt carries its
// number, the URL without its query string, the status, Codat's correlation
// id, its X-Rate-Limit-* headers, Retry-After and its duration.
// AttemptStart may set headers (a trace context) with Attempt.SetHeader, and
// may refuse the attempt by returning an error: nothing is sent, nothing is
// retried, and the call returns that error as it is. Hooks never see the API
// key, the Authorization header or a query string. Every request that
// reaches Codat is an attempt the hooks saw, net/http's own resends of a GET
// or a keyed POST on a new connection included (Attempt.Resent), so a budget
// counts them, and each carries the headers its own AttemptStart set (its
// own trace context).
//
// # Testing
//
// The package bankfeedstest is a stateful in-memory Codat Bank Feeds server
// to run your tests against, like net/http/httptest:
//
//	srv := bankfeedstest.NewServer()
//	defer srv.Close()
//	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
//
// Unit tests can also intercept the *http.Client passed with
// [WithHTTPClient]. Webhooks are verified and decoded by the package
// github.com/bankfeeds-go/bankfeeds/webhooks, and its Operations settle
// PushAll's chunks from Codat's write events (WaitOptions.Events), one
// request a chunk.
//
// [WithBaseURL]: https://api.codat.io; http:// only for loopback hosts.
package bankfeeds
