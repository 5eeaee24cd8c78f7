package bankfeeds

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecimalRoundTrip(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"12345678901234567.89", "12345678901234567.89"},
		{"-0.01", "-0.01"},
		{"0", "0"},
		{"100.50", "100.50"},
		{"1.5e3", "1500"},
		{"1E-3", "0.001"},
		{"123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"},
		{`"42.10"`, "42.10"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d Decimal
			require.NoError(t, json.Unmarshal([]byte(tt.in), &d))
			assert.True(t, d.IsSet())
			assert.Equal(t, tt.want, d.String())
			out, err := json.Marshal(d)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(out), "written as a bare JSON number")
			var back Decimal
			require.NoError(t, json.Unmarshal(out, &back))
			assert.Zero(t, back.Cmp(d))
		})
	}
}

func TestDecimalRefuses(t *testing.T) {
	for _, in := range []string{`"NaN"`, `"Infinity"`, `"-Inf"`, `"1e999999"`, `"1e-2000"`, `"abc"`, `""`, `true`, `"1 2"`, `{}`} {
		t.Run(in, func(t *testing.T) {
			var d Decimal
			err := json.Unmarshal([]byte(in), &d)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	_, err := ParseDecimal("")
	assert.Error(t, err)
}

func TestDecimalNullAndUnset(t *testing.T) {
	var d Decimal
	require.NoError(t, json.Unmarshal([]byte("null"), &d))
	assert.False(t, d.IsSet())
	assert.Equal(t, "0", d.String())

	type withOmit struct {
		A Decimal  `json:"a,omitzero"`
		B *Decimal `json:"b,omitempty"`
	}
	out, err := json.Marshal(withOmit{})
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(out), "an unset Decimal is left out")
	out, err = json.Marshal(withOmit{A: NewDecimal(0, 0)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":0}`, string(out), "a set zero is written")
}

func TestDecimalArithmetic(t *testing.T) {
	a, err := ParseDecimal("0.1")
	require.NoError(t, err)
	b, err := ParseDecimal("0.2")
	require.NoError(t, err)
	assert.Equal(t, "0.3", a.Add(b).String(), "exact, unlike float64")
	assert.Equal(t, "-0.1", a.Sub(b).String())
	assert.Equal(t, "-0.1", a.Neg().String())
	assert.True(t, NewDecimal(150, -2).Equal(NewDecimal(15, -1)))
	assert.Equal(t, -1, a.Cmp(b))
	assert.Equal(t, 1, b.Sign())
	assert.Equal(t, "123.45", NewDecimal(12345, -2).String())
	big, err := ParseDecimal("99999999999999999999999999999999.99")
	require.NoError(t, err)
	assert.Equal(t, "100000000000000000000000000000000.00", big.Add(NewDecimal(1, -2)).String())
	var unset Decimal
	assert.Equal(t, "0.1", unset.Add(a).String(), "unset counts as zero")
}

func TestDecimalText(t *testing.T) {
	var d Decimal
	require.NoError(t, d.UnmarshalText([]byte("-12.30")))
	b, err := d.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "-12.30", string(b))
	assert.Error(t, d.UnmarshalText([]byte("x")))
}

func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"0", "-1.50", "12345678901234567.89", "1e3", `"7.1"`, "null", "NaN", "1e1001", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fast Decimal
		if s != "" && fast.parsePlain([]byte(s)) {
			slow, err := ParseDecimal(s)
			if err != nil || slow.Cmp(fast) != 0 || slow.String() != fast.String() {
				t.Fatalf("fast path read %q as %s, apd as %s (%v)", s, fast, slow, err)
			}
		}
		var d Decimal
		if err := json.Unmarshal([]byte(s), &d); err != nil || !d.IsSet() {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal %q: %v", s, err)
		}
		if len(out) > 2200 {
			t.Fatalf("%q wrote %d bytes", s, len(out))
		}
		var back Decimal
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("cannot read back %s (from %q): %v", out, s, err)
		}
		if back.Cmp(d) != 0 {
			t.Fatalf("round trip changed %q: %s -> %s", s, d, back)
		}
	})
}
