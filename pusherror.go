package bankfeeds

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrPushTimedOut says a push operation ended TimedOut. Codat may still
// write what it had passed on, so PushAll never resends such a chunk: check
// the account, then push what did not land.
var ErrPushTimedOut = errors.New("bankfeeds: push operation timed out")

// ErrPushFailed says a push operation ended Failed; nothing of it was
// written. PushError.Messages says why.
var ErrPushFailed = errors.New("bankfeeds: push operation failed")

// ErrPushUnsettled says PushAll could not learn whether a chunk it sent
// landed, and so neither reports it pushed nor sends it again: several of
// the connection's push operations hold exactly its ids (another writer
// pushes the same ids to another account of the connection, which Codat's
// records cannot tell apart), or the operations since it was sent are more
// than PushAll searches. PushError.InFlight names the chunk: check the
// account, then resume.
var ErrPushUnsettled = errors.New("bankfeeds: cannot tell whether the chunk landed")

// InFlight is a chunk of a push that Codat may hold: sent, and not known to
// have landed or failed. PushError carries it whenever that is so, and
// PushAll settles it first when given it back (PushAllOptions.InFlight or
// Resume): it waits for the chunk's push operation, or resends the chunk
// under the same Idempotency-Key while Codat still replays that key, or
// past that window (or when it cannot tell, by the server's clock) looks
// for an operation holding exactly this chunk first, and sends it again,
// under the same key, only when none does. It is never simply resent, so a
// resume cannot write it twice.
//
// It marshals to JSON as it is, so a process can keep it across a restart.
// It holds no secret.
type InFlight struct {
	CompanyID    string `json:"companyId"`
	ConnectionID string `json:"connectionId"`
	AccountID    string `json:"accountId"`
	// Transactions is the chunk exactly as it was sent, in order.
	Transactions []BankTransaction `json:"transactions"`
	// BodyHash is the SHA-256 (hex) of the body sent; a resend under the
	// same key must send the same bytes.
	BodyHash string `json:"bodyHash"`
	// IdempotencyKey is the key of the latest attempt.
	IdempotencyKey string `json:"idempotencyKey"`
	// PushOperationKey is the chunk's push operation, once Codat answered.
	PushOperationKey string `json:"pushOperationKey,omitempty"`
	// KeySentAt is when the first attempt under IdempotencyKey was sent, by
	// the sending machine's clock: Codat replays a key's answer for 90
	// minutes from then.
	KeySentAt time.Time `json:"keySentAt"`
	// FirstSentAt is when the first attempt at this chunk, under any key,
	// was sent, by the sending machine's clock.
	FirstSentAt time.Time `json:"firstSentAt"`
	// Since is a lower bound of the server's clock at FirstSentAt, when an
	// answer's Date header had told it: no push operation requested before it
	// can hold this chunk. Without it, PushAll takes FirstSentAt less
	// PushAllOptions.ClockTolerance.
	Since time.Time `json:"since,omitzero"`
	// KeySince is a lower bound of the server's clock at KeySentAt, when
	// known: whether Codat still replays the key is decided by it and the
	// server's time now, never by two machines' clocks. Without it,
	// PushAll takes KeySentAt less PushAllOptions.ClockTolerance.
	KeySince time.Time `json:"keySince,omitzero"`
}

// PushError says which chunk of a PushAll failed and hands back what it
// needs to resume: pass it to TransactionsService.Resume. It marshals to
// JSON and reads back (MarshalJSON, UnmarshalJSON), so a process can keep
// it across a restart and resume from what it read.
type PushError struct {
	CompanyID, ConnectionID, AccountID string

	Chunk     int            // 0-based index of the chunk that failed; -1 for the InFlight chunk given back
	Operation *PushOperation // its push operation, when there is one
	Messages  []string       // Codat's validation messages and error message
	// InFlight is the chunk when Codat may hold it (it was sent and did not
	// end Failed): resume with it, never by sending Remaining afresh.
	InFlight *InFlight
	// Remaining is every transaction not known to have landed, sorted, from
	// the failed chunk on (so it starts with InFlight's transactions when
	// InFlight is set).
	Remaining []BankTransaction
	// Pushed is how many transactions this call wrote before the failure.
	Pushed int
	// HighWaterMark is the date of the newest transaction known to have
	// landed in the account (the call's NotBefore when none did).
	HighWaterMark DateTime
	// Err is the cause: ErrPushFailed, ErrPushTimedOut, ErrPushUnsettled, an
	// *APIError, a *TransportError, the context's error, ... A PushError
	// kept as JSON and read back keeps the cause's text and what errors.Is
	// tells of it, not its type.
	Err error
}

// Error returns one line naming the chunk, the operation and the cause.
func (e *PushError) Error() string {
	var b strings.Builder
	if e.Chunk < 0 {
		b.WriteString("bankfeeds: settling the chunk in flight failed")
	} else {
		fmt.Fprintf(&b, "bankfeeds: push of chunk %d failed", e.Chunk)
	}
	switch {
	case e.Operation != nil && e.Operation.Status != "":
		fmt.Fprintf(&b, " (push operation %s, %s)", e.Operation.PushOperationKey, e.Operation.Status)
	case e.Operation != nil:
		fmt.Fprintf(&b, " (push operation %s)", e.Operation.PushOperationKey)
	case e.InFlight != nil && e.InFlight.PushOperationKey != "":
		fmt.Fprintf(&b, " (push operation %s)", e.InFlight.PushOperationKey)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	for i, m := range e.Messages {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Messages)-3)
			break
		}
		b.WriteString("; ")
		b.WriteString(m)
	}
	fmt.Fprintf(&b, " (%d pushed, %d remaining", e.Pushed, len(e.Remaining))
	if e.InFlight != nil {
		fmt.Fprintf(&b, ", %d in flight: resume with Resume", len(e.InFlight.Transactions))
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap returns the cause.
func (e *PushError) Unwrap() error { return e.Err }

func opMessages(op *PushOperation) []string {
	if op == nil {
		return nil
	}
	var msgs []string
	if op.ErrorMessage != nil && *op.ErrorMessage != "" {
		msgs = append(msgs, *op.ErrorMessage)
	}
	if op.Validation != nil {
		for _, v := range op.Validation.Errors {
			msgs = append(msgs, v.String())
		}
	}
	return msgs
}
