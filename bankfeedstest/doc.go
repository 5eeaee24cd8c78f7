// Package bankfeedstest is a stateful, in-memory fake of Codat's Bank Feeds
// API, for tests and examples: what net/http/httptest is to net/http.
//
//	srv := bankfeedstest.NewServer()
//	defer srv.Close()
//	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
//
//	co, _ := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores"})
//	conn, _ := c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero)
//	c.SourceAccounts.Create(ctx, co.ID, conn.ID, account)
//	srv.CompleteLink(co.ID, conn.ID) // the SMB user authorises and maps every account
//	c.Transactions.PushAll(ctx, co.ID, conn.ID, account.ID, txns, nil)
//	landed := srv.Transactions(co.ID, conn.ID, account.ID)
//
// Every answer is shaped after Codat's OpenAPI document (the package's
// contract test checks each one), and the sandbox enforces the rules Codat
// documents around it.
//
// # Journeys
//
// Connections start PendingAuth with a linkUrl that points at the sandbox
// itself ({URL}/link/companies/{c}/connections/{cc}/start), where a person
// can play the SMB user in a browser; CompleteLink does the same from a
// test. QuickBooks Online Bank Feeds ("hcws") links carry a one-hour ?otp=
// and the page takes one-time credentials from the credentials API. Sage
// Bank Feeds ("olpr") is connected with the connection id and an OTP from
// the OTP API, entered on the page as inside Sage. Xero, NetSuite, FreeAgent
// and Exact map accounts on the page or through the mapping API, where a
// mapping is "connecting" until the push delay passes.
//
// Source accounts use version 2 of Codat's shape unless the first account
// created on a connection asks for version 1 (an accountType that is not a
// version 2 type, and no routingInfo or accountInfo).
//
// # Pushes
//
// A push is checked at once (bad JSON, more than 1000 transactions, an
// accountId that differs from the path, an unknown account, a transaction
// without id, date or amount, an amount or balance sent as a JSON string, a
// read-only modifiedDate or sourceModifiedDate: 400 or 404 with validation
// items) and
// otherwise answered with a Pending push operation that ends, after the push
// delay, as Success (the transactions land) or Failed, with a validation
// error for each rule broken and nothing landed: the account is not
// connected or the connection not linked; a transaction is earlier than the
// one before it; older than the newest the account holds (QBO Bank Feeds,
// Sage); in the future; outside the platform's history window (QBO Bank
// Feeds 7 calendar days, Xero one calendar year); or without a field, or
// with a transaction type, that the platform's create model (#28) does not
// allow (QBO Bank Feeds: description required, types Credit, Debit and
// Unknown only; a running balance everywhere). Dates are local date-times:
// any zone is dropped and wall clocks are compared. The future starts 14
// hours after the sandbox's UTC now (UTC+14), or at the UTC now for QBO Bank
// Feeds (US and Canada only); a window accepts the whole of its first day,
// counted back from the SMB's today in the zone furthest behind UTC (UTC-12;
// UTC-10 for QBO). A mapping to a target account another source account
// feeds answers 200 with status "Failed", as the document's example does.
//
// # Limits
//
// As Codat does, on the sandbox clock: a daily quota (WithDailyQuota; off by
// default) that resets at 00:00 UTC, a per-minute limit for the API key
// (WithRateLimit; off by default), and at most 10 requests in flight per
// company (WithCompanyConcurrency). Each refusal is a 429 with Retry-After,
// and every answer carries X-Rate-Limit-Limit, -Remaining and -Reset for the
// daily quota: the one set, or else Codat's, 1000 × (1 + companies with a
// Linked connection), reported but not enforced. The Set methods change them on a running Server; Limits and
// RequestCounts say how much is used and how many 429s each caused.
//
// # Idempotency
//
// POST and PATCH honour Idempotency-Key as Codat documents it: the first
// answer for a key is kept for 90 minutes and replayed with the same status
// and bytes (marked Idempotent-Replayed: true); the key of a request still
// running gets 409; the key reused for another method, path, query or body
// gets 422; a 429 is not kept, so the key can be sent again. A write is
// running while it is processed: give writes the moment Codat takes with
// WithProcessingTime (or SetProcessingTime), and two sends of one write
// that overlap meet that 409.
//
// # Faults
//
// SetFaults makes the sandbox fail the way networks and servers do, from a
// seeded generator, and FaultCounts says what it injected; see Faults.
// PushOperations lets a test assert how many pushes arrived.
//
// # Webhooks
//
// SetWebhook (or WithWebhook) registers an endpoint, its "whsec_" secret and
// optionally the event types it subscribes to; the sandbox then delivers
// bankFeeds.sourceAccount.connected and .disconnected, connection.*,
// bankTransactions.write.* and bankAccounts.write.* when they happen, signed
// as Codat signs them, asynchronously, in order and at least once (retries,
// and duplicates under faults); WebhookCounts says what it did, WebhookLog
// each delivery and its attempts, and RedeliverWebhooks sends again the
// events since a time. Receive them with webhooks.NewHandler.
//
// # Scenarios
//
// SetScenarios (or WithScenarios) switches on what real integrations meet,
// seeded and counted like the faults: pushes that stay Pending for hours,
// pushes that end TimedOut yet wrote their lines, and QBO accounts that
// disconnect days after linking. See Scenarios.
//
// # The console
//
// The sandbox serves a console at its base URL ("/", no API key): the
// accounting side as a person sees it, in plain server-rendered HTML, with
// no script, nothing from the network, and everything the API stored
// escaped. Its pages:
//
//   - "/": companies, their connections (platform, status, link page) and
//     source accounts (status, mapped target account, feed start date);
//     rate limits; webhook totals; the controls.
//   - "/console/companies/{c}/connections/{cc}/targets/{t}": a target
//     account's bank feed as QuickBooks or Xero shows it (date,
//     description, counterparty, amount, running balance, newest first),
//     the balance, and the lines pushes were refused with the reason.
//   - "/console/companies/{c}/pushes": push operations, their status,
//     timings, validation messages and the lines each carried.
//   - "/console/webhooks": each delivery with its attempts and the
//     receiver's answers.
//
// Every control is a form and a method of Server: complete a link
// (CompleteLink, or the link pages), disconnect an account (Disconnect),
// faults (SetFaults), scenarios (SetScenarios), redeliver webhooks
// (RedeliverWebhooks), advance the clock (Advance), and the limits
// (SetRateLimit and the others). The command "bankfeeds sandbox" takes the
// same as flags at start.
//
// Console pages, link pages and the browser's /favicon.ico are not API
// requests: RequestCounts does not count them. The console and the link
// pages answer only under the sandbox's own host names (loopback names and
// addresses, and the base URL's host; 421 otherwise), and a control runs
// only with the per-process token its form carries, or the API key in the
// Authorization header (for curl), and never from another origin.
//
// # Time
//
// WithClock sets what "now" is, and Advance moves the sandbox clock forward
// without waiting: across 00:00 UTC for the quota, past the 90-minute
// idempotency window, or the days a scenario waits. WithPushDelay (or
// WithPushTiming, with seeded jitter) sets how long, in real time, work
// stays in progress; zero completes it right after the answer. Work
// comes due when the next request, or the next call of a Server method,
// looks. The sandbox starts no goroutines of its own until a webhook is
// registered: then one goroutine per Server completes work when it comes
// due and delivers the events, until Close.
//
// # Where it departs from the document
//
// The paging envelope's pageSize is at most 2000 in the document while the
// parameter allows 5000: a larger page is served 2000 results at a time,
// with _links to the rest. Some answers use statuses the document does not
// declare for that operation: 409 and 422 for Idempotency-Key conflicts,
// 504 as the statusCode of a TimedOut push operation,
// 405 for an unknown method, 413 for a body over 10 MiB, and 400 for an
// invalid body on replace-company, update-company, create-connection and
// unlink-connection.
package bankfeedstest
