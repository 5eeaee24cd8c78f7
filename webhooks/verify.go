package webhooks

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names Codat (Svix) sends, in the Standard Webhooks form and the
// older Svix form. Each webhook- header is read first, its svix- twin second.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"

	HeaderSvixID        = "svix-id"
	HeaderSvixTimestamp = "svix-timestamp"
	HeaderSvixSignature = "svix-signature"
)

// maxTimestampDigits bounds webhook-timestamp: 19 digits always fit in int64.
const maxTimestampDigits = 19

// maxUnixSeconds is far beyond any clock (about 1.5e11 years) and far below
// where time.Unix overflows.
const maxUnixSeconds = 1 << 62

// Verifier checks the signature and timestamp of Codat webhook deliveries. It
// is safe for concurrent use.
type Verifier struct {
	key       []byte
	tolerance time.Duration
	now       func() time.Time
	maxBody   int64
}

// NewVerifier returns a Verifier for an endpoint's secret ("whsec_…", as the
// Codat Portal shows it; the prefix may be left out). It fails with
// [ErrInvalidSecret] when the secret is not base64, or with an option's error.
// [WithTolerance], [WithClock] and [WithMaxBodyBytes] apply; other options are
// ignored.
func NewVerifier(secret string, opts ...Option) (*Verifier, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return newVerifier(secret, cfg)
}

func newVerifier(secret string, cfg *config) (*Verifier, error) {
	key, err := parseSecret(secret)
	if err != nil {
		return nil, err
	}
	return &Verifier{key: key, tolerance: cfg.tolerance, now: cfg.now, maxBody: cfg.maxBody}, nil
}

// Verify checks a delivery's headers against its raw body, exactly as
// received. It returns nil when the timestamp is within the tolerance and one
// of the "v1," signatures matches (several are sent while a secret is being
// rotated; other versions are ignored). Otherwise it returns an error matching
// one of [ErrMissingHeaders], [ErrInvalidTimestamp], [ErrTimestampTooOld],
// [ErrTimestampTooNew], [ErrNoMatchingSignature] or [ErrBodyTooLarge].
func (v *Verifier) Verify(h http.Header, body []byte) error {
	_, err := v.verify(h, body)
	return err
}

// VerifyRequest reads r's body (at most the cap, 1 MiB by default), verifies
// it with r's headers as [Verifier.Verify] does, and returns the body. It does
// not close r.Body. A body over the cap gives [ErrBodyTooLarge] without being
// read further.
func (v *Verifier) VerifyRequest(r *http.Request) ([]byte, error) {
	body, _, err := v.verifyRequest(r)
	return body, err
}

// verifyRequest is VerifyRequest that also returns the message id.
func (v *Verifier) verifyRequest(r *http.Request) (body []byte, id string, err error) {
	if r.ContentLength > v.maxBody {
		return nil, "", ErrBodyTooLarge
	}
	// Refuse unsigned requests before reading their bodies.
	if _, _, _, err := v.headers(r.Header); err != nil {
		return nil, "", err
	}
	body, err = v.readBody(r.Body)
	if err != nil {
		return nil, "", err
	}
	id, err = v.verify(r.Header, body)
	if err != nil {
		return nil, "", err
	}
	return body, id, nil
}

// errReadBody says the body could not be read (the sender went away).
var errReadBody = errors.New("webhooks: cannot read body")

