package bankfeedstest

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// Webhooks: the sandbox delivers Codat's bank-feeds events, signed as Codat
// (Svix) signs them, to the endpoint registered with SetWebhook or
// WithWebhook.
//
// Events are made while Server.mu is held, at the moment the change happens,
// and queued in webhookState (its own mutex; the order is always Server.mu,
// then webhookState.mu, never the other way). One goroutine per Server,
// started by the first registration and stopped by Close, completes queued
// work when it comes due (pushes otherwise settle only when a request
// looks) and delivers the queue in order, without holding either mutex
// during network I/O.

// Delivery settings: short, for tests.
const (
	// webhookAttempts is how many times an event is sent before it is given
	// up (the first attempt and four retries).
	webhookAttempts = 5
	// webhookBackoff is the wait before the first retry; it doubles for each
	// further retry (10, 20, 40, 80 ms).
	webhookBackoff = 10 * time.Millisecond
	// webhookTimeout bounds one attempt, answer included.
	webhookTimeout = 5 * time.Second
	// webhookQueueMax bounds the events waiting for delivery; events beyond
	// it are dropped and counted as Failed.
	webhookQueueMax = 10000
)

var errWebhookClosed = errors.New("bankfeedstest: SetWebhook: the server is closed")

// WebhookCounts says what the sandbox's webhook delivery has done since the
// Server started.
type WebhookCounts struct {
	// Delivered counts events the endpoint accepted (any 2xx answer).
	Delivered int
	// Duplicates counts the extra copies sent under faults (see SetWebhook).
	Duplicates int
	// Retries counts attempts made after a failed one.
	Retries int
	// Failed counts events given up after every attempt failed, or dropped
	// because too many were waiting.
	Failed int
	// Pending is the number of events queued or being delivered now.
	Pending int
	// Redelivered counts events queued again by RedeliverWebhooks.
	Redelivered int
}

// WithWebhook registers a webhook endpoint and its secret when the Server is
// made, as SetWebhook does. An endpoint or secret SetWebhook would refuse
// leaves delivery off (and is logged when WithLogger is set); call
// SetWebhook to see the error.
func WithWebhook(endpointURL, secret string, events ...webhooks.EventType) Option {
	return func(c *config) {
		c.webhookURL, c.webhookSecret = endpointURL, secret
		c.webhookEvents = append([]webhooks.EventType(nil), events...)
	}
}

