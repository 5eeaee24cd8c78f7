package bankfeedstest

import (
	"net/http"
	"regexp"
	"time"
)

// Connections: create, list, get, delete, unlink (operations #8-#12).

// Connection statuses.
const (
	statusPendingAuth  = "PendingAuth"
	statusLinked       = "Linked"
	statusUnlinked     = "Unlinked"
	statusDeauthorized = "Deauthorized"
)

// linkOTPLifetime is how long the OTP in a QBO Bank Feeds linkUrl is valid.
const linkOTPLifetime = time.Hour

var connectionFields = &fields{
	entity: "DataConnection",
	kinds: map[string]fieldKind{
		"id": kindString, "integrationid": kindString, "integrationkey": kindString,
		"sourceid": kindString, "sourcetype": kindString, "platformname": kindString,
		"linkurl": kindString, "status": kindString, "created": kindDate, "lastsync": kindDate,
	},
}

func (s *Server) connectionRecord(q *request, cn *connection) record {
	return func(name string) value {
		switch name {
		case "id":
			return strVal(cn.id)
		case "integrationid":
			return strVal(cn.platform.integrationID)
		case "integrationkey":
			return strVal(cn.platform.key)
		case "sourceid":
			return strVal(cn.platform.sourceID)
		case "sourcetype":
			return strVal(cn.platform.sourceType)
		case "platformname":
			return strVal(cn.platform.name)
		case "linkurl":
			return strVal(s.linkURL(q.base, cn, q.now))
		case "status":
			return strVal(cn.status)
		case "created":
			return dateVal(cn.created)
		case "lastsync":
			return dateVal(cn.lastSync)
		}
		return value{}
	}
}

// linkURL is the page where the SMB user authorises the connection, served
// by the sandbox itself. For QBO Bank Feeds it carries a one-hour OTP, made
// afresh once the previous one has expired.
func (s *Server) linkURL(base string, cn *connection, now time.Time) string {
	u := base + "/link/companies/" + pathEscape(cn.co.id) + "/connections/" + pathEscape(cn.id) + "/start"
	if cn.platform.linkOTP {
		if cn.linkOTP.code == "" || !now.Before(cn.linkOTP.expires) {
			cn.linkOTP = otpCode{code: newCode(8), expires: now.Add(linkOTPLifetime)}
		}
		u += "?otp=" + cn.linkOTP.code
	}
	return u
}

func (s *Server) connectionJSON(q *request, cn *connection) connectionJSON {
	out := connectionJSON{
		ID:             cn.id,
		IntegrationID:  cn.platform.integrationID,
		IntegrationKey: cn.platform.key,
		SourceID:       cn.platform.sourceID,
		SourceType:     cn.platform.sourceType,
		PlatformName:   cn.platform.name,
		LinkURL:        s.linkURL(q.base, cn, q.now),
		Status:         cn.status,
		Created:        formatTime(cn.created),
	}
	if !cn.lastSync.IsZero() {
		out.LastSync = formatTime(cn.lastSync)
	}
	return out
}

var platformKeyPattern = regexp.MustCompile(`^[a-z]{4}$`)

func (s *Server) createConnection(q *request) response {
	co, fail := s.companyFor(q)
	if fail != nil {
		return *fail
	}
	var b struct {
		PlatformKey *string `json:"platformKey"`
	}
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	if b.PlatformKey == nil || !platformKeyPattern.MatchString(*b.PlatformKey) {
		return badRequest("platformKey must be four lower-case letters, such as \"gbol\".",
			item("platformKey", "PlatformKeyValidator", "platformKey must match [a-z]{4}"))
	}
	p, ok := platforms[*b.PlatformKey]
	if !ok {
		return errorResp(http.StatusNotFound, "No bank-feeds integration has the platform key \""+*b.PlatformKey+"\". The sandbox knows hcws, olpr, gbol, akxx, fbrh and qudb.",
			item("platformKey", "PlatformKeyValidator", "unknown platform key "+*b.PlatformKey))
	}
	cn := &connection{
		id:         newUUID(),
		co:         co,
		platform:   p,
		status:     statusPendingAuth,
		created:    stamp(q.now),
		accByID:    map[string]*sourceAccount{},
		targetByID: map[string]*targetAccount{},
	}
	seedTargets(cn, q.now)
	co.conns = append(co.conns, cn)
	co.connByID[cn.id] = cn
	s.emitConnectionLocked(eventConnectionCreated, cn, q.now) // webhook (events.go)
	return jsonResp(http.StatusOK, s.connectionJSON(q, cn))
}

// seedTargets gives a new connection the bank accounts its accounting
// software already holds, in the platform's base currency.
func seedTargets(cn *connection, now time.Time) {
	cur := cn.platform.baseCurrency
	for _, t := range []*targetAccount{
		{name: "Business Current Account", accountType: "Debit", balance: "2500.00", accountNumber: ptr("12345678")},
		{name: "Business Credit Card", accountType: "Credit", balance: "-320.15", accountNumber: ptr("4000123412341234")},
	} {
		t.id = newUUID()
		t.currency = cur
		t.status = "Active"
		t.modified = stamp(now)
		cn.targets = append(cn.targets, t)
		cn.targetByID[t.id] = t
	}
}

func ptr[T any](v T) *T { return &v }

func (s *Server) listConnections(q *request) response {
	co, fail := s.companyFor(q)
	if fail != nil {
		return *fail
	}
	return listPage(q, co.conns, listSpec[*connection]{
		fields: connectionFields,
		rec:    func(cn *connection) record { return s.connectionRecord(q, cn) },
		out:    func(cn *connection) any { return s.connectionJSON(q, cn) },
	})
}

// connectionFor finds the path's company and connection.
func (s *Server) connectionFor(q *request) (*connection, *response) {
	co, fail := s.companyFor(q)
	if fail != nil {
		return nil, fail
	}
	cn, ok := co.connByID[q.param("connectionId")]
	if !ok {
		r := notFound(msgConnectionNotFound)
		return nil, &r
	}
	return cn, nil
}

func (s *Server) getConnection(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.connectionJSON(q, cn))
}

// deleteConnection answers 200 with no body, as the document says.
func (s *Server) deleteConnection(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	cn.deleted = true
	s.emitConnectionLocked(eventConnectionDeleted, cn, q.now) // webhook (events.go)
	co := cn.co
	delete(co.connByID, cn.id)
	co.conns = filter(co.conns, func(c *connection) bool { return c != cn })
	return noContent(http.StatusOK)
}

// unlinkConnection sets a Linked connection to Unlinked; only that change is
// allowed.
func (s *Server) unlinkConnection(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	var b struct {
		Status *string `json:"status"`
	}
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	if b.Status == nil || *b.Status != statusUnlinked {
		return badRequest("A connection can only be changed to status \"Unlinked\".",
			item("status", "ConnectionStatusValidator", "status must be Unlinked"))
	}
	if cn.status != statusLinked {
		return badRequest("Only a Linked connection can be unlinked; this one is "+cn.status+".",
			item("status", "ConnectionStatusValidator", "the connection is "+cn.status))
	}
	cn.status = statusUnlinked
	s.emitConnectionLocked(eventConnectionDisconnected, cn, q.now) // webhook (events.go)
	return jsonResp(http.StatusOK, s.connectionJSON(q, cn))
}
