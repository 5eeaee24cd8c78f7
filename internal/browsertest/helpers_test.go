package browsertest_test

import (
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// client returns a Client of the sandbox srv with short retry waits.
func client(t *testing.T, srv *bankfeedstest.Server, opts ...bankfeeds.Option) *bankfeeds.Client {
	t.Helper()
	c, err := bankfeeds.NewClient(srv.APIKey, append([]bankfeeds.Option{
		bankfeeds.WithBaseURL(srv.URL),
		bankfeeds.WithRetryWait(time.Millisecond, 20*time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// must returns a function that fails t on an error and otherwise returns
// the value: must[T](t)(f()).
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// dec parses an exact decimal; it panics on a malformed literal.
func dec(s string) bankfeeds.Decimal {
	d, err := bankfeeds.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}
