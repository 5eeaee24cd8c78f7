package webhooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerifyStandardWebhooksVector(t *testing.T) {
	v := mustVerifier(t, vecSecret, WithClock(vecClock))
	if err := v.Verify(headers(vecID, vecTS, vecSig), []byte(vecBody)); err != nil {
		t.Fatalf("Verify(published vector) = %v, want nil", err)
	}

	// Without the injected clock the vector is years old.
	real := mustVerifier(t, vecSecret)
	if err := real.Verify(headers(vecID, vecTS, vecSig), []byte(vecBody)); !errors.Is(err, ErrTimestampTooOld) {
		t.Fatalf("Verify with the real clock = %v, want ErrTimestampTooOld", err)
	}
}

// TestVerifySingleByteChanges changes every byte of the id, the timestamp, the
// body and the signature header, to every other value, and expects each
// change to be refused.
func TestVerifySingleByteChanges(t *testing.T) {
	v := mustVerifier(t, vecSecret, WithClock(vecClock))
	parts := []struct {
		name  string
		value string
		build func(mutated string) (http.Header, []byte)
	}{
		{"id", vecID, func(m string) (http.Header, []byte) { return headers(m, vecTS, vecSig), []byte(vecBody) }},
		{"timestamp", vecTS, func(m string) (http.Header, []byte) { return headers(vecID, m, vecSig), []byte(vecBody) }},
		{"body", vecBody, func(m string) (http.Header, []byte) { return headers(vecID, vecTS, vecSig), []byte(m) }},
		{"signature", vecSig, func(m string) (http.Header, []byte) { return headers(vecID, vecTS, m), []byte(vecBody) }},
	}
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			checked := 0
			for i := 0; i < len(p.value); i++ {
				for b := 0; b < 256; b++ {
					if byte(b) == p.value[i] {
						continue
					}
					m := []byte(p.value)
					m[i] = byte(b)
					h, body := p.build(string(m))
					if err := v.Verify(h, body); err == nil {
						t.Fatalf("byte %d changed from %q to %q: Verify = nil, want an error", i, p.value[i], byte(b))
					}
					checked++
				}
			}
			if want := len(p.value) * 255; checked != want {
				t.Fatalf("checked %d changes, want %d", checked, want)
			}
		})
	}
}

func TestVerifyRejectsSecondBase64Spelling(t *testing.T) {
	// 32 bytes leave two unused bits in the last base64 character: "1OE=" and
	// "1OF=" decode to the same bytes. Only the canonical text may pass.
	alt := strings.TrimSuffix(vecSig, "E=") + "F="
	a, errA := base64.StdEncoding.DecodeString(strings.TrimPrefix(vecSig, "v1,"))
	b, errB := base64.StdEncoding.DecodeString(strings.TrimPrefix(alt, "v1,"))
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("test premise: the two spellings should decode to the same bytes (%v, %v)", errA, errB)
	}
	v := mustVerifier(t, vecSecret, WithClock(vecClock))
	if err := v.Verify(headers(vecID, vecTS, alt), []byte(vecBody)); !errors.Is(err, ErrNoMatchingSignature) {
		t.Fatalf("Verify(non-canonical base64) = %v, want ErrNoMatchingSignature", err)
	}
}

