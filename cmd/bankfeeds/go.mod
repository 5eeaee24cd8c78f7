module github.com/bankfeeds-go/bankfeeds/cmd/bankfeeds

go 1.26.0

require (
	github.com/bankfeeds-go/bankfeeds v0.3.0
	github.com/creack/pty v1.1.24
	github.com/spf13/cobra v1.10.2
	golang.org/x/term v0.48.0
)

require (
	github.com/cockroachdb/apd/v3 v3.2.3 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/bankfeeds-go/bankfeeds => ../../
