package bankfeeds

import "strings"

// platformNames are the platformName values Codat gives each bank-feeds
// integration's connections, folded by foldName. Codat's documentation
// spells some of them more than one way.
var platformNames = map[string]string{
	"quickbooksonlinebankfeeds": PlatformQuickBooksOnlineBankFeeds,
	"qbobankfeeds":              PlatformQuickBooksOnlineBankFeeds,
	"sagebankfeed":              PlatformSageBankFeeds,
	"sagebankfeeds":             PlatformSageBankFeeds,
	"xero":                      PlatformXero,
	"oraclenetsuite":            PlatformNetSuite,
	"netsuite":                  PlatformNetSuite,
	"freeagent":                 PlatformFreeAgent,
	"exactonline":               PlatformExact,
	"exactonlinenl":             PlatformExact,
	"exactnetherlands":          PlatformExact,
}

// knownPlatform reports whether key is a bank-feeds platform whose rules
// RulesFor knows.
func knownPlatform(key string) bool {
	switch key {
	case PlatformQuickBooksOnlineBankFeeds, PlatformSageBankFeeds, PlatformXero,
		PlatformNetSuite, PlatformFreeAgent, PlatformExact:
		return true
	}
	return false
}

// foldName lower-cases a platform name and drops everything but letters and
// digits: "QuickBooks Online Bank Feeds" and "quickbooks-online bankfeeds"
// fold alike.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PlatformOf names the bank-feeds platform of a connection, such as
// PlatformXero, from what the connection carries: its integrationKey when
// Codat sends one (it is no longer required), else its integrationId or
// sourceId when the Client was told them (WithIntegrationPlatforms), else
// its platformName. It returns "" when none of these names a platform whose
// rules RulesFor knows; plain QuickBooks Online accounting ("qhyg") is not
// QBO Bank Feeds and gives "".
func (c *Client) PlatformOf(conn *Connection) string {
	if conn == nil {
		return ""
	}
	if knownPlatform(conn.IntegrationKey) {
		return conn.IntegrationKey
	}
	if conn.IntegrationKey != "" {
		return "" // a key we know no rules for: never guess from the name
	}
	for _, id := range [...]string{conn.IntegrationID, conn.SourceID} {
		if key, ok := c.integrations[strings.ToLower(id)]; ok && id != "" {
			return key
		}
	}
	return platformNames[foldName(conn.PlatformName)]
}
