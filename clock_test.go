package bankfeeds_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// dying is a process's transport that dies (ends the process's context)
// as soon as a push's answer is a 5xx, or, with lose, at the first push's
// answer, which it loses: nothing after that answer is done by this
// process.
type dying struct {
	cancel context.CancelFunc
	lose   bool
}

func (d *dying) RoundTrip(req *http.Request) (*http.Response, error) {
	push := req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/bankTransactions")
	resp, err := http.DefaultTransport.RoundTrip(req)
	switch {
	case push && d.lose && err == nil:
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d.cancel()
		return nil, context.Canceled
	case push && err == nil && resp.StatusCode >= 500:
		d.cancel()
	}
	return resp, err
}

// process is one process of a fleet: a Client of its own, which knows
// nothing of the server's clock until it has had an answer.
func process(t *testing.T, srv *bankfeedstest.Server, rt http.RoundTripper) *bankfeeds.Client {
	t.Helper()
	hc := &http.Client{Transport: rt}
	if rt == nil {
		hc = http.DefaultClient
	}
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithHTTPClient(hc),
		bankfeeds.WithRetryWait(time.Millisecond, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// crash pushes want with a process that dies at its first push's answer:
// a 5xx as faults make it, or with no faults, an answer lost after Codat
// committed the push. It returns what that process kept: the InFlight
// BeforeSend was last given (kept through JSON), and the *PushError.
func crash(t *testing.T, f *feed, opts bankfeeds.PushAllOptions, faults bankfeedstest.Faults, want []bankfeeds.BankTransaction) (*bankfeeds.InFlight, *bankfeeds.PushError) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sender := process(t, f.srv, &dying{cancel: cancel, lose: faults == (bankfeedstest.Faults{})})
	var mu sync.Mutex
	var kept []byte
	opts.BeforeSend = func(fl *bankfeeds.InFlight) error {
		b, err := json.Marshal(fl)
		mu.Lock()
		kept = b
		mu.Unlock()
		return err
	}
	f.srv.SetFaults(faults)
	_, err := sender.Transactions.PushAll(ctx, f.company, f.connection, "acc-1", want, &opts)
	f.srv.SetFaults(bankfeedstest.Faults{})
	var pe *bankfeeds.PushError
	if !errors.As(err, &pe) || pe.InFlight == nil {
		t.Fatalf("the sender must die with its chunk in flight: %v", err)
	}
	var fl bankfeeds.InFlight
	if err := json.Unmarshal(kept, &fl); err != nil {
		t.Fatal(err)
	}
	// Let the committed operation end before anyone's clock moves on: an
	// operation is stamped with the sandbox's clock when it ends.
	for {
		ops := f.srv.PushOperations(f.company)
		if len(ops) != 1 {
			t.Fatalf("%d push operations before the resume, want the one committed", len(ops))
		}
		if ops[0].Status.Final() {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return &fl, pe
}

// resumeWith resumes, on client c, from perr until nothing is left, and
// returns how many lines it reported pushed.
func resumeWith(t *testing.T, c *bankfeeds.Client, perr *bankfeeds.PushError, opts *bankfeeds.PushAllOptions) int {
	t.Helper()
	pushed := 0
	for tries := 0; ; tries++ {
		res, err := c.Transactions.Resume(context.Background(), perr, opts)
		if res != nil {
			pushed += res.Pushed
		}
		if err == nil {
			return pushed
		}
		if !errors.As(err, &perr) || tries == 20 {
			t.Fatalf("cannot resume from %v", err)
		}
	}
}

// A process pushes a chunk as its first request (nothing read before, so
// it knows nothing of the server's clock); Codat commits it, answers 500
// and caches that 500 under the key; the process dies. Another process,
// whose clock is behind the server's (and the dead process's), resumes
// with what was kept: it must find the committed operation, never send
// the chunk under a new key. The dead process's clock is on time; the
// server's moves on by the skew after the crash.
func TestResumeOnASlowerClockFindsTheCommittedChunk(t *testing.T) {
	for _, skew := range []time.Duration{0, 5 * time.Second, 4 * time.Minute} {
		for _, keptBy := range []string{"BeforeSend", "PushError"} {
			t.Run(skew.String()+"/"+keptBy, func(t *testing.T) {
				f := newFeed(t, bankfeeds.PlatformXero, "acc-1")
				want := lines("t", 25)
				opts := bankfeeds.PushAllOptions{BatchSize: 10, PushOptions: bankfeeds.PushOptions{Platform: f.platform},
					Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
				fl, pe := crash(t, f, opts, bankfeedstest.Faults{Seed: 1, ServerErrorAfter: 1, Paths: "/bankTransactions"}, want)
				if keptBy == "PushError" {
					fl = pe.InFlight
				}
				if skew > 0 {
					if _, err := f.srv.Advance(skew); err != nil {
						t.Fatal(err)
					}
				}
				resumer := process(t, f.srv, nil)
				perr := &bankfeeds.PushError{CompanyID: f.company, ConnectionID: f.connection, AccountID: "acc-1", InFlight: fl, Remaining: want}
				if pushed := resumeWith(t, resumer, perr, &opts); pushed != len(want) {
					t.Errorf("reported %d pushed, want %d", pushed, len(want))
				}
				f.landedExactlyOnce(t, "acc-1", want)
				if n := f.successOps(); n != 3 {
					t.Errorf("%d successful push operations, want one a chunk (3)", n)
				}
			})
		}
	}
}

// Whether Codat still replays a key is decided by the server's clock, not
// by the resuming machine's against the sender's: a process that knows
// the server's time (it read the connection first) pushes a chunk whose
// answer is lost after Codat committed it, and dies. The resume comes 95
// minutes later by the server's clock (Codat has forgotten the key),
// though only moments later by the resuming machine's; resending under
// the forgotten key would land the chunk twice.
func TestResumeJudgesTheReplayWindowByTheServersClock(t *testing.T) {
	for _, resumerKnows := range []bool{false, true} {
		name := "resumer knows no server time"
		if resumerKnows {
			name = "resumer knows the server time"
		}
		t.Run(name, func(t *testing.T) {
			f := newFeed(t, bankfeeds.PlatformXero, "acc-1")
			want := lines("t", 25)
			opts := bankfeeds.PushAllOptions{BatchSize: 10,
				Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
			fl, _ := crash(t, f, opts, bankfeedstest.Faults{}, want)
			if fl.KeySince.IsZero() || fl.Since.IsZero() {
				t.Fatalf("the sender knew the server's time, the kept InFlight must say so: %+v", fl)
			}
			if _, err := f.srv.Advance(95 * time.Minute); err != nil {
				t.Fatal(err)
			}
			resumer := process(t, f.srv, nil)
			if resumerKnows {
				if _, err := resumer.Connections.Get(context.Background(), f.company, f.connection); err != nil {
					t.Fatal(err)
				}
			}
			opts.Platform = f.platform
			perr := &bankfeeds.PushError{CompanyID: f.company, ConnectionID: f.connection, AccountID: "acc-1", InFlight: fl, Remaining: want}
			if pushed := resumeWith(t, resumer, perr, &opts); pushed != len(want) {
				t.Errorf("reported %d pushed, want %d", pushed, len(want))
			}
			f.landedExactlyOnce(t, "acc-1", want)
			if n := f.successOps(); n != 3 {
				t.Errorf("%d successful push operations, want one a chunk (3)", n)
			}
		})
	}
}