func TestVerifyKeyRotation(t *testing.T) {
	oldSecret, newSecret, otherSecret := NewSecret(), NewSecret(), NewSecret()
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"e1","eventType":"company.created","payload":{}}`)
	sign := func(secret string) string {
		s, err := Sign(secret, "msg_1", now, body)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	oldSig, newSig, otherSig := sign(oldSecret), sign(newSecret), sign(otherSecret)
	tests := []struct {
		name   string
		secret string
		values []string // webhook-signature header values
		ok     bool
	}{
		{"second of two matches", newSecret, []string{oldSig + " " + newSig}, true},
		{"first of two matches", oldSecret, []string{oldSig + " " + newSig}, true},
		{"neither matches", otherSecret, []string{oldSig + " " + newSig}, false},
		{"third of three", otherSecret, []string{oldSig + " " + newSig + " " + otherSig}, true},
		{"extra spaces", newSecret, []string{"  " + oldSig + "   " + newSig + "  "}, true},
		{"other versions ignored", newSecret, []string{"v2,AAAA v1a," + strings.TrimPrefix(newSig, "v1,") + " " + newSig}, true},
		{"only other versions", newSecret, []string{"v2," + strings.TrimPrefix(newSig, "v1,")}, false},
		{"uppercase version refused", newSecret, []string{"V1," + strings.TrimPrefix(newSig, "v1,")}, false},
		{"no comma", newSecret, []string{"v1" + strings.TrimPrefix(newSig, "v1,")}, false},
		{"two header lines", newSecret, []string{oldSig, newSig}, true},
		{"garbage then match", newSecret, []string{"not-a-signature,, ,v1, " + newSig}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustVerifier(t, tt.secret, WithClock(fixedClock(now)))
			h := headers("msg_1", strconv.FormatInt(now.Unix(), 10), "")
			h.Del(HeaderSignature)
			for _, val := range tt.values {
				h.Add(HeaderSignature, val)
			}
			err := v.Verify(h, body)
			if tt.ok && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrNoMatchingSignature) {
				t.Fatalf("Verify = %v, want ErrNoMatchingSignature", err)
			}
		})
	}
}

func TestVerifyTolerance(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{}`)
	tests := []struct {
		name      string
		offset    time.Duration // timestamp minus now
		tolerance time.Duration // 0: default
		want      error
	}{
		{"now", 0, 0, nil},
		{"exactly 5m old", -5 * time.Minute, 0, nil},
		{"5m1s old", -5*time.Minute - time.Second, 0, ErrTimestampTooOld},
		{"an hour old", -time.Hour, 0, ErrTimestampTooOld},
		{"exactly 5m ahead", 5 * time.Minute, 0, nil},
		{"5m1s ahead", 5*time.Minute + time.Second, 0, ErrTimestampTooNew},
		{"a day ahead", 24 * time.Hour, 0, ErrTimestampTooNew},
		{"6m old, 10m tolerance", -6 * time.Minute, 10 * time.Minute, nil},
		{"6m ahead, 10m tolerance", 6 * time.Minute, 10 * time.Minute, nil},
		{"11m old, 10m tolerance", -11 * time.Minute, 10 * time.Minute, ErrTimestampTooOld},
		{"11m ahead, 10m tolerance", 11 * time.Minute, 10 * time.Minute, ErrTimestampTooNew},
		{"2s old, 1s tolerance", -2 * time.Second, time.Second, ErrTimestampTooOld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []Option{WithClock(fixedClock(now))}
			if tt.tolerance != 0 {
				opts = append(opts, WithTolerance(tt.tolerance))
			}
			v := mustVerifier(t, vecSecret, opts...)
			err := v.Verify(signed(t, vecSecret, "msg_t", now.Add(tt.offset), body), body)
			if tt.want == nil && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyFarTimestamps(t *testing.T) {
	// Timestamps at the ends of int64 must not overflow the age check.
	v := mustVerifier(t, vecSecret, WithClock(vecClock))
	for _, ts := range []string{"0", "1", "9223372036854775807", "9999999999999999999"} {
		err := v.Verify(headers(vecID, ts, vecSig), []byte(vecBody))
		if !errors.Is(err, ErrTimestampTooOld) && !errors.Is(err, ErrTimestampTooNew) && !errors.Is(err, ErrInvalidTimestamp) {
			t.Errorf("timestamp %s: Verify = %v, want a timestamp error", ts, err)
		}
	}
	if err := v.Verify(headers(vecID, "9223372036854775807", vecSig), []byte(vecBody)); !errors.Is(err, ErrTimestampTooNew) {
		t.Errorf("max int64 timestamp: Verify = %v, want ErrTimestampTooNew", err)
	}
}

func TestVerifySvixHeaderNames(t *testing.T) {
	v := mustVerifier(t, vecSecret, WithClock(vecClock))
	tests := []struct {
		name string
		set  map[string]string
		want error
	}{
		{"svix names", map[string]string{HeaderSvixID: vecID, HeaderSvixTimestamp: vecTS, HeaderSvixSignature: vecSig}, nil},
		{"webhook names", map[string]string{HeaderID: vecID, HeaderTimestamp: vecTS, HeaderSignature: vecSig}, nil},
		{"mixed names", map[string]string{HeaderID: vecID, HeaderSvixTimestamp: vecTS, HeaderSvixSignature: vecSig}, nil},
		{"canonical case", map[string]string{"Svix-Id": vecID, "Svix-Timestamp": vecTS, "Svix-Signature": vecSig}, nil},
		{"webhook- wins over svix-", map[string]string{HeaderID: vecID, HeaderSvixID: "msg_other", HeaderTimestamp: vecTS, HeaderSignature: vecSig}, nil},
		{"svix id wrong, webhook right", map[string]string{HeaderID: "msg_other", HeaderSvixID: vecID, HeaderTimestamp: vecTS, HeaderSignature: vecSig}, ErrNoMatchingSignature},
		{"svix signature missing", map[string]string{HeaderSvixID: vecID, HeaderSvixTimestamp: vecTS}, ErrMissingHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, val := range tt.set {
				h.Set(k, val)
			}
			err := v.Verify(h, []byte(vecBody))
			if tt.want == nil && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyMissingHeaders(t *testing.T) {
	v := mustVerifier(t, vecSecret, WithClock(vecClock))
	tests := []struct {
		name     string
		id, ts   string
		sig      string
		dropSigs bool
	}{
		{"no id", "", vecTS, vecSig, false},
		{"no timestamp", vecID, "", vecSig, false},
		{"empty signature", vecID, vecTS, "", false},
		{"blank signature", vecID, vecTS, "   ", false},
		{"no signature header", vecID, vecTS, "", true},
		{"nothing", "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := headers(tt.id, tt.ts, tt.sig)
			if tt.dropSigs {
				h.Del(HeaderSignature)
			}
			if err := v.Verify(h, []byte(vecBody)); !errors.Is(err, ErrMissingHeaders) {
				t.Fatalf("Verify = %v, want ErrMissingHeaders", err)
			}
		})
	}
}

func TestVerifyInvalidTimestamp(t *testing.T) {
	v := mustVerifier(t, vecSecret, WithClock(vecClock))
	for _, ts := range []string{"abc", "-1614265330", "+1614265330", "1614265330.0", "1614265330 ", " 1614265330", "1e9", "0x60385ef2", "16142653300000000000", "１６１４２６５３３０"} {
		t.Run(ts, func(t *testing.T) {
			if err := v.Verify(headers(vecID, ts, vecSig), []byte(vecBody)); !errors.Is(err, ErrInvalidTimestamp) {
				t.Fatalf("Verify(timestamp %q) = %v, want ErrInvalidTimestamp", ts, err)
			}
		})
	}
}

func TestVerifyBodySize(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name string
		cap  int64 // 0: default
		size int
		want error
	}{
		{"default cap, at the cap", 0, DefaultMaxBodyBytes, nil},
		{"default cap, one over", 0, DefaultMaxBodyBytes + 1, ErrBodyTooLarge},
		{"small cap, at the cap", 10, 10, nil},
		{"small cap, one over", 10, 11, ErrBodyTooLarge},
		{"empty body", 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []Option{WithClock(fixedClock(now))}
			if tt.cap != 0 {
				opts = append(opts, WithMaxBodyBytes(tt.cap))
			}
			v := mustVerifier(t, vecSecret, opts...)
			body := bytes.Repeat([]byte("x"), tt.size)
			err := v.Verify(signed(t, vecSecret, "msg_big", now, body), body)
			if tt.want == nil && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyErrorsDoNotLeak(t *testing.T) {
	secret := NewSecret()
	key := strings.TrimPrefix(secret, secretPrefix)
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"a":1}`)
	good := signed(t, secret, "msg_leak", now, body)
	sig := good.Get(HeaderSignature)
	b64 := strings.TrimPrefix(sig, "v1,")
	v := mustVerifier(t, secret, WithClock(fixedClock(now)), WithMaxBodyBytes(64))
	other := mustVerifier(t, NewSecret(), WithClock(fixedClock(now)))

	cases := map[string]error{}
	cases["wrong secret"] = other.Verify(good, body)
	cases["too old"] = v.Verify(headers("msg_leak", strconv.FormatInt(now.Add(-time.Hour).Unix(), 10), sig), body)
	cases["too new"] = v.Verify(headers("msg_leak", strconv.FormatInt(now.Add(time.Hour).Unix(), 10), sig), body)
	cases["bad timestamp"] = v.Verify(headers("msg_leak", "x"+sig, sig), body)
	cases["missing"] = v.Verify(headers("", "1", sig), body)
	cases["too large"] = v.Verify(good, bytes.Repeat([]byte(b64), 10))
	_, cases["bad secret"] = NewVerifier("whsec_" + b64 + "!")
	_, cases["sign bad secret"] = Sign("whsec_"+b64+"!", "id", now, body)
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: got nil error", name)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, key) || strings.Contains(msg, b64) || strings.Contains(msg, b64[:12]) {
			t.Errorf("%s: error %q quotes the secret or the signature", name, msg)
		}
	}
}

func TestNewVerifierSecrets(t *testing.T) {
	raw := []byte("0123456789abcdefghij") // 20 bytes: padded base64 ends in "="
	padded := base64.StdEncoding.EncodeToString(raw)
	unpadded := base64.RawStdEncoding.EncodeToString(raw)
	if padded == unpadded {
		t.Fatal("test premise: the two encodings should differ")
	}
	tests := []struct {
		name   string
		secret string
		ok     bool
	}{
		{"with prefix", "whsec_" + padded, true},
		{"without prefix", padded, true},
		{"unpadded", "whsec_" + unpadded, true},
		{"surrounding space", "  whsec_" + padded + "\n", true},
		{"empty", "", false},
		{"prefix only", "whsec_", false},
		{"not base64", "whsec_not*base64", false},
		{"url alphabet", "whsec_" + strings.Repeat("-_", 8), false},
		{"twice prefixed", "whsec_whsec_" + padded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(tt.secret)
			if tt.ok {
				if err != nil {
					t.Fatalf("NewVerifier = %v, want nil", err)
				}
				if !bytes.Equal(v.key, raw) {
					t.Fatalf("key = %q, want %q", v.key, raw)
				}
				return
			}
			if !errors.Is(err, ErrInvalidSecret) {
				t.Fatalf("NewVerifier = %v, want ErrInvalidSecret", err)
			}
		})
	}
}

func TestOptionsRefuseBadValues(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
	}{
		{"zero tolerance", WithTolerance(0)},
		{"negative tolerance", WithTolerance(-time.Second)},
		{"nil clock", WithClock(nil)},
		{"zero body cap", WithMaxBodyBytes(0)},
		{"negative body cap", WithMaxBodyBytes(-1)},
		{"nil store", WithDedupStore(nil)},
		{"zero ttl", WithDedupTTL(0)},
		{"nil logger", WithLogger(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewVerifier(vecSecret, tt.opt); err == nil {
				t.Error("NewVerifier accepted the option")
			}
			fn := func(context.Context, *Event) error { return nil }
			if _, err := NewHandler(vecSecret, fn, tt.opt); err == nil {
				t.Error("NewHandler accepted the option")
			}
		})
	}
	// A nil Option is skipped.
	if _, err := NewVerifier(vecSecret, nil); err != nil {
		t.Errorf("NewVerifier(nil option) = %v", err)
	}
}

// readCounter counts bytes read through it.
type readCounter struct {
	r io.Reader
	n int
}

func (c *readCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestVerifyRequest(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"e1","eventType":"company.deleted","payload":{}}`)
	v := mustVerifier(t, vecSecret, WithClock(fixedClock(now)), WithMaxBodyBytes(int64(len(body))))

	t.Run("ok", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header = signed(t, vecSecret, "msg_r", now, body)
		got, err := v.VerifyRequest(r)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("VerifyRequest = %q, %v; want the body, nil", got, err)
		}
	})
	t.Run("no body", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header = signed(t, vecSecret, "msg_r", now, nil)
		got, err := v.VerifyRequest(r)
		if err != nil || len(got) != 0 {
			t.Fatalf("VerifyRequest = %q, %v; want empty, nil", got, err)
		}
	})
	t.Run("declared length over the cap", func(t *testing.T) {
		rc := &readCounter{r: bytes.NewReader(append(body, 'x'))}
		r := httptest.NewRequest(http.MethodPost, "/", rc)
		r.ContentLength = int64(len(body) + 1)
		r.Header = signed(t, vecSecret, "msg_r", now, body)
		if _, err := v.VerifyRequest(r); !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("VerifyRequest = %v, want ErrBodyTooLarge", err)
		}
		if rc.n != 0 {
			t.Fatalf("read %d bytes of a body declared too large", rc.n)
		}
	})
	t.Run("unknown length over the cap", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(bytes.NewReader(body), strings.NewReader("xyz")))
		r.ContentLength = -1
		r.Header = signed(t, vecSecret, "msg_r", now, body)
		if _, err := v.VerifyRequest(r); !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("VerifyRequest = %v, want ErrBodyTooLarge", err)
		}
	})
	t.Run("unsigned request is not read", func(t *testing.T) {
		rc := &readCounter{r: bytes.NewReader(body)}
		r := httptest.NewRequest(http.MethodPost, "/", rc)
		if _, err := v.VerifyRequest(r); !errors.Is(err, ErrMissingHeaders) {
			t.Fatalf("VerifyRequest = %v, want ErrMissingHeaders", err)
		}
		if rc.n != 0 {
			t.Fatalf("read %d bytes of an unsigned request", rc.n)
		}
	})
	t.Run("read error", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", failingReader{})
		r.ContentLength = -1
		r.Header = signed(t, vecSecret, "msg_r", now, body)
		_, err := v.VerifyRequest(r)
		if !errors.Is(err, errReadBody) {
			t.Fatalf("VerifyRequest = %v, want errReadBody", err)
		}
	})
	t.Run("tampered body", func(t *testing.T) {
		tampered := bytes.Replace(body, []byte("deleted"), []byte("created"), 1)
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tampered))
		r.Header = signed(t, vecSecret, "msg_r", now, body)
		if _, err := v.VerifyRequest(r); !errors.Is(err, ErrNoMatchingSignature) {
			t.Fatalf("VerifyRequest = %v, want ErrNoMatchingSignature", err)
		}
	})
}
