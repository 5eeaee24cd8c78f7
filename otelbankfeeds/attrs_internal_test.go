package otelbankfeeds

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

func TestEndpointOf(t *testing.T) {
	cases := []struct {
		raw  string
		want endpoint
	}{
		{"https://api.codat.io/companies/abc", endpoint{"https://api.codat.io/companies/abc", "api.codat.io", 443}},
		{"http://127.0.0.1:8080/companies", endpoint{"http://127.0.0.1:8080/companies", "127.0.0.1", 8080}},
		{"https://api.codat.io/companies/Checking%200202", endpoint{"https://api.codat.io/companies/Checking%200202", "api.codat.io", 443}},
		// Never in Attempt.URL, and dropped all the same.
		{"https://api.codat.io/companies?page=2&query=x", endpoint{"https://api.codat.io/companies", "api.codat.io", 443}},
		{"https://api.codat.io/companies?", endpoint{"https://api.codat.io/companies", "api.codat.io", 443}},
		{"https://user:secret@api.codat.io/x#frag", endpoint{"https://api.codat.io/x", "api.codat.io", 443}},
		{"https://[::1]:9443/x", endpoint{"https://[::1]:9443/x", "::1", 9443}},
		{"https://api.codat.io:99999/x", endpoint{"https://api.codat.io:99999/x", "api.codat.io", 0}},
		{"ftp://example.com/x", endpoint{"ftp://example.com/x", "example.com", 0}},
		{"/companies", endpoint{}},
		{"//host/companies", endpoint{}},
		{"", endpoint{}},
		{"http://%zz", endpoint{}},
	}
	for _, tc := range cases {
		if got := endpointOf(tc.raw); got != tc.want {
			t.Errorf("endpointOf(%q) = %+v, want %+v", tc.raw, got, tc.want)
		}
	}
}

func TestBoundedValues(t *testing.T) {
	methods := map[string]string{"GET": "GET", "POST": "POST", "PATCH": "PATCH", "": "_OTHER", "get": "_OTHER", "BREW": "_OTHER"}
	for in, want := range methods {
		if got := methodValue(in); got != want {
			t.Errorf("methodValue(%q) = %q, want %q", in, got, want)
		}
	}
	statuses := map[bankfeeds.PushStatus]string{"Pending": "Pending", "Success": "Success", "Failed": "Failed", "TimedOut": "TimedOut",
		"": "", "success": "_OTHER", "Something new": "_OTHER"}
	for in, want := range statuses {
		if got := pushStatusValue(in); got != want {
			t.Errorf("pushStatusValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAttemptErrorType(t *testing.T) {
	cases := []struct {
		a    bankfeeds.Attempt
		want string
	}{
		{bankfeeds.Attempt{Status: 200}, ""},
		{bankfeeds.Attempt{Status: 204}, ""},
		{bankfeeds.Attempt{Status: 304}, ""},
		{bankfeeds.Attempt{Status: 404}, "404"},
		{bankfeeds.Attempt{Status: 429}, "429"},
		{bankfeeds.Attempt{Status: 503}, "503"},
		{bankfeeds.Attempt{Err: errors.New("connection reset")}, "transport"},
		{bankfeeds.Attempt{Err: context.DeadlineExceeded}, "timeout"},
		{bankfeeds.Attempt{Err: fmt.Errorf("dial: %w", context.Canceled)}, "canceled"},
		{bankfeeds.Attempt{}, ""},
	}
	for _, tc := range cases {
		if got := attemptErrorType(&tc.a); got != tc.want {
			t.Errorf("attemptErrorType(status %d, err %v) = %q, want %q", tc.a.Status, tc.a.Err, got, tc.want)
		}
	}
}

func TestPushTracker(t *testing.T) {
	tr := newPushTracker(3)
	tr.sent("a", 10, fixedTime(1))
	tr.sent("a", 99, fixedTime(9)) // a replayed answer keeps the first
	lines, start, ok := tr.settle("a")
	if !ok || lines != 10 || !start.Equal(fixedTime(1)) {
		t.Fatalf("settle(a) = %d, %v, %v; want 10, t1, true", lines, start, ok)
	}
	if _, _, ok := tr.settle("a"); ok {
		t.Error("a key settled twice")
	}
	tr.sent("a", 10, fixedTime(2)) // replayed after settling: still settled
	if _, _, ok := tr.settle("a"); ok {
		t.Error("a replayed answer after settling settled again")
	}
	if _, _, ok := tr.settle("never pushed"); ok {
		t.Error("an unknown key settled")
	}
	for _, k := range []string{"b", "c", "d"} {
		tr.sent(k, 1, fixedTime(3))
	}
	if tr.len() != 3 {
		t.Errorf("tracker holds %d keys, bound 3", tr.len())
	}
	if _, _, ok := tr.settle("d"); !ok {
		t.Error("the newest key was evicted")
	}
	for i := 0; i < 1000; i++ {
		tr.sent(fmt.Sprint("k", i), 1, fixedTime(4))
	}
	if tr.len() != 3 || len(tr.order) != 3 {
		t.Errorf("after 1000 keys: %d entries, %d in order; bound 3", tr.len(), len(tr.order))
	}
}

func fixedTime(sec int64) time.Time { return time.Unix(1_760_000_000+sec, 0) }
