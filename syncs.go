package bankfeeds

import (
	"context"
	"net/http"
)

// ManagedSyncsService runs and reads managed bank feed syncs, in which Codat
// fetches a source account's transactions itself.
// See https://docs.codat.io/bank-feeds-api#/operations/get-latest-managed-bank-feed-sync.
type ManagedSyncsService service

// SyncStatus is the state of a managed bank feed sync. Status is free text;
// Codat uses Started, Failed, SuccessDataPushed, SuccessNoDataPushed and
// PartialSuccessDataPushed.
type SyncStatus struct {
	SyncID            string    `json:"syncId"`
	ClientID          string    `json:"clientId"`
	CompanyID         string    `json:"companyId"`
	CompanyName       string    `json:"companyName"`
	DataConnectionID  string    `json:"dataConnectionId"`
	SourceAccountID   string    `json:"sourceAccountId"`
	PeriodStartUTC    DateTime  `json:"periodStartUtc"`
	PeriodEndUTC      DateTime  `json:"periodEndUtc"`
	ExecutionStartUTC DateTime  `json:"executionStartUtc"`
	ExecutionEndUTC   *DateTime `json:"executionEndUtc,omitempty"`
	Status            string    `json:"status"`
	ErrorMessage      *string   `json:"errorMessage,omitempty"`
	ErrorCode         *string   `json:"errorCode,omitempty"`
	PushOperationKeys []string  `json:"pushOperationKeys,omitempty"`
}

// SyncStarted is the answer to Run.
type SyncStarted struct {
	SyncID string `json:"syncId"`
}

func syncsPath(companyID, connectionID, sourceAccountID string) (string, error) {
	p, err := connectionPath(companyID, connectionID, "/bankFeedAccounts")
	if err != nil {
		return "", err
	}
	return path(p, ":sourceAccountID", sourceAccountID, "/managedBankFeeds/syncs")
}

// Run starts an ad-hoc sync from the last successful sync until now. Codat
// answers 409 (ErrConflict) while another sync runs.
// See https://docs.codat.io/bank-feeds-api#/operations/run-managed-bank-feed-ad-hoc-sync.
func (s *ManagedSyncsService) Run(ctx context.Context, companyID, connectionID, sourceAccountID string) (*SyncStarted, error) {
	p, err := syncsPath(companyID, connectionID, sourceAccountID)
	if err != nil {
		return nil, err
	}
	var out SyncStarted
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, out: &out, conflictIsFinal: true})
	return result(&out, err)
}

// Get returns one sync.
// See https://docs.codat.io/bank-feeds-api#/operations/get-managed-bank-feed-sync.
func (s *ManagedSyncsService) Get(ctx context.Context, companyID, connectionID, sourceAccountID, syncID string) (*SyncStatus, error) {
	p, err := syncsPath(companyID, connectionID, sourceAccountID)
	if err != nil {
		return nil, err
	}
	if !isUUID(syncID) {
		// "latest" would reach Latest, and Codat's sync ids are uuids.
		return nil, invalid("syncID", "must be a uuid such as 6f8f2d2e-1c0a-4d7e-9b1a-2f3c4d5e6f70 (use Latest for the newest sync)")
	}
	if p, err = path(p, ":syncID", syncID); err != nil {
		return nil, err
	}
	var out SyncStatus
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &out})
	return result(&out, err)
}

// Latest returns the account's latest sync, or ErrNoSync when it has none.
// See https://docs.codat.io/bank-feeds-api#/operations/get-latest-managed-bank-feed-sync.
func (s *ManagedSyncsService) Latest(ctx context.Context, companyID, connectionID, sourceAccountID string) (*SyncStatus, error) {
	p, err := syncsPath(companyID, connectionID, sourceAccountID)
	if err != nil {
		return nil, err
	}
	var out SyncStatus
	status, err := s.c.do(ctx, call{method: http.MethodGet, path: p + "/latest", out: &out})
	if err != nil {
		return nil, err
	}
	if status == http.StatusNoContent || out.SyncID == "" {
		return nil, ErrNoSync
	}
	return &out, nil
}
