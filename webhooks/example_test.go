package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// The handler verifies, decodes and deduplicates; the function sees each
// message once. The fixed clock stands in for time.Now.
func ExampleNewHandler() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // from the Codat Portal
	now := time.Date(2025, 6, 2, 10, 21, 8, 0, time.UTC)

	h, err := webhooks.NewHandler(secret, func(ctx context.Context, e *webhooks.Event) error {
		switch p := e.Payload.(type) {
		case *webhooks.WritePayload:
			fmt.Printf("%s: push %s is %s\n", e.Type, p.ID, p.Status)
		case *webhooks.SourceAccountPayload:
			fmt.Printf("%s: account %s\n", e.Type, p.SourceAccount.ID)
		default:
			fmt.Printf("%s: ignored\n", e.Type)
		}
		return nil
	}, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		fmt.Println(err)
		return
	}

	// What Codat sends: a body and three headers.
	body := []byte(`{"id":"e2b5d3c1-7a8f-4e6d-9b0c-1a2b3c4d5e6f","eventType":"bankTransactions.write.successful",` +
		`"generatedDate":"2025-06-02T10:21:07Z","payload":{"id":"7b8a2f0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b",` +
		`"type":"Create","status":"Success","requestedOnDate":"2025-06-02T10:20:00Z"}}`)
	sig, _ := webhooks.Sign(secret, "msg_2xKq", now, body)
	deliver := func(signature string) int {
		r := httptest.NewRequest(http.MethodPost, "/codat/webhooks", strings.NewReader(string(body)))
		r.Header.Set("webhook-id", "msg_2xKq")
		r.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		r.Header.Set("webhook-signature", signature)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	fmt.Println("first delivery:", deliver(sig))
	fmt.Println("retry of the same message:", deliver(sig))
	fmt.Println("forged signature:", deliver("v1,bm90IHRoZSByaWdodCBzaWduYXR1cmUgYXQgYWxsIQ=="))
	// Output:
	// bankTransactions.write.successful: push 7b8a2f0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b is Success
	// first delivery: 200
	// retry of the same message: 200
	// forged signature: 401
}

// Sign computes what Codat puts in webhook-signature; this is the Standard
// Webhooks specification's published example.
func ExampleSign() {
	sig, err := webhooks.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	fmt.Println(sig, err)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= <nil>
}

// With your own router, verify the raw body, then decode it.
func ExampleVerifier_Verify() {
	v, err := webhooks.NewVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		webhooks.WithClock(func() time.Time { return time.Unix(1614265330+30, 0) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	fmt.Println(v.Verify(h, []byte(`{"test": 2432232314}`)))
	err = v.Verify(h, []byte(`{"test": 2432232315}`))
	fmt.Println(errors.Is(err, webhooks.ErrNoMatchingSignature))
	// Output:
	// <nil>
	// true
}

// Decode gives a typed payload for every Bank Feeds event type.
func ExampleDecode() {
	e, err := webhooks.Decode([]byte(`{"id":"ba29118f-5406-4e59-b05c-ba307ca38d01",
		"eventType":"bankFeeds.sourceAccount.connected","generatedDate":"2022-10-23T00:00:00.000Z",
		"payload":{"connectionId":"2e9d2c44-f675-40ba-8049-353bfcb5e171",
		"sourceAccount":{"id":"acc-002","currency":"GBP","balance":99.99,"status":"connected"}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := e.Payload.(*webhooks.SourceAccountPayload)
	fmt.Println(e.Type, p.SourceAccount.ID, p.SourceAccount.Balance, p.SourceAccount.Status)
	// Output: bankFeeds.sourceAccount.connected acc-002 99.99 connected
}
