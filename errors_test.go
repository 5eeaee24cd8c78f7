package bankfeeds

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAPIErrorMatchesByStatus(t *testing.T) {
	sentinels := []error{ErrBadRequest, ErrUnauthorized, ErrPaymentRequired, ErrForbidden, ErrNotFound, ErrConflict, ErrUnprocessable, ErrRateLimited, ErrServer}
	tests := []struct {
		status int
		want   error
	}{
		{400, ErrBadRequest}, {401, ErrUnauthorized}, {402, ErrPaymentRequired}, {403, ErrForbidden},
		{404, ErrNotFound}, {409, ErrConflict}, {422, ErrUnprocessable}, {429, ErrRateLimited},
		{500, ErrServer}, {503, ErrServer}, {504, ErrServer}, {418, nil},
	}
	for _, tt := range tests {
		err := error(newAPIError("GET", "/companies", tt.status, nil, nil))
		for _, s := range sentinels {
			assert.Equal(t, s == tt.want, errors.Is(err, s), "status %d vs %v", tt.status, s)
		}
	}
}

func TestAPIErrorFromCodatBody(t *testing.T) {
	// Codat's own 402 example says statusCode 429: the HTTP status wins.
	body := `{"statusCode":429,"service":"PublicApi","error":"Account limit reached\nupgrade","correlationId":"7f3c9b","canBeRetried":"Unknown","detailedErrorCode":0,
	"validation":{"errors":[{"itemId":"tx-1","message":"Date is in the future","validatorName":"Date"}],"warnings":null}}`
	e := newAPIError("POST", "/companies/8a21/connections", 402, http.Header{}, []byte(body))
	assert.Equal(t, 402, e.StatusCode)
	assert.True(t, errors.Is(e, ErrPaymentRequired))
	assert.False(t, errors.Is(e, ErrRateLimited))
	assert.Equal(t, "PublicApi", e.Service)
	assert.Equal(t, "Unknown", e.CanBeRetried)
	assert.Equal(t, "bankfeeds: POST /companies/8a21/connections: 402 Payment Required: Account limit reached upgrade; tx-1: Date is in the future (correlation 7f3c9b)", e.Error())
}

func TestAPIErrorOddBodies(t *testing.T) {
	tests := []struct {
		name, body, wantMsg string
	}{
		{"string statusCode", `{"statusCode":"404","error":"Company not found"}`, "Company not found"},
		{"plain text", "upstream connect error", "upstream connect error"},
		{"html", "<html><body>Bad gateway</body></html>", "<html><body>Bad gateway</body></html>"},
		{"array", `[1,2]`, ""},
		{"empty", ``, ""},
		{"truncated json", `{"error":"x`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAPIError("GET", "/companies/x", 502, nil, []byte(tt.body))
			assert.Equal(t, tt.wantMsg, e.Message)
			assert.NotContains(t, e.Error(), "\n")
		})
	}
	huge := strings.Repeat("x", maxErrorBody*2)
	e := newAPIError("GET", "/p", 500, nil, []byte(huge))
	assert.Len(t, e.Body, maxErrorBody)
	assert.Less(t, len(e.Error()), 600)
}

func TestAPIErrorRetryAfter(t *testing.T) {
	e := newAPIError("GET", "/p", 429, http.Header{"Retry-After": {"30"}}, nil)
	assert.Equal(t, 30*time.Second, e.RetryAfter)
	e = newAPIError("GET", "/p", 400, http.Header{"Retry-After": {"30"}}, nil)
	assert.Zero(t, e.RetryAfter)
}

func TestValidationErrorMessage(t *testing.T) {
	e := &ValidationError{Field: "date", Index: 3, TransactionID: "tx-9", Reason: "is required"}
	assert.Equal(t, `bankfeeds: invalid date of transaction 3 (id "tx-9"): is required`, e.Error())
	assert.Equal(t, "bankfeeds: invalid companyID: must not be empty", invalid("companyID", "must not be empty").Error())
}

func FuzzErrorBody(f *testing.F) {
	f.Add(429, `{"statusCode":429,"error":"slow down","correlationId":"c","validation":{"errors":[{"message":"m"}]}}`)
	f.Add(500, `{"statusCode":"500","canBeRetried":true,"detailedErrorCode":"x"}`)
	f.Add(404, `not json`)
	f.Add(400, `{"validation":{"errors":[null,{"itemId":null}]}}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := newAPIError("GET", "/companies/x", status, http.Header{"Retry-After": {body}}, []byte(body))
		msg := e.Error()
		if strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("Error() is not one line: %q", msg)
		}
		if len(e.Body) > maxErrorBody {
			t.Fatalf("body not capped: %d", len(e.Body))
		}
		if e.StatusCode != status {
			t.Fatalf("status %d became %d", status, e.StatusCode)
		}
	})
}
