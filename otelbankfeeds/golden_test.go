package otelbankfeeds_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// volatile attributes change from run to run: the sandbox's port and what
// is left of its quota.
var volatile = map[string]bool{"server.port": true, "codat.rate_limit.remaining": true}

// TestPushAllTreeGolden holds the whole trace of a PushAll of 2,500
// transactions without faults (three chunks, each pushed and polled once)
// to testdata/pushall.golden, ids replaced by names.
func TestPushAllTreeGolden(t *testing.T) {
	j := newJourney(t, bankfeedstest.WithPushDelay(0))
	tm := newTelemetry(t)
	c := j.client(t, tm.hooks)
	res, err := c.Transactions.PushAll(context.Background(), j.company, j.connection, j.account, statement(2500),
		&bankfeeds.PushAllOptions{Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{j.srv.URL, "{base}", j.company, "{company}", j.connection, "{connection}", j.account, "{account}"}
	for i, op := range res.Operations {
		names = append(names, op.PushOperationKey, "{op"+string(rune('1'+i))+"}")
	}
	got := renderTree(newSpanTree(tm.spans.GetSpans()), strings.NewReplacer(names...))
	golden(t, "pushall.golden", got)
}

func renderTree(tree *spanTree, r *strings.Replacer) string {
	var b strings.Builder
	var walk func(s *tracetest.SpanStub, depth int)
	walk = func(s *tracetest.SpanStub, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(s.Name)
		b.WriteString(" [" + s.SpanKind.String())
		if s.Status.Code.String() != "Unset" {
			b.WriteString(" " + s.Status.Code.String())
		}
		b.WriteString("]")
		var kv []string
		for _, a := range s.Attributes {
			if !volatile[string(a.Key)] {
				kv = append(kv, string(a.Key)+"="+r.Replace(a.Value.String()))
			}
		}
		sort.Strings(kv)
		for _, s := range kv {
			b.WriteString("\n" + strings.Repeat("  ", depth+2) + s)
		}
		b.WriteString("\n")
		for _, k := range tree.kids(s) {
			walk(k, depth+1)
		}
	}
	for _, root := range tree.roots {
		walk(root, 0)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from what was recorded; got:\n%s", path, got)
	}
}
