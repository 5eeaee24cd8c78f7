package bankfeeds

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendLocalMatchesTheLayout(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2023, 8, 22, 10, 21, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 120_000_000, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 100, time.UTC),
		time.Date(9999, 12, 31, 0, 0, 0, 1_000_000, time.FixedZone("", 14*3600)),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		assert.Equal(t, tm.Format(localLayout), string(appendLocal(nil, tm)), tm.String())
	}
}

func TestSkimPushOperation(t *testing.T) {
	body := `{"pushOperationKey":"k\"1","status":"Pending","statusCode":202,"requestedOnUtc":"2026-11-24T08:00:00Z",
		"data":{"accountId":"a","transactions":[{"id":"x]}\\\"","date":"2026-11-24","amount":1.5}]},"changes":[{"recordRef":{"id":"x"}}]}`
	var op PushOperation
	require.NoError(t, op.skimJSON([]byte(body)))
	var want PushOperation
	require.NoError(t, json.Unmarshal([]byte(body), &want))
	assert.Equal(t, want.PushOperationKey, op.PushOperationKey)
	assert.Equal(t, want.Status, op.Status)
	assert.Equal(t, want.Changes, op.Changes)
	assert.Nil(t, op.Data)
	echo, err := op.Echo()
	require.NoError(t, err)
	assert.Equal(t, want.Data.Transactions[0].ID, echo.Transactions[0].ID)
	for _, bad := range []string{``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":"x}`, `{"a":[1,2}`, `{"a":{"b":1]}`, `{"a":1} x`, `{"data":[}`, `{"status":5}`} {
		var op PushOperation
		assert.Error(t, op.skimJSON([]byte(bad)), bad)
	}
}

// FuzzSkimPushOperation: whatever the answer, the skimmer never panics, and
// on valid JSON it agrees with encoding/json on every field but the echo.
func FuzzSkimPushOperation(f *testing.F) {
	f.Add(`{"pushOperationKey":"k","status":"Success","data":{"transactions":[]},"changes":[]}`)
	f.Add(`{"data":null,"statusCode":200}`)
	f.Add(`{"a":"\\\"","b":[{"c":"]"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var op PushOperation
		err := op.skimJSON([]byte(s))
		var want PushOperation
		werr := json.Unmarshal([]byte(s), &want)
		if werr == nil && err != nil {
			var obj map[string]json.RawMessage
			if json.Unmarshal([]byte(s), &obj) == nil {
				t.Fatalf("encoding/json reads %q, the skimmer does not: %v", s, err)
			}
			return
		}
		if err == nil && werr == nil {
			if op.PushOperationKey != want.PushOperationKey || op.Status != want.Status || len(op.Changes) != len(want.Changes) {
				t.Fatalf("skim %+v, encoding/json %+v", op, want)
			}
		}
	})
}

// FuzzSkimCompany: the hand reader never panics, and on what encoding/json
// writes for a company it reads exactly what encoding/json reads.
func FuzzSkimCompany(f *testing.F) {
	f.Add(`{"id":"8a21","name":"Toft","description":"A \"shop\"","redirect":"https://x","created":"2026-01-02T03:04:05Z","tags":{"a":"b"},"dataConnections":[{"id":"c","status":"Linked"}]}`)
	f.Add(`{"id":"é","name":null,"lastSync":null,"products":["x"]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var c Company
		_ = c.skimJSON([]byte(s))
		var want Company
		if json.Unmarshal([]byte(s), &want) != nil {
			return
		}
		canonical, err := json.Marshal(want)
		require.NoError(t, err)
		var fromJSON, fromSkim Company
		require.NoError(t, json.Unmarshal(canonical, &fromJSON))
		require.NoError(t, fromSkim.skimJSON(canonical), string(canonical))
		assert.Equal(t, fromJSON, fromSkim, string(canonical))
	})
}

func TestSkimCompaniesPage(t *testing.T) {
	body := `{"results":[{"id":"a","name":"A","redirect":"r"},{"id":"b\\u0041","name":"B","redirect":"r","tags":{"k":"v"}}],"pageNumber":2,"pageSize":2,"totalResults":9,"_links":{"next":{"href":"/n"}}}`
	var got, want Page[Company]
	require.NoError(t, skimCompanies(&got, []byte(body)))
	require.NoError(t, json.Unmarshal([]byte(body), &want))
	assert.Equal(t, want, got)
	assert.Error(t, skimCompanies(&got, []byte(`{"results":[{"id":1}]}`)))
}
