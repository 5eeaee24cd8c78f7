package bankfeedstest

import (
	"encoding/json"
	"time"
)

// The sandbox's state. Every field is guarded by Server.mu; handlers run with
// it held, so nothing here locks on its own.

type company struct {
	id          string
	name        string
	description *string
	tags        map[string]string
	created     time.Time
	deleted     bool

	conns    []*connection
	connByID map[string]*connection
	ops      []*pushOp
	opByKey  map[string]*pushOp
}

type credential struct {
	username, password string
	used               bool
}

type otpCode struct {
	code    string
	expires time.Time
	used    bool
}

type connection struct {
	id       string
	co       *company
	platform *platform
	status   string // PendingAuth, Linked, Unlinked, Deauthorized
	created  time.Time
	lastSync time.Time // zero: never
	deleted  bool

	linkOTP    otpCode   // QBO Bank Feeds: the ?otp= of linkUrl
	sageOTPs   []otpCode // Sage: OTPs from #26
	creds      []*credential
	version    int // source-account shape: 0 undecided, 1 or 2
	accounts   []*sourceAccount
	accByID    map[string]*sourceAccount
	targets    []*targetAccount
	targetByID map[string]*targetAccount
}

// sourceAccount holds both shapes; version decides which is written.
type sourceAccount struct {
	id            string
	name          *string
	accountType   *string
	number        *string
	sortCode      *string
	routingInfo   *routingInfo
	accountInfo   *accountInfo
	currency      *string
	balance       json.Number // "": none
	modifiedDate  *string
	status        string
	feedStartDate time.Time // zero: not connected yet
	targetID      string    // mapped target account, or ""
	linkedBy      string    // QBO credentials username that linked it, or ""
	deleted       bool

	landed []txnIn // what landed, oldest first
	syncs  []*managedSync
}

type routingInfo struct {
	BankCode *string `json:"bankCode,omitempty"`
	Type     *string `json:"type,omitempty"`
}

type accountInfo struct {
	Description      *string      `json:"description,omitempty"`
	Nickname         *string      `json:"nickname,omitempty"`
	AccountOpenDate  *string      `json:"accountOpenDate,omitempty"`
	AvailableBalance *json.Number `json:"availableBalance,omitempty"`
}

// targetAccount is a bank account in the accounting software.
type targetAccount struct {
	id               string
	name             string
	accountType      string // Unknown, Credit, Debit
	nominalCode      *string
	sortCode         *string
	accountNumber    *string
	iban             *string
	currency         string
	balance          json.Number
	institution      *string
	availableBalance json.Number
	overdraftLimit   json.Number
	status           string
	modified         time.Time
	fedBy            string // source account id feeding it, or ""

	register []registerLine // the bank feed as the software shows it, in landing order
	refused  []refusedLine  // lines pushes were refused, the latest maxRefusedKept
}

// registerLine is a transaction that landed in a target account.
type registerLine struct {
	txn    txnIn
	source string // the source account that fed it
	op     string // the push operation that carried it
}

// refusedLine is a transaction a push was refused, with why.
type refusedLine struct {
	txn    txnIn
	op     string
	reason string
	at     time.Time
}

// txnIn is one bank transaction as it was pushed.
type txnIn struct {
	ID              string       `json:"id"`
	Date            string       `json:"date"`
	Description     *string      `json:"description,omitempty"`
	Counterparty    *string      `json:"counterparty,omitempty"`
	Reference       *string      `json:"reference,omitempty"`
	Reconciled      *bool        `json:"reconciled,omitempty"`
	Amount          json.Number  `json:"amount"`
	Balance         *json.Number `json:"balance,omitempty"`
	TransactionType *string      `json:"transactionType,omitempty"`

	wall time.Time // Date's wall clock
}

type pushOp struct {
	key        string
	co         *company
	conn       *connection
	dataType   string // bankTransactions or bankAccounts
	status     string // Pending, Success, Failed, TimedOut
	statusCode int
	requested  time.Time
	completed  time.Time // zero while Pending
	timeout    *int
	errMsg     string
	validation validationJSON
	changes    []changeJSON

	accountID string  // bankTransactions: the source account
	txns      []txnIn // bankTransactions: the pushed lines
	timesOut  bool    // Scenarios.TimedOutWritten: lands, then ends TimedOut
	newTarget *targetAccount
}

type managedSync struct {
	id          string
	acct        *sourceAccount
	conn        *connection
	periodStart time.Time
	periodEnd   time.Time
	started     time.Time
	ended       time.Time // zero while running
	status      string
}

// task is work that completes later: a push operation, a mapping, a sync.
// Tasks run in the order they were queued once their due time has passed.
type task struct {
	due time.Time // real (monotonic) time; zero for a task on the sandbox clock
	at  time.Time // sandbox clock time (Server.at); zero for a real-time task
	run func(now time.Time)
}

func (t task) dueBy(real, now time.Time) bool {
	if !t.at.IsZero() {
		return !now.Before(t.at)
	}
	return !real.Before(t.due)
}
