package bankfeedstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/internal/contract"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// webhookSpec is the OpenAPI document, or nil when it is not beside the
// module.
var webhookSpec = sync.OnceValue(func() *contract.Spec {
	path := contract.SpecPath()
	if path == "" {
		return nil
	}
	spec, err := contract.Load(path)
	if err != nil {
		return nil
	}
	return spec
})

// classicEvents are the event types the older tests count: the source
// account's connection and the transaction writes.
var classicEvents = []webhooks.EventType{
	webhooks.EventSourceAccountConnected,
	webhooks.EventBankTransactionsWriteSuccessful,
	webhooks.EventBankTransactionsWriteUnsuccessful,
}

// delivery is one webhook request the receiver verified.
type delivery struct {
	msgID  string
	body   []byte
	status int // what the receiver answered
	event  *webhooks.Event
}

// receiver is a webhook endpoint that verifies every delivery with
// webhooks.NewVerifier and records it. answer picks the status of the n-th
// request (0-based); nil answers 200.
type receiver struct {
	URL    string
	secret string
	srv    *httptest.Server

	mu       sync.Mutex
	got      []delivery
	problems []string
	answer   func(n int) int
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	t.Helper()
	r := &receiver{secret: webhooks.NewSecret(), answer: answer}
	v, err := webhooks.NewVerifier(r.secret)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		problem := func(p string) {
			r.mu.Lock()
			r.problems = append(r.problems, p)
			r.mu.Unlock()
			w.WriteHeader(http.StatusBadRequest)
		}
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			problem("method " + req.Method + ", Content-Type " + req.Header.Get("Content-Type"))
			return
		}
		body, err := v.VerifyRequest(req)
		if err != nil {
			problem("verify: " + err.Error())
			return
		}
		e, err := webhooks.Decode(body)
		if err != nil {
			problem("decode: " + err.Error())
			return
		}
		if spec := webhookSpec(); spec != nil {
			// Events the document describes must match it; write events
			// live in Codat's Platform document, not this one.
			if err := spec.ValidateWebhook(string(e.Type), body); err != nil && !errors.Is(err, contract.ErrUnknownWebhook) {
				problem(err.Error())
				return
			}
		}
		r.mu.Lock()
		status := http.StatusOK
		if r.answer != nil {
			status = r.answer(len(r.got))
		}
		r.got = append(r.got, delivery{msgID: req.Header.Get("webhook-id"), body: body, status: status, event: e})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	r.URL = r.srv.URL + "/codat/webhooks"
	t.Cleanup(r.srv.Close)
	return r
}

// all returns every delivery so far, and fails the test on any request
// that did not verify.
func (r *receiver) all(t *testing.T) []delivery {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) > 0 {
		t.Fatalf("bad deliveries: %q", r.problems)
	}
	return append([]delivery(nil), r.got...)
}

// events returns the events the receiver accepted, each message once, in
// the order they first arrived.
func (r *receiver) events(t *testing.T) []*webhooks.Event {
	t.Helper()
	seen := map[string]bool{}
	var out []*webhooks.Event
	for _, d := range r.all(t) {
		if d.status/100 != 2 || seen[d.msgID] {
			continue
		}
		seen[d.msgID] = true
		e := d.event
		e.MessageID = d.msgID
		out = append(out, e)
	}
	return out
}

// waitEvents waits until the receiver accepted at least n events.
func (r *receiver) waitEvents(t *testing.T, n int) []*webhooks.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs := r.events(t)
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events after 5s, want %d: %v", len(evs), n, types(evs))
		}
		time.Sleep(time.Millisecond)
	}
}

