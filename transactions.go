package bankfeeds

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strconv"
)

// TransactionsService pushes bank transactions to a connected source account
// and follows the push operations Codat creates for them.
// See https://docs.codat.io/bank-feeds-api#/operations/create-bank-transactions.
type TransactionsService service

// MaxTransactionsPerPush is the most transactions Codat takes in one push.
const MaxTransactionsPerPush = 1000

// TransactionType is a bank transaction's type. Values Codat adds later
// decode as they are.
type TransactionType string

// Transaction types.
const (
	TransactionUnknown     TransactionType = "Unknown"
	TransactionCredit      TransactionType = "Credit"
	TransactionDebit       TransactionType = "Debit"
	TransactionInt         TransactionType = "Int"
	TransactionDiv         TransactionType = "Div"
	TransactionFee         TransactionType = "Fee"
	TransactionSerChg      TransactionType = "SerChg"
	TransactionDep         TransactionType = "Dep"
	TransactionAtm         TransactionType = "Atm"
	TransactionPos         TransactionType = "Pos"
	TransactionXfer        TransactionType = "Xfer"
	TransactionCheck       TransactionType = "Check"
	TransactionPayment     TransactionType = "Payment"
	TransactionCash        TransactionType = "Cash"
	TransactionDirectDep   TransactionType = "DirectDep"
	TransactionDirectDebit TransactionType = "DirectDebit"
	TransactionRepeatPmt   TransactionType = "RepeatPmt"
	TransactionOther       TransactionType = "Other"
)

// BankTransaction is one line of a bank statement. ID, Date and Amount are
// required; Balance, the running balance after this line, is required by
// most platforms (see RulesFor). Amounts are positive for money in and
// negative for money out.
type BankTransaction struct {
	ID              string          `json:"id"`
	Date            DateTime        `json:"date"` // written as a local date-time with no zone
	Description     *string         `json:"description,omitempty"`
	Counterparty    *string         `json:"counterparty,omitempty"`
	Reference       *string         `json:"reference,omitempty"`
	Reconciled      *bool           `json:"reconciled,omitempty"`
	Amount          Decimal         `json:"amount"`
	Balance         Decimal         `json:"balance,omitzero"`
	TransactionType TransactionType `json:"transactionType,omitempty"`
}

// MarshalJSON writes the transaction as Codat wants it, with its date as a
// local date-time and no zone ("2023-08-22T10:21:00").
func (t BankTransaction) MarshalJSON() ([]byte, error) { return t.appendJSON(nil), nil }

func (t *BankTransaction) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendField(b, "id")
	b = appendJSONString(b, t.ID)
	b = appendField(b, "date")
	b = append(b, '"')
	b = appendLocal(b, t.Date.Time)
	b = append(b, '"')
	for _, f := range [...]struct {
		name string
		v    *string
	}{{"description", t.Description}, {"counterparty", t.Counterparty}, {"reference", t.Reference}} {
		if f.v != nil {
			b = appendField(b, f.name)
			b = appendJSONString(b, *f.v)
		}
	}
	if t.Reconciled != nil {
		b = appendField(b, "reconciled")
		b = strconv.AppendBool(b, *t.Reconciled)
	}
	b = appendField(b, "amount")
	b = t.Amount.appendTo(b)
	if t.Balance.IsSet() {
		b = appendField(b, "balance")
		b = t.Balance.appendTo(b)
	}
	if t.TransactionType != "" {
		b = appendField(b, "transactionType")
		b = appendJSONString(b, string(t.TransactionType))
	}
	return append(b, '}')
}

// CreateBankTransactions is the body of a push, and its echo in the answer.
type CreateBankTransactions struct {
	AccountID    string            `json:"accountId"`
	Transactions []BankTransaction `json:"transactions"`
}

// MarshalJSON writes the body as Codat wants it.
func (c CreateBankTransactions) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

func (c *CreateBankTransactions) appendJSON(b []byte) []byte {
	if need := c.sizeHint(); cap(b)-len(b) < need {
		nb := make([]byte, len(b), len(b)+need)
		copy(nb, b)
		b = nb
	}
	b = append(b, `{"accountId":`...)
	b = appendJSONString(b, c.AccountID)
	b = append(b, `,"transactions":[`...)
	for i := range c.Transactions {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.Transactions[i].appendJSON(b)
	}
	return append(b, ']', '}')
}

// sizeHint is about the length of the body's JSON: the fixed part of each
// transaction (names, date, amounts, punctuation: under 160 bytes) and its
// strings, so the encoder allocates once.
func (c *CreateBankTransactions) sizeHint() int {
	n := 64 + len(c.AccountID)
	for i := range c.Transactions {
		t := &c.Transactions[i]
		n += 160 + len(t.ID) + len(t.TransactionType)
		for _, s := range [...]*string{t.Description, t.Counterparty, t.Reference} {
			if s != nil {
				n += len(*s) + 16
			}
		}
	}
	return n
}

