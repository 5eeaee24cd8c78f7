package feed

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestSortKeyOrdersByWallClock(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		name string
		a, b bankfeeds.DateTime
		want int // sign of compare(a, b)
	}{
		{"earlier day", bankfeeds.Date(2026, 1, 1, 9, 0, 0), bankfeeds.Date(2026, 1, 2, 8, 0, 0), -1},
		{"same instant", bankfeeds.Date(2026, 1, 1, 9, 0, 0), bankfeeds.Date(2026, 1, 1, 9, 0, 0), 0},
		{"fractions", bankfeeds.NewDateTime(time.Date(2026, 1, 1, 9, 0, 0, 5, time.UTC)), bankfeeds.Date(2026, 1, 1, 9, 0, 0), 1},
		// The wall clock counts, not the instant: 10:00 EST is after 09:00 UTC.
		{"zone dropped", bankfeeds.NewDateTime(time.Date(2026, 1, 1, 8, 0, 0, 0, est)), bankfeeds.Date(2026, 1, 1, 9, 0, 0), -1},
		{"year 10000 clamps to 9999", bankfeeds.NewDateTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), bankfeeds.Date(9999, 1, 1, 0, 0, 0), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := sortKey(tc.a), sortKey(tc.b)
			got := 0
			switch {
			case ka < kb:
				got = -1
			case ka > kb:
				got = 1
			}
			if got != tc.want {
				t.Errorf("sortKey(%v) = %q, sortKey(%v) = %q: compare %d, want %d", tc.a, ka, tc.b, kb, got, tc.want)
			}
		})
	}
}

func TestWallTextRoundTrips(t *testing.T) {
	for _, d := range []bankfeeds.DateTime{
		bankfeeds.Date(2026, 11, 24, 9, 30, 0),
		bankfeeds.NewDateTime(time.Date(2026, 2, 28, 23, 59, 59, 120000000, time.UTC)),
		{},
	} {
		got, err := parseWall(wallText(d))
		if err != nil || !got.Equal(d.Time) {
			t.Errorf("wallText(%v) = %q reads back as %v, %v", d, wallText(d), got, err)
		}
	}
}

// TestLineGolden pins how a line is stored: the JSON Codat is sent, money
// exact, the date a local date-time.
func TestLineGolden(t *testing.T) {
	line := bankfeeds.BankTransaction{
		ID: "tx-1", Date: bankfeeds.Date(2026, 11, 24, 9, 30, 0), Description: bankfeeds.Ptr("Coffee \u00e9"),
		Amount: bankfeeds.NewDecimal(-1234567890123456789, -2), Balance: bankfeeds.NewDecimal(100, -2), TransactionType: bankfeeds.TransactionDebit,
	}
	got, err := encodeLine(&line)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "line.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got+"\n" != string(want) {
		t.Errorf("stored line:\n got %s\nwant %s", got, want)
	}
	back, err := decodeLine(got)
	if err != nil || back.Amount.Cmp(line.Amount) != 0 || !back.Date.Equal(line.Date.Time) || *back.Description != *line.Description {
		t.Errorf("decoded %+v, %v", back, err)
	}
}

// FuzzDecodeLine: a stored line is read from the database, outside the
// process: any text gives a line or an error, never a panic, and a line
// that reads and passes checkLine stores and reads back the same.
func FuzzDecodeLine(f *testing.F) {
	f.Add(`{"id":"tx-1","date":"2026-11-24T09:30:00","amount":-12.34,"balance":1.00}`)
	f.Add(`{"id":"x","date":"not a date","amount":"1"}`)
	f.Add(`{"id":"","amount":1e400}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		line, err := decodeLine(s)
		if err != nil || checkLine(0, &line) != nil {
			return
		}
		enc, err := encodeLine(&line)
		if err != nil {
			t.Fatalf("a line that read cannot be stored: %v", err)
		}
		again, err := decodeLine(enc)
		if err != nil {
			t.Fatalf("stored %q reads as %v", enc, err)
		}
		if enc2, _ := encodeLine(&again); enc2 != enc {
			t.Fatalf("not stable: %q then %q", enc, enc2)
		}
		if sortKey(again.Date) != sortKey(line.Date) {
			t.Fatalf("date moved: %q then %q", sortKey(line.Date), sortKey(again.Date))
		}
	})
}
