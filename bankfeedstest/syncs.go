package bankfeedstest

import (
	"net/http"
	"time"
)

// Managed bank feed syncs: run (#33), get (#31), latest (#32). A sync runs
// for the push delay and then ends SuccessNoDataPushed: the sandbox has no
// bank to fetch from.

const (
	syncStarted = "Started"
	syncDone    = "SuccessNoDataPushed"
)

func (s *Server) syncJSON(m *managedSync) syncJSON {
	out := syncJSON{
		SyncID:            m.id,
		ClientID:          s.clientID,
		CompanyID:         m.conn.co.id,
		CompanyName:       m.conn.co.name,
		DataConnectionID:  m.conn.id,
		SourceAccountID:   m.acct.id,
		PeriodStartUtc:    formatTime(m.periodStart),
		PeriodEndUtc:      formatTime(m.periodEnd),
		ExecutionStartUtc: formatTime(m.started),
		Status:            m.status,
	}
	if !m.ended.IsZero() {
		out.ExecutionEndUtc = formatTime(m.ended)
	}
	return out
}

// runSync starts an ad-hoc sync from the end of the last successful one
// (or the feed start date) until now; 409 while another runs.
func (s *Server) runSync(q *request) response {
	cn, a, fail := s.accountFor(q, "sourceAccountId")
	if fail != nil {
		return *fail
	}
	const v = "ManagedBankFeedSyncValidator"
	if a.status != acctConnected {
		return badRequest("Source account "+a.id+" is "+a.status+"; only a connected account can be synced.", item(a.id, v, "the account is not connected"))
	}
	start := a.feedStartDate
	for _, m := range a.syncs {
		if m.ended.IsZero() {
			return errorResp(http.StatusConflict, "A sync is already running for this source account.", item(m.id, v, "sync "+m.id+" is running"))
		}
		start = m.periodEnd
	}
	now := stamp(q.now)
	if start.IsZero() || start.After(now) {
		start = now.Add(-24 * time.Hour)
	}
	m := &managedSync{id: newUUID(), acct: a, conn: cn, periodStart: start, periodEnd: now, started: now, status: syncStarted}
	a.syncs = append(a.syncs, m)
	s.later(func(now time.Time) {
		m.ended, m.status = stamp(now), syncDone
		m.conn.lastSync = m.ended
	})
	return jsonResp(http.StatusCreated, struct {
		SyncID string `json:"syncId"`
	}{m.id})
}

func (s *Server) getSync(q *request) response {
	_, a, fail := s.accountFor(q, "sourceAccountId")
	if fail != nil {
		return *fail
	}
	for _, m := range a.syncs {
		if m.id == q.param("syncId") {
			return jsonResp(http.StatusOK, s.syncJSON(m))
		}
	}
	return notFound("Sync not found. Check the syncId in the path.")
}

// latestSync answers 204 when the account has never been synced.
func (s *Server) latestSync(q *request) response {
	_, a, fail := s.accountFor(q, "sourceAccountId")
	if fail != nil {
		return *fail
	}
	if len(a.syncs) == 0 {
		return noContent(http.StatusNoContent)
	}
	return jsonResp(http.StatusOK, s.syncJSON(a.syncs[len(a.syncs)-1]))
}
