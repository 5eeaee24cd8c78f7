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
// It reads CODAT_API_KEY (and CODAT_BASE_URL, default https://api.codat.io;
// CODAT_WEBHOOK_SECRET for listen). Every command takes --json.
//
// Exit codes: 0 success; 1 an API or push failure; 2 a usage error or a
// file that cannot be read; 3 a statement whose balances do not chain
// (pass --allow-balance-break to push it anyway); 4 transactions the
// ordering guard refuses (nothing was sent).
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
