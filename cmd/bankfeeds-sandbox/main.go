// Command bankfeeds-sandbox serves the bankfeedstest sandbox, an in-memory
// fake of Codat's Bank Feeds API, to any HTTP client:
//
//	bankfeeds-sandbox -addr 127.0.0.1:8080
//
// It is the same as `bankfeeds sandbox` (go run ./cmd/bankfeeds sandbox),
// which replaces it; see package internal/sandboxcmd for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bankfeeds-go/bankfeeds/internal/sandboxcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := sandboxcmd.Run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bankfeeds-sandbox:", err)
		}
		stop()
		os.Exit(2)
	}
}