// readBody reads at most maxBody bytes, and one more to tell an oversize
// body apart.
func (v *Verifier) readBody(rc io.Reader) ([]byte, error) {
	if rc == nil || rc == http.NoBody {
		return []byte{}, nil
	}
	b, err := io.ReadAll(io.LimitReader(rc, v.maxBody+1))
	if err != nil {
		return nil, errReadBody
	}
	if int64(len(b)) > v.maxBody {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// verify checks everything and returns the message id.
func (v *Verifier) verify(h http.Header, body []byte) (string, error) {
	if int64(len(body)) > v.maxBody {
		return "", ErrBodyTooLarge
	}
	id, ts, sigs, err := v.headers(h)
	if err != nil {
		return "", err
	}
	want := []byte(signature(v.key, id, ts, body))
	if !anyMatch(sigs, want) {
		return "", ErrNoMatchingSignature
	}
	return id, nil
}

// headers reads and checks the three headers and the timestamp's age. It
// returns the id, the timestamp text as sent and the signature header values.
func (v *Verifier) headers(h http.Header) (id, ts string, sigs []string, err error) {
	id = first(h, HeaderID, HeaderSvixID)
	ts = first(h, HeaderTimestamp, HeaderSvixTimestamp)
	sigs = h.Values(HeaderSignature)
	if len(sigs) == 0 {
		sigs = h.Values(HeaderSvixSignature)
	}
	if id == "" || ts == "" || !nonEmpty(sigs) {
		return "", "", nil, ErrMissingHeaders
	}
	sec, err := parseTimestamp(ts)
	if err != nil {
		return "", "", nil, err
	}
	if err := v.checkAge(sec); err != nil {
		return "", "", nil, err
	}
	return id, ts, sigs, nil
}

// first returns the first non-empty value among the named headers.
func first(h http.Header, names ...string) string {
	for _, n := range names {
		if s := h.Get(n); s != "" {
			return s
		}
	}
	return ""
}

func nonEmpty(vals []string) bool {
	for _, s := range vals {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

// parseTimestamp reads unix seconds: 1 to 19 ASCII digits, nothing else (no
// sign, no fraction, no spaces).
func parseTimestamp(s string) (int64, error) {
	if len(s) > maxTimestampDigits {
		return 0, ErrInvalidTimestamp
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrInvalidTimestamp
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrInvalidTimestamp
	}
	return n, nil
}

// checkAge refuses a timestamp more than the tolerance away from the clock.
// Exactly the tolerance is accepted. It compares instants rather than
// negating a Duration, which saturates for far-off timestamps.
func (v *Verifier) checkAge(sec int64) error {
	if sec > maxUnixSeconds {
		// time.Unix wraps around near the top of int64.
		return fmt.Errorf("%w: more than %s ahead", ErrTimestampTooNew, v.tolerance)
	}
	now := v.now()
	ts := time.Unix(sec, 0)
	switch {
	case ts.Before(now.Add(-v.tolerance)):
		return fmt.Errorf("%w: %s old, tolerance %s", ErrTimestampTooOld, now.Sub(ts).Truncate(time.Second), v.tolerance)
	case ts.After(now.Add(v.tolerance)):
		return fmt.Errorf("%w: more than %s ahead", ErrTimestampTooNew, v.tolerance)
	}
	return nil
}

// anyMatch reports whether one of the space-separated "v1,<base64>" entries
// in the header values equals want. The base64 texts are compared, not the
// bytes they decode to, so that no second spelling of a signature (base64
// with different unused trailing bits) is accepted. Every v1 entry is
// compared in constant time.
func anyMatch(values []string, want []byte) bool {
	ok := false
	for _, val := range values {
		for _, entry := range strings.Fields(val) {
			version, sig, found := strings.Cut(entry, ",")
			if !found || version != signatureVersion {
				continue
			}
			if hmac.Equal([]byte(sig), want) {
				ok = true
			}
		}
	}
	return ok
}

// String describes the Verifier without its key.
func (v Verifier) String() string {
	return "webhooks.Verifier{key: [REDACTED], tolerance: " + v.tolerance.String() + "}"
}

// GoString describes the Verifier without its key, for %#v.
func (v Verifier) GoString() string { return v.String() }

// Format prints the Verifier without its key for every fmt verb, so no %v,
// %+v, %#v or %s of a Verifier or *Verifier shows the signing secret.
func (v Verifier) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, v.String()) }

// LogValue keeps the key out of log/slog's output.
func (v Verifier) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", "[REDACTED]"), slog.Duration("tolerance", v.tolerance))
}
