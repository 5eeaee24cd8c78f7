package bankfeeds

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
)

// SourceAccountsService manages source accounts: the bank accounts in your
// application that the SMB user may connect to their accounting software.
// See https://docs.codat.io/bank-feeds-api#/operations/list-source-accounts.
type SourceAccountsService service

// SourceAccountStatus is a source account's status.
type SourceAccountStatus string

// Source account statuses.
const (
	SourceAccountPending      SourceAccountStatus = "pending"      // created, not mapped
	SourceAccountConnecting   SourceAccountStatus = "connecting"   // mapping saved, not yet confirmed
	SourceAccountConnected    SourceAccountStatus = "connected"    // can receive pushes
	SourceAccountDisconnected SourceAccountStatus = "disconnected" // the user disabled the feed
	SourceAccountUnknown      SourceAccountStatus = "unknown"
)

// AccountType is a source account's type. Version 2 accounts use the first
// five; version 1 accounts take any string (Codat's docs use Credit and Debit).
type AccountType string

// Account types.
const (
	AccountTypeChecking    AccountType = "checking"
	AccountTypeSavings     AccountType = "savings"
	AccountTypeLoan        AccountType = "loan"
	AccountTypeCreditCard  AccountType = "creditCard"
	AccountTypePrepaidCard AccountType = "prepaidCard"
	AccountTypeCredit      AccountType = "Credit" // version 1
	AccountTypeDebit       AccountType = "Debit"  // version 1
)

// SourceAccount is a bank account in your application, in either of Codat's
// shapes: version 1 (SourceAccount) or version 2 (SourceAccountV2, for
// clients integrating after 2024-08-01, which adds RoutingInfo and
// AccountInfo and requires name, type, number, currency and balance). Codat
// picks the shape per client; this one struct holds both.
type SourceAccount struct {
	ID            string              `json:"id"`
	AccountName   string              `json:"accountName,omitempty"`
	AccountType   AccountType         `json:"accountType,omitempty"`
	AccountNumber string              `json:"accountNumber,omitempty"`
	SortCode      *string             `json:"sortCode,omitempty"` // GBP accounts need one
	RoutingInfo   *RoutingInfo        `json:"routingInfo,omitempty"`
	AccountInfo   *AccountInfo        `json:"accountInfo,omitempty"`
	Currency      string              `json:"currency,omitempty"` // ISO 4217
	Balance       Decimal             `json:"balance,omitzero"`
	ModifiedDate  *DateTime           `json:"modifiedDate,omitempty"`
	Status        SourceAccountStatus `json:"status,omitempty"`        // set by Codat
	FeedStartDate *DateTime           `json:"feedStartDate,omitempty"` // set by Codat once connected
}

// RoutingInfo is a version 2 account's bank code.
type RoutingInfo struct {
	BankCode *string `json:"bankCode,omitempty"`
	// Type is the code's kind: rtn, aba, swift, bsb, iban, nz2, trno,
	// sortcode, blz, ifsc, bankcode (the default), apca or clabe.
	Type *string `json:"type,omitempty"`
}

// AccountInfo is a version 2 account's extra detail.
type AccountInfo struct {
	Description      *string   `json:"description,omitempty"`
	Nickname         *string   `json:"nickname,omitempty"`
	AccountOpenDate  *DateTime `json:"accountOpenDate,omitempty"`
	AvailableBalance Decimal   `json:"availableBalance,omitzero"`
}

// sourceAccountPrototype is what Create and CreateBatch send: a SourceAccount
// without the fields Codat sets.
type sourceAccountPrototype struct {
	ID            string       `json:"id"`
	AccountName   string       `json:"accountName,omitempty"`
	AccountType   AccountType  `json:"accountType,omitempty"`
	AccountNumber string       `json:"accountNumber,omitempty"`
	RoutingInfo   *RoutingInfo `json:"routingInfo,omitempty"`
	SortCode      *string      `json:"sortCode,omitempty"`
	Currency      string       `json:"currency,omitempty"`
	Balance       Decimal      `json:"balance,omitzero"`
	ModifiedDate  *DateTime    `json:"modifiedDate,omitempty"`
	AccountInfo   *accountInfo `json:"accountInfo,omitempty"`
}

// accountInfo is AccountInfo as the request sends it (dates as YYYY-MM-DD).
type accountInfo struct {
	Description      *string   `json:"description,omitempty"`
	Nickname         *string   `json:"nickname,omitempty"`
	AccountOpenDate  *dateOnly `json:"accountOpenDate,omitempty"`
	AvailableBalance Decimal   `json:"availableBalance,omitzero"`
}

// dateOnly writes a DateTime as YYYY-MM-DD.
type dateOnly DateTime

func (d dateOnly) MarshalJSON() ([]byte, error) {
	return d.Time.AppendFormat([]byte{'"'}, `2006-01-02"`), nil
}

