package bankfeedstest

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The console's views: plain data copied out of the state while Server.mu
// is held, so templates run without it.

type pageView struct {
	Title, Error, Notice string
	Now                  string // the sandbox clock
	Token                string // the console's token, which every form carries
}

type overviewView struct {
	pageView
	Companies []companyView
	Limits    Limits
	Requests  RequestCounts
	Faults    Faults
	FaultN    FaultCounts
	Scen      Scenarios
	ScenN     ScenarioCounts
	Hooks     WebhookCounts
	HookURL   string
	Timing    PushTiming
}

type companyView struct {
	ID, Name, Description, Pushes string
	Connections                   []connectionView
}

type connectionView struct {
	ID, Platform, Key, Status, LinkURL string
	Sage                               bool
	Accounts                           []accountView
}

type accountView struct {
	ID, Name, Status, Currency, FeedStart string
	Target, TargetURL, DisconnectURL      string
	Connected                             bool
}

func (s *Server) page(r *http.Request, title string) pageView {
	v := pageView{Title: title, Now: s.now().UTC().Format("2006-01-02 15:04:05"), Token: s.consoleToken}
	if r != nil {
		v.Notice = r.URL.Query().Get("notice")
	}
	return v
}

func consolePath(parts ...string) string {
	out := "/console"
	for _, p := range parts {
		out += "/" + pathEscape(p)
	}
	return out
}

