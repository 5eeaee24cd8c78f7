// Package webhooks receives Codat's Bank Feeds webhooks: it checks their
// signatures, decodes them into typed events and hands each one to your code
// once.
//
// Codat delivers webhooks through Svix, following the Standard Webhooks
// scheme. Each delivery carries three headers: webhook-id (the message id,
// the same on every retry), webhook-timestamp (unix seconds) and
// webhook-signature (one or more space-separated "v1,<base64>" signatures).
// The older svix-id, svix-timestamp and svix-signature names are read too.
// The signature is HMAC-SHA256 over id + "." + timestamp + "." + body, keyed
// with the base64-decoded part of the endpoint's secret after "whsec_".
//
// # Receiving webhooks
//
// [NewHandler] returns an [http.Handler] that does everything:
//
//	h, err := webhooks.NewHandler(os.Getenv("CODAT_WEBHOOK_SECRET"),
//	    func(ctx context.Context, e *webhooks.Event) error {
//	        switch p := e.Payload.(type) {
//	        case *webhooks.SourceAccountPayload:
//	            return markConnected(ctx, p.ConnectionID, p.SourceAccount.ID)
//	        case *webhooks.WritePayload:
//	            return recordPush(ctx, p.ID, p.Status)
//	        }
//	        return nil // ignore the rest
//	    })
//	if err != nil { ... }
//	http.Handle("POST /codat/webhooks", h)
//
// The handler answers 200 when your function returns nil or the message was
// already handled, 400 or 401 when the request is malformed or not signed
// with the secret, 405 for methods other than POST, 413 when the body is
// larger than the cap (1 MiB by default), and 500 when your function returns
// an error, so that Codat delivers the message again. Codat waits at most 15
// seconds for an answer: keep the function short, or queue the work.
//
// # Verification only
//
// With your own router or framework, use a [Verifier] and [Decode]:
//
//	v, err := webhooks.NewVerifier(secret)
//	...
//	body, err := v.VerifyRequest(r) // reads at most 1 MiB
//	if err != nil { ... }           // errors.Is(err, webhooks.ErrNoMatchingSignature), ...
//	e, err := webhooks.Decode(body)
//
// Verification uses the raw body bytes exactly as received: never re-encode
// the JSON before checking it. Timestamps more than five minutes away from the
// clock, in either direction, are refused unless [WithTolerance] says
// otherwise. Errors never contain the secret or the signatures.
//
// # Events
//
// [Decode] reads the envelope {id, eventType, generatedDate, payload} and the
// payload of every Bank Feeds event type: source accounts connected or
// disconnected ([SourceAccountPayload]), bank transaction writes
// ([WritePayload]), connection changes ([ConnectionPayload]), rate limits
// ([RateLimitPayload]) and companies ([CompanyPayload]). An event type it does
// not know decodes with a nil Payload and its raw JSON in
// [Event.RawPayload]; it is never an error. Unknown fields are ignored.
//
// # Duplicates
//
// Delivery is at least once. The handler remembers each webhook-id it handled
// successfully in a [DedupStore] (in memory by default, for 48 hours) and
// answers later copies with 200 without calling your function. When your
// function fails, the id is forgotten so that the retry is handled. With
// several instances behind a load balancer, share a store between them
// ([WithDedupStore]).
//
// # Testing
//
// [Sign] produces the signature Codat would send, so tests and the sandbox
// can deliver signed events; [NewSecret] makes a fresh secret.
package webhooks
