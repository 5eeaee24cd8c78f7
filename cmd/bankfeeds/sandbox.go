package main

import (
	"errors"
	"flag"

	"github.com/bankfeeds-go/bankfeeds/internal/sandboxcmd"
	"github.com/spf13/cobra"
)

func (a *app) sandboxCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox [flags]",
		Short: "Serve the in-memory Codat Bank Feeds sandbox (bankfeeds sandbox -h for its flags)",
		Long: `sandbox serves bankfeedstest, a stateful in-memory fake of Codat's Bank Feeds
API, with its link pages and console, until interrupted. It prints its base
URL and API key: export them as CODAT_BASE_URL and CODAT_API_KEY to point
the other commands at it. Its flags (-addr, -key, -push-delay, -faults,
-webhook-url, ...) are listed by bankfeeds sandbox -h.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := sandboxcmd.Run(cmd.Context(), args, a.stdout, a.stderr)
			switch {
			case errors.Is(err, flag.ErrHelp):
				return nil
			case err != nil:
				return &exitError{exitUsage, err} // bad flags, or an address it cannot listen on
			}
			return nil
		},
	}
}
