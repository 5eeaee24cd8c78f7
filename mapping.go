package bankfeeds

import (
	"context"
	"net/http"
)

// AccountMappingService maps source accounts to target accounts, for custom
// mapping UIs on Xero, FreeAgent, NetSuite and Exact (QBO and Sage map inside
// their own products).
// See https://docs.codat.io/bank-feeds-api#/operations/get-bank-account-mapping.
type AccountMappingService service

// BankFeedMapping is a source account's mapping and the target accounts it
// may be mapped to.
type BankFeedMapping struct {
	SourceAccountID      string                `json:"sourceAccountId"`
	SourceAccountName    string                `json:"sourceAccountName,omitempty"`
	SourceAccountNumber  string                `json:"sourceAccountNumber,omitempty"`
	SourceBalance        Decimal               `json:"sourceBalance,omitzero"`
	SourceCurrency       string                `json:"sourceCurrency,omitempty"`
	TargetAccountID      *string               `json:"targetAccountId,omitempty"`
	TargetAccountName    string                `json:"targetAccountName,omitempty"`
	Status               string                `json:"status,omitempty"` // free text: pending, connected, Success ...
	TargetAccountOptions []TargetAccountOption `json:"targetAccountOptions,omitempty"`
	FeedStartDate        *DateTime             `json:"feedStartDate,omitempty"`
}

// TargetAccountOption is an account in the accounting software that a source
// account may be mapped to.
type TargetAccountOption struct {
	ID            string  `json:"id"`
	Name          *string `json:"name,omitempty"`
	Balance       Decimal `json:"balance,omitzero"`
	SortCode      *string `json:"sortCode,omitempty"`
	AccountNumber *string `json:"accountNumber,omitempty"`
}

// AccountMapping maps one source account. Leave TargetAccountID nil to have
// Codat create a new target account named after the source account.
type AccountMapping struct {
	SourceAccountID string    `json:"sourceAccountId"`
	TargetAccountID *string   `json:"targetAccountId,omitempty"`
	FeedStartDate   *DateTime `json:"feedStartDate,omitempty"`
}

// AccountMappingResult is Codat's answer to a mapping; Status is often
// "connecting" at first, so poll Get until it is connected.
type AccountMappingResult struct {
	SourceAccountID string  `json:"sourceAccountId"`
	TargetAccountID *string `json:"targetAccountId,omitempty"`
	Status          *string `json:"status,omitempty"`
	Error           *string `json:"error,omitempty"`
}

// Get returns every source account's mapping and target options (not paged).
// See https://docs.codat.io/bank-feeds-api#/operations/get-bank-account-mapping.
func (s *AccountMappingService) Get(ctx context.Context, companyID, connectionID string) ([]BankFeedMapping, error) {
	p, err := connectionPath(companyID, connectionID, "/bankFeedAccounts/mapping")
	if err != nil {
		return nil, err
	}
	var out []BankFeedMapping
	if _, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

// Create maps one source account to a target account (one per call).
// See https://docs.codat.io/bank-feeds-api#/operations/create-bank-account-mapping.
func (s *AccountMappingService) Create(ctx context.Context, companyID, connectionID string, m AccountMapping) (*AccountMappingResult, error) {
	p, err := connectionPath(companyID, connectionID, "/bankFeedAccounts/mapping")
	if err != nil {
		return nil, err
	}
	if m.SourceAccountID == "" {
		return nil, invalid("SourceAccountID", "must not be empty")
	}
	var out AccountMappingResult
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, body: &m, out: &out})
	return result(&out, err)
}

// CompanyInformationService reads the accounting software's company details
// (Xero and NetSuite only).
// See https://docs.codat.io/bank-feeds-api#/operations/get-company-information.
type CompanyInformationService service

// CompanyInformation is the company as the accounting software knows it.
type CompanyInformation struct {
	CompanyName          string   `json:"companyName"`
	BaseCurrency         string   `json:"baseCurrency"`
	PlanType             *string  `json:"planType,omitempty"`
	MulticurrencyEnabled bool     `json:"multicurrencyEnabled"`
	Currencies           []string `json:"currencies,omitempty"`
}

// Get returns the company information of a connection.
// See https://docs.codat.io/bank-feeds-api#/operations/get-company-information.
func (s *CompanyInformationService) Get(ctx context.Context, companyID, connectionID string) (*CompanyInformation, error) {
	p, err := connectionPath(companyID, connectionID, "/bankFeeds/info")
	if err != nil {
		return nil, err
	}
	var out CompanyInformation
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &out})
	return result(&out, err)
}
