package bankfeedstest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// request is what an API handler gets: the HTTP request, its path
// parameters, its whole body and the sandbox clock's now.
type request struct {
	r      *http.Request
	params map[string]string
	body   []byte
	now    time.Time
	base   string // public base URL, for redirect and linkUrl
}

func (q *request) param(name string) string { return q.params[name] }

// handlerFunc answers one API operation. It runs with Server.mu held.
type handlerFunc func(s *Server, q *request) response

// route is one operation: a method and a path pattern whose "{name}"
// segments are parameters.
type route struct {
	method   string
	segments []string
	handle   handlerFunc
}

// routes lists the 33 operations of the document. Literal segments are tried
// before parameters: ".../bankFeedAccounts/batch" and ".../credentials" win
// over ".../bankFeedAccounts/{accountId}", and ".../syncs/latest" over
// ".../syncs/{syncId}".
func (s *Server) buildRoutes() {
	const (
		c  = "/companies/{companyId}"
		cc = c + "/connections/{connectionId}"
	)
	add := func(method, pattern string, h handlerFunc) {
		s.routes = append(s.routes, route{method: method, segments: strings.Split(strings.Trim(pattern, "/"), "/"), handle: h})
	}
	add("POST", "/companies", (*Server).createCompany)
	add("GET", "/companies", (*Server).listCompanies)
	add("GET", c, (*Server).getCompany)
	add("PUT", c, (*Server).replaceCompany)
	add("PATCH", c, (*Server).updateCompany)
	add("DELETE", c, (*Server).deleteCompany)
	add("GET", c+"/accessToken", (*Server).accessToken)

	add("GET", c+"/connections", (*Server).listConnections)
	add("POST", c+"/connections", (*Server).createConnection)
	add("GET", cc, (*Server).getConnection)
	add("DELETE", cc, (*Server).deleteConnection)
	add("PATCH", cc, (*Server).unlinkConnection)

	add("POST", cc+"/connectionInfo/bankFeedAccounts/batch", (*Server).createSourceAccountBatch)
	add("POST", cc+"/connectionInfo/bankFeedAccounts/credentials", (*Server).generateCredentials)
	add("DELETE", cc+"/connectionInfo/bankFeedAccounts/credentials", (*Server).deleteCredentials)
	add("POST", cc+"/connectionInfo/bankFeedAccounts", (*Server).createSourceAccount)
	add("GET", cc+"/connectionInfo/bankFeedAccounts", (*Server).listSourceAccounts)
	add("PATCH", cc+"/connectionInfo/bankFeedAccounts/{accountId}", (*Server).updateSourceAccount)
	add("DELETE", cc+"/connectionInfo/bankFeedAccounts/{accountId}", (*Server).deleteSourceAccount)

	add("GET", cc+"/bankFeedAccounts/mapping", (*Server).getMapping)
	add("POST", cc+"/bankFeedAccounts/mapping", (*Server).createMapping)
	add("GET", cc+"/bankFeeds/info", (*Server).companyInformation)
	add("POST", cc+"/bankFeeds/otp", (*Server).generateOTP)

	add("GET", cc+"/data/bankAccounts", (*Server).listTargetAccounts)
	add("GET", cc+"/options/bankAccounts", (*Server).targetAccountModel)
	add("POST", cc+"/push/bankAccounts", (*Server).createTargetAccount)

	add("POST", cc+"/push/bankAccounts/{accountId}/bankTransactions", (*Server).pushTransactions)
	add("GET", cc+"/options/bankAccounts/{accountId}/bankTransactions", (*Server).transactionsModel)
	add("GET", c+"/push/{pushOperationKey}", (*Server).getPushOperation)
	add("GET", c+"/push", (*Server).listPushOperations)

	add("GET", cc+"/bankFeedAccounts/{sourceAccountId}/managedBankFeeds/syncs/latest", (*Server).latestSync)
	add("GET", cc+"/bankFeedAccounts/{sourceAccountId}/managedBankFeeds/syncs/{syncId}", (*Server).getSync)
	add("POST", cc+"/bankFeedAccounts/{sourceAccountId}/managedBankFeeds/syncs", (*Server).runSync)
}

// splitPath splits an escaped URL path into unescaped segments. It reports
// false for a segment that does not unescape.
func splitPath(escaped string) ([]string, bool) {
	parts := strings.Split(strings.Trim(escaped, "/"), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

// match finds the route for a request. It returns the handler and its
// parameters; a nil handler with methodMismatch true means the path exists
// under another method.
func (s *Server) match(method, escapedPath string) (h handlerFunc, params map[string]string, methodMismatch bool) {
	segs, ok := splitPath(escapedPath)
	if !ok {
		return nil, nil, false
	}
	for pass := 0; pass < 2; pass++ { // literal matches first, then parameters
		for _, rt := range s.routes {
			p, ok := matchSegments(rt.segments, segs, pass == 0)
			if !ok {
				continue
			}
			if rt.method != method {
				methodMismatch = true
				continue
			}
			return rt.handle, p, false
		}
	}
	return nil, nil, methodMismatch
}

// matchSegments matches a path against a pattern. With literalLast, a
// pattern ending in a parameter does not match (so that literal endings are
// preferred on the first pass).
func matchSegments(pattern, segs []string, literalLast bool) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if literalLast && i == len(pattern)-1 {
				return nil, false
			}
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 4)
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}
