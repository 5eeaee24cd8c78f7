package bankfeedstest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: the
// sandbox completes work lazily and starts none of its own.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
