package webhooks

import (
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
)

func TestOperationEnd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		event  *Event
		key    string
		status bankfeeds.PushStatus
		ok     bool
	}{
		{"successful", &Event{Type: EventBankTransactionsWriteSuccessful, Payload: &WritePayload{ID: "op-1"}}, "op-1", bankfeeds.PushStatusSuccess, true},
		{"unsuccessful, no status", &Event{Type: EventBankTransactionsWriteUnsuccessful, Payload: &WritePayload{ID: "op-2"}}, "op-2", bankfeeds.PushStatusFailed, true},
		{"unsuccessful, timed out", &Event{Type: EventBankTransactionsWriteUnsuccessful, Payload: &WritePayload{ID: "op-3", Status: bankfeeds.PushStatusTimedOut}}, "op-3", bankfeeds.PushStatusTimedOut, true},
		{"no key", &Event{Type: EventBankTransactionsWriteSuccessful, Payload: &WritePayload{}}, "", "", false},
		{"another data type", &Event{Type: "bankAccounts.write.successful", Payload: &WritePayload{ID: "op-4"}}, "", "", false},
		{"another event", &Event{Type: EventSourceAccountConnected, Payload: &SourceAccountPayload{}}, "", "", false},
		{"nil", nil, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, status, ok := OperationEnd(tc.event)
			if key != tc.key || status != tc.status || ok != tc.ok {
				t.Errorf("OperationEnd = %q, %q, %v; want %q, %q, %v", key, status, ok, tc.key, tc.status, tc.ok)
			}
		})
	}
}

// End settles a wait already begun and one that begins after it.
func TestOperationsEnd(t *testing.T) {
	o := NewOperations()
	before, stop := o.Subscribe("op-1")
	defer stop()
	o.End("op-1", bankfeeds.PushStatusSuccess)
	after, stop2 := o.Subscribe("op-1")
	defer stop2()
	for _, ch := range []<-chan bankfeeds.PushStatus{before, after} {
		select {
		case s := <-ch:
			if s != bankfeeds.PushStatusSuccess {
				t.Errorf("status %q", s)
			}
		default:
			t.Error("the wait was not settled")
		}
	}
}
