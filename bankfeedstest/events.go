package bankfeedstest

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"time"

	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// The events the sandbox sends, made while Server.mu is held at the moment
// the change happens, and the delivery log the console shows.

// Event types the sandbox sends (see the webhooks package for them all).
const (
	eventSourceAccountConnected    = string(webhooks.EventSourceAccountConnected)
	eventSourceAccountDisconnected = string(webhooks.EventSourceAccountDisconnected)
	eventConnectionCreated         = string(webhooks.EventConnectionCreated)
	eventConnectionConnected       = string(webhooks.EventConnectionConnected)
	eventConnectionDisconnected    = string(webhooks.EventConnectionDisconnected)
	eventConnectionDeleted         = string(webhooks.EventConnectionDeleted)
)

// webhookLogMax bounds the delivery log; the oldest records go first.
const webhookLogMax = 2000

// maxAnswerKept bounds the part of a receiver's answer the log keeps.
const maxAnswerKept = 200

// WebhookDelivery is one event in the delivery log, as the console shows it.
type WebhookDelivery struct {
	// MessageID is the webhook-id, EventType the envelope's eventType, and
	// Generated its generatedDate (the sandbox clock).
	MessageID, EventType string
	Generated            time.Time
	// Body is the event's JSON, exactly as sent.
	Body []byte
	// Attempts are the deliveries tried so far, oldest first (retries,
	// duplicates and redeliveries included).
	Attempts []WebhookAttempt
	// State is "queued", "delivered" or "failed".
	State string
}

// WebhookAttempt is one try at delivering an event.
type WebhookAttempt struct {
	// At is the real time of the attempt and Took how long the answer took.
	At   time.Time
	Took time.Duration
	// Status is the receiver's HTTP status (0: no answer), Answer the start
	// of its body, and Err why there was no answer.
	Status int
	Answer string
	Err    string
}

type webhookAttempt = WebhookAttempt

// webhookRecord is a log entry; guarded by webhookState.mu.
type webhookRecord struct {
	WebhookDelivery
}

// logLocked records a queued event (once: a redelivery reuses its record).
// Callers hold w.mu.
func (w *webhookState) logLocked(e *webhookEvent) {
	if e.rec != nil {
		e.rec.State = "queued"
		return
	}
	var env struct {
		EventType     string `json:"eventType"`
		GeneratedDate string `json:"generatedDate"`
	}
	_ = json.Unmarshal(e.body, &env) // the sandbox wrote it
	gen, _ := time.Parse(time.RFC3339Nano, env.GeneratedDate)
	e.rec = &webhookRecord{WebhookDelivery{MessageID: e.msgID, EventType: env.EventType, Generated: gen, Body: e.body, State: "queued"}}
	if len(w.log) >= webhookLogMax {
		w.log = append(w.log[:0:0], w.log[len(w.log)-webhookLogMax+1:]...)
	}
	w.log = append(w.log, e.rec)
}

// attempt records an attempt and reports whether it was delivered (2xx).
func (w *webhookState) attempt(e *webhookEvent, a webhookAttempt) bool {
	ok := a.Status >= 200 && a.Status < 300
	w.mu.Lock()
	defer w.mu.Unlock()
	if e.rec != nil {
		e.rec.Attempts = append(e.rec.Attempts, a)
		if ok {
			e.rec.State = "delivered"
		}
	}
	return ok
}

func (w *webhookState) gaveUp(e *webhookEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e.rec != nil && e.rec.State != "delivered" {
		e.rec.State = "failed"
	}
}

// describeSendError says why an attempt got no answer, without the URL
// (which may carry a token in its query).
func describeSendError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer within 5 s"
	case errors.Is(err, context.Canceled):
		return "the sandbox stopped"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "cannot connect: " + op.Op + " " + op.Err.Error()
	}
	return "no answer"
}

