package webhooks

import (
	"context"
	"sync"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// operationMemory is how long Operations remembers an ended operation
// whose event came before anyone waited for it.
const operationMemory = 2 * time.Hour

// Operations turns Codat's bankTransactions.write.successful and
// .unsuccessful events into the ends of push operations that
// bankfeeds.WaitForOperation and PushAll wait for
// (bankfeeds.WaitOptions.Events), so a chunk is settled without polling.
// Feed it every event, from a Handler's function or your own:
//
//	ops := webhooks.NewOperations()
//	h, _ := webhooks.NewHandler(secret, ops.Handle)
//	... PushAll(ctx, ..., &bankfeeds.PushAllOptions{Wait: &bankfeeds.WaitOptions{Events: ops}})
//
// An event that arrives before the wait begins is kept for two hours. It is
// safe for concurrent use.
type Operations struct {
	mu    sync.Mutex
	waits map[string][]chan bankfeeds.PushStatus
	ended map[string]ended
	seen  int // events since the last sweep of ended
	now   func() time.Time
}

type ended struct {
	status bankfeeds.PushStatus
	at     time.Time
}

// NewOperations returns an empty Operations.
func NewOperations() *Operations {
	return &Operations{waits: map[string][]chan bankfeeds.PushStatus{}, ended: map[string]ended{}, now: time.Now}
}

// Handle takes one event; events other than bankTransactions.write.* are
// ignored. Its signature fits NewHandler, and it never fails.
func (o *Operations) Handle(_ context.Context, e *Event) error {
	if key, status, ok := OperationEnd(e); ok {
		o.End(key, status)
	}
	return nil
}

// OperationEnd reads the push operation a bankTransactions.write.successful
// or .unsuccessful event ends, and its final status (Failed for an
// unsuccessful event that does not say which); ok is false for any other
// event.
func OperationEnd(e *Event) (pushOperationKey string, status bankfeeds.PushStatus, ok bool) {
	if e == nil {
		return "", "", false
	}
	p, isWrite := e.Payload.(*WritePayload)
	if !isWrite || p.ID == "" || e.DataType() != "bankTransactions" {
		return "", "", false
	}
	status = p.Status
	if !status.Final() {
		if e.Type == EventBankTransactionsWriteSuccessful {
			status = bankfeeds.PushStatusSuccess
		} else {
			status = bankfeeds.PushStatusFailed // unsuccessful: Failed or TimedOut; the wait reads which
		}
	}
	return p.ID, status, true
}

// End records that a push operation ended with status, as its event does:
// for a relay that hears of events another process received.
func (o *Operations) End(pushOperationKey string, status bankfeeds.PushStatus) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if o.seen++; o.seen >= 1024 { // forget the old now and then: memory follows the rate of events
		o.seen = 0
		for k, v := range o.ended {
			if now.Sub(v.at) > operationMemory {
				delete(o.ended, k)
			}
		}
	}
	o.ended[pushOperationKey] = ended{status: status, at: now}
	for _, ch := range o.waits[pushOperationKey] {
		select {
		case ch <- status:
		default:
		}
	}
}

// Subscribe implements bankfeeds.OperationEvents.
func (o *Operations) Subscribe(pushOperationKey string) (<-chan bankfeeds.PushStatus, func()) {
	ch := make(chan bankfeeds.PushStatus, 1)
	o.mu.Lock()
	if e, ok := o.ended[pushOperationKey]; ok {
		ch <- e.status
	}
	o.waits[pushOperationKey] = append(o.waits[pushOperationKey], ch)
	o.mu.Unlock()
	return ch, func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		list := o.waits[pushOperationKey]
		for i, c := range list {
			if c == ch {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(o.waits, pushOperationKey)
		} else {
			o.waits[pushOperationKey] = list
		}
	}
}
