package bankfeeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. An [*APIError] matches the one for its status with
// errors.Is:
//
//	if errors.Is(err, bankfeeds.ErrNotFound) { ... }
var (
	ErrBadRequest      = errors.New("bankfeeds: bad request")         // 400
	ErrUnauthorized    = errors.New("bankfeeds: unauthorized")        // 401
	ErrPaymentRequired = errors.New("bankfeeds: payment required")    // 402
	ErrForbidden       = errors.New("bankfeeds: forbidden")           // 403
	ErrNotFound        = errors.New("bankfeeds: not found")           // 404
	ErrConflict        = errors.New("bankfeeds: conflict")            // 409
	ErrRateLimited     = errors.New("bankfeeds: rate limited")        // 429
	ErrServer          = errors.New("bankfeeds: server error")        // 5xx
	ErrUnprocessable   = errors.New("bankfeeds: unprocessable")       // 422: an Idempotency-Key reused with another body
	ErrNoSync          = errors.New("bankfeeds: no managed sync yet") // ManagedSyncsService.Latest found none
	// ErrResponseTooLarge is returned when a response body is larger than the
	// cap set with WithMaxResponseBytes.
	ErrResponseTooLarge = errors.New("bankfeeds: response body too large")
	// ErrInvalidResponse is returned when Codat's answer cannot be decoded.
	ErrInvalidResponse = errors.New("bankfeeds: invalid response")
)

// maxErrorBody caps the error body kept in an APIError.
const maxErrorBody = 64 << 10

// APIError is an answer from Codat with a status that is not a success.
type APIError struct {
	StatusCode        int           // the HTTP status (trusted over the body's statusCode)
	Message           string        // Codat's "error"
	Service           string        // Codat's "service", such as "PublicApi"
	CorrelationID     string        // quote it to Codat support
	DetailedErrorCode int           // Codat's "detailedErrorCode"
	CanBeRetried      string        // Codat's "canBeRetried", such as "Unknown"
	Validation        *Validation   // Codat's validation errors and warnings
	RetryAfter        time.Duration // from Retry-After on 429 and 503, else 0
	Method            string        // the request's method
	Path              string        // the request's path, without query string
	Body              []byte        // the raw body, at most 64 KiB
}

// Error returns one line, such as
// "bankfeeds: POST /companies/8a21.../connections: 404 Not Found: Company not found (correlation 7f3c...)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("bankfeeds: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Message, 300))
	}
	if e.Validation != nil {
		for i, v := range e.Validation.Errors {
			if i == 3 {
				fmt.Fprintf(&b, "; and %d more", len(e.Validation.Errors)-3)
				break
			}
			b.WriteString("; ")
			b.WriteString(v.String())
		}
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.CorrelationID != "" {
		b.WriteString(" (correlation ")
		b.WriteString(oneLine(e.CorrelationID, 100))
		b.WriteByte(')')
	}
	return b.String()
}

// Is matches the sentinel for e's status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrPaymentRequired:
		return e.StatusCode == http.StatusPaymentRequired
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrUnprocessable:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// Validation holds Codat's validation errors and warnings, on an error body
// or a push operation.
type Validation struct {
	Errors   []ValidationItem `json:"errors,omitempty"`
	Warnings []ValidationItem `json:"warnings,omitempty"`
}

// ValidationItem is one validation message from Codat.
type ValidationItem struct {
	ItemID        *string `json:"itemId,omitempty"`
	Message       *string `json:"message,omitempty"`
	ValidatorName *string `json:"validatorName,omitempty"`
}

// String returns "itemId: message".
func (v ValidationItem) String() string {
	msg := oneLine(deref(v.Message), 200)
	if id := deref(v.ItemID); id != "" {
		return oneLine(id, 60) + ": " + msg
	}
	return msg
}

// errorMessage is Codat's ErrorMessage body.
type errorMessage struct {
	StatusCode        json.RawMessage `json:"statusCode"`
	Service           string          `json:"service"`
	Error             string          `json:"error"`
	CorrelationID     string          `json:"correlationId"`
	Validation        *Validation     `json:"validation"`
	CanBeRetried      json.RawMessage `json:"canBeRetried"`
	DetailedErrorCode json.RawMessage `json:"detailedErrorCode"`
}

// newAPIError builds an APIError from a response's status, headers and body.
// It never fails: a body that is not Codat's ErrorMessage is kept raw.
func newAPIError(method, path string, status int, header http.Header, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path}
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	e.Body = body
	var m errorMessage
	if len(body) > 0 && json.Unmarshal(body, &m) == nil {
		e.Message = m.Error
		e.Service = m.Service
		e.CorrelationID = m.CorrelationID
		e.Validation = m.Validation
		e.CanBeRetried = rawText(m.CanBeRetried)
		e.DetailedErrorCode, _ = strconv.Atoi(rawText(m.DetailedErrorCode))
	}
	if e.Message == "" && len(body) > 0 && body[0] != '{' && body[0] != '[' {
		e.Message = oneLine(string(body), 200)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		e.RetryAfter, _ = parseRetryAfter(header.Get("Retry-After"), time.Now())
	}
	return e
}

// rawText returns a JSON string's text, or a number's digits.
func rawText(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(r, &n) == nil {
		return n.String()
	}
	return ""
}

// ValidationError is input refused before any request was sent.
type ValidationError struct {
	Field         string // the field at fault, such as "date" or "companyID"
	Index         int    // the transaction's index in the caller's slice, or -1
	TransactionID string // the transaction's id, when there is one
	Reason        string // why, in words
}

// Error returns one line naming the field, the transaction and the reason.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("bankfeeds: invalid ")
	b.WriteString(e.Field)
	if e.Index >= 0 {
		fmt.Fprintf(&b, " of transaction %d", e.Index)
		if e.TransactionID != "" {
			fmt.Fprintf(&b, " (id %.60q)", e.TransactionID)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

func invalid(field, reason string) *ValidationError {
	return &ValidationError{Field: field, Index: -1, Reason: reason}
}

// TransportError is a request that got no usable answer: the connection
// failed, timed out or was reset, after any retries. It carries the method and
// path but never the URL's query string or host credentials.
type TransportError struct {
	Method string
	Path   string
	Err    error
}

// Error returns one line with the method, the path and the cause.
func (e *TransportError) Error() string {
	return "bankfeeds: " + e.Method + " " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns the cause, so errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) work.
func (e *TransportError) Unwrap() error { return e.Err }

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
