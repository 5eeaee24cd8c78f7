package bankfeedstest

import (
	"testing"

	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// TestWebhookGoroutineStartsOnRegistration: a Server starts no goroutine
// until a webhook endpoint is registered, and Close ends the one it starts.
func TestWebhookGoroutineStartsOnRegistration(t *testing.T) {
	s := NewHandler()
	if s.wh.done != nil {
		t.Fatal("a delivery goroutine before any registration")
	}
	if err := s.SetWebhook("", ""); err != nil || s.wh.done != nil {
		t.Fatalf("turning delivery off started a goroutine (err %v)", err)
	}
	if err := s.SetWebhook("ftp://127.0.0.1/x", webhooks.NewSecret()); err == nil || s.wh.done != nil {
		t.Fatalf("a refused registration started a goroutine (err %v)", err)
	}
	if err := s.SetWebhook("http://127.0.0.1:9/hook", webhooks.NewSecret()); err != nil {
		t.Fatal(err)
	}
	done := s.wh.done
	if done == nil {
		t.Fatal("no delivery goroutine after registration")
	}
	if err := s.SetWebhook("http://127.0.0.1:9/other", webhooks.NewSecret()); err != nil || s.wh.done != done {
		t.Fatalf("a second registration started another goroutine (err %v)", err)
	}
	s.Close()
	select {
	case <-done:
	default:
		t.Fatal("Close returned with the delivery goroutine running")
	}
}
