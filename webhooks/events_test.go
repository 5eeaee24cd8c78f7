package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		file  string
		typ   EventType
		id    string
		check func(t *testing.T, e *Event)
	}{
		{"source_account_connected_v1.json", EventSourceAccountConnected, "ba29118f-5406-4e59-b05c-ba307ca38d01", func(t *testing.T, e *Event) {
			p := payloadAs[SourceAccountPayload](t, e)
			if p.ReferenceCompany == nil || p.ReferenceCompany.Name != "Toft stores" ||
				p.ReferenceCompany.Links == nil || !strings.HasSuffix(p.ReferenceCompany.Links.Portal, "/summary") {
				t.Errorf("referenceCompany = %+v", p.ReferenceCompany)
			}
			if p.ConnectionID != "2e9d2c44-f675-40ba-8049-353bfcb5e171" {
				t.Errorf("connectionId = %q", p.ConnectionID)
			}
			a := p.SourceAccount
			if a.ID != "acc-002" || a.Currency != "GBP" || a.Balance.String() != "99.99" ||
				a.SortCode == nil || *a.SortCode != "040004" || a.Status != bankfeeds.SourceAccountPending {
				t.Errorf("sourceAccount = %+v", a)
			}
			if a.ModifiedDate == nil || a.ModifiedDate.Nanosecond() != 105747800 {
				t.Errorf("modifiedDate = %v, want 7 fraction digits kept", a.ModifiedDate)
			}
			if !e.GeneratedDate.Equal(time.Date(2022, 10, 23, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("generatedDate = %v", e.GeneratedDate)
			}
		}},
		{"source_account_disconnected_v2.json", EventSourceAccountDisconnected, "5a4d7c3e-1f0b-4b8e-9a0c-3d2e1f4a5b6c", func(t *testing.T, e *Event) {
			p := payloadAs[SourceAccountPayload](t, e)
			a := p.SourceAccount
			if a.AccountType != bankfeeds.AccountTypeChecking || a.Balance.String() != "1234.5678901234" {
				t.Errorf("type %q balance %s", a.AccountType, a.Balance)
			}
			if a.RoutingInfo == nil || a.RoutingInfo.Type == nil || *a.RoutingInfo.Type != "aba" {
				t.Errorf("routingInfo = %+v", a.RoutingInfo)
			}
			if a.AccountInfo == nil || fmt.Sprint(a.AccountInfo.AvailableBalance) != "1000.25" {
				t.Errorf("accountInfo = %+v", a.AccountInfo)
			}
			if a.FeedStartDate == nil || !a.FeedStartDate.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("feedStartDate (a plain date in v2) = %v", a.FeedStartDate)
			}
			if p.CompanyID != "0498e921-9b53-4396-a412-4f2f5983b0a2" || p.ReferenceCompany.Tags["erp"] != "T-100" {
				t.Errorf("companyId %q, tags %v", p.CompanyID, p.ReferenceCompany.Tags)
			}
		}},
		{"bank_transactions_write_successful.json", EventBankTransactionsWriteSuccessful, "e2b5d3c1-7a8f-4e6d-9b0c-1a2b3c4d5e6f", func(t *testing.T, e *Event) {
			p := payloadAs[WritePayload](t, e)
			if p.ID != "7b8a2f0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b" || p.Type != WriteCreate || p.Status != bankfeeds.PushStatusSuccess {
				t.Errorf("payload = %+v", p)
			}
			if p.CompletedOnDate == nil || !p.CompletedOnDate.Equal(time.Date(2025, 6, 2, 10, 21, 5, 0, time.UTC)) {
				t.Errorf("completedOnDate = %v", p.CompletedOnDate)
			}
			if p.Record == nil || p.Record.ID != "acc-002" || p.AttachmentID != nil {
				t.Errorf("record %+v attachment %v", p.Record, p.AttachmentID)
			}
			if e.DataType() != "bankTransactions" {
				t.Errorf("DataType() = %q", e.DataType())
			}
		}},
		{"bank_transactions_write_unsuccessful.json", EventBankTransactionsWriteUnsuccessful, "f3c6e4d2-8b9a-4f7e-a0c1-2b3c4d5e6f70", func(t *testing.T, e *Event) {
			p := payloadAs[WritePayload](t, e)
			if p.Status != bankfeeds.PushStatusTimedOut || p.CompletedOnDate != nil || p.Record != nil {
				t.Errorf("payload = %+v", p)
			}
			if !p.RequestedOnDate.Equal(time.Date(2025, 6, 2, 10, 20, 0, 0, time.UTC)) {
				t.Errorf("requestedOnDate (no zone) = %v", p.RequestedOnDate)
			}
		}},
		{"connection_connected.json", EventConnectionConnected, "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e", func(t *testing.T, e *Event) {
			p := payloadAs[ConnectionPayload](t, e)
			c := p.Connection
			if c.IntegrationKey != "hcws" || c.Status != bankfeeds.ConnectionLinked || c.SourceType != bankfeeds.SourceTypeBankFeed {
				t.Errorf("connection = %+v", c)
			}
			if string(c.ConnectionInfo["retries"]) != "2" || len(c.DataConnectionErrors) != 1 || c.DataConnectionErrors[0].StatusCode != "401" {
				t.Errorf("connectionInfo %v, errors %+v", c.ConnectionInfo, c.DataConnectionErrors)
			}
			if p.ReferenceCompany == nil || p.ReferenceCompany.ID != "0498e921-9b53-4396-a412-4f2f5983b0a2" {
				t.Errorf("referenceCompany = %+v", p.ReferenceCompany)
			}
		}},
		{"client_rate_limit_reset.json", EventRateLimitReset, "743ec94a-8aa4-44bb-8bd4-e1855ee0e74b", func(t *testing.T, e *Event) {
			p := payloadAs[RateLimitPayload](t, e)
			if p.DailyQuota != 12000 || p.QuotaRemaining != 11993 {
				t.Errorf("payload = %+v", p)
			}
			// Codat's own example has second 99: kept as text, not an error.
			if !p.ExpiryDate.IsZero() || p.ExpiryDate.Raw() != "2024-09-01T23:59:99Z" {
				t.Errorf("expiryDate = %v (raw %q)", p.ExpiryDate.Time, p.ExpiryDate.Raw())
			}
		}},
		{"company_created.json", EventCompanyCreated, "bae71d36-ff47-420a-b4a6-f8c9ddf41140", func(t *testing.T, e *Event) {
			p := payloadAs[CompanyPayload](t, e)
			if p.Company.ID != "0498e921-9b53-4396-a412-4f2f5983b0a2" || p.Company.Name != "Toft stores" ||
				p.Company.Tags["erp"] != "T-100" || p.ReferenceCompany != nil {
				t.Errorf("payload = %+v", p)
			}
		}},
		{"unknown_event.json", "read.completed", "11111111-2222-4333-8444-555555555555", func(t *testing.T, e *Event) {
			if e.Payload != nil || e.Known() {
				t.Errorf("Payload = %#v, want nil for an unknown type", e.Payload)
			}
			var raw struct {
				DataTypes []string `json:"dataTypes"`
			}
			if err := json.Unmarshal(e.RawPayload, &raw); err != nil || len(raw.DataTypes) != 1 || raw.DataTypes[0] != "bankAccounts" {
				t.Errorf("RawPayload not kept: %s (%v)", e.RawPayload, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			e, err := Decode(body)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if e.Type != tt.typ || e.ID != tt.id {
				t.Fatalf("Type %q ID %q, want %q %q", e.Type, e.ID, tt.typ, tt.id)
			}
			if e.MessageID != "" {
				t.Errorf("MessageID = %q, want empty from Decode", e.MessageID)
			}
			if len(e.RawPayload) == 0 {
				t.Error("RawPayload is empty")
			}
			tt.check(t, e)
		})
	}
}

// payloadAs asserts e.Payload's type.
func payloadAs[T any](t *testing.T, e *Event) *T {
	t.Helper()
	p, ok := e.Payload.(*T)
	if !ok || p == nil {
		t.Fatalf("Payload is %T, want *%T", e.Payload, *new(T))
	}
	if !e.Known() {
		t.Error("Known() = false for a typed payload")
	}
	return p
}

func TestDecodeEveryKnownType(t *testing.T) {
	tests := []struct {
		typ  EventType
		want any
	}{
		{EventSourceAccountConnected, &SourceAccountPayload{}},
		{EventSourceAccountDisconnected, &SourceAccountPayload{}},
		{EventBankTransactionsWriteSuccessful, &WritePayload{}},
		{EventBankTransactionsWriteUnsuccessful, &WritePayload{}},
		{"bankAccounts.write.successful", &WritePayload{}},
		{EventConnectionCreated, &ConnectionPayload{}},
		{EventConnectionConnected, &ConnectionPayload{}},
		{EventConnectionDisconnected, &ConnectionPayload{}},
		{EventConnectionReconnected, &ConnectionPayload{}},
		{EventConnectionFailed, &ConnectionPayload{}},
		{EventConnectionDeleted, &ConnectionPayload{}},
		{EventRateLimitReached, &RateLimitPayload{}},
		{EventRateLimitReset, &RateLimitPayload{}},
		{EventCompanyCreated, &CompanyPayload{}},
		{EventCompanyDeleted, &CompanyPayload{}},
	}
	for _, tt := range tests {
		for _, payload := range []string{`{}`, `null`, ``} {
			name := string(tt.typ) + "/" + payload
			t.Run(name, func(t *testing.T) {
				body := `{"id":"e","eventType":"` + string(tt.typ) + `"`
				if payload != "" {
					body += `,"payload":` + payload
				}
				body += `}`
				e, err := Decode([]byte(body))
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if got, want := typeName(e.Payload), typeName(tt.want); got != want {
					t.Fatalf("Payload is %s, want %s", got, want)
				}
			})
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *SourceAccountPayload:
		return "SourceAccountPayload"
	case *WritePayload:
		return "WritePayload"
	case *ConnectionPayload:
		return "ConnectionPayload"
	case *RateLimitPayload:
		return "RateLimitPayload"
	case *CompanyPayload:
		return "CompanyPayload"
	case nil:
		return "nil"
	}
	return "other"
}

func TestDecodeUnknownTypes(t *testing.T) {
	for _, typ := range []string{"", "read.completed", "Bankfeeds.sourceAccount.connected", ".write.successful",
		"a.b.write.successful", "bankTransactions.write", "expenses.sync.successful"} {
		t.Run(typ, func(t *testing.T) {
			body := `{"id":"e","eventType":"` + typ + `","payload":[1,"two",{"three":3}]}`
			e, err := Decode([]byte(body))
			if err != nil {
				t.Fatalf("Decode = %v, want nil for an unknown type", err)
			}
			if e.Payload != nil || e.Known() || e.DataType() != "" {
				t.Fatalf("Payload %#v, DataType %q: want nil and empty", e.Payload, e.DataType())
			}
			if string(e.RawPayload) != `[1,"two",{"three":3}]` {
				t.Fatalf("RawPayload = %s", e.RawPayload)
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"empty", ``},
		{"spaces", "  \n"},
		{"null", `null`},
		{"array", `[]`},
		{"string", `"x"`},
		{"number", `1`},
		{"truncated", `{"id":"e"`},
		{"trailing garbage", `{"id":"e"} x`},
		{"id not a string", `{"id":1,"eventType":"company.created"}`},
		{"payload of the wrong shape", `{"eventType":"connection.created","payload":"connected"}`},
		{"nested field of the wrong shape", `{"eventType":"client.rateLimit.reached","payload":{"dailyQuota":"lots"}}`},
		{"date not a string", `{"eventType":"company.created","generatedDate":20240101}`},
		{"referenceCompany not an object", `{"eventType":"company.deleted","payload":{"referenceCompany":"c1"}}`},
		{"balance not a number", `{"eventType":"bankFeeds.sourceAccount.connected","payload":{"sourceAccount":{"id":"a","balance":true}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Decode([]byte(tt.body))
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("Decode = %v, want ErrInvalidEvent", err)
			}
			if e != nil {
				t.Fatalf("Decode returned an event with an error: %+v", e)
			}
		})
	}
}

func TestDecodeErrorDoesNotQuoteBody(t *testing.T) {
	secretish := "SENSITIVE-VALUE-123"
	_, err := Decode([]byte(`{"eventType":"client.rateLimit.reached","payload":{"dailyQuota":"` + secretish + `"}}`))
	if err == nil || strings.Contains(err.Error(), secretish) {
		t.Fatalf("Decode error %v quotes the body", err)
	}
	if !strings.Contains(err.Error(), "dailyQuota") {
		t.Errorf("Decode error %q does not name the field", err)
	}
}

func TestDecodeLenient(t *testing.T) {
	body := `{
		"id": "e", "eventType": "bankTransactions.write.successful", "generatedDate": "not a date",
		"newTopLevel": {"x": 1},
		"payload": {"id": "op", "status": "SomethingNew", "type": "Merge", "unknown": [1],
			"requestedOnDate": "2025-06-02", "record": {"id": "r", "dataType": "bankTransactions"}}
	}`
	e, err := Decode([]byte(body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if e.GeneratedDate.Raw() != "not a date" {
		t.Errorf("GeneratedDate.Raw() = %q", e.GeneratedDate.Raw())
	}
	p := payloadAs[WritePayload](t, e)
	if p.Status != "SomethingNew" || p.Type != "Merge" || p.Record.ID != "r" {
		t.Errorf("open enums not kept: %+v", p)
	}
	if !p.RequestedOnDate.Equal(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("requestedOnDate = %v", p.RequestedOnDate)
	}
}

func TestDecodeLegacyBankAccountName(t *testing.T) {
	body := `{"eventType":"bankFeeds.sourceAccount.connected","payload":{"companyId":"c","connectionId":"cc","bankAccount":{"id":"acc-1","currency":"EUR"}}}`
	e, err := Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p := payloadAs[SourceAccountPayload](t, e)
	if p.SourceAccount.ID != "acc-1" || p.SourceAccount.Currency != "EUR" || p.CompanyID != "c" || p.ConnectionID != "cc" {
		t.Fatalf("payload = %+v", p)
	}

	// When both names are present, sourceAccount wins.
	body = `{"eventType":"bankFeeds.sourceAccount.connected","payload":{"bankAccount":{"id":"old"},"sourceAccount":{"id":"new"}}}`
	e, err = Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := payloadAs[SourceAccountPayload](t, e).SourceAccount.ID; got != "new" {
		t.Fatalf("SourceAccount.ID = %q, want new", got)
	}
}

func TestCompanyPayloadReferenceOnly(t *testing.T) {
	body := `{"eventType":"company.deleted","payload":{"referenceCompany":{"id":"c1","name":"Toft","description":"d","tags":{"k":"v"}}}}`
	e, err := Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p := payloadAs[CompanyPayload](t, e)
	if p.Company.ID != "c1" || p.Company.Name != "Toft" || p.Company.Description == nil || *p.Company.Description != "d" || p.Company.Tags["k"] != "v" {
		t.Fatalf("Company = %+v", p.Company)
	}
	if p.ReferenceCompany == nil || p.ReferenceCompany.ID != "c1" {
		t.Fatalf("ReferenceCompany = %+v", p.ReferenceCompany)
	}

	// The company's own id wins over the reference.
	body = `{"eventType":"company.created","payload":{"id":"own","referenceCompany":{"id":"ref"}}}`
	e, err = Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := payloadAs[CompanyPayload](t, e).Company.ID; got != "own" {
		t.Fatalf("Company.ID = %q, want own", got)
	}
}

func TestEventMarshalRoundTrip(t *testing.T) {
	for _, name := range []string{"connection_connected.json", "unknown_event.json", "company_created.json"} {
		t.Run(name, func(t *testing.T) {
			e, err := Decode(fixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(Marshal(e)): %v", err)
			}
			if again.ID != e.ID || again.Type != e.Type || !again.GeneratedDate.Equal(e.GeneratedDate.Time) ||
				!bytes.Equal(compact(t, again.RawPayload), compact(t, e.RawPayload)) || typeName(again.Payload) != typeName(e.Payload) {
				t.Fatalf("round trip changed the event:\n%+v\n%+v", e, again)
			}
		})
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCompanyPayloadMarshal(t *testing.T) {
	p := CompanyPayload{Company: bankfeeds.Company{ID: "c1", Name: "Toft"}, ReferenceCompany: &bankfeeds.CompanyReference{ID: "c1"}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back CompanyPayload
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Company.ID != "c1" || back.Company.Name != "Toft" || back.ReferenceCompany == nil || back.ReferenceCompany.ID != "c1" {
		t.Fatalf("round trip = %+v from %s", back, b)
	}
}

func TestEventNilMethods(t *testing.T) {
	var e *Event
	if e.Known() || e.DataType() != "" {
		t.Fatal("nil Event should be unknown with no data type")
	}
}
