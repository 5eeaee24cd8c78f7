package bankfeeds

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net"
	"strings"
)

const redacted = "[REDACTED]"

// secret holds the Authorization header value. Every way fmt and
// encoding/json can print it gives [REDACTED]; the Client holds it by pointer,
// so printing a Client's fields shows an address, never the value.
type secret struct{ v string }

func (secret) String() string               { return redacted }
func (secret) GoString() string             { return redacted }
func (secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (secret) LogValue() slog.Value         { return slog.StringValue(redacted) }

// newAuth turns an API key (or a ready-made "Basic ..." header value, which
// the Codat Portal also shows) into the Authorization header value.
func newAuth(apiKey string) (*secret, error) {
	k := strings.TrimSpace(apiKey)
	if k == "" {
		return nil, invalid("API key", "must not be empty")
	}
	if strings.ContainsAny(k, "\r\n") {
		return nil, invalid("API key", "must be one line")
	}
	if rest, ok := strings.CutPrefix(k, "Basic "); ok && strings.TrimSpace(rest) != "" {
		return &secret{v: "Basic " + strings.TrimSpace(rest)}, nil
	}
	return &secret{v: "Basic " + base64.StdEncoding.EncodeToString([]byte(k))}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type idempotencyKeyCtx struct{}

// WithIdempotencyKey returns a context whose POST or PATCH call carries key
// as its Idempotency-Key instead of a fresh one. Use it to resend a write
// safely after a restart: Codat replays the first answer for 90 minutes.
// [PushOptions.IdempotencyKey] does the same for a push.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyCtx{}, key)
}

func idempotencyKeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(idempotencyKeyCtx{}).(string)
	return k
}

// newIdempotencyKey returns a random (version 4) GUID, as Codat asks for.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