// PushStatus is a push operation's status.
type PushStatus string

// Push operation statuses. Pending is the only one that is not final.
const (
	PushStatusPending  PushStatus = "Pending"
	PushStatusSuccess  PushStatus = "Success"
	PushStatusFailed   PushStatus = "Failed"
	PushStatusTimedOut PushStatus = "TimedOut" // data already passed on may still be written
)

// Final reports whether the status will not change again.
func (s PushStatus) Final() bool { return s != PushStatusPending && s != "" }

// PushOperation is Codat's record of an asynchronous write, such as a push of
// bank transactions. Keep its PushOperationKey.
type PushOperation struct {
	PushOperationKey  string       `json:"pushOperationKey"`
	CompanyID         string       `json:"companyId"`
	DataConnectionKey string       `json:"dataConnectionKey"` // the connection id
	DataType          string       `json:"dataType,omitempty"`
	Status            PushStatus   `json:"status"`
	StatusCode        int          `json:"statusCode"`
	RequestedOnUTC    DateTime     `json:"requestedOnUtc"`
	CompletedOnUTC    *DateTime    `json:"completedOnUtc,omitempty"`
	TimeoutInMinutes  *int         `json:"timeoutInMinutes,omitempty"`
	TimeoutInSeconds  *int         `json:"timeoutInSeconds,omitempty"` // Deprecated: use TimeoutInMinutes.
	ErrorMessage      *string      `json:"errorMessage,omitempty"`
	Validation        *Validation  `json:"validation,omitempty"`
	Changes           []PushChange `json:"changes,omitempty"`
	// Data is the push's body as Codat echoes it. The SDK does not decode
	// it from a push's answer (as many transactions as were pushed, which
	// PushAll never reads): call Echo, which decodes it on demand.
	Data *CreateBankTransactions `json:"data,omitempty"`

	rawData json.RawMessage // the echo as it came, for Echo
}

// Echo returns the push's body as Codat echoed it in the push's answer,
// decoding it on first use (and keeping it in Data); nil when the answer
// held none, as for an operation read with GetOperation.
func (op *PushOperation) Echo() (*CreateBankTransactions, error) {
	if op.Data != nil || op.rawData == nil {
		return op.Data, nil
	}
	var d CreateBankTransactions
	if err := json.Unmarshal(op.rawData, &d); err != nil {
		return nil, fmt.Errorf("bankfeeds: %w: push operation data: %s", ErrInvalidResponse, describeJSONError(err))
	}
	op.Data, op.rawData = &d, nil
	return op.Data, nil
}

// PushChange is one record a push operation changed.
type PushChange struct {
	Type         string     `json:"type,omitempty"` // Unknown, Created, Modified, Deleted, AttachmentUploaded
	RecordRef    *RecordRef `json:"recordRef,omitempty"`
	AttachmentID *string    `json:"attachmentId,omitempty"`
}

// RecordRef names a record.
type RecordRef struct {
	ID       string  `json:"id,omitempty"`
	DataType *string `json:"dataType,omitempty"`
}

// PushOption describes what a write needs on a platform (a "create model").
// Properties nest the same shape.
type PushOption struct {
	Type        string                `json:"type"` // Array, Object, String, Number, Boolean, DateTime, File, MultiPart
	DisplayName string                `json:"displayName"`
	Description string                `json:"description,omitempty"`
	Required    bool                  `json:"required"`
	Properties  map[string]PushOption `json:"properties,omitempty"`
	Options     []PushOptionChoice    `json:"options,omitempty"`
	Validation  *PushValidationInfo   `json:"validation,omitempty"`
}

