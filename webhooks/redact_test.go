package webhooks

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Hole 8 of the exactly-once review: no fmt verb and no slog handler prints
// a Verifier's signing key, in any encoding.
func TestHole8VerifierDoesNotPrintItsKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	v, err := NewVerifier("whsec_" + base64.StdEncoding.EncodeToString(key))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		fmt.Fprintf(&out, verb, v)
		fmt.Fprintf(&out, verb, *v)
	}
	fmt.Fprintf(&out, "%+v", struct{ V Verifier }{*v})
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("verifier", "v", v, "value", *v)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("verifier", "v", v)
	all := out.String() + logs.String()
	forms := []string{string(key), base64.StdEncoding.EncodeToString(key), fmt.Sprintf("%x", key), fmt.Sprint(key), fmt.Sprint(key[:4])[1:8]}
	for _, form := range forms {
		if strings.Contains(all, form) {
			t.Fatalf("the key shows as %q in:\n%s", form, all)
		}
	}
	if !strings.Contains(all, "[REDACTED]") {
		t.Fatalf("nothing says the key was left out:\n%s", all)
	}
}
