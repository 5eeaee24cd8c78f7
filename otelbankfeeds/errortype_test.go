package otelbankfeeds_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/otelbankfeeds"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestErrorType(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"api 404", &bankfeeds.APIError{StatusCode: 404}, "404"},
		{"api 429 wrapped", fmt.Errorf("listing: %w", &bankfeeds.APIError{StatusCode: 429}), "429"},
		{"api without status", &bankfeeds.APIError{}, "_OTHER"},
		{"validation", &bankfeeds.ValidationError{Field: "companyId"}, "validation"},
		{"deadline", context.DeadlineExceeded, "timeout"},
		{"canceled in transport", &bankfeeds.TransportError{Method: "GET", Path: "/companies", Err: context.Canceled}, "canceled"},
		{"net timeout", &bankfeeds.TransportError{Err: timeoutErr{}}, "timeout"},
		{"transport", &bankfeeds.TransportError{Err: errors.New("connection reset by peer")}, "transport"},
		{"invalid response", fmt.Errorf("x: %w", bankfeeds.ErrInvalidResponse), "invalid_response"},
		{"too large", fmt.Errorf("x: %w", bankfeeds.ErrResponseTooLarge), "response_too_large"},
		{"push failed", &bankfeeds.PushError{Err: bankfeeds.ErrPushFailed}, "push_failed"},
		{"push timed out", &bankfeeds.PushError{Err: bankfeeds.ErrPushTimedOut}, "push_timed_out"},
		{"push unsettled", &bankfeeds.PushError{Err: fmt.Errorf("%w: two candidates", bankfeeds.ErrPushUnsettled)}, "push_unsettled"},
		{"push error of a 500", &bankfeeds.PushError{Err: &bankfeeds.APIError{StatusCode: 500}}, "500"},
		{"anything else", errors.New("boom"), "_OTHER"},
	}
	for _, tc := range cases {
		if got := otelbankfeeds.ErrorType(tc.err); got != tc.want {
			t.Errorf("%s: ErrorType = %q, want %q", tc.name, got, tc.want)
		}
	}
}