// SetWebhook makes the sandbox deliver webhooks to endpointURL, an absolute
// http or https URL, signed with secret in Codat's "whsec_…" form (as
// webhooks.NewSecret makes; use the same secret with webhooks.NewHandler).
// An empty endpointURL turns delivery off and discards the events not yet
// delivered. It fails when the URL or the secret is not valid, or the
// Server is closed; errors never quote the secret.
//
// Like a Codat consumer it subscribes to event types: events, when given,
// are the types to send; none means every type the sandbox sends, as Codat
// does when each happens:
//
//   - bankFeeds.sourceAccount.connected when a source account becomes
//     connected: through CompleteLink, the hosted link page, or a mapping
//     made through the API (when the mapping completes);
//   - bankFeeds.sourceAccount.disconnected when one becomes disconnected:
//     through the update API, revoked QBO credentials, Disconnect (and the
//     console), or Scenarios.QBODisconnect;
//   - bankTransactions.write.successful when a push of bank transactions
//     ends Success, and bankTransactions.write.unsuccessful when it ends
//     Failed or TimedOut; bankAccounts.write.successful and .unsuccessful
//     for the creation of a target bank account;
//   - connection.created, connection.connected (PendingAuth becomes
//     Linked), connection.disconnected (Linked becomes Unlinked, by the
//     unlink API or when a QBO connection's last account disconnects) and
//     connection.deleted.
//
// Each is a POST of Codat's envelope {id, eventType, generatedDate,
// payload} with Content-Type application/json and the headers webhook-id,
// webhook-timestamp and webhook-signature (see webhooks.Sign). The envelope
// id is the event's; webhook-id is the message's, and stays the same on
// every retry and duplicate. generatedDate follows the sandbox clock
// (WithClock); webhook-timestamp is the real time of each attempt, so that
// receivers checking it against their clock accept it.
//
// Delivery is asynchronous and at least once, in the order the events
// happened: once an endpoint is registered, a goroutine completes push
// operations and mappings when they come due, even when no request
// arrives, and sends each event in turn. A delivery that gets no 2xx answer
// within 5 seconds is retried after 10, 20, 40 and 80 ms, with a fresh
// timestamp and signature; after five attempts the event is given up
// (WebhookCounts.Failed) and the next is sent. Redirects are not followed.
// While SetFaults has any non-zero probability, each delivered event is
// sent a second time, with the same webhook-id, with the probability
// Faults.WebhookDuplicate (when zero: the sum of the other probabilities, at
// most 1), drawn from a generator seeded with Faults.Seed: the same seed and
// the same events give the same duplicates. Events go to the endpoint registered when they are sent.
// Close stops delivery.
func (s *Server) SetWebhook(endpointURL, secret string, events ...webhooks.EventType) error {
	endpointURL = strings.TrimSpace(endpointURL)
	if endpointURL != "" {
		if err := checkWebhookURL(endpointURL); err != nil {
			return err
		}
		if err := checkWebhookSecret(secret); err != nil {
			return err
		}
	}
	w := &s.wh
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return errWebhookClosed
	}
	w.endpoint, w.secret = endpointURL, secret
	w.types = nil
	if len(events) > 0 {
		w.types = make(map[string]bool, len(events))
		for _, t := range events {
			w.types[string(t)] = true
		}
	}
	if endpointURL == "" {
		w.queue = nil
		return nil
	}
	if w.done == nil {
		ctx, cancel := context.WithCancel(context.Background())
		w.kick = make(chan struct{}, 1)
		w.done = make(chan struct{})
		w.cancel = cancel
		go s.webhookLoop(ctx, w.kick, w.done)
	}
	w.wakeLocked() // work may already be due
	return nil
}

// WebhookCounts returns what webhook delivery has done so far.
func (s *Server) WebhookCounts() WebhookCounts {
	w := &s.wh
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.counts
	c.Pending = len(w.queue)
	if w.busy {
		c.Pending++
	}
	return c
}

func checkWebhookURL(raw string) error {
	const prefix = "bankfeedstest: SetWebhook: "
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New(prefix + "the endpoint is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New(prefix + "the endpoint must be an http or https URL")
	}
	if u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return errors.New(prefix + "the endpoint has no host")
	}
	if u.User != nil {
		return errors.New(prefix + "the endpoint must not carry credentials")
	}
	return nil
}

func checkWebhookSecret(secret string) error {
	if !strings.HasPrefix(secret, "whsec_") {
		return errors.New(`bankfeedstest: SetWebhook: the secret must be in the "whsec_…" form (see webhooks.NewSecret)`)
	}
	if _, err := webhooks.Sign(secret, "msg_check", time.Unix(0, 0), nil); err != nil {
		return errors.New("bankfeedstest: SetWebhook: the secret is not valid base64 after \"whsec_\"")
	}
	return nil
}

// applyWebhookOption registers WithWebhook's endpoint, if any, on a new
// Server.
func (s *Server) applyWebhookOption() {
	if s.cfg.webhookURL == "" {
		return
	}
	if err := s.SetWebhook(s.cfg.webhookURL, s.cfg.webhookSecret, s.cfg.webhookEvents...); err != nil && s.cfg.logger != nil {
		s.cfg.logger.Error("bankfeedstest: webhook delivery is off", "error", err.Error())
	}
}

// webhookState is a Server's webhook endpoint, its queue and its counts.
type webhookState struct {
	mu       sync.Mutex
	endpoint string // "": delivery off
	secret   string
	types    map[string]bool // the event types subscribed to; nil: all
	queue    []*webhookEvent
	log      []*webhookRecord // the delivery log (events.go)
	busy     bool             // an event taken from the queue is being delivered
	counts   WebhookCounts
	stopped  bool

	// The delivery goroutine; nil until the first registration.
	kick   chan struct{} // capacity 1: "look again"
	done   chan struct{} // closed when the goroutine ends
	cancel context.CancelFunc

	// Duplicates under faults.
	dupRNG *rand.Rand
	dupP   float64
}

