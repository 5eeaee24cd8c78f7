package bankfeeds

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
)

// BankAccountsService reads and creates target bank accounts in the
// accounting software (endpoints Codat marks internal).
// See https://docs.codat.io/bank-feeds-api#/operations/list-bank-accounts.
type BankAccountsService service

// BankAccountStatus is a target bank account's status.
type BankAccountStatus string

// Target bank account statuses.
const (
	BankAccountUnknown  BankAccountStatus = "Unknown"
	BankAccountActive   BankAccountStatus = "Active"
	BankAccountArchived BankAccountStatus = "Archived"
	BankAccountPending  BankAccountStatus = "Pending"
)

// BankAccount is a bank account in the accounting software. On Credit
// accounts a positive balance is a liability; on Debit accounts an asset.
type BankAccount struct {
	ID                 string            `json:"id,omitempty"` // set by Codat
	AccountName        *string           `json:"accountName,omitempty"`
	AccountType        string            `json:"accountType,omitempty"` // Unknown, Credit or Debit
	NominalCode        *string           `json:"nominalCode,omitempty"`
	SortCode           *string           `json:"sortCode,omitempty"`
	AccountNumber      *string           `json:"accountNumber,omitempty"`
	IBan               *string           `json:"iBan,omitempty"`
	Currency           string            `json:"currency,omitempty"`
	Balance            Decimal           `json:"balance,omitzero"`
	Institution        *string           `json:"institution,omitempty"`
	AvailableBalance   Decimal           `json:"availableBalance,omitzero"`
	OverdraftLimit     Decimal           `json:"overdraftLimit,omitzero"` // always positive
	Status             BankAccountStatus `json:"status,omitempty"`
	ModifiedDate       *DateTime         `json:"modifiedDate,omitempty"`       // set by Codat
	SourceModifiedDate *DateTime         `json:"sourceModifiedDate,omitempty"` // set by Codat
}

// WriteOptions tunes an asynchronous write.
type WriteOptions struct {
	// TimeoutInMinutes is how long Codat waits before the push operation
	// becomes TimedOut; nil leaves Codat's default.
	TimeoutInMinutes *int `url:"timeoutInMinutes,omitempty"`
}

// List returns one page of target bank accounts.
// See https://docs.codat.io/bank-feeds-api#/operations/list-bank-accounts.
func (s *BankAccountsService) List(ctx context.Context, companyID, connectionID string, opts *ListOptions) (*Page[BankAccount], error) {
	p, err := connectionPath(companyID, connectionID, "/data/bankAccounts")
	if err != nil {
		return nil, err
	}
	return list[BankAccount](ctx, s.c, p, opts)
}

// All iterates over every target bank account.
func (s *BankAccountsService) All(ctx context.Context, companyID, connectionID string, opts *ListOptions) iter.Seq2[BankAccount, error] {
	return all(ctx, opts, func(ctx context.Context, lo *ListOptions) (*Page[BankAccount], error) {
		return s.List(ctx, companyID, connectionID, lo)
	})
}

// CreateModel describes what creating a target bank account needs on this
// connection's platform.
// See https://docs.codat.io/bank-feeds-api#/operations/get-create-bankAccounts-model.
func (s *BankAccountsService) CreateModel(ctx context.Context, companyID, connectionID string) (*PushOption, error) {
	p, err := connectionPath(companyID, connectionID, "/options/bankAccounts")
	if err != nil {
		return nil, err
	}
	var out PushOption
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &out})
	return result(&out, err)
}

// Create asks Codat to create a target bank account; the answer is a push
// operation to follow with Transactions.WaitForOperation.
// See https://docs.codat.io/bank-feeds-api#/operations/create-bank-account.
func (s *BankAccountsService) Create(ctx context.Context, companyID, connectionID string, acct BankAccount, opts *WriteOptions) (*PushOperation, error) {
	p, err := connectionPath(companyID, connectionID, "/push/bankAccounts")
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &WriteOptions{}
	}
	if opts.TimeoutInMinutes != nil && *opts.TimeoutInMinutes < 1 {
		return nil, invalid("TimeoutInMinutes", "must be 1 or more")
	}
	q, err := encodeQuery(opts, nil)
	if err != nil {
		return nil, err
	}
	// The fields Codat sets are not sent: all are omitted when empty.
	body := acct
	body.ID, body.ModifiedDate, body.SourceModifiedDate = "", nil, nil
	// The answer's deprecated "data" echoes the account, not transactions.
	var out struct {
		PushOperation
		Data json.RawMessage `json:"data"`
	}
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, query: q, body: &body, out: &out})
	return result(&out.PushOperation, err)
}
