package bankfeedstest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: the
// sandbox completes work lazily, and its one goroutine (webhook delivery,
// only once a webhook is registered) must end with Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
