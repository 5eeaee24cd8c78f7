package bankfeeds

import (
	"context"
	"encoding/json"
	"errors"
)

// keptCauses are the causes a PushError keeps by name through JSON, so that
// errors.Is still tells them after a restart.
var keptCauses = []struct {
	name string
	err  error
}{
	{"pushFailed", ErrPushFailed}, {"pushTimedOut", ErrPushTimedOut}, {"pushUnsettled", ErrPushUnsettled},
	{"canceled", context.Canceled}, {"deadlineExceeded", context.DeadlineExceeded},
	{"server", ErrServer}, {"rateLimited", ErrRateLimited}, {"conflict", ErrConflict},
	{"badRequest", ErrBadRequest}, {"unauthorized", ErrUnauthorized}, {"paymentRequired", ErrPaymentRequired},
	{"forbidden", ErrForbidden}, {"notFound", ErrNotFound}, {"unprocessable", ErrUnprocessable},
	{"invalidResponse", ErrInvalidResponse}, {"responseTooLarge", ErrResponseTooLarge},
}

// pushErrorJSON is the kept form of a PushError.
type pushErrorJSON struct {
	CompanyID     string            `json:"companyId"`
	ConnectionID  string            `json:"connectionId"`
	AccountID     string            `json:"accountId"`
	Chunk         int               `json:"chunk"`
	Operation     *PushOperation    `json:"operation,omitempty"`
	Messages      []string          `json:"messages,omitempty"`
	InFlight      *InFlight         `json:"inFlight,omitempty"`
	Remaining     []BankTransaction `json:"remaining"`
	Pushed        int               `json:"pushed"`
	HighWaterMark DateTime          `json:"highWaterMark,omitzero"`
	Error         string            `json:"error"`
	Causes        []string          `json:"causes,omitempty"` // names of keptCauses that errors.Is finds in Err
}

// MarshalJSON keeps everything Resume needs, and the cause as its text and
// the names of the SDK's (and the context's) sentinel errors it wraps.
func (e *PushError) MarshalJSON() ([]byte, error) {
	k := pushErrorJSON{CompanyID: e.CompanyID, ConnectionID: e.ConnectionID, AccountID: e.AccountID, Chunk: e.Chunk,
		Operation: e.Operation, Messages: e.Messages, InFlight: e.InFlight, Remaining: e.Remaining, Pushed: e.Pushed,
		HighWaterMark: e.HighWaterMark}
	if e.Err != nil {
		k.Error = e.Err.Error()
		for _, c := range keptCauses {
			if errors.Is(e.Err, c.err) {
				k.Causes = append(k.Causes, c.name)
			}
		}
	}
	return json.Marshal(&k)
}

// UnmarshalJSON reads what MarshalJSON wrote. Err becomes an error with
// the cause's text that errors.Is matches against the sentinels it wrapped
// (ErrPushFailed, context.Canceled, ...); the cause's own type is not kept.
func (e *PushError) UnmarshalJSON(b []byte) error {
	var k pushErrorJSON
	if err := json.Unmarshal(b, &k); err != nil {
		return err
	}
	*e = PushError{CompanyID: k.CompanyID, ConnectionID: k.ConnectionID, AccountID: k.AccountID, Chunk: k.Chunk,
		Operation: k.Operation, Messages: k.Messages, InFlight: k.InFlight, Remaining: k.Remaining, Pushed: k.Pushed,
		HighWaterMark: k.HighWaterMark}
	if k.Error != "" || len(k.Causes) > 0 {
		kept := &keptError{msg: k.Error}
		for _, name := range k.Causes {
			for _, c := range keptCauses {
				if c.name == name {
					kept.causes = append(kept.causes, c.err)
				}
			}
		}
		e.Err = kept
	}
	return nil
}

// keptError is a PushError's cause read back from JSON.
type keptError struct {
	msg    string
	causes []error
}

func (k *keptError) Error() string { return k.msg }

// Unwrap returns the sentinels the cause wrapped.
func (k *keptError) Unwrap() []error { return k.causes }