// webhookEvent is one message: its webhook-id, its body, and its record in
// the delivery log (events.go).
type webhookEvent struct {
	msgID string
	body  []byte
	rec   *webhookRecord
}

// wake asks the delivery goroutine, if there is one, to look again. Callers
// may hold Server.mu.
func (w *webhookState) wake() {
	w.mu.Lock()
	w.wakeLocked()
	w.mu.Unlock()
}

func (w *webhookState) wakeLocked() {
	if w.kick == nil {
		return
	}
	select {
	case w.kick <- struct{}{}:
	default: // a wake-up is already waiting
	}
}

func (w *webhookState) enabled() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.endpoint != "" && !w.stopped
}

// wants reports whether delivery is on for events of a type.
func (w *webhookState) wants(eventType string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.endpoint != "" && !w.stopped && (w.types == nil || w.types[eventType])
}

func (w *webhookState) enqueue(e *webhookEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.endpoint == "" || w.stopped {
		return
	}
	if len(w.queue) >= webhookQueueMax {
		w.counts.Failed++
		return
	}
	w.queue = append(w.queue, e)
	w.logLocked(e)
	w.wakeLocked()
}

// take removes the oldest queued event and marks it in delivery; nil when
// there is none.
func (w *webhookState) take() *webhookEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return nil
	}
	e := w.queue[0]
	w.queue[0] = nil
	w.queue = w.queue[1:]
	w.busy = true
	return e
}

// target is where and with what secret to send now; "" when delivery is
// off.
func (w *webhookState) target() (endpoint, secret string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.endpoint, w.secret
}

// setFaults reseeds the duplicate generator; see SetWebhook and
// Faults.WebhookDuplicate.
func (w *webhookState) setFaults(f Faults) {
	p := f.WebhookDuplicate
	if p <= 0 {
		p = 0
		for _, x := range [...]float64{f.ServerErrorBefore, f.RateLimit, f.LostAfterCommit, f.ServerErrorAfter, f.Stall} {
			if x > 0 {
				p += x
			}
		}
	}
	seed := uint64(f.Seed)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dupP = min(p, 1)
	w.dupRNG = rand.New(rand.NewPCG(seed^0x2545f4914f6cdd1d, seed+0x632be59bd9b4e019))
}

// delivered counts a delivered event and reports whether to send a
// duplicate.
func (w *webhookState) delivered() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.counts.Delivered++
	if w.dupP <= 0 || w.dupRNG == nil {
		return false
	}
	return w.dupRNG.Float64() < w.dupP
}

// finish ends the delivery of the event taken last, counting the outcome.
func (w *webhookState) finish(count func(*WebhookCounts)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.busy = false
	if count != nil {
		count(&w.counts)
	}
}

func (w *webhookState) count(f func(*WebhookCounts)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.counts)
}

