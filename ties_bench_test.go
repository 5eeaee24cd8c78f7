package bankfeeds

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// bigDay is a day of n lines, newest first, whose balances chain in one
// order; with twoTrips, two round trips from one balance make it chain in
// two. It returns the lines and the ids in the order they chain in.
func bigDay(n int, twoTrips bool) ([]BankTransaction, []string) {
	r := rand.New(rand.NewPCG(uint64(n), 2))
	lines := make([]BankTransaction, 0, n+4)
	bal := int64(1_000_00)
	for i := range n {
		amt := r.Int64N(10_000) + 1 // balances only rise: each is new
		bal += amt
		lines = append(lines, dayLine(fmt.Sprintf("l%06d", i), amt, bal))
		if twoTrips && i == n/2 {
			lines = append(lines, dayLine("up", 1, bal+1), dayLine("down", -1, bal))
			lines = append(lines, dayLine("up2", 2, bal+2), dayLine("down2", -2, bal))
		}
	}
	want := idsOf(lines)
	slices.Reverse(lines)
	return lines, want
}

func benchmarkOrderTies(b *testing.B, twoTrips bool) {
	lines, want := bigDay(100_000, twoTrips)
	base := dateOrder(lines)
	order := make([]uint32, len(base))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		copy(order, base)
		undecided := orderTies(lines, order)
		b.StopTimer()
		if twoTrips != (len(undecided) == len(lines)) {
			b.Fatalf("%d of %d lines undecided", len(undecided), len(lines))
		}
		if !twoTrips {
			for i, idx := range order {
				if lines[idx].ID != want[i] {
					b.Fatalf("line %d is %s, want %s", i, lines[idx].ID, want[i])
				}
			}
		}
		b.StartTimer()
	}
}

// BenchmarkOrderTies100kLineDay orders a day of 100,000 lines given newest
// first.
func BenchmarkOrderTies100kLineDay(b *testing.B) { benchmarkOrderTies(b, false) }

// BenchmarkOrderTies100kLineDayAmbiguous refuses a day of 100,000 lines
// whose balances chain in two orders.
func BenchmarkOrderTies100kLineDayAmbiguous(b *testing.B) { benchmarkOrderTies(b, true) }
