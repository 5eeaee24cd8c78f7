package bankfeeds

import "strings"

// route is one operation of Codat's Bank Feeds API: its method, its path
// template as Codat's document writes it, and the SDK method that calls it.
type route struct {
	method, template, operation string
	segments                    []string // template split on "/", without the leading ""
}

// routes are the 33 operations, in the document's order. Hooks and
// telemetry name calls by them, so no id ever reaches a metric's labels.
var routes = func() []route {
	table := [...][3]string{
		{"POST", "/companies", "Companies.Create"},
		{"GET", "/companies", "Companies.List"},
		{"GET", "/companies/{companyId}", "Companies.Get"},
		{"DELETE", "/companies/{companyId}", "Companies.Delete"},
		{"PUT", "/companies/{companyId}", "Companies.Replace"},
		{"PATCH", "/companies/{companyId}", "Companies.Update"},
		{"GET", "/companies/{companyId}/accessToken", "Companies.AccessToken"},
		{"GET", "/companies/{companyId}/connections", "Connections.List"},
		{"POST", "/companies/{companyId}/connections", "Connections.Create"},
		{"GET", "/companies/{companyId}/connections/{connectionId}", "Connections.Get"},
		{"DELETE", "/companies/{companyId}/connections/{connectionId}", "Connections.Delete"},
		{"PATCH", "/companies/{companyId}/connections/{connectionId}", "Connections.Unlink"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/data/bankAccounts", "BankAccounts.List"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/options/bankAccounts", "BankAccounts.CreateModel"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/push/bankAccounts", "BankAccounts.Create"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/connectionInfo/bankFeedAccounts/batch", "SourceAccounts.CreateBatch"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/connectionInfo/bankFeedAccounts", "SourceAccounts.Create"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/connectionInfo/bankFeedAccounts", "SourceAccounts.List"},
		{"PATCH", "/companies/{companyId}/connections/{connectionId}/connectionInfo/bankFeedAccounts/{accountId}", "SourceAccounts.Update"},
		{"DELETE", "/companies/{companyId}/connections/{connectionId}/connectionInfo/bankFeedAccounts/credentials", "SourceAccounts.DeleteCredentials"},
		{"DELETE", "/companies/{companyId}/connections/{connectionId}/connectionInfo/bankFeedAccounts/{accountId}", "SourceAccounts.Delete"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/connectionInfo/bankFeedAccounts/credentials", "SourceAccounts.GenerateCredentials"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/bankFeedAccounts/mapping", "AccountMapping.Get"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/bankFeedAccounts/mapping", "AccountMapping.Create"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/bankFeeds/info", "CompanyInformation.Get"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/bankFeeds/otp", "SourceAccounts.GenerateOTP"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/push/bankAccounts/{accountId}/bankTransactions", "Transactions.Push"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/options/bankAccounts/{accountId}/bankTransactions", "Transactions.CreateModel"},
		{"GET", "/companies/{companyId}/push/{pushOperationKey}", "Transactions.GetOperation"},
		{"GET", "/companies/{companyId}/push", "Transactions.ListOperations"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/bankFeedAccounts/{sourceAccountId}/managedBankFeeds/syncs/latest", "ManagedSyncs.Latest"},
		{"GET", "/companies/{companyId}/connections/{connectionId}/bankFeedAccounts/{sourceAccountId}/managedBankFeeds/syncs/{syncId}", "ManagedSyncs.Get"},
		{"POST", "/companies/{companyId}/connections/{connectionId}/bankFeedAccounts/{sourceAccountId}/managedBankFeeds/syncs", "ManagedSyncs.Run"},
	}
	out := make([]route, len(table))
	for i, r := range table {
		out[i] = route{method: r[0], template: r[1], operation: r[2], segments: strings.Split(r[1][1:], "/")}
	}
	return out
}()

// routeOf finds the operation a request is for from its method and its
// escaped path. Literal segments win over parameters (".../credentials"
// before ".../{accountId}"), as the table lists them first. The SDK builds
// every path itself, so a miss names the path "unknown".
func routeOf(method, path string) *route {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i := range routes {
		r := &routes[i]
		if r.method != method || len(r.segments) != len(segs) {
			continue
		}
		ok := true
		for k, s := range r.segments {
			if s[0] != '{' && s != segs[k] {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return &unknownRoute
}

var unknownRoute = route{template: "unknown", operation: "unknown"}
