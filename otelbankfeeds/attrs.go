package otelbankfeeds

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"

	"github.com/bankfeeds-go/bankfeeds"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
)

// Attribute keys of Codat's own, beside the semantic conventions' ones.
const (
	KeyOperation          = attribute.Key("codat.operation")            // the SDK method, such as Companies.List
	KeyCompanyID          = attribute.Key("codat.company_id")           // spans only
	KeyTransactions       = attribute.Key("codat.transactions")         // bank transactions a push sends; spans only
	KeyPushOperationKey   = attribute.Key("codat.push_operation_key")   // spans only
	KeyPushStatus         = attribute.Key("codat.push_status")          // Pending, Success, Failed, TimedOut
	KeyCorrelationID      = attribute.Key("codat.correlation_id")       // spans only
	KeyRateLimitRemaining = attribute.Key("codat.rate_limit.remaining") // spans only
)

// endpoint is what the attributes say of an attempt's URL.
type endpoint struct {
	full string // scheme, host and path: no query, fragment or user info
	host string
	port int
}

// endpointOf reads an attempt's URL. The SDK never puts a query string in
// Attempt.URL; one is dropped here all the same, with any user info or
// fragment, so that none can reach an exporter.
func endpointOf(raw string) endpoint {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return endpoint{}
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	e := endpoint{full: u.String(), host: u.Hostname()}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 {
			e.port = n
		}
	} else {
		switch u.Scheme {
		case "https":
			e.port = 443
		case "http":
			e.port = 80
		}
	}
	return e
}

// methodValue is the method as the semantic conventions name it: one of the
// known methods, or _OTHER.
func methodValue(m string) string {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT":
		return m
	}
	return "_OTHER"
}

// pushStatusValue bounds a push status from an answer to the four Codat
// documents, so a strange answer cannot grow a metric's series.
func pushStatusValue(s bankfeeds.PushStatus) string {
	switch s {
	case bankfeeds.PushStatusPending, bankfeeds.PushStatusSuccess, bankfeeds.PushStatusFailed, bankfeeds.PushStatusTimedOut:
		return string(s)
	case "":
		return ""
	}
	return "_OTHER"
}

// ErrorType is the error.type value for a call's error: the HTTP status of
// an *APIError ("404", "429"), or one of "timeout", "canceled",
// "validation", "transport", "invalid_response", "response_too_large",
// "push_failed", "push_timed_out", "push_unsettled", or "_OTHER". It is
// empty for nil. The values are few, so it may label a metric.
func ErrorType(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *bankfeeds.APIError
	var valErr *bankfeeds.ValidationError
	var netErr net.Error
	switch {
	case errors.Is(err, bankfeeds.ErrPushTimedOut):
		return "push_timed_out"
	case errors.Is(err, bankfeeds.ErrPushFailed):
		return "push_failed"
	case errors.Is(err, bankfeeds.ErrPushUnsettled):
		return "push_unsettled"
	case errors.As(err, &apiErr):
		if apiErr.StatusCode > 0 {
			return strconv.Itoa(apiErr.StatusCode)
		}
		return "_OTHER"
	case errors.As(err, &valErr):
		return "validation"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, bankfeeds.ErrInvalidResponse):
		return "invalid_response"
	case errors.Is(err, bankfeeds.ErrResponseTooLarge):
		return "response_too_large"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	}
	var te *bankfeeds.TransportError
	if errors.As(err, &te) {
		return "transport"
	}
	return "_OTHER"
}

// attemptErrorType is error.type for an attempt: its status when it is 400
// or more, else the kind of its transport error, else empty.
func attemptErrorType(a *bankfeeds.Attempt) string {
	switch {
	case a.Status >= 400:
		return strconv.Itoa(a.Status)
	case a.Err != nil:
		if t := ErrorType(a.Err); t != "_OTHER" {
			return t
		}
		return "transport"
	}
	return ""
}

// attemptMetricAttrs are the bounded attributes of an attempt's metrics.
func attemptMetricAttrs(a *bankfeeds.Attempt, e endpoint) []attribute.KeyValue {
	kv := make([]attribute.KeyValue, 0, 8)
	if a.Call != nil {
		kv = append(kv, KeyOperation.String(a.Call.Operation), semconv.HTTPRequestMethodKey.String(methodValue(a.Call.Method)),
			semconv.URLTemplate(a.Call.Route))
	}
	if e.host != "" {
		kv = append(kv, semconv.ServerAddress(e.host), semconv.ServerPort(e.port))
	}
	if a.Status > 0 {
		kv = append(kv, semconv.HTTPResponseStatusCode(a.Status))
	}
	if t := attemptErrorType(a); t != "" {
		kv = append(kv, semconv.ErrorTypeKey.String(t))
	}
	return kv
}
