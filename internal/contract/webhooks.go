package contract

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrUnknownWebhook says the document describes no webhook of an event type
// (it describes the source-account and rate-limit events; write events live
// in Codat's Platform document).
var ErrUnknownWebhook = errors.New("contract: the document describes no such webhook")

// webhooks compiles the body schema of every webhook in the document.
func (b *builder) webhooks() (map[string]*jsonschema.Schema, error) {
	hooks, _ := b.doc["webhooks"].(map[string]any)
	out := make(map[string]*jsonschema.Schema, len(hooks))
	for _, name := range sortedKeys(hooks) {
		ptr := "/webhooks/" + escapeToken(name) + "/post/requestBody/content/application~1json/schema"
		sch, err := b.compile(ptr)
		if err != nil {
			return nil, fmt.Errorf("contract: webhook %s: %w", name, err)
		}
		out[name] = sch
	}
	return out, nil
}

// ValidateWebhook checks an event's body against the document's webhook of
// that event type, or returns ErrUnknownWebhook.
func (s *Spec) ValidateWebhook(eventType string, body []byte) error {
	sch := s.webhooks[eventType]
	if sch == nil {
		return fmt.Errorf("%w: %q", ErrUnknownWebhook, eventType)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("contract: webhook %s: body is not JSON: %w", eventType, err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("contract: webhook %s: %s", eventType, flatten(err))
	}
	return nil
}
