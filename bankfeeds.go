// Package bankfeeds is a Go client for Codat's Bank Feeds API.
//
// A bank feed connects a source bank account in your application to a target
// bank account in your SMB customer's accounting software (QuickBooks Online
// Bank Feeds, Xero, Sage, NetSuite, FreeAgent, Exact). Through Codat you
// create a company, a data connection to the bank-feeds integration, the
// source accounts the user may connect, and then push bank transactions,
// oldest first, which Codat applies asynchronously as push operations.
//
// # Authentication
//
// Create a Client with the API key from the Codat Portal. The key is sent as
// "Authorization: Basic base64(key)" on every request and never appears in
// errors, logs or the output of fmt verbs:
//
//	c, err := bankfeeds.NewClient(os.Getenv("CODAT_API_KEY"))
//
// NewClient does no I/O and reads no environment. A Client is safe for
// concurrent use; create one and share it.
//
// # Pagination
//
// List methods return one [Page]; All methods return a lazy iterator that
// fetches one page at a time:
//
//	for co, err := range c.Companies.All(ctx, nil) {
//		if err != nil { return err }
//		fmt.Println(co.Name)
//	}
//
// # Errors
//
// Every failed call returns an error that can be matched with errors.Is and
// errors.As: an [*APIError] for an answer from Codat (matched by status with
// [ErrNotFound], [ErrRateLimited] and the other sentinels), a [*ValidationError]
// for input refused before anything was sent, a [*TransportError] when no
// answer arrived, and the context's own error on cancellation.
//
// # Retries
//
// Reads are retried on transport errors, 429, 500, 502, 503 and 504 with
// exponential backoff and full jitter. Every POST and PATCH carries an
// Idempotency-Key made once per call and kept across its retries, and is
// retried only where Codat's idempotency rules make that safe: transport
// errors, 429 after Retry-After, and 409 (key still in flight). A 5xx answer
// to a write is never retried, because Codat caches it under the key.
//
// # Pushing transactions
//
// [TransactionsService.Push] sorts a copy of the transactions oldest first,
// checks them with the ordering guard ([CheckTransactions]) against the
// platform's rules ([RulesFor]) and sends exactly one request of at most
// 1000. [TransactionsService.PushAll] pushes any number, exactly once: in
// chunks, each after the previous one's push operation succeeded, with
// reconciliation when an answer is lost or a server error leaves the outcome
// unknown.
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
// github.com/bankfeeds-go/bankfeeds/webhooks.
package bankfeeds

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.3.0"

// DefaultBaseURL is the address of Codat's API.
const DefaultBaseURL = "https://api.codat.io"

// Platform keys of the bank-feeds integrations, as passed to
// [ConnectionsService.Create] and [RulesFor].
const (
	// PlatformQuickBooksOnlineBankFeeds is QuickBooks Online Bank Feeds
	// (not plain QuickBooks Online accounting, which is "qhyg").
	PlatformQuickBooksOnlineBankFeeds = "hcws"
	// PlatformSageBankFeeds is Sage Bank Feeds.
	PlatformSageBankFeeds = "olpr"
	// PlatformXero is Xero.
	PlatformXero = "gbol"
	// PlatformNetSuite is Oracle NetSuite.
	PlatformNetSuite = "akxx"
	// PlatformFreeAgent is FreeAgent.
	PlatformFreeAgent = "fbrh"
	// PlatformExact is Exact Online (NL).
	PlatformExact = "qudb"
)

// Ptr returns a pointer to v, for optional fields: bankfeeds.Ptr("Groceries").
func Ptr[T any](v T) *T { return &v }
