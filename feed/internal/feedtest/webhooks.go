package feedtest

import (
	"context"
	"net/http/httptest"

	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// Secret is the webhook secret the tests register.
const Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Webhooks serves Codat's events from srv to fn (nil: accept and drop
// them) on a loopback endpoint it registers with srv. With an endpoint
// registered the sandbox completes push operations when they come due,
// as Codat does, rather than when a request next looks. Call the returned
// function to stop.
func Webhooks(srv *bankfeedstest.Server, fn func(ctx context.Context, e *webhooks.Event) error) (func(), error) {
	if fn == nil {
		fn = func(context.Context, *webhooks.Event) error { return nil }
	}
	h, err := webhooks.NewHandler(Secret, fn)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewServer(h)
	if err := srv.SetWebhook(hs.URL, Secret); err != nil {
		hs.Close()
		return nil, err
	}
	return func() { _ = srv.SetWebhook("", ""); hs.Close() }, nil
}
