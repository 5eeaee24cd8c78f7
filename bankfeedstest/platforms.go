package bankfeedstest

import (
	"strconv"
	"time"
)

// platform is one bank-feeds integration the sandbox knows, with the rules
// Codat documents for it (docs/api-notes.md §3.2, §4). The sandbox keeps its own
// table on purpose: it is an independent check of the SDK's RulesFor.
type platform struct {
	key           string
	name          string // Connection.platformName
	sourceType    string // Connection.sourceType
	integrationID string
	sourceID      string
	baseCurrency  string

	requireBalance bool     // every transaction needs a running balance
	forbidOlder    bool     // nothing older than the newest transaction held
	window         history  // how far back a line may be dated
	zones          zoneSpan // where the platform's SMBs keep their books
	apiMapping     bool     // mapping through the API (#23/#24)
	companyInfo    bool     // company information (#25)
	credentials    bool     // QBO one-time credentials (#21/#22)
	sageOTP        bool     // Sage OTP (#26); the journey starts inside Sage
	linkOTP        bool     // the linkUrl carries a one-hour ?otp=
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

var platforms = map[string]*platform{
	keyQBO: {
		key: keyQBO, name: "QuickBooks Online Bank Feeds", sourceType: "BankFeed",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e01", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e01",
		baseCurrency:   "USD",
		requireBalance: true, forbidOlder: true, window: history{days: 7}, zones: usCanada,
		credentials: true, linkOTP: true,
	},
	keySage: {
		key: keySage, name: "SageBankFeed", sourceType: "BankFeed",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e02", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e02",
		baseCurrency:   "GBP",
		requireBalance: true, forbidOlder: true, zones: everywhere,
		sageOTP: true,
	},
	keyXero: {
		key: keyXero, name: "Xero", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e03", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e03",
		baseCurrency:   "GBP",
		requireBalance: true, window: history{years: 1}, zones: everywhere,
		apiMapping: true, companyInfo: true,
	},
	keyNetSuite: {
		key: keyNetSuite, name: "Oracle NetSuite", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e04", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e04",
		baseCurrency:   "USD",
		requireBalance: true, zones: everywhere,
		apiMapping: true, companyInfo: true,
	},
	keyFreeAgent: {
		key: keyFreeAgent, name: "FreeAgent", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e05", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e05",
		baseCurrency:   "GBP",
		requireBalance: true, zones: everywhere,
		apiMapping: true,
	},
	keyExact: {
		key: keyExact, name: "Exact Online", sourceType: "Accounting",
		integrationID: "7f8a2c3e-2b41-4c55-9f0e-6a1d3b5c7e06", sourceID: "1d4e6f80-9a2b-4c3d-8e5f-7a6b5c4d3e06",
		baseCurrency:   "EUR",
		requireBalance: true, zones: everywhere,
		apiMapping: true,
	},
}

// zoneSpan is the range of UTC offsets an SMB's clock may show: a local
// date-time is compared with the UTC now moved by these offsets.
type zoneSpan struct {
	west time.Duration // the furthest behind UTC, <= 0
	east time.Duration // the furthest ahead of UTC, >= 0
}

var (
	// everywhere spans the world's zones, UTC-12 (Baker Island) to UTC+14
	// (Kiritimati).
	everywhere = zoneSpan{west: -12 * time.Hour, east: 14 * time.Hour}
	// usCanada is QBO Bank Feeds' market (Codat lists it for the US and
	// Canada only): clocks from UTC-10 (Hawaii) to UTC-3:30 (Newfoundland),
	// none ahead of UTC; the future starts at the UTC now.
	usCanada = zoneSpan{west: -10 * time.Hour, east: 0}
)

// history is a platform's window for back-dated lines, counted in calendar
// days or calendar years back from the SMB's today; zero: no window.
type history struct {
	days, years int
}

func (h history) none() bool { return h.days == 0 && h.years == 0 }

// earliest is the first calendar day the window accepts when the SMB's day
// is today (a midnight). A year back from 29 February is 28 February.
func (h history) earliest(today time.Time) time.Time {
	y, m, d := today.Date()
	y -= h.years
	d -= h.days
	if h.years > 0 && d > 0 {
		d = min(d, daysIn(y, m))
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// describe says the window in words: "7 days", "1 year".
func (h history) describe() string {
	n, unit := h.days, "day"
	if h.years > 0 {
		n, unit = h.years, "year"
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}

// daysIn is the number of days in a month.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayOf is the calendar day of a wall clock, as a midnight.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
