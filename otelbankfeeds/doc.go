// Package otelbankfeeds reports every call a bankfeeds.Client makes as
// OpenTelemetry spans and metrics. It is built only on bankfeeds.Hooks, so
// the root package stays free of OpenTelemetry:
//
//	c, err := bankfeeds.NewClient(key, bankfeeds.WithHooks(otelbankfeeds.Hooks()))
//
// # Spans
//
// Each logical call is a span named after the SDK method
// ("Companies.List", "Transactions.PushAll"). A composite call is the
// parent of the calls it makes: PushAll's span holds Connections.Get,
// each chunk's Transactions.Push, Transactions.WaitForOperation (which
// holds its Transactions.GetOperation polls) and any reconcile's
// Transactions.ListOperations. Each HTTP attempt is a child span of its
// call, of kind Client, named "{method} {url.template}" and following the
// HTTP client semantic conventions: http.request.method, url.full (never
// with a query string), url.template, server.address, server.port,
// http.response.status_code, http.request.resend_count (on retries) and
// error.type, plus codat.correlation_id when Codat names one. Call spans
// carry codat.operation, codat.company_id, codat.transactions (a push's
// size) and codat.push_operation_key and codat.push_status when the answer
// names a push operation. A failed call or attempt has status Error.
//
// The trace context of each attempt is sent to Codat in its headers by the
// configured propagator (traceparent with the W3C propagator). A request
// net/http sends again by itself, after a reused connection closed before
// the answer (bankfeeds.Attempt.Resent), is an attempt span of its own and
// carries that span's traceparent.
//
// # Metrics
//
// All metric attributes are bounded: operation names, path templates,
// methods, statuses and error types, never an id.
//
//	bankfeeds.client.requests             counter, one per HTTP attempt, by operation, method, template, status and error.type
//	bankfeeds.client.retries              counter, attempts after the first, by operation, method and template
//	bankfeeds.client.rate_limited         counter, 429 answers, by operation
//	bankfeeds.client.rate_limit.remaining gauge, X-Rate-Limit-Remaining of the latest answer, by server.address
//	http.client.request.duration          histogram (s), each attempt, by the semantic conventions' attributes and operation
//	bankfeeds.client.call.duration        histogram (s), each logical call, by operation and error.type
//	bankfeeds.push.duration               histogram (s), from a push to its operation's final status, by codat.push_status
//	bankfeeds.push.transactions           counter, transactions whose push operation reached Success
//
// A push is timed from the start of the Transactions.Push call that was
// answered with the push operation's key to the end of the call that first
// saw the operation final (the push answer itself, GetOperation, or
// WaitForOperation), so PushAll records one value a chunk. A chunk PushAll
// adopted by reconciling after a 5xx was never answered with its key, so it
// is not timed; its transactions are still counted when PushAll ends.
//
// Nothing recorded holds the API key, an Authorization header or a query
// string: the hooks never see them.
package otelbankfeeds
