package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCSVImport(t *testing.T) {
	t.Setenv("CODAT_API_KEY", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out, strings.NewReader(sample), "akxx"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "pushed 7 transactions in 1 push operation(s)") {
		t.Fatalf("unexpected output:\n%s", got)
	}
	// Oldest first, whatever the file's order.
	if strings.Index(got, "ST-1002") > strings.Index(got, "ST-1003") {
		t.Errorf("not in date order:\n%s", got)
	}
}

func TestReadStatementRefusesBadRows(t *testing.T) {
	for _, in := range []string{
		"wrong,header,x,y,z\n",
		"id,date,description,amount,balance\nA,yesterday,x,1.00,1.00\n",
		"id,date,description,amount,balance\nA,2026-10-01,x,1.0.0,1.00\n",
		"id,date,description,amount,balance\nA,2026-10-01,x,1.00\n",
	} {
		if _, err := readStatement(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

// The statement in either order (banks export newest first) lands the same
// lines in the same order: lines that share a time are ordered by their
// running balances.
func TestCSVImportEitherOrder(t *testing.T) {
	t.Setenv("CODAT_API_KEY", "")
	rows := strings.Split(strings.TrimSpace(sample), "\n")
	reversed := []string{rows[0]}
	for i := len(rows) - 1; i > 0; i-- {
		reversed = append(reversed, rows[i])
	}
	landed := func(in string) string {
		var out bytes.Buffer
		if err := run(context.Background(), &out, strings.NewReader(in), "akxx"); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		// The lines as they landed, after the "pushed" line.
		_, after, _ := strings.Cut(out.String(), "push operation(s)\n")
		return after
	}
	oldestFirst, newestFirst := landed(sample), landed(strings.Join(reversed, "\n")+"\n")
	if oldestFirst == "" || oldestFirst != newestFirst {
		t.Fatalf("either order must land the same sequence:\n%s\nvs\n%s", oldestFirst, newestFirst)
	}
	if !strings.Contains(strings.TrimSpace(newestFirst), "ST-1007") || strings.Index(newestFirst, "ST-1004") > strings.Index(newestFirst, "ST-1005") {
		t.Fatalf("not in balance order:\n%s", newestFirst)
	}
}
