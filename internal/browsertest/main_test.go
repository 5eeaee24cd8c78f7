package browsertest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind, as
// bankfeedstest's own tests do.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
