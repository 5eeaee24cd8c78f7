package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bankfeeds-go/bankfeeds"
)

// EventType names a Codat event, such as "bankFeeds.sourceAccount.connected".
// Types this package does not know decode as they are.
type EventType string

// The Bank Feeds event types.
const (
	// EventSourceAccountConnected fires when the user finishes mapping a
	// source account to an account in their software. Payload:
	// [*SourceAccountPayload].
	EventSourceAccountConnected EventType = "bankFeeds.sourceAccount.connected"
	// EventSourceAccountDisconnected fires when a source account's feed is
	// disconnected. Payload: [*SourceAccountPayload].
	EventSourceAccountDisconnected EventType = "bankFeeds.sourceAccount.disconnected"

	// EventBankTransactionsWriteSuccessful fires when a push of bank
	// transactions reached Success. Payload: [*WritePayload].
	EventBankTransactionsWriteSuccessful EventType = "bankTransactions.write.successful"
	// EventBankTransactionsWriteUnsuccessful fires when a push of bank
	// transactions ended Failed or TimedOut. Payload: [*WritePayload].
	EventBankTransactionsWriteUnsuccessful EventType = "bankTransactions.write.unsuccessful"

	// Connection events. Payload: [*ConnectionPayload].
	EventConnectionCreated      EventType = "connection.created"
	EventConnectionConnected    EventType = "connection.connected"
	EventConnectionDisconnected EventType = "connection.disconnected"
	EventConnectionReconnected  EventType = "connection.reconnected"
	EventConnectionFailed       EventType = "connection.failed"
	EventConnectionDeleted      EventType = "connection.deleted"

	// EventRateLimitReached fires when the client's daily quota is used up.
	// Payload: [*RateLimitPayload].
	EventRateLimitReached EventType = "client.rateLimit.reached"
	// EventRateLimitReset fires when the daily quota is reset. Payload:
	// [*RateLimitPayload].
	EventRateLimitReset EventType = "client.rateLimit.reset"

	// Company events. Payload: [*CompanyPayload].
	EventCompanyCreated EventType = "company.created"
	EventCompanyDeleted EventType = "company.deleted"
)

// Suffixes of Codat's "{dataType}.write.*" event types.
const (
	writeSuccessfulSuffix   = ".write.successful"
	writeUnsuccessfulSuffix = ".write.unsuccessful"
)

// Event is one decoded webhook message.
type Event struct {
	// ID is the event's id (the envelope's "id"). It can differ from the
	// delivery's webhook-id, which is in MessageID.
	ID string `json:"id"`
	// Type is the envelope's eventType.
	Type EventType `json:"eventType"`
	// GeneratedDate is when Codat generated the event (UTC).
	GeneratedDate bankfeeds.DateTime `json:"generatedDate"`
	// Payload is the typed payload: *SourceAccountPayload, *WritePayload,
	// *ConnectionPayload, *RateLimitPayload or *CompanyPayload, or nil for an
	// event type this package does not know. Use a type switch.
	Payload any `json:"-"`
	// RawPayload is the payload's JSON exactly as received, for every event
	// type, known or not.
	RawPayload json.RawMessage `json:"payload,omitempty"`
	// MessageID is the delivery's webhook-id header, the same on every retry
	// of the message. The Handler sets it; Decode leaves it empty.
	MessageID string `json:"-"`
}

// Known reports whether the event's type is one this package decodes into a
// typed Payload.
func (e *Event) Known() bool { return e != nil && e.Payload != nil }

// DataType returns the data type of a "{dataType}.write.successful" or
// "{dataType}.write.unsuccessful" event, such as "bankTransactions", or "".
func (e *Event) DataType() string {
	if e == nil {
		return ""
	}
	if dt, ok := writeDataType(e.Type); ok {
		return dt
	}
	return ""
}