// idle waits until the sandbox has nothing left to deliver and has finished
// with at least n events.
func idle(t *testing.T, srv *bankfeedstest.Server, n int) bankfeedstest.WebhookCounts {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := srv.WebhookCounts()
		if c.Pending == 0 && c.Delivered+c.Failed >= n {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook delivery not idle after 5s: %+v, want %d events", c, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func types(evs []*webhooks.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Type)
		switch p := e.Payload.(type) {
		case *webhooks.SourceAccountPayload:
			out[i] += " " + p.SourceAccount.ID
		case *webhooks.WritePayload:
			out[i] += " " + string(p.Status)
		}
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// wantConnected checks a bankFeeds.sourceAccount.connected event against
// the source account as the API lists it.
func wantConnected(t *testing.T, srv *bankfeedstest.Server, e *webhooks.Event, co *bankfeeds.Company, conn *bankfeeds.Connection, accountID string) {
	t.Helper()
	if e.Type != webhooks.EventSourceAccountConnected {
		t.Fatalf("event %s, want %s for %s", e.Type, webhooks.EventSourceAccountConnected, accountID)
	}
	p, ok := e.Payload.(*webhooks.SourceAccountPayload)
	if !ok {
		t.Fatalf("payload %T, want *webhooks.SourceAccountPayload", e.Payload)
	}
	if p.ReferenceCompany == nil || p.ReferenceCompany.ID != co.ID || p.ReferenceCompany.Name != co.Name ||
		p.ReferenceCompany.Links == nil || p.ReferenceCompany.Links.Portal != srv.URL+"/link/companies/"+co.ID {
		t.Errorf("referenceCompany %+v, want company %s %q", p.ReferenceCompany, co.ID, co.Name)
	}
	if p.ConnectionID != conn.ID {
		t.Errorf("connectionId %q, want %q", p.ConnectionID, conn.ID)
	}
	if p.SourceAccount.ID != accountID || p.SourceAccount.Status != bankfeeds.SourceAccountConnected || p.SourceAccount.FeedStartDate == nil {
		t.Errorf("sourceAccount %+v, want %s connected with a feed start date", p.SourceAccount, accountID)
	}
	// The account is in the connection's shape: the same JSON the API
	// answers (which the contract test checks against the document).
	var raw struct {
		CompanyID     string         `json:"companyId"` // deprecated, still sent
		SourceAccount map[string]any `json:"sourceAccount"`
	}
	if err := json.Unmarshal(e.RawPayload, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.CompanyID != co.ID {
		t.Errorf("companyId %q, want %q", raw.CompanyID, co.ID)
	}
	_, body := getOK(t, srv, "/companies/"+co.ID+"/connections/"+conn.ID+"/connectionInfo/bankFeedAccounts")
	var listed []map[string]any
	if err := json.Unmarshal(body, &listed); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	for _, a := range listed {
		if a["id"] == accountID {
			if !reflect.DeepEqual(a, raw.SourceAccount) {
				t.Errorf("sourceAccount\n %v\nwant what the API lists\n %v", raw.SourceAccount, a)
			}
			return
		}
	}
	t.Errorf("the API does not list %s", accountID)
}

// getOK is a GET with the sandbox's API key that must answer 200.
func getOK(t *testing.T, srv *bankfeedstest.Server, path string) (*http.Response, []byte) {
	t.Helper()
	resp, body := raw(t, srv, http.MethodGet, path, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return resp, body
}

// wantWrite checks a bankTransactions.write.* event against the push
// operation as the API answers it.
func wantWrite(t *testing.T, c *bankfeeds.Client, e *webhooks.Event, want webhooks.EventType, co *bankfeeds.Company, conn *bankfeeds.Connection, key string) {
	t.Helper()
	if e.Type != want {
		t.Fatalf("event %s, want %s for push %s", e.Type, want, key)
	}
	p, ok := e.Payload.(*webhooks.WritePayload)
	if !ok {
		t.Fatalf("payload %T, want *webhooks.WritePayload", e.Payload)
	}
	op, err := c.Transactions.GetOperation(t.Context(), co.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != key || p.Type != webhooks.WriteCreate || p.ConnectionID != conn.ID || p.Status != op.Status ||
		p.ReferenceCompany == nil || p.ReferenceCompany.ID != co.ID || e.DataType() != "bankTransactions" {
		t.Errorf("payload %+v, want push %s (%s) on connection %s", p, key, op.Status, conn.ID)
	}
	if !p.RequestedOnDate.Equal(op.RequestedOnUTC.Time) || p.CompletedOnDate == nil || op.CompletedOnUTC == nil ||
		!p.CompletedOnDate.Equal(op.CompletedOnUTC.Time) {
		t.Errorf("requested %v completed %v, want %v %v", p.RequestedOnDate, p.CompletedOnDate, op.RequestedOnUTC, op.CompletedOnUTC)
	}
}

// TestWebhookJourney follows a whole journey by webhooks alone: the
// accounts connected on two connections (version 2 and version 1 shapes),
// a good push and one that fails validation. No request is made while it
// waits: the sandbox completes the pushes on its own.
func TestWebhookJourney(t *testing.T) {
	srv, c := sandbox(t, bankfeedstest.WithPushDelay(5*time.Millisecond))
	rcv := newReceiver(t, nil)
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	coX, connX := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("x-1", "GBP"), v2Account("x-2", "GBP"))
	coQ := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Test hcws", Description: "webhooks"}))
	connQ := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, coQ.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, coQ.ID, connQ.ID, bankfeeds.SourceAccount{
		ID: "q-1", AccountName: "Checking", AccountType: "Debit", AccountNumber: "12345678", Currency: "USD", Balance: dec("10.00"),
	})) // "Debit" is not a version 2 type: the connection is version 1
	if err := srv.CompleteLink(coQ.ID, connQ.ID); err != nil {
		t.Fatal(err)
	}

	now := time.Now().UTC()
	good := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, coQ.ID, connQ.ID, "q-1", []bankfeeds.BankTransaction{
		txn("t-1", now.Add(-3*time.Hour), "5.00", "15.00"),
		txn("t-2", now.Add(-2*time.Hour), "-1.00", "14.00"),
	}, nil))
	rcv.waitEvents(t, 4) // 3 connected, then the push
	// Older than the newest transaction QBO holds: Failed when it completes.
	bad := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, coQ.ID, connQ.ID, "q-1", []bankfeeds.BankTransaction{
		txn("t-0", now.Add(-4*time.Hour), "1.00", "15.00"),
	}, nil))
	evs := rcv.waitEvents(t, 5)
	if len(evs) != 5 {
		t.Fatalf("events %v, want 5", types(evs))
	}

	wantConnected(t, srv, evs[0], coX, connX, "x-1")
	wantConnected(t, srv, evs[1], coX, connX, "x-2")
	wantConnected(t, srv, evs[2], coQ, connQ, "q-1")
	if p := evs[2].Payload.(*webhooks.SourceAccountPayload); p.ReferenceCompany.Description == nil || *p.ReferenceCompany.Description != "webhooks" {
		t.Errorf("referenceCompany.description %v, want \"webhooks\"", p.ReferenceCompany.Description)
	}
	if strings.Contains(string(evs[2].RawPayload), "routingInfo") || !strings.Contains(string(evs[0].RawPayload), "routingInfo") {
		t.Errorf("want a version 2 account for Xero and version 1 for QBO:\n%s\n%s", evs[0].RawPayload, evs[2].RawPayload)
	}
	wantWrite(t, c, evs[3], webhooks.EventBankTransactionsWriteSuccessful, coQ, connQ, good.PushOperationKey)
	wantWrite(t, c, evs[4], webhooks.EventBankTransactionsWriteUnsuccessful, coQ, connQ, bad.PushOperationKey)
	if p := evs[4].Payload.(*webhooks.WritePayload); p.Status != bankfeeds.PushStatusFailed {
		t.Errorf("unsuccessful push status %s, want Failed", p.Status)
	}

	ids := map[string]bool{}
	for _, e := range evs {
		if !uuidRE.MatchString(e.ID) || !strings.HasPrefix(e.MessageID, "msg_") || ids[e.ID] || ids[e.MessageID] {
			t.Errorf("event id %q, webhook-id %q: want a fresh UUID and a distinct msg_ id", e.ID, e.MessageID)
		}
		ids[e.ID], ids[e.MessageID] = true, true
		if e.GeneratedDate.IsZero() || e.GeneratedDate.After(time.Now().Add(time.Second)) {
			t.Errorf("generatedDate %v", e.GeneratedDate)
		}
	}
	got := idle(t, srv, 5)
	if want := (bankfeedstest.WebhookCounts{Delivered: 5}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	if n := len(rcv.all(t)); n != 5 {
		t.Errorf("%d requests, want 5 (no retries, no duplicates)", n)
	}
}

