package bankfeeds

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDateTimeForms(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2021-11-15T06:00:00Z", time.Date(2021, 11, 15, 6, 0, 0, 0, time.UTC)},
		{"2021-11-15T01:00:00-05:00", time.Date(2021, 11, 15, 6, 0, 0, 0, time.UTC)},
		{"2021-11-15T01:00:00", time.Date(2021, 11, 15, 1, 0, 0, 0, time.UTC)},
		{"2022-10-27T10:22:43.6464237Z", time.Date(2022, 10, 27, 10, 22, 43, 646423700, time.UTC)},
		{"2022-10-27T10:22:43.6464237", time.Date(2022, 10, 27, 10, 22, 43, 646423700, time.UTC)},
		{"2022-10-23", time.Date(2022, 10, 23, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d DateTime
			require.NoError(t, json.Unmarshal([]byte(`"`+tt.in+`"`), &d))
			assert.True(t, d.Equal(tt.want), "got %s", d.Time)
			assert.Empty(t, d.Raw())
			p, err := ParseDateTime(tt.in)
			require.NoError(t, err)
			assert.True(t, p.Equal(tt.want))
		})
	}
}

func TestDateTimeLenient(t *testing.T) {
	var d DateTime
	require.NoError(t, json.Unmarshal([]byte(`"2024-09-01T23:59:99Z"`), &d), "an invalid date must not fail a whole list")
	assert.True(t, d.IsZero())
	assert.Equal(t, "2024-09-01T23:59:99Z", d.Raw())
	assert.Equal(t, "2024-09-01T23:59:99Z", d.String())
	require.NoError(t, json.Unmarshal([]byte(`null`), &d))
	assert.True(t, d.IsZero())
	require.NoError(t, json.Unmarshal([]byte(`""`), &d))
	assert.True(t, d.IsZero())
	assert.Error(t, json.Unmarshal([]byte(`12`), &d))
	_, err := ParseDateTime("yesterday")
	assert.Error(t, err)
}

func TestDateTimeMarshal(t *testing.T) {
	d := NewDateTime(time.Date(2023, 8, 22, 10, 21, 0, 0, time.FixedZone("", -5*3600)))
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `"2023-08-22T10:21:00-05:00"`, string(b))

	tx := BankTransaction{ID: "t1", Date: d, Amount: NewDecimal(-1050, -2)}
	b, err = json.Marshal(tx)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"t1","date":"2023-08-22T10:21:00","amount":-10.50}`, string(b),
		"a transaction's date is its wall clock with no zone")

	frac := BankTransaction{ID: "t2", Date: NewDateTime(time.Date(2023, 8, 22, 10, 21, 0, 500_000_000, time.UTC)), Amount: NewDecimal(1, 0)}
	b, err = json.Marshal(frac)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"date":"2023-08-22T10:21:00.5"`)
	assert.Equal(t, time.Date(2023, 8, 22, 10, 21, 5, 0, time.UTC), Date(2023, 8, 22, 10, 21, 5).Time)
}

func FuzzDateTime(f *testing.F) {
	for _, s := range []string{"2021-11-15T06:00:00Z", "2021-11-15T01:00:00-05:00", "2021-11-15T01:00:00", "2022-10-27T10:22:43.6464237Z", "2022-10-23", "2024-09-01T23:59:99Z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in, err := json.Marshal(s)
		if err != nil {
			return
		}
		// The fast path agrees with time.Parse wherever it answers.
		if fast, ok := parseFast([]byte(s)); ok {
			slow, err := parseCodatTime(s)
			if err != nil || !slow.Equal(fast) {
				t.Fatalf("fast path read %q as %s, time.Parse as %s (%v)", s, fast, slow, err)
			}
		}
		var d DateTime
		if err := json.Unmarshal(in, &d); err != nil {
			t.Fatalf("a JSON string must never fail: %q: %v", s, err)
		}
		if d.IsZero() {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back DateTime
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(d.Time) {
			t.Fatalf("round trip of %q: %s -> %s (%v)", s, d.Time, back.Time, err)
		}
		// The zone-less form keeps the wall clock.
		local := appendLocal(nil, d.Time)
		w, err := time.Parse("2006-01-02T15:04:05", string(local))
		if err == nil && wallOf(w) != wallOf(d.Time) {
			t.Fatalf("wall clock of %q changed: %s", s, local)
		}
	})
}
