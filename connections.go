package bankfeeds

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"regexp"
)

// ConnectionsService manages a company's data connections to a bank-feeds
// integration. See https://docs.codat.io/bank-feeds-api#/operations/list-connections.
type ConnectionsService service

// ConnectionStatus is a data connection's status. Values Codat adds later
// decode as they are.
type ConnectionStatus string

// Connection statuses.
const (
	ConnectionPendingAuth  ConnectionStatus = "PendingAuth"  // created; the user has not finished authorising
	ConnectionLinked       ConnectionStatus = "Linked"       // usable
	ConnectionUnlinked     ConnectionStatus = "Unlinked"     // cut off by you; nothing new can be written
	ConnectionDeauthorized ConnectionStatus = "Deauthorized" // access revoked by the user or platform
)

// SourceType is the kind of integration a connection is to.
type SourceType string

// Source types.
const (
	SourceTypeAccounting SourceType = "Accounting"
	SourceTypeBanking    SourceType = "Banking"
	SourceTypeBankFeed   SourceType = "BankFeed"
	SourceTypeCommerce   SourceType = "Commerce"
	SourceTypeExpense    SourceType = "Expense"
	SourceTypeOther      SourceType = "Other"
	SourceTypeUnknown    SourceType = "Unknown"
)

// Connection is a company's data connection to one integration.
type Connection struct {
	ID                   string                `json:"id"`
	IntegrationID        string                `json:"integrationId"`
	IntegrationKey       string                `json:"integrationKey,omitempty"` // the platform key, such as "hcws"
	SourceID             string                `json:"sourceId"`
	SourceType           SourceType            `json:"sourceType"`
	PlatformName         string                `json:"platformName"`
	LinkURL              string                `json:"linkUrl"` // for QBO Bank Feeds it holds a one-hour OTP: fetch it afresh
	Status               ConnectionStatus      `json:"status"`
	LastSync             *DateTime             `json:"lastSync,omitempty"`
	Created              DateTime              `json:"created"`
	DataConnectionErrors []DataConnectionError `json:"dataConnectionErrors,omitempty"`
	// ConnectionInfo holds integration-specific values of any JSON type.
	ConnectionInfo map[string]json.RawMessage `json:"connectionInfo,omitempty"`
}

// DataConnectionError is an error Codat recorded on a connection.
type DataConnectionError struct {
	StatusCode    string    `json:"statusCode,omitempty"`
	StatusText    string    `json:"statusText,omitempty"`
	ErrorMessage  string    `json:"errorMessage,omitempty"`
	ErroredOnUTC  *DateTime `json:"erroredOnUtc,omitempty"`
	Status        *string   `json:"status,omitempty"` // "Active" or "Resolved"
	ResolvedOnUTC *DateTime `json:"resolvedOnUtc,omitempty"`
}

// UnmarshalJSON reads statusCode as a string or a number.
func (e *DataConnectionError) UnmarshalJSON(b []byte) error {
	type plain DataConnectionError
	var v struct {
		plain
		StatusCode flexString `json:"statusCode"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = DataConnectionError(v.plain)
	e.StatusCode = string(v.StatusCode)
	return nil
}

var platformKeyPattern = regexp.MustCompile(`^[a-z]{4}$`)

// Create creates a data connection to the integration with platformKey, such
// as PlatformQuickBooksOnlineBankFeeds ("hcws"). The connection starts in
// PendingAuth with a LinkURL for the user.
// See https://docs.codat.io/bank-feeds-api#/operations/create-connection.
func (s *ConnectionsService) Create(ctx context.Context, companyID, platformKey string) (*Connection, error) {
	p, err := path("/companies", ":companyID", companyID, "/connections")
	if err != nil {
		return nil, err
	}
	if !platformKeyPattern.MatchString(platformKey) {
		return nil, invalid("platformKey", "must be four lower-case letters, such as \"hcws\"")
	}
	body := struct {
		PlatformKey string `json:"platformKey"`
	}{platformKey}
	var conn Connection
	_, err = s.c.do(ctx, call{method: http.MethodPost, path: p, body: &body, out: &conn})
	return result(&conn, err)
}

// List returns one page of a company's connections.
// See https://docs.codat.io/bank-feeds-api#/operations/list-connections.
func (s *ConnectionsService) List(ctx context.Context, companyID string, opts *ListOptions) (*Page[Connection], error) {
	p, err := path("/companies", ":companyID", companyID, "/connections")
	if err != nil {
		return nil, err
	}
	return list[Connection](ctx, s.c, p, opts)
}

// All iterates over every connection of a company.
func (s *ConnectionsService) All(ctx context.Context, companyID string, opts *ListOptions) iter.Seq2[Connection, error] {
	return all(ctx, opts, func(ctx context.Context, lo *ListOptions) (*Page[Connection], error) {
		return s.List(ctx, companyID, lo)
	})
}

// Get returns a connection. For QBO Bank Feeds this is how to get a fresh
// LinkURL once its one-hour OTP has expired.
// See https://docs.codat.io/bank-feeds-api#/operations/get-connection.
func (s *ConnectionsService) Get(ctx context.Context, companyID, connectionID string) (*Connection, error) {
	p, err := connectionPath(companyID, connectionID, "")
	if err != nil {
		return nil, err
	}
	var conn Connection
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &conn})
	return result(&conn, err)
}

// Delete deletes a connection; its data can no longer be read.
// See https://docs.codat.io/bank-feeds-api#/operations/delete-connection.
func (s *ConnectionsService) Delete(ctx context.Context, companyID, connectionID string) error {
	p, err := connectionPath(companyID, connectionID, "")
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, call{method: http.MethodDelete, path: p})
	return err
}

// Unlink sets a Linked connection to Unlinked: old data stays readable but
// nothing new can be written.
// See https://docs.codat.io/bank-feeds-api#/operations/unlink-connection.
func (s *ConnectionsService) Unlink(ctx context.Context, companyID, connectionID string) (*Connection, error) {
	p, err := connectionPath(companyID, connectionID, "")
	if err != nil {
		return nil, err
	}
	body := struct {
		Status ConnectionStatus `json:"status"`
	}{ConnectionUnlinked}
	var conn Connection
	_, err = s.c.do(ctx, call{method: http.MethodPatch, path: p, body: &body, out: &conn})
	return result(&conn, err)
}

// connectionPath is /companies/{c}/connections/{cc} followed by rest.
func connectionPath(companyID, connectionID, rest string) (string, error) {
	return path("/companies", ":companyID", companyID, "/connections", ":connectionID", connectionID, rest)
}

// list fetches one page from a paged endpoint.
func list[T any](ctx context.Context, c *Client, p string, opts *ListOptions) (*Page[T], error) {
	if opts == nil {
		opts = &ListOptions{}
	}
	return listWith[T](ctx, c, p, opts, opts)
}

// listWith fetches one page, encoding query (which embeds lo) as the query
// string.
func listWith[T any](ctx context.Context, c *Client, p string, query any, lo *ListOptions) (*Page[T], error) {
	q, err := encodeQuery(query, lo)
	if err != nil {
		return nil, err
	}
	var page Page[T]
	_, err = c.do(ctx, call{method: http.MethodGet, path: p, query: q, out: &page})
	return result(&page, err)
}

// flexString reads a JSON string or number as text (Codat sends statusCode
// both ways).
type flexString string

// UnmarshalJSON reads a string, a number, or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	*f = flexString(rawText(b))
	return nil
}
