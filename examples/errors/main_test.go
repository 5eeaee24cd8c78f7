package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	t.Setenv("CODAT_API_KEY", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"1. refused before sending (field companyID)", "2. not found (status 404, correlation id present: true)",
		"3. the guard refused transaction 0: balance", "4. rate limited after", "5. the context's deadline passed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
