// Command bankfeeds-sandbox serves the bankfeedstest sandbox, an in-memory
// fake of Codat's Bank Feeds API, to any HTTP client:
//
//	bankfeeds-sandbox -addr 127.0.0.1:8080
//
// It prints its base URL and API key, serves the API under the base URL and
// the hosted link page behind each connection's linkUrl (where a person
// authorises the connection and maps its accounts), and shuts down
// gracefully on SIGINT or SIGTERM. State lives in memory and is lost when
// it stops.
//
// Flags:
//
//	-addr         address to listen on (default 127.0.0.1:8080)
//	-key          API key to accept (default: a random one, printed)
//	-base-url     public base URL for links (default http://<addr>)
//	-push-delay   how long push operations stay Pending (default 20ms)
//	-daily-quota  requests a day before 429 (default 0: none)
//	-v            log every request to stderr
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bankfeeds-sandbox:", err)
		}
		os.Exit(2)
	}
}

// shutdownGrace bounds how long in-flight requests may run after a signal.
const shutdownGrace = 10 * time.Second

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bankfeeds-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	key := fs.String("key", "", "API key to accept (default: random)")
	baseURL := fs.String("base-url", "", "public base URL for links (default http://<addr>)")
	delay := fs.Duration("push-delay", bankfeedstest.DefaultPushDelay, "how long push operations stay Pending")
	quota := fs.Int("daily-quota", 0, "authenticated requests a day before 429 (0: no limit)")
	verbose := fs.Bool("v", false, "log every request to stderr")
	hookURL := fs.String("webhook-url", "", "endpoint to deliver signed webhooks to (default: none)")
	hookSecret := fs.String("webhook-secret", "", "the endpoint's whsec_ secret (default: a new one, printed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *delay < 0 || *quota < 0 {
		return errors.New("-push-delay and -daily-quota must not be negative")
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := *baseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	opts := []bankfeedstest.Option{
		bankfeedstest.WithBaseURL(base),
		bankfeedstest.WithPushDelay(*delay),
		bankfeedstest.WithDailyQuota(*quota),
	}
	if *key != "" {
		opts = append(opts, bankfeedstest.WithAPIKey(*key))
	}
	if *verbose {
		opts = append(opts, bankfeedstest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	sb := bankfeedstest.NewHandler(opts...)
	if *hookURL != "" {
		secret := *hookSecret
		if secret == "" {
			secret = webhooks.NewSecret()
			fmt.Fprintf(stdout, "  webhook secret: %s\n", secret)
		}
		if err := sb.SetWebhook(*hookURL, secret); err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(stdout, "  webhooks to: %s\n", *hookURL)
	}
	hs := &http.Server{
		Handler:           sb.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}

	fmt.Fprintf(stdout, "Codat Bank Feeds sandbox\n  base URL: %s\n  API key:  %s\n", sb.URL, sb.APIKey)
	fmt.Fprintf(stdout, "Use it with bankfeeds.NewClient(%q, bankfeeds.WithBaseURL(%q)). Ctrl-C stops it.\n", sb.APIKey, sb.URL)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sb.Close() // end fault stalls, so in-flight requests finish
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = hs.Shutdown(sctx)
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	fmt.Fprintln(stdout, "stopped")
	return err
}