func (a *SourceAccount) prototype(field string) (sourceAccountPrototype, error) {
	if a.ID == "" {
		return sourceAccountPrototype{}, invalid(field+"ID", "must not be empty")
	}
	if reservedSourceAccountID(a.ID) {
		return sourceAccountPrototype{}, invalid(field+"ID", reservedReason(a.ID))
	}
	if err := checkID(field+"ID", a.ID); err != nil {
		return sourceAccountPrototype{}, err
	}
	p := sourceAccountPrototype{
		ID: a.ID, AccountName: a.AccountName, AccountType: a.AccountType, AccountNumber: a.AccountNumber,
		RoutingInfo: a.RoutingInfo, SortCode: a.SortCode, Currency: a.Currency, Balance: a.Balance,
		ModifiedDate: a.ModifiedDate,
	}
	if ai := a.AccountInfo; ai != nil {
		p.AccountInfo = &accountInfo{Description: ai.Description, Nickname: ai.Nickname, AvailableBalance: ai.AvailableBalance}
		if ai.AccountOpenDate != nil {
			p.AccountInfo.AccountOpenDate = (*dateOnly)(ai.AccountOpenDate)
		}
	}
	return p, nil
}

// reservedSourceAccountID reports whether id names another endpoint beside
// .../bankFeedAccounts/{accountId}: "batch" (batch create) and "credentials"
// (QBO credentials, whose DELETE revokes every credential of the connection).
// Such an account could never be updated or deleted safely, so none is made.
func reservedSourceAccountID(id string) bool { return id == "batch" || id == "credentials" }

func reservedReason(id string) string {
	return strconv.Quote(id) + " names another endpoint of .../bankFeedAccounts and cannot be a source account id"
}

// sourceAccountPath appends a source account's id to p, refusing the ids
// that would reach another endpoint.
func sourceAccountPath(p, accountID string) (string, error) {
	if reservedSourceAccountID(accountID) {
		return "", invalid("accountID", reservedReason(accountID))
	}
	return path(p, ":accountID", accountID)
}

// SourceAccountResult is the outcome for one account of CreateBatch.
type SourceAccountResult struct {
	SourceAccountID string
	StatusCode      int            // 201 when created; 409 when the id exists; others on failure
	Error           string         // Codat's reason when not created
	Account         *SourceAccount // the account when created
}

// Created reports whether the account was created.
func (r SourceAccountResult) Created() bool { return r.StatusCode >= 200 && r.StatusCode <= 299 }

