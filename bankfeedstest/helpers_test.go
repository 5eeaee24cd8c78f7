package bankfeedstest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// sandbox starts a sandbox whose pushes complete at once and a client with
// fast retries.
func sandbox(t *testing.T, opts ...bankfeedstest.Option) (*bankfeedstest.Server, *bankfeeds.Client) {
	t.Helper()
	srv := bankfeedstest.NewServer(append([]bankfeedstest.Option{bankfeedstest.WithPushDelay(0)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, client(t, srv)
}

func client(t *testing.T, srv *bankfeedstest.Server, opts ...bankfeeds.Option) *bankfeeds.Client {
	t.Helper()
	c, err := bankfeeds.NewClient(srv.APIKey, append([]bankfeeds.Option{
		bankfeeds.WithBaseURL(srv.URL),
		bankfeeds.WithRetryWait(time.Millisecond, 20*time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// raw sends a request with the sandbox's API key. body may be nil, a
// string, []byte or any value to encode as JSON. Extra headers come in
// name, value pairs.
func raw(t *testing.T, srv *bankfeedstest.Server, method, path string, body any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return rawTo(t, srv.URL, srv.APIKey, method, path, body, headers...)
}

// rawTo is raw for any base URL and API key.
func rawTo(t *testing.T, base, apiKey, method, path string, body any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(apiKey)))
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// errorBody is Codat's ErrorMessage as a test reads it.
type errorBody struct {
	StatusCode        int    `json:"statusCode"`
	Service           string `json:"service"`
	Error             string `json:"error"`
	CorrelationID     string `json:"correlationId"`
	CanBeRetried      string `json:"canBeRetried"`
	DetailedErrorCode *int   `json:"detailedErrorCode"`
	Validation        *struct {
		Errors []struct {
			ItemID        string `json:"itemId"`
			Message       string `json:"message"`
			ValidatorName string `json:"validatorName"`
		} `json:"errors"`
	} `json:"validation"`
}

// wantError checks an ErrorMessage answer and returns it.
func wantError(t *testing.T, resp *http.Response, body []byte, status int) errorBody {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an ErrorMessage: %v: %s", err, body)
	}
	if e.StatusCode != status || e.Service != "PublicApi" || e.CorrelationID == "" || e.CanBeRetried != "Unknown" || e.DetailedErrorCode == nil || e.Error == "" {
		t.Fatalf("ErrorMessage incomplete: %s", body)
	}
	return e
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, body)
	}
	return v
}

func apiStatus(err error) int {
	var apiErr *bankfeeds.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// txn builds a transaction; balance "" leaves it out.
func txn(id string, date time.Time, amount, balance string) bankfeeds.BankTransaction {
	t := bankfeeds.BankTransaction{ID: id, Date: bankfeeds.NewDateTime(date), Amount: dec(amount), Description: bankfeeds.Ptr("line " + id)}
	if balance != "" {
		t.Balance = dec(balance)
	}
	return t
}

// v2Account is a complete version 2 source account.
func v2Account(id, currency string) bankfeeds.SourceAccount {
	return bankfeeds.SourceAccount{
		ID: id, AccountName: "Account " + id, AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "0001" + id, Currency: currency, Balance: dec("100.00"),
	}
}

// linked makes a company with a connection to platform, the given source
// accounts, and completes the link.
func linked(t *testing.T, srv *bankfeedstest.Server, c *bankfeeds.Client, platform string, accts ...bankfeeds.SourceAccount) (*bankfeeds.Company, *bankfeeds.Connection) {
	t.Helper()
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Test " + platform}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, platform))
	for _, a := range accts {
		must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, conn.ID, a))
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	return co, conn
}

// pushRaw pushes transactions given as JSON objects, bypassing the SDK's
// guard, and returns the HTTP status and the answer.
func pushRaw(t *testing.T, srv *bankfeedstest.Server, companyID, connectionID, accountID string, txns []map[string]any) (*http.Response, []byte) {
	t.Helper()
	body := map[string]any{"accountId": accountID, "transactions": txns}
	return raw(t, srv, http.MethodPost, "/companies/"+companyID+"/connections/"+connectionID+
		"/push/bankAccounts/"+url.PathEscape(accountID)+"/bankTransactions", body)
}

// wait polls a push operation until it is final.
func wait(t *testing.T, c *bankfeeds.Client, companyID, key string) *bankfeeds.PushOperation {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	op, err := c.Transactions.WaitForOperation(ctx, companyID, key, &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// wall is a date-time with no zone, as pushed: "2006-01-02T15:04:05".
func wall(t time.Time) string { return t.Format("2006-01-02T15:04:05") }

// dec parses a decimal (the SDK has no MustParseDecimal).
func dec(s string) bankfeeds.Decimal {
	d, err := bankfeeds.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}