// TestWebhookConnectedByLinkPageAndMappingAPI: the hosted link page sends
// connected at once; a mapping made through the API sends it when the
// mapping completes, not while it is "connecting".
func TestWebhookConnectedByLinkPageAndMappingAPI(t *testing.T) {
	srv, c := sandbox(t, bankfeedstest.WithPushDelay(100*time.Millisecond))
	rcv := newReceiver(t, nil)
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Link page"}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero))
	for _, id := range []string{"p-1", "p-2"} {
		must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, conn.ID, v2Account(id, "GBP")))
	}

	// The user ticks p-1 only on the link page.
	if st, html := page(t, http.MethodPost, conn.LinkURL, map[string][]string{"account": {"p-1"}}); st != http.StatusOK {
		t.Fatalf("link page: %d %s", st, html)
	}
	evs := rcv.waitEvents(t, 1)
	wantConnected(t, srv, evs[0], co, conn, "p-1")

	res := must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "p-2"}))
	if res.Status == nil || *res.Status != "connecting" {
		t.Fatalf("mapping status %v, want connecting", res.Status)
	}
	if n := len(rcv.events(t)); n != 1 {
		t.Fatalf("%d events while the mapping is connecting, want 1", n)
	}
	evs = rcv.waitEvents(t, 2) // no request: the sandbox completes the mapping itself
	wantConnected(t, srv, evs[1], co, conn, "p-2")
	if got := idle(t, srv, 2); got.Delivered != 2 {
		t.Errorf("counts %+v, want 2 delivered", got)
	}
}