// stopWebhooks ends delivery for good and waits for the goroutine. Close
// calls it.
func (s *Server) stopWebhooks() {
	w := &s.wh
	w.mu.Lock()
	w.stopped = true
	w.queue = nil
	cancel, done := w.cancel, w.done
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// webhookLoop is the delivery goroutine: it completes due work, delivers
// the queue, then sleeps until the next task is due or something changes.
func (s *Server) webhookLoop(ctx context.Context, kick <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tr := &http.Transport{
		Proxy:                 nil, // straight to the endpoint
		DialContext:           (&net.Dialer{Timeout: webhookTimeout}).DialContext,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   webhookTimeout,
		ResponseHeaderTimeout: webhookTimeout,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{
		Transport:     tr,
		Timeout:       webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		wait, due := s.settleForWebhooks()
		for ctx.Err() == nil {
			e := s.wh.take()
			if e == nil {
				break
			}
			s.wh.finish(s.deliverWebhook(ctx, hc, e))
		}
		var tick <-chan time.Time
		if due {
			timer.Reset(wait)
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-tick:
		}
		timer.Stop()
	}
}

// settleForWebhooks completes the work that has come due, while delivery is
// on, and says how long until the next task is due (false: none queued).
func (s *Server) settleForWebhooks() (time.Duration, bool) {
	if !s.wh.enabled() {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	return s.nextDueLocked()
}

// deliverWebhook sends one event until an attempt succeeds or the attempts
// run out, then maybe a duplicate, and returns how to count the outcome.
func (s *Server) deliverWebhook(ctx context.Context, hc *http.Client, e *webhookEvent) func(*WebhookCounts) {
	for attempt := 0; attempt < webhookAttempts; attempt++ {
		if attempt > 0 {
			if !sleepOrDone(ctx, webhookBackoff<<(attempt-1)) {
				return nil // closed
			}
			s.wh.count(func(c *WebhookCounts) { c.Retries++ })
		}
		endpoint, secret := s.wh.target()
		if endpoint == "" {
			return nil // delivery turned off: the event is discarded
		}
		if !s.wh.attempt(e, postWebhook(ctx, hc, endpoint, secret, e)) {
			continue
		}
		if s.wh.delivered() {
			s.wh.attempt(e, postWebhook(ctx, hc, endpoint, secret, e))
			return func(c *WebhookCounts) { c.Duplicates++ }
		}
		return nil
	}
	if ctx.Err() != nil {
		return nil
	}
	s.wh.gaveUp(e)
	return func(c *WebhookCounts) { c.Failed++ }
}

// postWebhook makes one attempt and says how the endpoint answered.
func postWebhook(ctx context.Context, hc *http.Client, endpoint, secret string, e *webhookEvent) webhookAttempt {
	now := time.Now()
	out := webhookAttempt{At: now}
	sig, err := webhooks.Sign(secret, e.msgID, now, e.body)
	if err != nil {
		out.Err = "the secret cannot sign" // SetWebhook checked it; cannot happen
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(string(e.body)))
	if err != nil {
		out.Err = "the request could not be made"
		return out
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "bankfeedstest-webhooks")
	h.Set("webhook-id", e.msgID)
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", sig)
	resp, err := hc.Do(req)
	out.Took = time.Since(now)
	if err != nil {
		out.Err = describeSendError(err)
		return out
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // also lets the connection be reused
	_ = resp.Body.Close()
	out.Status = resp.StatusCode
	out.Answer = string(answer[:min(len(answer), maxAnswerKept)])
	return out
}

// sleepOrDone waits d; false when ctx ends first.
func sleepOrDone(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// The events' JSON: Codat's envelope and payloads (docs/api-notes.md §2.10; the
// document's SourceAccountWebhook; the Platform API's DataTypeWriteWebhook).

type webhookEnvelopeJSON struct {
	ID            string `json:"id"`
	EventType     string `json:"eventType"`
	GeneratedDate string `json:"generatedDate"`
	Payload       any    `json:"payload"`
}

type companyRefJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description *string           `json:"description,omitempty"`
	Links       *companyLinksJSON `json:"links,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

type companyLinksJSON struct {
	Portal string `json:"portal"`
}

type sourceAccountWebhookJSON struct {
	ReferenceCompany companyRefJSON `json:"referenceCompany"`
	CompanyID        string         `json:"companyId"` // deprecated, still sent
	ConnectionID     string         `json:"connectionId"`
	SourceAccount    any            `json:"sourceAccount"`
}

type writeWebhookJSON struct {
	ID               string         `json:"id"` // the push operation key
	Type             string         `json:"type"`
	ReferenceCompany companyRefJSON `json:"referenceCompany"`
	ConnectionID     string         `json:"connectionId"`
	RequestedOnDate  string         `json:"requestedOnDate"`
	CompletedOnDate  string         `json:"completedOnDate,omitempty"`
	Status           string         `json:"status"`
}

// companyRef is a company as the events name it. The portal link is the
// company's page on the sandbox, when the base URL is known.
func (s *Server) companyRef(co *company) companyRefJSON {
	ref := companyRefJSON{ID: co.id, Name: co.name, Description: co.description}
	if s.cfg.baseURL != "" {
		ref.Links = &companyLinksJSON{Portal: companyRedirect(s.cfg.baseURL, co)}
	}
	if len(co.tags) > 0 {
		ref.Tags = co.tags // marshalled before the lock is released
	}
	return ref
}
