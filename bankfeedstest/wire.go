package bankfeedstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
)

// This file holds the JSON the sandbox writes, shaped after the document's
// schemas. Fields the document allows to be absent are omitted rather than
// written as null, so the answers validate under OpenAPI 3.1 too.

type companyJSON struct {
	ID                           string            `json:"id"`
	Name                         string            `json:"name"`
	Description                  *string           `json:"description,omitempty"`
	Redirect                     string            `json:"redirect"`
	Created                      string            `json:"created"`
	Tags                         map[string]string `json:"tags"`
	ReferenceSubsidiaryCompanies []struct{}        `json:"referenceSubsidiaryCompanies"`
	DataConnections              []connectionJSON  `json:"dataConnections"`
}

type connectionJSON struct {
	ID             string `json:"id"`
	IntegrationID  string `json:"integrationId"`
	IntegrationKey string `json:"integrationKey"`
	SourceID       string `json:"sourceId"`
	SourceType     string `json:"sourceType"`
	PlatformName   string `json:"platformName"`
	LinkURL        string `json:"linkUrl"`
	Status         string `json:"status"`
	LastSync       string `json:"lastSync,omitempty"`
	Created        string `json:"created"`
}

// sourceAccountV2JSON is SourceAccountV2. routingInfo is always written
// (with the document's default type "bankcode" when none was sent), which
// also tells it apart from the version 1 shape under the document's oneOf.
type sourceAccountV2JSON struct {
	ID            string       `json:"id"`
	AccountName   string       `json:"accountName"`
	AccountType   string       `json:"accountType"`
	AccountNumber string       `json:"accountNumber"`
	SortCode      *string      `json:"sortCode,omitempty"`
	RoutingInfo   routingInfo  `json:"routingInfo"`
	Currency      string       `json:"currency"`
	Balance       json.Number  `json:"balance"`
	AccountInfo   *accountInfo `json:"accountInfo,omitempty"`
	ModifiedDate  *string      `json:"modifiedDate,omitempty"`
	Status        string       `json:"status"`
	FeedStartDate string       `json:"feedStartDate,omitempty"` // YYYY-MM-DD
}

// sourceAccountV1JSON is SourceAccount (version 1).
type sourceAccountV1JSON struct {
	ID            string      `json:"id"`
	AccountName   *string     `json:"accountName,omitempty"`
	AccountType   *string     `json:"accountType,omitempty"`
	AccountNumber *string     `json:"accountNumber,omitempty"`
	SortCode      *string     `json:"sortCode,omitempty"`
	Currency      *string     `json:"currency,omitempty"`
	Balance       json.Number `json:"balance,omitempty"`
	ModifiedDate  *string     `json:"modifiedDate,omitempty"`
	Status        string      `json:"status"`
	FeedStartDate string      `json:"feedStartDate,omitempty"` // date-time
}

type batchCreatedJSON struct {
	SourceAccountID string `json:"sourceAccountId"`
	Result          struct {
		StatusCode int `json:"statusCode"`
		Account    any `json:"account"`
	} `json:"result"`
}

type batchErrorJSON struct {
	SourceAccountID string `json:"sourceAccountId"`
	Result          struct {
		StatusCode string `json:"statusCode"` // a string, as the document has it
		Error      string `json:"error"`
	} `json:"result"`
}

type targetOptionJSON struct {
	ID            string      `json:"id"`
	Name          string      `json:"name,omitempty"`
	Balance       json.Number `json:"balance,omitempty"`
	SortCode      *string     `json:"sortCode,omitempty"`
	AccountNumber *string     `json:"accountNumber,omitempty"`
}

type mappingJSON struct {
	SourceAccountID      string             `json:"sourceAccountId"`
	SourceAccountName    string             `json:"sourceAccountName,omitempty"`
	SourceAccountNumber  string             `json:"sourceAccountNumber,omitempty"`
	SourceBalance        json.Number        `json:"sourceBalance,omitempty"`
	SourceCurrency       string             `json:"sourceCurrency,omitempty"`
	TargetAccountID      string             `json:"targetAccountId,omitempty"`
	TargetAccountName    string             `json:"targetAccountName,omitempty"`
	Status               string             `json:"status"`
	TargetAccountOptions []targetOptionJSON `json:"targetAccountOptions"`
	FeedStartDate        string             `json:"feedStartDate,omitempty"`
}

