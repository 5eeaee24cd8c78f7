package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

func TestQuickstart(t *testing.T) {
	t.Setenv("CODAT_API_KEY", "") // always the embedded sandbox
	for _, platform := range []string{"hcws", "olpr", "gbol"} {
		t.Run(platform, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), &out, platform, 2500); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{
				"using the embedded sandbox",
				"chunk 3/3: 2500/2500 pushed (push operation Success)",
				"6. 2500 transactions pushed in 3 push operations; Codat lists 3 successful",
				"the sandbox holds 2500 transactions",
				"7. company deleted",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestStatementIsShuffledAndConsistent(t *testing.T) {
	txns := statement(100, bankfeeds.NewDecimal(0, 0), time.Now())
	sorted := 0
	for i := 1; i < len(txns); i++ {
		if !txns[i].Date.Before(txns[i-1].Date.Time) {
			sorted++
		}
	}
	if sorted == len(txns)-1 {
		t.Fatal("the statement should arrive shuffled")
	}
}