// PushOptionChoice is one allowed value of a field.
type PushOptionChoice struct {
	Value       string `json:"value,omitempty"`
	Type        string `json:"type,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// PushValidationInfo holds a create model's warnings and information.
type PushValidationInfo struct {
	Warnings    []PushFieldValidation `json:"warnings,omitempty"`
	Information []PushFieldValidation `json:"information,omitempty"`
}

// PushFieldValidation is one note on a field.
type PushFieldValidation struct {
	Field   string  `json:"field,omitempty"`
	Details string  `json:"details"`
	Ref     *string `json:"ref,omitempty"`
}

// PushOptions tunes Push and names the rules its guard applies.
type PushOptions struct {
	// Platform is the connection's platform key, such as PlatformXero; its
	// rules (RulesFor) are applied. Empty applies the rules every platform
	// shares.
	Platform string
	// Rules, when set, are applied instead of the Platform's.
	Rules *PushRules
	// NotBefore is the account's high-water mark: the date of the newest
	// transaction it already holds, which you keep in your own store. No
	// transaction may be dated before it.
	NotBefore DateTime
	// Now is the time the date windows are measured from; zero means now.
	Now DateTime
	// IdempotencyKey is sent as the push's Idempotency-Key instead of a fresh
	// one, so a restarted process can resend the same batch safely. Codat
	// replays the first answer for a key for 90 minutes.
	IdempotencyKey string
	// TimeoutInMinutes is how long Codat waits before the push operation
	// becomes TimedOut; nil leaves Codat's default.
	TimeoutInMinutes *int
	// AllowSyncOnPushComplete is Codat's allowSyncOnPushComplete (default
	// true); nil does not send it.
	AllowSyncOnPushComplete *bool
}

// pushQuery is the push's query string.
type pushQuery struct {
	TimeoutInMinutes        *int  `url:"timeoutInMinutes,omitempty"`
	AllowSyncOnPushComplete *bool `url:"allowSyncOnPushComplete,omitempty"`
}

// Push sorts a copy of txns oldest first (the caller's slice is not
// reordered), checks it with the ordering guard, and sends it in exactly one
// request: at most 1000 transactions, for one source account. The answer is a
// push operation, usually Pending: follow it with WaitForOperation, or use
// PushAll for any number of transactions.
// See https://docs.codat.io/bank-feeds-api#/operations/create-bank-transactions.
func (s *TransactionsService) Push(ctx context.Context, companyID, connectionID, accountID string, txns []BankTransaction, opts *PushOptions) (*PushOperation, error) {
	if opts == nil {
		opts = &PushOptions{}
	}
	p, err := pushPath(companyID, connectionID, accountID)
	if err != nil {
		return nil, err
	}
	switch {
	case len(txns) == 0:
		return nil, invalid("transactions", "at least one transaction is needed")
	case len(txns) > MaxTransactionsPerPush:
		return nil, invalid("transactions", "at most 1000 a push; use PushAll for more")
	case opts.TimeoutInMinutes != nil && *opts.TimeoutInMinutes < 1:
		return nil, invalid("TimeoutInMinutes", "must be 1 or more")
	}
	sorted, err := prepare(txns, opts)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, p, accountID, sorted, opts)
}

func pushPath(companyID, connectionID, accountID string) (string, error) {
	p, err := connectionPath(companyID, connectionID, "/push/bankAccounts")
	if err != nil {
		return "", err
	}
	return path(p, ":accountID", accountID, "/bankTransactions")
}

// send pushes transactions that have passed the guard, in one request.
func (s *TransactionsService) send(ctx context.Context, p, accountID string, sorted []BankTransaction, opts *PushOptions) (*PushOperation, error) {
	q, err := encodeQuery(pushQuery{opts.TimeoutInMinutes, opts.AllowSyncOnPushComplete}, nil)
	if err != nil {
		return nil, err
	}
	if opts.IdempotencyKey != "" {
		ctx = WithIdempotencyKey(ctx, opts.IdempotencyKey)
	}
	body := &CreateBankTransactions{AccountID: accountID, Transactions: sorted}
	var op PushOperation
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, query: q, body: body, out: &op, lines: len(sorted)})
	return result(&op, err)
}

// CreateModel describes what a push needs on this account's platform.
// See https://docs.codat.io/bank-feeds-api#/operations/get-create-bank-transactions-model.
func (s *TransactionsService) CreateModel(ctx context.Context, companyID, connectionID, accountID string) (*PushOption, error) {
	p, err := connectionPath(companyID, connectionID, "/options/bankAccounts")
	if err != nil {
		return nil, err
	}
	if p, err = path(p, ":accountID", accountID, "/bankTransactions"); err != nil {
		return nil, err
	}
	var out PushOption
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &out})
	return result(&out, err)
}

// GetOperation returns a push operation.
// See https://docs.codat.io/bank-feeds-api#/operations/get-create-operation.
func (s *TransactionsService) GetOperation(ctx context.Context, companyID, pushOperationKey string) (*PushOperation, error) {
	p, err := path("/companies", ":companyID", companyID, "/push", ":pushOperationKey", pushOperationKey)
	if err != nil {
		return nil, err
	}
	var op PushOperation
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &op})
	return result(&op, err)
}

// ListOperations returns one page of a company's push operations; filter with
// Query, such as "status=Failed".
// See https://docs.codat.io/bank-feeds-api#/operations/list-create-operations.
func (s *TransactionsService) ListOperations(ctx context.Context, companyID string, opts *ListOptions) (*Page[PushOperation], error) {
	p, err := path("/companies", ":companyID", companyID, "/push")
	if err != nil {
		return nil, err
	}
	return list[PushOperation](ctx, s.c, p, opts)
}

// AllOperations iterates over every push operation of a company.
func (s *TransactionsService) AllOperations(ctx context.Context, companyID string, opts *ListOptions) iter.Seq2[PushOperation, error] {
	return all(ctx, opts, func(ctx context.Context, lo *ListOptions) (*Page[PushOperation], error) {
		return s.ListOperations(ctx, companyID, lo)
	})
}
