// Package sandboxcmd is the sandbox command, served as `bankfeeds sandbox`:
// it serves the
// bankfeedstest sandbox, an in-memory fake of Codat's Bank Feeds API, to any
// HTTP client:
//
//	go run ./cmd/bankfeeds sandbox -addr 127.0.0.1:8080
//
// Run prints its base URL and API key, serves the API under the base URL and
// the hosted link page behind each connection's linkUrl (where a person
// authorises the connection and maps its accounts), and shuts down
// gracefully when its context ends (the commands end it on SIGINT or
// SIGTERM). State lives in memory and is lost when
// it stops.
//
// Flags:
//
//	-addr         address to listen on (default 127.0.0.1:8080)
//	-key          API key to accept (default: a random one, printed)
//	-base-url     public base URL for links (default http://<addr>)
//	-push-delay           how long push operations stay Pending (default 20ms)
//	-push-jitter, -seed   a random extra time for each push, up to this, seeded
//	-daily-quota          requests a UTC day before 429 (default 0: none)
//	-rate-limit           requests a minute before 429 (default 0: none)
//	-company-concurrency  requests in flight per company before 429 (default 10)
//	-faults               faults to inject: seed=1,serverErrorBefore=0.1,...
//	-scenarios            scenarios: seed=1,longPending=0.2,qboDisconnect=1,...
//	-advance              start the sandbox clock this far ahead (e.g. 36h)
//	-webhook-url, -webhook-secret  deliver signed webhooks there
//	-v                    log every request to stderr
//
// The console at the base URL shows companies, connections, each target
// account's bank feed, push operations, webhooks and the limits, and holds
// the controls: disconnect an account, faults, scenarios, redeliver
// webhooks, advance the clock (plain form POSTs, which curl can send too).
package sandboxcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// shutdownGrace bounds how long in-flight requests may run after a signal.
const shutdownGrace = 10 * time.Second

// Run parses args (without the program name), serves the sandbox until ctx
// is done, then shuts down gracefully. Its banner and "stopped" go to stdout;
// usage, errors of flags and the -v request log go to stderr. A -h answers
// flag.ErrHelp.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bankfeeds sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	key := fs.String("key", "", "API key to accept (default: random)")
	baseURL := fs.String("base-url", "", "public base URL for links (default http://<addr>)")
	delay := fs.Duration("push-delay", bankfeedstest.DefaultPushDelay, "how long push operations stay Pending")
	quota := fs.Int("daily-quota", 0, "authenticated requests a day before 429 (0: no limit)")
	verbose := fs.Bool("v", false, "log every request to stderr")
	hookURL := fs.String("webhook-url", "", "endpoint to deliver signed webhooks to (default: none)")
	hookSecret := fs.String("webhook-secret", "", "the endpoint's whsec_ secret (default: a new one, printed)")
	jitter := fs.Duration("push-jitter", 0, "a random extra time, up to this, for each push operation")
	seed := fs.Int64("seed", 0, "seed of the push jitter")
	perMinute := fs.Int("rate-limit", 0, "authenticated requests a minute before 429 (0: no limit)")
	concurrency := fs.Int("company-concurrency", bankfeedstest.DefaultCompanyConcurrency, "requests in flight per company before 429 (0: no limit)")
	faultSpec := fs.String("faults", "", "faults to inject, such as seed=1,serverErrorBefore=0.1,lostAfterCommit=0.05")
	scenSpec := fs.String("scenarios", "", "scenarios to switch on, such as seed=1,longPending=0.2,qboDisconnect=1,disconnectAfter=72h")
	advance := fs.Duration("advance", 0, "start the sandbox clock this far ahead of the real time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *delay < 0 || *quota < 0 || *jitter < 0 || *perMinute < 0 || *concurrency < 0 || *advance < 0 {
		return errors.New("-push-delay, -push-jitter, -daily-quota, -rate-limit, -company-concurrency and -advance must not be negative")
	}
	faults, err := bankfeedstest.ParseFaults(*faultSpec)
	if err != nil {
		return fmt.Errorf("-faults: %w", err)
	}
	scenarios, err := bankfeedstest.ParseScenarios(*scenSpec)
	if err != nil {
		return fmt.Errorf("-scenarios: %w", err)
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
		bankfeedstest.WithPushTiming(bankfeedstest.PushTiming{Delay: *delay, Jitter: *jitter, Seed: *seed}),
		bankfeedstest.WithDailyQuota(*quota),
		bankfeedstest.WithRateLimit(*perMinute),
		bankfeedstest.WithCompanyConcurrency(*concurrency),
		bankfeedstest.WithScenarios(scenarios),
	}
	if *key != "" {
		opts = append(opts, bankfeedstest.WithAPIKey(*key))
	}
	if *verbose {
		opts = append(opts, bankfeedstest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	sb := bankfeedstest.NewHandler(opts...)
	sb.SetFaults(faults)
	if _, err := sb.Advance(*advance); err != nil {
		ln.Close()
		return err
	}
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
	fmt.Fprintf(stdout, "  console:  %s/\n", base)
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