// UnmarshalJSON reads {sourceAccountId, result:{statusCode, error, account}},
// with statusCode as a number or a string.
func (r *SourceAccountResult) UnmarshalJSON(b []byte) error {
	var v struct {
		SourceAccountID string `json:"sourceAccountId"`
		Result          struct {
			StatusCode flexString     `json:"statusCode"`
			Error      *string        `json:"error"`
			Account    *SourceAccount `json:"account"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = SourceAccountResult{SourceAccountID: v.SourceAccountID, Error: deref(v.Result.Error), Account: v.Result.Account}
	r.StatusCode, _ = strconv.Atoi(string(v.Result.StatusCode))
	return nil
}

// SourceAccountUpdate changes a source account. Codat allows only these:
// AccountName; Status only to "disconnected"; Balance only while the account
// is not connected.
type SourceAccountUpdate struct {
	AccountName *string
	Status      *SourceAccountStatus
	Balance     Decimal // unset (the zero Decimal) leaves it unchanged
}

// BankAccountCredentials are one-time credentials the user enters in
// QuickBooks Online to link a feed.
type BankAccountCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// String redacts the password.
func (c BankAccountCredentials) String() string {
	return "{Username:" + c.Username + " Password:" + redacted + "}"
}

// GoString redacts the password, for %#v.
func (c BankAccountCredentials) GoString() string {
	return "bankfeeds.BankAccountCredentials{Username:" + strconv.Quote(c.Username) + ", Password:" + redacted + "}"
}

// Format redacts the password for every fmt verb (%v, %+v, %#v, %s, ...).
func (c BankAccountCredentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, c.GoString())
		return
	}
	_, _ = io.WriteString(f, c.String())
}

// LogValue redacts the password in log/slog's output, JSON included.
func (c BankAccountCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.String("password", redacted))
}

// OTP is a one-time password for Sage Bank Feeds.
type OTP struct {
	OTP    string   `json:"otp"`
	Expiry DateTime `json:"expiry"`
}

// Create creates one source account.
// See https://docs.codat.io/bank-feeds-api#/operations/create-source-account.
func (s *SourceAccountsService) Create(ctx context.Context, companyID, connectionID string, acct SourceAccount) (*SourceAccount, error) {
	p, err := connectionPath(companyID, connectionID, "/connectionInfo/bankFeedAccounts")
	if err != nil {
		return nil, err
	}
	body, err := acct.prototype("account ")
	if err != nil {
		return nil, err
	}
	var out SourceAccount
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, body: &body, out: &out})
	return result(&out, err)
}

// CreateBatch creates several source accounts in one call and returns each
// one's outcome. A partial success (HTTP 207) or a conflict on every account
// (409) is not an error: check each result's StatusCode or Created.
// See https://docs.codat.io/bank-feeds-api#/operations/create-batch-source-account.
func (s *SourceAccountsService) CreateBatch(ctx context.Context, companyID, connectionID string, accts []SourceAccount) ([]SourceAccountResult, error) {
	p, err := connectionPath(companyID, connectionID, "/connectionInfo/bankFeedAccounts/batch")
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return nil, invalid("accounts", "at least one account is needed")
	}
	body := make([]sourceAccountPrototype, len(accts))
	seen := make(map[string]struct{}, len(accts))
	for i := range accts {
		if body[i], err = accts[i].prototype("account "); err != nil {
			return nil, err
		}
		if _, dup := seen[accts[i].ID]; dup {
			return nil, invalid("account ID", "duplicate id "+accts[i].ID)
		}
		seen[accts[i].ID] = struct{}{}
	}
	var out []SourceAccountResult
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, body: body, out: &out, conflictIsFinal: true})
	if apiErr, ok := err.(*APIError); ok && apiErr.StatusCode == http.StatusConflict && len(apiErr.Body) > 0 && apiErr.Body[0] == '[' {
		if json.Unmarshal(apiErr.Body, &out) == nil {
			return out, nil // 409 with per-account results: a result, not an error
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// List returns a connection's source accounts (not paged).
// See https://docs.codat.io/bank-feeds-api#/operations/list-source-accounts.
func (s *SourceAccountsService) List(ctx context.Context, companyID, connectionID string) ([]SourceAccount, error) {
	p, err := connectionPath(companyID, connectionID, "/connectionInfo/bankFeedAccounts")
	if err != nil {
		return nil, err
	}
	var out []SourceAccount
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &out})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update changes the fields of upd that are set; it changes the source
// account only, never the target account.
// See https://docs.codat.io/bank-feeds-api#/operations/update-source-account.
func (s *SourceAccountsService) Update(ctx context.Context, companyID, connectionID, accountID string, upd SourceAccountUpdate) (*SourceAccount, error) {
	p, err := connectionPath(companyID, connectionID, "/connectionInfo/bankFeedAccounts")
	if err != nil {
		return nil, err
	}
	if p, err = sourceAccountPath(p, accountID); err != nil {
		return nil, err
	}
	if upd.AccountName == nil && upd.Status == nil && !upd.Balance.IsSet() {
		return nil, invalid("update", "set at least one of AccountName, Status and Balance")
	}
	if upd.Status != nil && *upd.Status != SourceAccountDisconnected {
		return nil, invalid("Status", "can only be changed to \"disconnected\"")
	}
	body := struct {
		ID          string               `json:"id"` // Codat's schema requires it
		AccountName *string              `json:"accountName,omitempty"`
		Status      *SourceAccountStatus `json:"status,omitempty"`
		Balance     Decimal              `json:"balance,omitzero"`
	}{accountID, upd.AccountName, upd.Status, upd.Balance}
	var out SourceAccount
	_, err = s.c.do(ctx, call{method: http.MethodPatch, path: p, body: &body, out: &out})
	return result(&out, err)
}

// Delete deletes a source account, its mapping and its feed; the account in
// the accounting software stays.
// See https://docs.codat.io/bank-feeds-api#/operations/delete-source-account.
func (s *SourceAccountsService) Delete(ctx context.Context, companyID, connectionID, accountID string) error {
	p, err := connectionPath(companyID, connectionID, "/connectionInfo/bankFeedAccounts")
	if err != nil {
		return err
	}
	if p, err = sourceAccountPath(p, accountID); err != nil {
		return err
	}
	_, err = s.c.do(ctx, call{method: http.MethodDelete, path: p})
	return err
}

// GenerateCredentials issues a new set of one-time credentials for QBO Bank
// Feeds; earlier sets stay valid until DeleteCredentials.
// See https://docs.codat.io/bank-feeds-api#/operations/generate-credentials.
func (s *SourceAccountsService) GenerateCredentials(ctx context.Context, companyID, connectionID string) (*BankAccountCredentials, error) {
	p, err := connectionPath(companyID, connectionID, "/connectionInfo/bankFeedAccounts/credentials")
	if err != nil {
		return nil, err
	}
	var out BankAccountCredentials
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, body: struct{}{}, out: &out})
	return result(&out, err)
}

// DeleteCredentials revokes every set of QBO Bank Feeds credentials; feeds
// using them stop.
// See https://docs.codat.io/bank-feeds-api#/operations/delete-bank-feed-credentials.
func (s *SourceAccountsService) DeleteCredentials(ctx context.Context, companyID, connectionID string) error {
	p, err := connectionPath(companyID, connectionID, "/connectionInfo/bankFeedAccounts/credentials")
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, call{method: http.MethodDelete, path: p})
	return err
}

// GenerateOTP returns a one-time password the user enters in Sage, with the
// connection id, to connect Sage Bank Feeds. Other platforms answer 400.
// See https://docs.codat.io/bank-feeds-api#/operations/generate-otp.
func (s *SourceAccountsService) GenerateOTP(ctx context.Context, companyID, connectionID string) (*OTP, error) {
	p, err := connectionPath(companyID, connectionID, "/bankFeeds/otp")
	if err != nil {
		return nil, err
	}
	var out OTP
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, out: &out})
	return result(&out, err)
}
