package bankfeedstest

import (
	"encoding/json"
	"net/http"
)

// response is an API answer before it is written: handlers return one, so
// the idempotency cache can keep it and replay it byte for byte.
type response struct {
	status int
	header http.Header // extra headers, such as Retry-After; may be nil
	body   []byte      // nil: no body
}

// validationItem is one entry of Codat's validation errors or warnings.
type validationItem struct {
	ItemID        string `json:"itemId,omitempty"`
	Message       string `json:"message,omitempty"`
	ValidatorName string `json:"validatorName,omitempty"`
}

// validationJSON is Codat's validation object, on an ErrorMessage or a push
// operation.
type validationJSON struct {
	Errors   []validationItem `json:"errors,omitempty"`
	Warnings []validationItem `json:"warnings,omitempty"`
}

// errorMessage is Codat's ErrorMessage body.
type errorMessage struct {
	StatusCode        int             `json:"statusCode"`
	Service           string          `json:"service"`
	Error             string          `json:"error"`
	CorrelationID     string          `json:"correlationId"`
	Validation        *validationJSON `json:"validation,omitempty"`
	CanBeRetried      string          `json:"canBeRetried"`
	DetailedErrorCode int             `json:"detailedErrorCode"`
}

// errorResp answers status with an ErrorMessage. Validation items, when
// given, are its validation errors.
func errorResp(status int, msg string, items ...validationItem) response {
	m := errorMessage{
		StatusCode:    status,
		Service:       "PublicApi",
		Error:         msg,
		CorrelationID: newCorrelationID(),
		CanBeRetried:  "Unknown",
	}
	if len(items) > 0 {
		m.Validation = &validationJSON{Errors: items}
	}
	b, _ := json.Marshal(m) // plain strings and ints: cannot fail
	return response{status: status, body: b}
}

// jsonResp answers status with v as JSON.
func jsonResp(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return errorResp(http.StatusInternalServerError, "The sandbox could not encode its answer.")
	}
	return response{status: status, body: b}
}

// noContent answers status with no body.
func noContent(status int) response { return response{status: status} }

// item builds a validation item.
func item(itemID, validator, msg string) validationItem {
	return validationItem{ItemID: itemID, Message: msg, ValidatorName: validator}
}

func badRequest(msg string, items ...validationItem) response {
	return errorResp(http.StatusBadRequest, msg, items...)
}

func notFound(msg string) response { return errorResp(http.StatusNotFound, msg) }

// Messages for missing resources, as Codat words them.
const (
	msgCompanyNotFound    = "Company not found. Check the companyId in the path."
	msgConnectionNotFound = "Data connection not found. Check the connectionId in the path."
	msgAccountNotFound    = "Source account not found. Check the accountId in the path."
)