// WebhookLog returns the delivery log, oldest first: each event sent since
// a webhook was registered (the last 2000), with its attempts.
func (s *Server) WebhookLog() []WebhookDelivery {
	w := &s.wh
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]WebhookDelivery, len(w.log))
	for i, r := range w.log {
		out[i] = r.WebhookDelivery
		out[i].Attempts = append([]WebhookAttempt(nil), r.Attempts...)
	}
	return out
}

// RedeliverWebhooks sends again, in order and with the same webhook-id and
// body, every logged event generated at or after since (the sandbox
// clock), as Codat's portal resends messages; it returns how many were
// queued. Delivery must be on (SetWebhook).
func (s *Server) RedeliverWebhooks(since time.Time) int {
	w := &s.wh
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.endpoint == "" || w.stopped {
		return 0
	}
	n := 0
	for _, r := range w.log {
		if r.Generated.Before(since) || len(w.queue) >= webhookQueueMax {
			continue
		}
		e := &webhookEvent{msgID: r.MessageID, body: r.Body, rec: r}
		w.queue = append(w.queue, e)
		w.logLocked(e)
		n++
	}
	w.counts.Redelivered += n
	w.wakeLocked()
	return n
}

// emitLocked queues an event when delivery is on. Callers hold Server.mu,
// which keeps the queue in the order the events happened.
func (s *Server) emitLocked(eventType string, payload func() any) {
	if !s.wh.wants(eventType) {
		return
	}
	body, err := json.Marshal(webhookEnvelopeJSON{
		ID:            newUUID(),
		EventType:     eventType,
		GeneratedDate: formatTime(s.now()),
		Payload:       payload(),
	})
	if err != nil {
		return // the payloads are plain data; cannot happen
	}
	s.wh.enqueue(&webhookEvent{msgID: "msg_" + randomHex(16), body: body})
}

// emitSourceAccountLocked sends bankFeeds.sourceAccount.connected or
// .disconnected for a source account that has just changed, in the
// connection's shape.
func (s *Server) emitSourceAccountLocked(eventType string, cn *connection, a *sourceAccount) {
	s.emitLocked(eventType, func() any {
		return sourceAccountWebhookJSON{
			ReferenceCompany: s.companyRef(cn.co),
			CompanyID:        cn.co.id,
			ConnectionID:     cn.id,
			SourceAccount:    accountJSON(cn, a),
		}
	})
}

type connectionWebhookJSON struct {
	ReferenceCompany companyRefJSON `json:"referenceCompany"`
	Connection       connectionJSON `json:"connection"`
}

// emitConnectionLocked sends a connection.* event with the connection as it
// is now.
func (s *Server) emitConnectionLocked(eventType string, cn *connection, now time.Time) {
	s.recountConnectedLocked() // every change of a connection's status comes here (limits.go)
	s.emitLocked(eventType, func() any {
		q := &request{base: s.cfg.baseURL, now: now}
		return connectionWebhookJSON{ReferenceCompany: s.companyRef(cn.co), Connection: s.connectionJSON(q, cn)}
	})
}

// emitWriteLocked sends {dataType}.write.successful or .unsuccessful
// (Failed and TimedOut) for a push operation that has just completed:
// bankTransactions or bankAccounts.
func (s *Server) emitWriteLocked(op *pushOp) {
	if op.status == pushPending {
		return
	}
	eventType := op.dataType + ".write.unsuccessful"
	if op.status == pushSuccess {
		eventType = op.dataType + ".write.successful"
	}
	s.emitLocked(eventType, func() any {
		out := writeWebhookJSON{
			ID:               op.key,
			Type:             "Create",
			ReferenceCompany: s.companyRef(op.co),
			ConnectionID:     op.conn.id,
			RequestedOnDate:  formatTime(op.requested),
			Status:           op.status,
		}
		if !op.completed.IsZero() {
			out.CompletedOnDate = formatTime(op.completed)
		}
		return out
	})
}
