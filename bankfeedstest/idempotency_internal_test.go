package bankfeedstest

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestIdemStoreSweepsExpiredAnswers(t *testing.T) {
	var st idemStore
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fp := [32]byte{1}
	for i := 0; i < 200; i++ {
		key := "k" + strconv.Itoa(i)
		if o, _ := st.begin(key, fp, now); o != idemClaimed {
			t.Fatalf("claim %d: %v", i, o)
		}
		st.finish(key, response{status: http.StatusOK, body: []byte("{}")}, now)
	}
	st.begin("in-flight", fp, now) // never finished: must survive the sweep
	later := now.Add(idempotencyTTL)
	for i := 0; i < 256; i++ {
		st.begin("new"+strconv.Itoa(i), fp, later)
	}
	if _, ok := st.entries["k0"]; ok {
		t.Fatal("expired answers should be swept")
	}
	if _, ok := st.entries["in-flight"]; !ok {
		t.Fatal("a key in flight must not be swept")
	}
	// 429s are not cached.
	st.begin("rl", fp, now)
	st.finish("rl", response{status: http.StatusTooManyRequests}, now)
	if o, _ := st.begin("rl", [32]byte{2}, now); o != idemClaimed {
		t.Fatalf("after a 429 the key is free, even for another body: %v", o)
	}
	st.finish("missing", response{status: 200}, now) // finishing an unknown key is harmless
}
