package bankfeedstest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newCorrelationID returns an id in the form Codat's errors carry.
func newCorrelationID() string { return randomHex(16) }

// otpAlphabet has no characters that are easy to confuse (0/O, 1/I).
const otpAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newCode returns n random characters of otpAlphabet, such as "GT4MU4".
func newCode(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(otpAlphabet[int(c)%len(otpAlphabet)])
	}
	return s.String()
}