// SourceAccountPayload is the payload of bankFeeds.sourceAccount.connected
// and .disconnected.
type SourceAccountPayload struct {
	// ReferenceCompany is the company the source account belongs to.
	ReferenceCompany *bankfeeds.CompanyReference `json:"referenceCompany,omitempty"`
	// CompanyID is the company's id.
	//
	// Deprecated: Codat still sends it; use ReferenceCompany.ID.
	CompanyID string `json:"companyId,omitempty"`
	// ConnectionID is the bank-feeds data connection's id.
	ConnectionID string `json:"connectionId,omitempty"`
	// SourceAccount is the account, in version 1 or version 2 shape (one
	// struct holds both).
	SourceAccount bankfeeds.SourceAccount `json:"sourceAccount"`
}

// UnmarshalJSON reads the payload, and also the "bankAccount" name the
// payload used for the account before 2025-01-10.
func (p *SourceAccountPayload) UnmarshalJSON(b []byte) error {
	type plain SourceAccountPayload
	var v struct {
		plain
		SourceAccount *bankfeeds.SourceAccount `json:"sourceAccount"`
		BankAccount   *bankfeeds.SourceAccount `json:"bankAccount"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = SourceAccountPayload(v.plain)
	switch {
	case v.SourceAccount != nil:
		p.SourceAccount = *v.SourceAccount
	case v.BankAccount != nil:
		p.SourceAccount = *v.BankAccount
	}
	return nil
}

// WriteType is the kind of write a push operation did.
type WriteType string

// Write types.
const (
	WriteCreate           WriteType = "Create"
	WriteUpdate           WriteType = "Update"
	WriteDelete           WriteType = "Delete"
	WriteUploadAttachment WriteType = "UploadAttachment"
)

// WritePayload is the payload of bankTransactions.write.successful and
// .unsuccessful (and of Codat's other "{dataType}.write.*" events, such as
// bankAccounts.write.successful; see [Event.DataType]). Unsuccessful covers
// both Failed and TimedOut.
type WritePayload struct {
	// ID is the push operation's key, as returned by the push.
	ID string `json:"id"`
	// Type is the kind of write: Create, Update, Delete or UploadAttachment.
	Type WriteType `json:"type,omitempty"`
	// ReferenceCompany is the company written to.
	ReferenceCompany *bankfeeds.CompanyReference `json:"referenceCompany,omitempty"`
	// ConnectionID is the data connection written through.
	ConnectionID string `json:"connectionId,omitempty"`
	// RequestedOnDate is when the push was requested.
	RequestedOnDate bankfeeds.DateTime `json:"requestedOnDate"`
	// CompletedOnDate is when the push finished, if it did.
	CompletedOnDate *bankfeeds.DateTime `json:"completedOnDate,omitempty"`
	// Status is the push operation's status.
	Status bankfeeds.PushStatus `json:"status"`
	// Record is the record written, when there is one.
	Record *WriteRecord `json:"record,omitempty"`
	// AttachmentID is the uploaded attachment's id, for UploadAttachment.
	AttachmentID *string `json:"attachmentId,omitempty"`
}

// WriteRecord names the record a write created, updated or deleted.
type WriteRecord struct {
	ID string `json:"id"`
}

// ConnectionPayload is the payload of the connection.* events.
type ConnectionPayload struct {
	// ReferenceCompany is the company the connection belongs to.
	ReferenceCompany *bankfeeds.CompanyReference `json:"referenceCompany,omitempty"`
	// Connection is the data connection as it is after the change.
	Connection bankfeeds.Connection `json:"connection"`
}

// RateLimitPayload is the payload of client.rateLimit.reached and .reset.
type RateLimitPayload struct {
	// DailyQuota is the number of requests allowed per day.
	DailyQuota int `json:"dailyQuota"`
	// QuotaRemaining is the number of requests left today.
	QuotaRemaining int `json:"quotaRemaining"`
	// ExpiryDate is when the daily quota resets (UTC). Codat's own example
	// holds an invalid time; such text is kept in ExpiryDate.Raw().
	ExpiryDate bankfeeds.DateTime `json:"expiryDate"`
}

// CompanyPayload is the payload of company.created and company.deleted: the
// company as Codat describes it. If the payload holds only a
// referenceCompany, its id, name, description and tags fill Company.
type CompanyPayload struct {
	// Company is the company.
	Company bankfeeds.Company
	// ReferenceCompany is the payload's referenceCompany, when it has one.
	ReferenceCompany *bankfeeds.CompanyReference
}

// UnmarshalJSON reads a company payload.
func (p *CompanyPayload) UnmarshalJSON(b []byte) error {
	var c bankfeeds.Company
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	var ref struct {
		ReferenceCompany *bankfeeds.CompanyReference `json:"referenceCompany"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		return err
	}
	if r := ref.ReferenceCompany; r != nil && c.ID == "" {
		c.ID, c.Name, c.Description = r.ID, r.Name, r.Description
		if c.Tags == nil {
			c.Tags = r.Tags
		}
	}
	*p = CompanyPayload{Company: c, ReferenceCompany: ref.ReferenceCompany}
	return nil
}