type mappingResultJSON struct {
	SourceAccountID string `json:"sourceAccountId"`
	TargetAccountID string `json:"targetAccountId,omitempty"`
	Status          string `json:"status,omitempty"`
	Error           string `json:"error,omitempty"`
}

// targetAccountJSON is a bank account in the accounting software (the
// internal BankAccounts results and the bank account create model).
type targetAccountJSON struct {
	ID               string      `json:"id"`
	AccountName      string      `json:"accountName,omitempty"`
	AccountType      string      `json:"accountType"`
	NominalCode      *string     `json:"nominalCode,omitempty"`
	SortCode         *string     `json:"sortCode,omitempty"`
	AccountNumber    *string     `json:"accountNumber,omitempty"`
	IBan             *string     `json:"iBan,omitempty"`
	Currency         string      `json:"currency,omitempty"`
	Balance          json.Number `json:"balance,omitempty"`
	Institution      *string     `json:"institution,omitempty"`
	AvailableBalance json.Number `json:"availableBalance,omitempty"`
	OverdraftLimit   json.Number `json:"overdraftLimit,omitempty"`
	Status           string      `json:"status"`
	ModifiedDate     string      `json:"modifiedDate,omitempty"`
}

type recordRefJSON struct {
	ID       string `json:"id"`
	DataType string `json:"dataType,omitempty"`
}

type changeJSON struct {
	Type      string        `json:"type"`
	RecordRef recordRefJSON `json:"recordRef"`
}

type pushOperationJSON struct {
	Changes           []changeJSON    `json:"changes,omitempty"`
	DataType          string          `json:"dataType,omitempty"`
	CompanyID         string          `json:"companyId"`
	PushOperationKey  string          `json:"pushOperationKey"`
	DataConnectionKey string          `json:"dataConnectionKey"`
	RequestedOnUtc    string          `json:"requestedOnUtc"`
	CompletedOnUtc    string          `json:"completedOnUtc,omitempty"`
	TimeoutInMinutes  *int            `json:"timeoutInMinutes,omitempty"`
	Status            string          `json:"status"`
	ErrorMessage      string          `json:"errorMessage,omitempty"`
	Validation        *validationJSON `json:"validation,omitempty"`
	StatusCode        int             `json:"statusCode"`
	Data              any             `json:"data,omitempty"`
}

type pushEchoJSON struct {
	AccountID    string  `json:"accountId"`
	Transactions []txnIn `json:"transactions"`
}

type syncJSON struct {
	SyncID            string   `json:"syncId"`
	ClientID          string   `json:"clientId"`
	CompanyID         string   `json:"companyId"`
	CompanyName       string   `json:"companyName"`
	DataConnectionID  string   `json:"dataConnectionId"`
	SourceAccountID   string   `json:"sourceAccountId"`
	PeriodStartUtc    string   `json:"periodStartUtc"`
	PeriodEndUtc      string   `json:"periodEndUtc"`
	ExecutionStartUtc string   `json:"executionStartUtc"`
	ExecutionEndUtc   string   `json:"executionEndUtc,omitempty"`
	Status            string   `json:"status"`
	PushOperationKeys []string `json:"pushOperationKeys,omitempty"`
}

// decodeBody reads a JSON body into v: numbers stay exact, unknown fields
// are ignored, and anything after the value is an error.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("a JSON request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("the request body holds more than one JSON value")
	}
	return nil
}

func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return errors.New("the field " + te.Field + " cannot be read from a JSON " + te.Value)
		}
		return errors.New("the body cannot be read from a JSON " + te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errors.New("the request body is not valid JSON")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("the request body is not valid JSON")
	}
	return errors.New("the request body could not be read: " + err.Error())
}

// invalidBody answers a body that cannot be read.
func invalidBody(err error) response {
	return badRequest("The request body is not valid.", item("body", "RequestBodyValidator", err.Error()))
}

// pathEscape escapes an id for a link.
func pathEscape(s string) string { return url.PathEscape(s) }
