// Command bankfeeds is a command line for Codat's Bank Feeds API: push a
// bank statement file (camt.053/052, OFX/QFX, MT940/MT942, BAI2, CSV),
// manage companies, connections, source accounts and push operations, hand
// out link URLs and Sage OTPs, receive and forward webhooks, and serve the
// sandbox.
//
//	bankfeeds push statement.xml --company C --connection CC --account A
//	bankfeeds push statement.sta --dry-run --json
//	bankfeeds companies list
//	bankfeeds listen --forward-to http://localhost:8080/codat/webhooks
//	bankfeeds sandbox -addr 127.0.0.1:8080
//
// It reads CODAT_API_KEY and CODAT_BASE_URL (default https://api.codat.io,
// or --base-url); the key is never a flag, so it stays out of ps. Every
// command takes --json (errors then go to stderr as {"error", "exitCode"}).
//
// Install it from a clone with "go install ./cmd/bankfeeds" (its go.mod
// points at the local modules with replace lines, which
// "go install module@version" refuses), or take a release binary.
//
// # push FILE
//
// push reads any statement file the package statement reads (or - for
// standard input), refuses a file of several accounts without
// --statement-account, refuses a statement whose balances do not chain
// unless --allow-balance-break, and pushes with PushAll (--batch-size,
// --not-before for the account's high-water mark, --idempotency-key to make
// a rerun within Codat's replay window safe, --platform for its rules). A
// progress bar is drawn when stderr is a terminal, plain lines otherwise; a
// summary ends it. --dry-run --json prints a JSON array of {"account",
// "currency", "openingBalance", "closingBalance", "transactions": [...]},
// amounts as JSON numbers and the transactions as the SDK sends them, and
// sends nothing.
//
// # link, listen, sandbox
//
// link prints a fresh linkUrl, or for Sage Bank Feeds the connection id and
// an OTP to give the user. listen --forward-to URL receives webhooks on
// --addr (default 127.0.0.1:4242), verifies each with the secret in
// --secret or CODAT_WEBHOOK_SECRET (never printed), prints it, forwards the
// original body and headers to the URL and answers with the forward's
// status, so a failing endpoint is delivered again. sandbox serves the
// sandbox of the package bankfeedstest, its console and its link pages
// (bankfeeds sandbox -h lists its flags).
//
// # Exit codes
//
//   - 0: success.
//   - 1: an API call or a push failed (the message names the chunk and the
//     push operation).
//   - 2: a usage error, or a file that cannot be read (the message names the
//     line or element).
//   - 3: a statement's balances do not chain (pass --allow-balance-break to
//     push it anyway); nothing was pushed.
//   - 4: the ordering guard refused the transactions; nothing was sent.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns
// the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	cmd := app.root()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return app.exit(err)
}
