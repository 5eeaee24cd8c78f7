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
// without id, date or amount: 400 or 404 with validation items) and
// otherwise answered with a Pending push operation that ends, after the push
// delay, as Success (the transactions land) or Failed, with a validation
// error for each rule broken and nothing landed: the account is not
// connected or the connection not linked; a transaction is earlier than the
// one before it; older than the newest the account holds (QBO Bank Feeds,
// Sage); in the future; outside the platform's history window (QBO Bank
// Feeds 7 days, Xero 365 days); or without the running balance every
// platform requires. Dates are local date-times: any zone is dropped and
// wall clocks are compared; "the future" starts 14 hours after the
// sandbox's UTC now, and a window W accepts dates from now - W - 14h.
//
// # Idempotency
//
// POST and PATCH honour Idempotency-Key as Codat documents it: the first
// answer for a key is kept for 90 minutes and replayed with the same status
// and bytes (marked Idempotent-Replayed: true); the key of a request still
// running gets 409; the key reused for another method, path, query or body
// gets 422; a 429 is not kept, so the key can be sent again.
//
// # Faults
//
// SetFaults makes the sandbox fail the way networks and servers do, from a
// seeded generator, and FaultCounts says what it injected; see Faults.
// PushOperations lets a test assert how many pushes arrived.
//
// # Webhooks
//
// SetWebhook (or WithWebhook) registers an endpoint and its "whsec_" secret;
// the sandbox then delivers bankFeeds.sourceAccount.connected and
// bankTransactions.write.successful / .unsuccessful to it, signed as Codat
// signs them, asynchronously, in order and at least once (retries, and
// duplicates under faults); WebhookCounts says what it did. Receive them
// with webhooks.NewHandler.
//
// # Time
//
// WithClock sets what "now" is; WithPushDelay sets how long (in real time)
// work stays in progress; zero completes it right after the answer. Work
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
// 405 for an unknown method, 413 for a body over 10 MiB, and 400 for an
// invalid body on replace-company, update-company, create-connection and
// unlink-connection.
package bankfeedstest
