package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK       = 0
	exitAPI      = 1 // an API call or a push failed
	exitUsage    = 2 // bad flags or arguments, or a file that cannot be read
	exitBalances = 3 // a statement's balances do not chain
	exitGuard    = 4 // the ordering guard refused the transactions
)

const exitCodesHelp = `Exit codes:
  0  success
  1  an API call or a push failed
  2  a usage error, or a file that cannot be read
  3  a statement's balances do not chain (see --allow-balance-break)
  4  the ordering guard refused the transactions; nothing was sent`

// exitError carries an exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, a...)}
}

// app holds the streams and the flags every command shares.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	json           bool
	baseURL        string
	getenv         func(string) string
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "bankfeeds",
		Short: "Push bank statements to Codat's Bank Feeds API, and manage its feeds",
		Long: `bankfeeds pushes bank statement files (camt.053/052, OFX/QFX, MT940/MT942,
BAI2, CSV) to Codat's Bank Feeds API and manages companies, connections,
source accounts and push operations.

Environment:
  CODAT_API_KEY         the API key from the Codat Portal (never a flag, so it stays out of ps)
  CODAT_BASE_URL        the API's address (default https://api.codat.io; the sandbox's URL)
  CODAT_WEBHOOK_SECRET  the webhook endpoint's whsec_ secret, for listen

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.PersistentFlags().BoolVar(&a.json, "json", false, "write JSON to standard output, for scripts")
	root.PersistentFlags().StringVar(&a.baseURL, "base-url", "", "the API's address (default $CODAT_BASE_URL or https://api.codat.io)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{exitUsage, err} })
	root.AddCommand(a.pushCmd(), a.companiesCmd(), a.connectionsCmd(), a.accountsCmd(), a.opsCmd(), a.linkCmd(), a.listenCmd(), a.sandboxCmd())
	return root
}

// exit prints err in one line and returns its exit code.
func (a *app) exit(err error) int {
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if a.json {
		_ = json.NewEncoder(a.stderr).Encode(map[string]any{"error": msg, "exitCode": code})
	} else {
		fmt.Fprintln(a.stderr, "bankfeeds: "+msg)
	}
	return code
}

func exitCode(err error) int {
	var ee *exitError
	var ve *bankfeeds.ValidationError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ve):
		return exitGuard
	case isCobraUsage(err):
		return exitUsage
	}
	return exitAPI
}

// isCobraUsage recognises the errors cobra makes for unknown commands and
// wrong argument counts, which it does not type.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument", "required flag", "flag needs an argument"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// client makes an API client from the environment.
func (a *app) client() (*bankfeeds.Client, error) {
	key := a.getenv("CODAT_API_KEY")
	if key == "" {
		return nil, usageErr("CODAT_API_KEY is not set")
	}
	base := a.baseURL
	if base == "" {
		base = a.getenv("CODAT_BASE_URL")
	}
	opts := []bankfeeds.Option{bankfeeds.WithUserAgent("bankfeeds-cli/" + bankfeeds.Version)}
	if base != "" {
		opts = append(opts, bankfeeds.WithBaseURL(base))
	}
	c, err := bankfeeds.NewClient(key, opts...)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	return c, nil
}

// out writes v as JSON with --json, else calls plain.
func (a *app) out(v any, plain func(w io.Writer)) error {
	if a.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	plain(a.stdout)
	return nil
}

// outLine is out for streams of events: with --json, one compact JSON
// object a line.
func (a *app) outLine(v any, plain func(w io.Writer)) error {
	if a.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	plain(a.stdout)
	return nil
}
