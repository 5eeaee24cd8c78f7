package webhooks

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignStandardWebhooksVector(t *testing.T) {
	tests := []struct {
		name   string
		secret string
	}{
		{"with prefix", vecSecret},
		{"without prefix", strings.TrimPrefix(vecSecret, "whsec_")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sign(tt.secret, vecID, vecTime, []byte(vecBody))
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got != vecSig {
				t.Fatalf("Sign = %q, want %q", got, vecSig)
			}
		})
	}
}

func TestSignUsesWholeSeconds(t *testing.T) {
	// The header carries unix seconds, so sub-second parts must not change
	// the signature.
	a, errA := Sign(vecSecret, vecID, vecTime, []byte(vecBody))
	b, errB := Sign(vecSecret, vecID, vecTime.Add(999*time.Millisecond), []byte(vecBody))
	if errA != nil || errB != nil || a != b {
		t.Fatalf("Sign differs within one second: %q (%v) vs %q (%v)", a, errA, b, errB)
	}
	c, _ := Sign(vecSecret, vecID, vecTime.Add(time.Second), []byte(vecBody))
	if c == a {
		t.Fatal("Sign is the same one second later")
	}
}

func TestSignInvalidSecret(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_%%%", "whsec_a"} {
		if _, err := Sign(s, vecID, vecTime, []byte(vecBody)); !errors.Is(err, ErrInvalidSecret) {
			t.Errorf("Sign(secret %q) = %v, want ErrInvalidSecret", s, err)
		}
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		s := NewSecret()
		rest, ok := strings.CutPrefix(s, "whsec_")
		if !ok {
			t.Fatalf("NewSecret() = %q, want the whsec_ prefix", s)
		}
		key, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(key) != 32 {
			t.Fatalf("NewSecret() key: %d bytes, %v; want 32 bytes of base64", len(key), err)
		}
		if seen[s] {
			t.Fatal("NewSecret repeated a secret")
		}
		seen[s] = true

		// Round trip through Sign and Verify.
		now := time.Unix(1_700_000_000, 0)
		body := []byte(`{"eventType":"x"}`)
		v := mustVerifier(t, s, WithClock(fixedClock(now)))
		if err := v.Verify(signed(t, s, "msg_new", now, body), body); err != nil {
			t.Fatalf("Verify(Sign(NewSecret())) = %v", err)
		}
	}
}
