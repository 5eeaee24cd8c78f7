package webhooks

import "errors"

// Errors from verification and decoding. Match them with errors.Is; the
// returned error may wrap one with more detail. No error quotes the secret,
// a signature or the body.
var (
	// ErrMissingHeaders: webhook-id, webhook-timestamp or webhook-signature
	// (or their svix- names) is missing or empty.
	ErrMissingHeaders = errors.New("webhooks: missing webhook-id, webhook-timestamp or webhook-signature header")
	// ErrInvalidTimestamp: webhook-timestamp is not a whole number of unix
	// seconds.
	ErrInvalidTimestamp = errors.New("webhooks: webhook-timestamp is not unix seconds")
	// ErrTimestampTooOld: webhook-timestamp is further in the past than the
	// tolerance allows (a replay, or a clock far behind).
	ErrTimestampTooOld = errors.New("webhooks: webhook-timestamp too old")
	// ErrTimestampTooNew: webhook-timestamp is further in the future than the
	// tolerance allows.
	ErrTimestampTooNew = errors.New("webhooks: webhook-timestamp too far in the future")
	// ErrNoMatchingSignature: no "v1," signature in webhook-signature matches
	// the message under the secret.
	ErrNoMatchingSignature = errors.New("webhooks: no matching signature")
	// ErrBodyTooLarge: the body is larger than the cap (see
	// [WithMaxBodyBytes]).
	ErrBodyTooLarge = errors.New("webhooks: body too large")
	// ErrInvalidSecret: the secret is empty or not base64 after its
	// "whsec_" prefix.
	ErrInvalidSecret = errors.New("webhooks: invalid secret: want whsec_ followed by base64")
	// ErrInvalidEvent: the body is not a JSON object, or the payload of a
	// known event type does not have that type's shape.
	ErrInvalidEvent = errors.New("webhooks: invalid event")
)