func (s *Server) overviewView(r *http.Request) overviewView {
	v := overviewView{pageView: s.page(r, "Codat Bank Feeds sandbox")}
	v.Limits, v.Requests = s.limits.snapshot(s.now())
	v.Faults, v.FaultN = s.faults.snapshot()
	v.Hooks = s.WebhookCounts()
	v.HookURL, _ = s.wh.target()
	base := s.base(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	now := s.now()
	v.Scen, v.ScenN, v.Timing = s.scen.sc, s.scen.counts, s.timing.t
	for _, co := range s.companies {
		if co.deleted {
			continue
		}
		cv := companyView{ID: co.id, Name: co.name, Description: deref(co.description), Pushes: consolePath("companies", co.id, "pushes")}
		for _, cn := range co.conns {
			nv := connectionView{ID: cn.id, Platform: cn.platform.name, Key: cn.platform.key, Status: cn.status,
				LinkURL: s.linkURL(base, cn, now), Sage: cn.platform.sageOTP}
			for _, a := range cn.accounts {
				av := accountView{ID: a.id, Name: deref(a.name), Status: a.status, Currency: deref(a.currency), Connected: a.status == acctConnected}
				if !a.feedStartDate.IsZero() {
					av.FeedStart = formatDate(a.feedStartDate)
				}
				if t, ok := cn.targetByID[a.targetID]; ok {
					av.Target, av.TargetURL = t.name, consolePath("companies", co.id, "connections", cn.id, "targets", t.id)
				}
				if av.Connected {
					av.DisconnectURL = consolePath("companies", co.id, "connections", cn.id, "accounts", a.id, "disconnect")
				}
				nv.Accounts = append(nv.Accounts, av)
			}
			cv.Connections = append(cv.Connections, nv)
		}
		v.Companies = append(v.Companies, cv)
	}
	return v
}

type registerView struct {
	pageView
	Company, Platform, Account, Currency, Balance, Type string
	Back                                                string
	Lines                                               []lineView
	Refused                                             []lineView
}

type lineView struct {
	ID, Date, Description, Counterparty, Reference string
	Amount, Balance, Source, Op, Reason, At        string
	Negative                                       bool
}

func txnView(t *txnIn) lineView {
	v := lineView{ID: t.ID, Date: t.wall.Format("2006-01-02 15:04"), Description: deref(t.Description),
		Counterparty: deref(t.Counterparty), Reference: deref(t.Reference), Amount: string(t.Amount),
		Negative: len(t.Amount) > 0 && t.Amount[0] == '-'}
	if t.Balance != nil {
		v.Balance = string(*t.Balance)
	}
	return v
}

// registerView is a target account's bank feed as the accounting software
// shows it: newest first, like QuickBooks' "For review" and Xero's
// statement lines.
func (s *Server) registerView(companyID, connectionID, targetID string) (registerView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	cn, err := s.lookupLocked(companyID, connectionID)
	if err != nil {
		return registerView{}, false
	}
	t, ok := cn.targetByID[targetID]
	if !ok {
		return registerView{}, false
	}
	v := registerView{pageView: s.page(nil, t.name), Company: cn.co.name, Platform: cn.platform.name, Account: t.name,
		Currency: t.currency, Balance: string(t.balance), Type: t.accountType, Back: "/"}
	order := make([]int, len(t.register))
	for i := range order {
		order[i] = len(order) - 1 - i
	}
	slices.SortStableFunc(order, func(a, b int) int { return t.register[b].txn.wall.Compare(t.register[a].txn.wall) })
	v.Lines = make([]lineView, len(order))
	for i, k := range order {
		l := &t.register[k]
		lv := txnView(&l.txn)
		lv.Source, lv.Op = l.source, l.op
		v.Lines[i] = lv
	}
	for i := len(t.refused) - 1; i >= 0; i-- {
		rl := &t.refused[i]
		lv := txnView(&rl.txn)
		lv.Op, lv.Reason, lv.At = rl.op, rl.reason, rl.at.UTC().Format("2006-01-02 15:04:05")
		v.Refused = append(v.Refused, lv)
	}
	return v, true
}

type pushesView struct {
	pageView
	Company string
	Ops     []opView
}

type opView struct {
	Key, DataType, Account, Status, StatusCode string
	Requested, Completed, Took, ErrorMessage   string
	Errors, Warnings                           []string
	Lines                                      []lineView
}

// pushesView lists a company's push operations, newest first.
func (s *Server) pushesView(companyID string) (pushesView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	co, ok := s.companyByID[companyID]
	if !ok {
		return pushesView{}, false
	}
	v := pushesView{pageView: s.page(nil, "Push operations"), Company: co.name}
	for i := len(co.ops) - 1; i >= 0; i-- {
		op := co.ops[i]
		ov := opView{Key: op.key, DataType: op.dataType, Account: op.accountID, Status: op.status,
			StatusCode: strconv.Itoa(op.statusCode), Requested: op.requested.UTC().Format("2006-01-02 15:04:05"),
			ErrorMessage: op.errMsg}
		if !op.completed.IsZero() {
			ov.Completed = op.completed.UTC().Format("2006-01-02 15:04:05")
			ov.Took = took(op.completed.Sub(op.requested))
		}
		for _, e := range op.validation.Errors {
			ov.Errors = append(ov.Errors, e.ItemID+": "+e.Message)
		}
		for _, w := range op.validation.Warnings {
			ov.Warnings = append(ov.Warnings, w.ItemID+": "+w.Message)
		}
		for j := range op.txns {
			ov.Lines = append(ov.Lines, txnView(&op.txns[j]))
		}
		if op.newTarget != nil {
			ov.Account = op.newTarget.name
		}
		v.Ops = append(v.Ops, ov)
	}
	return v, true
}

type webhooksView struct {
	pageView
	URL        string
	Counts     WebhookCounts
	Deliveries []deliveryView
	Since      string
}

type deliveryView struct {
	MessageID, EventType, Generated, State string
	Body                                   string
	Attempts                               []attemptView
}

type attemptView struct {
	At, Took, Status, Answer, Err string
	OK                            bool
}

// webhooksView is the delivery log, newest first.
func (s *Server) webhooksView(r *http.Request) webhooksView {
	v := webhooksView{pageView: s.page(r, "Webhooks"), Counts: s.WebhookCounts()}
	v.URL, _ = s.wh.target()
	v.Since = s.now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")
	log := s.WebhookLog()
	for i := len(log) - 1; i >= 0; i-- {
		d := log[i]
		dv := deliveryView{MessageID: d.MessageID, EventType: d.EventType, Generated: d.Generated.UTC().Format("2006-01-02 15:04:05"),
			State: d.State, Body: string(d.Body)}
		for _, a := range d.Attempts {
			av := attemptView{At: a.At.UTC().Format("15:04:05.000"), Took: took(a.Took), Answer: a.Answer, Err: a.Err,
				OK: a.Status >= 200 && a.Status < 300}
			if a.Status != 0 {
				av.Status = strconv.Itoa(a.Status)
			}
			dv.Attempts = append(dv.Attempts, av)
		}
		v.Deliveries = append(v.Deliveries, dv)
	}
	return v
}

// took writes a duration for a person: "<1ms", "24ms", "2h0m0s".
func took(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