// TestWebhookRetries: the receiver answers 500 twice; the third attempt
// carries the same message and lands.
func TestWebhookRetries(t *testing.T) {
	srv, c := sandbox(t)
	rcv := newReceiver(t, func(n int) int {
		if n < 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent // any 2xx counts
	})
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("r-1", "GBP"))
	rcv.waitEvents(t, 1)
	got := idle(t, srv, 1)
	if want := (bankfeedstest.WebhookCounts{Delivered: 1, Retries: 2}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	all := rcv.all(t)
	if len(all) != 3 {
		t.Fatalf("%d attempts, want 3", len(all))
	}
	for _, d := range all[1:] {
		if d.msgID != all[0].msgID || !bytes.Equal(d.body, all[0].body) {
			t.Errorf("retry %q %s differs from the first attempt %q %s", d.msgID, d.body, all[0].msgID, all[0].body)
		}
	}
	if all[0].status != 500 || all[1].status != 500 || all[2].status != 204 {
		t.Errorf("answers %d %d %d", all[0].status, all[1].status, all[2].status)
	}
}

// TestWebhookGivesUpAndMovesOn: an event the endpoint refuses five times is
// given up; the next one is still delivered, in order.
func TestWebhookGivesUpAndMovesOn(t *testing.T) {
	srv, c := sandbox(t)
	var mu sync.Mutex
	refuse := true
	rcv := newReceiver(t, func(int) int {
		mu.Lock()
		defer mu.Unlock()
		if refuse {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("g-1", "GBP"))
	if got := idle(t, srv, 1); got.Failed != 1 || got.Retries != 4 || got.Delivered != 0 {
		t.Fatalf("counts %+v, want 1 failed after 4 retries", got)
	}
	mu.Lock()
	refuse = false
	mu.Unlock()
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("g-2", "GBP"))
	evs := rcv.waitEvents(t, 1)
	if p, ok := evs[0].Payload.(*webhooks.SourceAccountPayload); !ok || p.SourceAccount.ID != "g-2" {
		t.Fatalf("accepted %v, want only g-2's event", types(evs))
	}
	if n := len(rcv.all(t)); n != 6 {
		t.Errorf("%d requests, want 5 attempts for g-1 and 1 for g-2", n)
	}
}

// duplicateRun connects n accounts under faults that strike no API request
// and returns, for each event in order, how many times it arrived.
func duplicateRun(t *testing.T, n int, f *bankfeedstest.Faults) []int {
	t.Helper()
	srv, c := sandbox(t)
	if f != nil {
		srv.SetFaults(*f)
	}
	rcv := newReceiver(t, nil)
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	accts := make([]bankfeeds.SourceAccount, n)
	for i := range accts {
		accts[i] = v2Account("d-"+string(rune('a'+i)), "GBP")
	}
	linked(t, srv, c, bankfeeds.PlatformXero, accts...)
	counts := idle(t, srv, n)
	all := rcv.all(t)
	var order []string
	times := map[string]int{}
	bodies := map[string][]byte{}
	for _, d := range all {
		if times[d.msgID] == 0 {
			order = append(order, d.msgID)
			bodies[d.msgID] = d.body
		} else if !bytes.Equal(bodies[d.msgID], d.body) {
			t.Errorf("duplicate of %s has another body", d.msgID)
		}
		times[d.msgID]++
	}
	if len(order) != n {
		t.Fatalf("%d messages, want %d", len(order), n)
	}
	out := make([]int, n)
	extra := 0
	for i, id := range order {
		out[i] = times[id]
		extra += times[id] - 1
	}
	if counts.Duplicates != extra || counts.Delivered != n {
		t.Errorf("counts %+v; the receiver saw %d duplicates of %d events", counts, extra, n)
	}
	if fc := srv.FaultCounts(); fc.Total() != 0 {
		t.Errorf("API faults %+v, want none", fc)
	}
	return out
}

// TestWebhookDuplicatesUnderFaults: with faults on, some events arrive
// twice with the same webhook-id; which ones depends on the seed only. The
// faults' Paths matches no request, so only webhooks are struck.
func TestWebhookDuplicatesUnderFaults(t *testing.T) {
	const n = 16
	f := &bankfeedstest.Faults{Seed: 42, ServerErrorBefore: 0.5, Paths: "/no-such-path"}
	first := duplicateRun(t, n, f)
	again := duplicateRun(t, n, f)
	dups := 0
	for _, k := range first {
		if k > 2 {
			t.Fatalf("an event arrived %d times, want at most 2: %v", k, first)
		}
		dups += k - 1
	}
	if dups == 0 || dups == n {
		t.Fatalf("duplicates %v: want some events duplicated, not all", first)
	}
	if !reflect.DeepEqual(first, again) {
		t.Errorf("same seed, other duplicates:\n%v\n%v", first, again)
	}
	other := *f
	other.Seed = 43
	if third := duplicateRun(t, n, &other); reflect.DeepEqual(first, third) {
		t.Errorf("seeds 42 and 43 duplicate the same events: %v", first)
	}
	if none := duplicateRun(t, n, nil); !reflect.DeepEqual(none, ones(n)) {
		t.Errorf("without faults: %v, want each event once", none)
	}
	// WebhookDuplicate alone duplicates webhooks and strikes no request.
	all := duplicateRun(t, n, &bankfeedstest.Faults{Seed: 42, WebhookDuplicate: 1})
	for i, k := range all {
		if k != 2 {
			t.Errorf("WebhookDuplicate 1: event %d arrived %d times, want 2", i, k)
		}
	}
}

func ones(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

// TestWebhookHandlerAbsorbsDuplicates: webhooks.NewHandler, as a service
// runs it, calls its function once per event although the sandbox sends
// duplicates.
func TestWebhookHandlerAbsorbsDuplicates(t *testing.T) {
	srv, c := sandbox(t)
	srv.SetFaults(bankfeedstest.Faults{Seed: 1, WebhookDuplicate: 1}) // every event twice
	secret := webhooks.NewSecret()
	var mu sync.Mutex
	calls := map[string]int{}
	h, err := webhooks.NewHandler(secret, func(_ context.Context, e *webhooks.Event) error {
		mu.Lock()
		calls[e.MessageID]++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	if err := srv.SetWebhook(hs.URL, secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("h-1", "GBP"), v2Account("h-2", "GBP"))
	got := idle(t, srv, 2)
	if got.Delivered != 2 || got.Duplicates != 2 {
		t.Fatalf("counts %+v, want 2 delivered and 2 duplicates", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 {
		t.Fatalf("the function saw %d messages, want 2: %v", len(calls), calls)
	}
	for id, n := range calls {
		if n != 1 {
			t.Errorf("message %s handled %d times", id, n)
		}
	}
}

// TestWebhookCloseStopsDelivery: Close abandons a delivery in progress,
// sends nothing more and leaves no goroutine behind.
func TestWebhookCloseStopsDelivery(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	var hits sync.Mutex
	n := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Lock()
		n++
		hits.Unlock()
		arrived <- struct{}{}
		select { // hang until the sender gives up
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer rcv.Close()
	defer close(release)

	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(0))
	c := client(t, srv)
	if err := srv.SetWebhook(rcv.URL, webhooks.NewSecret(), classicEvents...); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("c-1", "GBP"), v2Account("c-2", "GBP"))
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return while a delivery hung")
	}
	time.Sleep(50 * time.Millisecond) // a retry would come after 10 ms
	hits.Lock()
	if n != 1 {
		t.Errorf("%d requests, want 1: nothing after Close", n)
	}
	hits.Unlock()
	if got := srv.WebhookCounts(); got.Delivered != 0 || got.Pending != 0 || got.Failed != 0 {
		t.Errorf("counts after Close %+v, want nothing delivered or pending", got)
	}
	if err := srv.SetWebhook(rcv.URL, webhooks.NewSecret(), classicEvents...); err == nil {
		t.Error("SetWebhook after Close: want an error")
	}
	srv.Close() // again: no-op
}

// TestSetWebhookValidation refuses endpoints and secrets that cannot work,
// without quoting the secret.
func TestSetWebhookValidation(t *testing.T) {
	srv := bankfeedstest.NewHandler()
	defer srv.Close()
	good := webhooks.NewSecret()
	for _, u := range []string{
		"ftp://127.0.0.1/hook", "127.0.0.1:9/hook", "/codat/webhooks", "http://", "http:///path",
		"https://user:pw@127.0.0.1/hook", "mailto:ops@example.com", "http://[::1", "javascript:alert(1)",
	} {
		if err := srv.SetWebhook(u, good); err == nil {
			t.Errorf("SetWebhook(%q): want an error", u)
		}
	}
	for _, s := range []string{"", "c2VjcmV0", "whsec_", "whsec_not base64!", "WHSEC_c2VjcmV0"} {
		err := srv.SetWebhook("http://127.0.0.1:9/hook", s)
		if err == nil {
			t.Errorf("secret %q: want an error", s)
			continue
		}
		if len(s) > len("whsec_") && strings.Contains(err.Error(), s) {
			t.Errorf("the error quotes the secret: %v", err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:9/hook", "HTTPS://localhost/codat?x=1", ""} {
		if err := srv.SetWebhook(u, good); err != nil {
			t.Errorf("SetWebhook(%q): %v", u, err)
		}
	}
	if err := srv.SetWebhook("", ""); err != nil {
		t.Errorf("turning delivery off needs no secret: %v", err)
	}
}

// TestSetWebhookOff: an empty endpoint stops delivery; events that happen
// meanwhile are not sent later.
func TestSetWebhookOff(t *testing.T) {
	srv, c := sandbox(t)
	rcv := newReceiver(t, nil)
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("o-1", "GBP"))
	rcv.waitEvents(t, 1)
	if err := srv.SetWebhook("", ""); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("o-2", "GBP"))
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("o-3", "GBP"))
	evs := rcv.waitEvents(t, 2)
	idle(t, srv, 2)
	if got := types(rcv.events(t)); !reflect.DeepEqual(got, []string{
		"bankFeeds.sourceAccount.connected o-1", "bankFeeds.sourceAccount.connected o-3",
	}) || len(evs) != 2 {
		t.Errorf("events %v, want o-1 and o-3 only", got)
	}
}

// TestSetWebhookOffAbandonsRetries: turning delivery off while an event is
// being retried abandons it; it is not counted as failed.
func TestSetWebhookOffAbandonsRetries(t *testing.T) {
	srv, c := sandbox(t)
	rcv := newReceiver(t, func(int) int { return http.StatusBadGateway })
	if err := srv.SetWebhook(rcv.URL, rcv.secret, classicEvents...); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a-1", "GBP"), v2Account("a-2", "GBP"))
	deadline := time.Now().Add(5 * time.Second)
	for len(rcv.all(t)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no delivery")
		}
		time.Sleep(time.Millisecond)
	}
	if err := srv.SetWebhook("", ""); err != nil {
		t.Fatal(err)
	}
	got := idle(t, srv, 0)
	if got.Delivered != 0 || got.Failed != 0 || got.Pending != 0 {
		t.Errorf("counts %+v, want nothing delivered, failed or pending", got)
	}
	for _, d := range rcv.all(t) {
		if p, ok := d.event.Payload.(*webhooks.SourceAccountPayload); !ok || p.SourceAccount.ID != "a-1" {
			t.Errorf("a delivery of %v after delivery was turned off", types([]*webhooks.Event{d.event}))
		}
	}
	if n := len(rcv.all(t)); n >= 5 {
		t.Errorf("%d attempts: the retries went on after delivery was turned off", n)
	}
}

// TestWithWebhook registers the endpoint when the Server is made; a bad
// secret leaves delivery off and is logged without the secret.
func TestWithWebhook(t *testing.T) {
	rcv := newReceiver(t, nil)
	srv, c := sandbox(t, bankfeedstest.WithWebhook(rcv.URL, rcv.secret, classicEvents...))
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("w-1", "GBP"))
	if evs := rcv.waitEvents(t, 1); evs[0].Type != webhooks.EventSourceAccountConnected {
		t.Errorf("event %s", evs[0].Type)
	}

	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	off, c2 := sandbox(t, bankfeedstest.WithWebhook(rcv.URL, "whsec_!!not-base64!!"), bankfeedstest.WithLogger(logger))
	linked(t, off, c2, bankfeeds.PlatformXero, v2Account("w-2", "GBP"))
	time.Sleep(20 * time.Millisecond)
	if n := len(rcv.events(t)); n != 1 {
		t.Errorf("%d events, want only the first server's", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if s := logs.String(); !strings.Contains(s, "webhook delivery is off") || strings.Contains(s, "not-base64") {
		t.Errorf("log %q: want the refusal, without the secret", s)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
