package bankfeedstest

import "time"

// platform is one bank-feeds integration the sandbox knows, with the rules
// Codat documents for it (API-NOTES §3.2, §4). The sandbox keeps its own
// table on purpose: it is an independent check of the SDK's RulesFor.
type platform struct {
	key           string
	name          string // Connection.platformName
	sourceType    string // Connection.sourceType
	integrationID string
	sourceID      string
	baseCurrency  string

	requireBalance bool          // every transaction needs a running balance
	forbidOlder    bool          // nothing older than the newest transaction held
	maxAge         time.Duration // history window; 0: none
	apiMapping     bool          // mapping through the API (#23/#24)
	companyInfo    bool          // company information (#25)
	credentials    bool          // QBO one-time credentials (#21/#22)
	sageOTP        bool          // Sage OTP (#26); the journey starts inside Sage
	linkOTP        bool          // the linkUrl carries a one-hour ?otp=
}

// Platform keys, as the SDK's constants spell them.
const (
	keyQBO       = "hcws"
	keySage      = "olpr"
	keyXero      = "gbol"
	keyNetSuite  = "akxx"
	keyFreeAgent = "fbrh"
	keyExact     = "qudb"
)

const day = 24 * time.Hour

var platforms = map[string]*platform{
	keyQBO: {
		key: keyQBO, name: "QuickBooks Online Bank Feeds", sourceType: "BankFeed",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e01", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e01",
		baseCurrency:   "USD",
		requireBalance: true, forbidOlder: true, maxAge: 7 * day,
		credentials: true, linkOTP: true,
	},
	keySage: {
		key: keySage, name: "SageBankFeed", sourceType: "BankFeed",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e02", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e02",
		baseCurrency:   "GBP",
		requireBalance: true, forbidOlder: true,
		sageOTP: true,
	},
	keyXero: {
		key: keyXero, name: "Xero", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e03", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e03",
		baseCurrency:   "GBP",
		requireBalance: true, maxAge: 365 * day,
		apiMapping: true, companyInfo: true,
	},
	keyNetSuite: {
		key: keyNetSuite, name: "Oracle NetSuite", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e04", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e04",
		baseCurrency:   "USD",
		requireBalance: true,
		apiMapping:     true, companyInfo: true,
	},
	keyFreeAgent: {
		key: keyFreeAgent, name: "FreeAgent", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e05", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e05",
		baseCurrency:   "GBP",
		requireBalance: true,
		apiMapping:     true,
	},
	keyExact: {
		key: keyExact, name: "Exact Online", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e06", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e06",
		baseCurrency:   "EUR",
		requireBalance: true,
		apiMapping:     true,
	},
}

// futureSlack is how far past the sandbox's UTC now a local date-time may be
// before it is in the future: the SMB may live at UTC+14. History windows
// get the same slack.
const futureSlack = 14 * time.Hour
