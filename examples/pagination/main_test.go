package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestPagination(t *testing.T) {
	t.Setenv("CODAT_API_KEY", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"page 1: 10 of 23 companies", "page 3: 3 of 23 companies", "all: 23 companies", "query: Toft stores 19 (uk)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "(us)") {
		t.Errorf("the tag filter let a us company through:\n%s", out.String())
	}
}
