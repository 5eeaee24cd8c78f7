package bankfeeds

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPushOperation decodes push operations as the client does: any input
// either fails with an error or decodes into a value that encodes and
// decodes again to the same operation. It never panics.
func FuzzPushOperation(f *testing.F) {
	for _, name := range []string{"transactions/create-bank-transactions.json", "transactions/get-create-operation.json"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"pushOperationKey":"k","status":"Weird","statusCode":"200","requestedOnUtc":"2024-09-01T23:59:99Z"}`))
	f.Add([]byte(`{"data":{"accountId":"a","transactions":[{"id":"1","date":"2023-08-22","amount":1e2,"balance":"3.10"}]},"validation":{"errors":[{"itemId":null}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var op PushOperation
		if err := json.Unmarshal(b, &op); err != nil {
			return
		}
		out, err := json.Marshal(op)
		if err != nil {
			t.Fatalf("a decoded operation must encode: %v", err)
		}
		var back PushOperation
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("cannot decode what was encoded: %v\n%s", err, out)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("not stable:\n%s\n%s", out, again)
		}
		_ = opMessages(&op)
		_ = op.Status.Final()
	})
}
