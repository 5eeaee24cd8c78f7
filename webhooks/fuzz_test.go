package webhooks

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verifyErrors are all the errors Verify may return.
var verifyErrors = []error{ErrMissingHeaders, ErrInvalidTimestamp, ErrTimestampTooOld,
	ErrTimestampTooNew, ErrNoMatchingSignature, ErrBodyTooLarge}

// FuzzVerify feeds arbitrary headers and bodies to the verifier. It checks
// that nothing panics, that every failure is one of the documented errors
// and quotes neither secret nor signature, that a success implies the header
// holds the real signature, and that Sign's output always verifies.
func FuzzVerify(f *testing.F) {
	f.Add(vecID, vecTS, vecSig, []byte(vecBody))
	f.Add(vecID, vecTS, "v1,AAAA v1,"+strings.TrimPrefix(vecSig, "v1,"), []byte(vecBody))
	f.Add(vecID, vecTS, "v2,abc", []byte(vecBody))
	f.Add("", "", "", []byte{})
	f.Add("msg_1", "-1", "v1,", []byte("{}"))
	f.Add("msg.1.2", "99999999999999999999", "v1,,,,", []byte("\x00\xff"))
	f.Add("msg_1", "9223372036854775807", "  v1,x  v1,y ", []byte(`{"a":1}`))
	for _, name := range fixtureNames(f) {
		f.Add("msg_fixture", vecTS, vecSig, fixture(f, name))
	}

	v := mustVerifier(f, vecSecret, WithClock(vecClock), WithMaxBodyBytes(1<<16))
	key := strings.TrimPrefix(vecSecret, secretPrefix)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := headers(id, ts, sig)
		err := v.Verify(h, body)
		if err == nil {
			want, serr := Sign(vecSecret, id, time.Unix(mustParse(t, ts), 0), body)
			if serr != nil {
				t.Fatal(serr)
			}
			if !containsField(sig, want) {
				t.Fatalf("Verify accepted a header without the real signature: %q", sig)
			}
		} else {
			if !isOneOf(err, verifyErrors) {
				t.Fatalf("undocumented error %v", err)
			}
			if strings.Contains(err.Error(), key) {
				t.Fatalf("error %q quotes the secret", err)
			}
			// The message must not depend on the signature: another
			// signature that fails too gives the very same text.
			if strings.TrimSpace(sig) != "" {
				alt := v.Verify(headers(id, ts, "v1,AAAA"), body)
				if alt == nil || alt.Error() != err.Error() {
					t.Fatalf("error depends on the signature: %q vs %v", err, alt)
				}
			}
		}

		// Sign's output verifies for any id and body under the cap.
		if id == "" || int64(len(body)) > v.maxBody {
			return
		}
		good, serr := Sign(vecSecret, id, vecTime, body)
		if serr != nil {
			t.Fatal(serr)
		}
		if err := v.Verify(headers(id, vecTS, good), body); err != nil {
			t.Fatalf("Verify(Sign(...)) = %v", err)
		}
		// And one of the other fuzzed signatures beside it does not hurt.
		if err := v.Verify(headers(id, vecTS, sig+" "+good), body); err != nil {
			t.Fatalf("Verify(fuzzed + good signature) = %v", err)
		}
	})
}

func containsField(header, want string) bool {
	for _, f := range strings.Fields(header) {
		if f == want {
			return true
		}
	}
	return false
}

func isOneOf(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func mustParse(t *testing.T, ts string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("Verify accepted timestamp %q that does not parse: %v", ts, err)
	}
	return n
}

// fixtureNames lists testdata/events.
func fixtureNames(tb testing.TB) []string {
	tb.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "events"))
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		tb.Fatal("no fixtures")
	}
	return names
}

// FuzzDecode feeds arbitrary bodies to Decode. It checks that nothing
// panics, that failures are ErrInvalidEvent, that a success has a typed
// payload exactly when the type is known, and that a decoded event survives
// a round trip through json.Marshal.
func FuzzDecode(f *testing.F) {
	for _, name := range fixtureNames(f) {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"eventType":"bankAccounts.write.unsuccessful","payload":{"status":"Failed"}}`))
	f.Add([]byte(`{"eventType":"company.deleted","payload":{"referenceCompany":{"id":"c"}}}`))
	f.Add([]byte(`{"eventType":"bankFeeds.sourceAccount.connected","payload":{"bankAccount":{"id":"a","balance":"1.5"}}}`))
	f.Add([]byte(`{"eventType":"x","payload":null}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"payload":[[[[[]]]]]}`))
	f.Add([]byte(`{"generatedDate":"2024-09-01T23:59:99Z"}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := Decode(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("Decode error %v does not match ErrInvalidEvent", err)
			}
			if e != nil {
				t.Fatal("Decode returned an event with an error")
			}
			return
		}
		if e == nil {
			t.Fatal("Decode returned nil, nil")
		}
		if known := newPayload(e.Type) != nil; known != (e.Payload != nil) {
			t.Fatalf("type %q: Payload %T, known %v", e.Type, e.Payload, known)
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("Marshal(decoded event): %v", err)
		}
		again, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(Marshal(e)) = %v for %s", err, b)
		}
		if again.ID != e.ID || again.Type != e.Type || typeName(again.Payload) != typeName(e.Payload) {
			t.Fatalf("round trip changed the event: %+v vs %+v", e, again)
		}
		// The end of a push operation, as the feed engine reads it: only
		// from a bankTransactions write, with a key and a final status.
		if key, status, ok := OperationEnd(e); ok {
			if _, isWrite := e.Payload.(*WritePayload); !isWrite || key == "" || !status.Final() || e.DataType() != "bankTransactions" {
				t.Fatalf("OperationEnd(%+v) = %q, %q", e, key, status)
			}
		}
	})
}
