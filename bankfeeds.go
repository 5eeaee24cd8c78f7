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