// MarshalJSON writes the company, with referenceCompany when there is one.
func (p CompanyPayload) MarshalJSON() ([]byte, error) {
	type withRef struct {
		bankfeeds.Company
		ReferenceCompany *bankfeeds.CompanyReference `json:"referenceCompany,omitempty"`
	}
	return json.Marshal(withRef{Company: p.Company, ReferenceCompany: p.ReferenceCompany})
}

// envelope is the wire form of every event.
type envelope struct {
	ID            string             `json:"id"`
	EventType     EventType          `json:"eventType"`
	GeneratedDate bankfeeds.DateTime `json:"generatedDate"`
	Payload       json.RawMessage    `json:"payload"`
}

// Decode reads a webhook body: the envelope {id, eventType, generatedDate,
// payload} and, for a known event type, its typed payload. Unknown event
// types are not an error: they give an Event with a nil Payload and the raw
// JSON in RawPayload. Unknown fields are ignored, and dates Codat writes in a
// form that cannot be read keep their text (see [bankfeeds.DateTime]).
//
// It fails with an error matching [ErrInvalidEvent] when the body is not a
// JSON object or a known type's payload has the wrong shape (such as a string
// where an object belongs). Decode does not verify the signature: use a
// [Verifier] or the [Handler] first.
func Decode(body []byte) (*Event, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: the body is not a JSON object", ErrInvalidEvent)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidEvent, jsonProblem(err))
	}
	e := &Event{
		ID:            env.ID,
		Type:          env.EventType,
		GeneratedDate: env.GeneratedDate,
		RawPayload:    env.Payload,
	}
	p := newPayload(env.EventType)
	if p == nil {
		return e, nil
	}
	if len(env.Payload) > 0 {
		if err := json.Unmarshal(env.Payload, p); err != nil {
			return nil, fmt.Errorf("%w: %s payload: %s", ErrInvalidEvent, env.EventType, jsonProblem(err))
		}
	}
	e.Payload = p
	return e, nil
}

// newPayload returns a pointer to the payload type of t, or nil when t is not
// known.
func newPayload(t EventType) any {
	switch t {
	case EventSourceAccountConnected, EventSourceAccountDisconnected:
		return new(SourceAccountPayload)
	case EventConnectionCreated, EventConnectionConnected, EventConnectionDisconnected,
		EventConnectionReconnected, EventConnectionFailed, EventConnectionDeleted:
		return new(ConnectionPayload)
	case EventRateLimitReached, EventRateLimitReset:
		return new(RateLimitPayload)
	case EventCompanyCreated, EventCompanyDeleted:
		return new(CompanyPayload)
	}
	if _, ok := writeDataType(t); ok {
		return new(WritePayload)
	}
	return nil
}

// writeDataType splits "{dataType}.write.successful|unsuccessful".
func writeDataType(t EventType) (string, bool) {
	s := string(t)
	for _, suffix := range [...]string{writeSuccessfulSuffix, writeUnsuccessfulSuffix} {
		if dt, ok := strings.CutSuffix(s, suffix); ok && dt != "" && !strings.Contains(dt, ".") {
			return dt, true
		}
	}
	return "", false
}

// jsonProblem describes a decoding error without quoting the input: the
// standard library's messages name types and fields, and syntax errors give
// an offset.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %s: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
		}
		return fmt.Sprintf("want %s, got JSON %s", typ.Type, typ.Value)
	}
	return "malformed value"
}
