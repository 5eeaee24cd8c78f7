package statement_test

import (
	"flag"
	"regexp"
)

// update rewrites the golden files: go test ./statement -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// idPattern is the id alphabet the package promises.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._:/+-]{1,64}$`)
