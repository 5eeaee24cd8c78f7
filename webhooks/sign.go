package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// secretPrefix starts every secret Codat (Svix) shows for an endpoint.
const secretPrefix = "whsec_"

// signatureVersion is the only signature scheme this package knows.
const signatureVersion = "v1"

// newSecretBytes is the size of the key NewSecret makes.
const newSecretBytes = 32

// parseSecret returns the HMAC key of a secret: the standard base64 text after
// the optional "whsec_" prefix. Its errors never quote the secret.
func parseSecret(secret string) ([]byte, error) {
	s := strings.TrimSpace(secret)
	s = strings.TrimPrefix(s, secretPrefix)
	if s == "" {
		return nil, ErrInvalidSecret
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// Accept the unpadded form too; still never quote the input.
		key, err = base64.RawStdEncoding.DecodeString(s)
		if err != nil {
			return nil, ErrInvalidSecret
		}
	}
	if len(key) == 0 {
		return nil, ErrInvalidSecret
	}
	return key, nil
}

// signature returns the base64 HMAC-SHA256 of id.timestamp.body under key,
// without the "v1," prefix.
func signature(key []byte, id, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Sign returns the signature Codat sends in webhook-signature for a message
// with this id, timestamp and body: "v1," followed by the standard base64
// HMAC-SHA256 of id + "." + unix seconds of ts + "." + body, keyed with the
// base64-decoded secret after its "whsec_" prefix (the prefix may be left
// out). It fails with [ErrInvalidSecret] when the secret is not base64.
//
// Send the same id and timestamp in the webhook-id and webhook-timestamp
// headers (strconv.FormatInt(ts.Unix(), 10)).
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := parseSecret(secret)
	if err != nil {
		return "", err
	}
	return signatureVersion + "," + signature(key, id, strconv.FormatInt(ts.Unix(), 10), body), nil
}

// NewSecret returns a new random endpoint secret in Codat's form: "whsec_"
// followed by the standard base64 of 32 random bytes.
func NewSecret() string {
	b := make([]byte, newSecretBytes)
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}
