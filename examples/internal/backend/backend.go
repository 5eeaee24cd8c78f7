// Package backend gives the examples a client: the embedded sandbox when
// CODAT_API_KEY is unset, Codat itself (CODAT_BASE_URL, default
// https://api.codat.io) when it is set.
package backend

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// Backend is where the examples send their calls.
type Backend struct {
	Client *bankfeeds.Client
	// Sandbox is the embedded sandbox, or nil against Codat.
	Sandbox *bankfeedstest.Server
	out     io.Writer
}

// Open returns the backend the environment asks for. Close it when done.
func Open(out io.Writer, opts ...bankfeedstest.Option) (*Backend, error) {
	if key := os.Getenv("CODAT_API_KEY"); key != "" {
		base := os.Getenv("CODAT_BASE_URL")
		if base == "" {
			base = bankfeeds.DefaultBaseURL
		}
		c, err := bankfeeds.NewClient(key, bankfeeds.WithBaseURL(base))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "using Codat at %s\n", base)
		return &Backend{Client: c, out: out}, nil
	}
	srv := bankfeedstest.NewServer(opts...)
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(10*time.Millisecond, time.Second))
	if err != nil {
		srv.Close()
		return nil, err
	}
	fmt.Fprintln(out, "using the embedded sandbox (set CODAT_API_KEY to use Codat)")
	return &Backend{Client: c, Sandbox: srv, out: out}, nil
}

// Close stops the sandbox, if there is one.
func (b *Backend) Close() {
	if b.Sandbox != nil {
		b.Sandbox.Close()
	}
}

// Authorise does what the SMB user does: on the sandbox it completes the
// link at once; against Codat it tells the user where to go and waits until
// every source account is connected.
func (b *Backend) Authorise(ctx context.Context, conn *bankfeeds.Connection, companyID string) error {
	if b.Sandbox != nil {
		return b.Sandbox.CompleteLink(companyID, conn.ID)
	}
	if conn.IntegrationKey == bankfeeds.PlatformSageBankFeeds {
		otp, err := b.Client.SourceAccounts.GenerateOTP(ctx, companyID, conn.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(b.out, "in Sage, choose Banking > Connect Bank and enter connection id %s and one-time password %s\n", conn.ID, otp.OTP)
	} else {
		fmt.Fprintf(b.out, "open this link to authorise the connection and map the accounts:\n  %s\n", conn.LinkURL)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	for {
		accts, err := b.Client.SourceAccounts.List(ctx, companyID, conn.ID)
		if err != nil {
			return err
		}
		connected := len(accts) > 0
		for _, a := range accts {
			connected = connected && a.Status == bankfeeds.SourceAccountConnected
		}
		if connected {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the user to connect the accounts: %w", ctx.Err())
		case <-time.After(10 * time.Second):
		}
	}
}
