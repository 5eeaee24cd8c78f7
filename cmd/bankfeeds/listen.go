package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bankfeeds-go/bankfeeds/webhooks"
	"github.com/spf13/cobra"
)

type listenFlags struct {
	forwardTo, addr, secret string
	timeout                 time.Duration
}

func (a *app) listenCmd() *cobra.Command {
	var f listenFlags
	cmd := &cobra.Command{
		Use:   "listen --forward-to URL",
		Short: "Receive Codat's webhooks, verify and print them, and forward them to a local endpoint",
		Long: `listen serves an endpoint for Codat's (or the sandbox's) webhooks. Each
delivery is verified with the endpoint's secret (--secret or
CODAT_WEBHOOK_SECRET; it is never printed), printed, and forwarded with its
original body and headers to --forward-to; the forward's status is printed
and answered back, so a failing local endpoint makes Codat deliver again.
Deliveries that fail verification are answered 400 or 401 and not
forwarded. Point a tunnel, or the sandbox's -webhook-url, at --addr.

` + exitCodesHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.listen(cmd.Context(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.forwardTo, "forward-to", "", "URL to forward each verified delivery to (required)")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:4242", "address to listen on")
	fl.StringVar(&f.secret, "secret", "", "the endpoint's whsec_ secret (default $CODAT_WEBHOOK_SECRET)")
	fl.DurationVar(&f.timeout, "forward-timeout", 10*time.Second, "how long a forward may take (Codat waits 15 s)")
	return cmd
}

// listenEvent is what listen prints for a delivery.
type listenEvent struct {
	WebhookID     string    `json:"webhookId"`
	EventID       string    `json:"eventId,omitempty"`
	EventType     string    `json:"eventType,omitempty"`
	Received      time.Time `json:"received"`
	Verified      bool      `json:"verified"`
	Error         string    `json:"error,omitempty"`
	ForwardStatus int       `json:"forwardStatus,omitempty"`
	ForwardError  string    `json:"forwardError,omitempty"`
}

func (a *app) listen(ctx context.Context, f *listenFlags) error {
	if f.forwardTo == "" {
		return usageErr("listen needs --forward-to URL")
	}
	u, err := url.Parse(f.forwardTo)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr("--forward-to %q is not an http or https URL", f.forwardTo)
	}
	secret := f.secret
	if secret == "" {
		secret = a.getenv("CODAT_WEBHOOK_SECRET")
	}
	if secret == "" {
		return usageErr("listen needs the webhook secret: --secret or CODAT_WEBHOOK_SECRET")
	}
	v, err := webhooks.NewVerifier(secret)
	if err != nil {
		return usageErr("the webhook secret is not valid: %v", err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usageErr("listen: %v", err)
	}
	fw := &forwarder{to: f.forwardTo, client: &http.Client{
		Timeout:       f.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	var mu sync.Mutex
	report := func(e listenEvent) {
		mu.Lock()
		defer mu.Unlock()
		_ = a.outLine(e, func(w io.Writer) { printListenEvent(w, e) })
	}
	hs := &http.Server{Handler: a.listenHandler(v, fw, report), ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	mu.Lock()
	_ = a.outLine(map[string]string{"listening": base, "forwardTo": f.forwardTo}, func(w io.Writer) {
		fmt.Fprintf(w, "listening on %s, forwarding to %s (Ctrl-C stops)\n", base, f.forwardTo)
	})
	mu.Unlock()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	<-served
	return err
}

func printListenEvent(w io.Writer, e listenEvent) {
	at := e.Received.Format("15:04:05")
	if !e.Verified {
		fmt.Fprintf(w, "%s  refused delivery %s: %s\n", at, e.WebhookID, e.Error)
		return
	}
	fmt.Fprintf(w, "%s  %s  event %s (webhook-id %s)\n", at, e.EventType, e.EventID, e.WebhookID)
	if e.ForwardError != "" {
		fmt.Fprintf(w, "          forward failed: %s\n", e.ForwardError)
	} else {
		fmt.Fprintf(w, "          forwarded: %d %s\n", e.ForwardStatus, http.StatusText(e.ForwardStatus))
	}
}

// listenHandler verifies, reports and forwards each delivery.
func (a *app) listenHandler(v *webhooks.Verifier, fw *forwarder, report func(listenEvent)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		e := listenEvent{WebhookID: firstHeader(r.Header, webhooks.HeaderID, webhooks.HeaderSvixID), Received: time.Now()}
		body, err := v.VerifyRequest(r)
		if err != nil {
			e.Error = err.Error()
			report(e)
			status := http.StatusUnauthorized
			if errors.Is(err, webhooks.ErrMissingHeaders) || errors.Is(err, webhooks.ErrInvalidTimestamp) {
				status = http.StatusBadRequest
			}
			http.Error(w, "not verified", status)
			return
		}
		e.Verified = true
		if ev, err := webhooks.Decode(body); err == nil {
			e.EventID, e.EventType = ev.ID, string(ev.Type)
		} else {
			e.Error = err.Error()
		}
		status, err := fw.forward(r.Context(), r.Header, body)
		if err != nil {
			e.ForwardError = err.Error()
			report(e)
			http.Error(w, "forward failed", http.StatusBadGateway)
			return
		}
		e.ForwardStatus = status
		report(e)
		w.WriteHeader(status)
	})
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// forwarder sends a delivery on, body and headers as received.
type forwarder struct {
	to     string
	client *http.Client
}

// hopHeaders are not forwarded (RFC 9110 section 7.6.1).
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true, "Host": true,
}

func (f *forwarder) forward(ctx context.Context, h http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.to, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, vs := range h {
		if hopHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return 0, errors.New(strings.TrimSpace(ue.Err.Error()))
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}
