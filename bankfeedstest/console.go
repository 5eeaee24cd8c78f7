package bankfeedstest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The console: the accounting side as a person sees it, served at "/" with
// no API key, like the link pages. Plain server-rendered HTML (console
// views in consoleview.go, templates in consoletmpl.go), every value
// escaped by html/template, no script and nothing from the network.
//
//	GET  /                                                   companies, connections, accounts, limits, controls
//	GET  /console/companies/{c}/connections/{cc}/targets/{t} a target account's bank feed (the register)
//	GET  /console/companies/{c}/pushes                       a company's push operations
//	GET  /console/webhooks                                   webhook deliveries and their attempts
//	POST /console/clock                                      advance the sandbox clock (advance=36h)
//	POST /console/faults                                     inject or clear faults
//	POST /console/scenarios                                  switch scenarios on or off
//	POST /console/webhooks/redeliver                         redeliver events since a time
//	POST /console/companies/{c}/connections/{cc}/accounts/{a}/disconnect
//
// Every control is also a method of Server (Advance, SetFaults,
// SetScenarios, RedeliverWebhooks, Disconnect), and the forms are plain
// POSTs a script can send with curl and the API's Authorization header.
// A control needs the sandbox's per-process token (every form carries it)
// or the API key, and is refused from another origin (the browser's
// Sec-Fetch-Site says cross-site or same-site); pages answer only under
// the sandbox's own host names (consoleguard.go).

// isConsole reports whether a path is the console's.
func isConsole(path string) bool {
	return path == "/" || path == "/console" || strings.HasPrefix(path, "/console/")
}

func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'self'")
	segs, ok := splitPath(r.URL.EscapedPath())
	if !ok {
		s.consoleError(w, http.StatusNotFound, "There is no page here.")
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			s.consoleError(w, http.StatusBadRequest, "The form could not be read.")
			return
		}
		if !s.controlAllowed(r) { // consoleguard.go
			s.consoleError(w, http.StatusForbidden, "The console takes controls only from its own pages (their forms carry its token) or with the API key.")
			return
		}
		s.consoleAction(w, r, segs)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.consoleError(w, http.StatusMethodNotAllowed, "This page does not take that request.")
		return
	}
	switch {
	case len(segs) == 1 && (segs[0] == "" || segs[0] == "console"):
		s.render(w, http.StatusOK, "overview", s.overviewView(r))
	case len(segs) == 2 && segs[1] == "webhooks":
		s.render(w, http.StatusOK, "webhooks", s.webhooksView(r))
	case len(segs) == 4 && segs[1] == "companies" && segs[3] == "pushes":
		v, ok := s.pushesView(segs[2])
		if !ok {
			s.consoleError(w, http.StatusNotFound, "This company does not exist or was deleted.")
			return
		}
		s.render(w, http.StatusOK, "pushes", v)
	case len(segs) == 7 && segs[1] == "companies" && segs[3] == "connections" && segs[5] == "targets":
		v, ok := s.registerView(segs[2], segs[4], segs[6])
		if !ok {
			s.consoleError(w, http.StatusNotFound, "This bank account does not exist or was deleted.")
			return
		}
		s.render(w, http.StatusOK, "register", v)
	default:
		s.consoleError(w, http.StatusNotFound, "There is no page here.")
	}
}

// consoleAction runs a control and sends the browser back where it was.
func (s *Server) consoleAction(w http.ResponseWriter, r *http.Request, segs []string) {
	back, notice := "/", ""
	switch {
	case len(segs) == 2 && segs[1] == "clock":
		d, err := time.ParseDuration(strings.TrimSpace(r.PostFormValue("advance")))
		if err != nil || d <= 0 {
			s.consoleError(w, http.StatusBadRequest, "Advance the clock by a positive duration, such as 90m, 36h or 72h.")
			return
		}
		now, _ := s.Advance(d)
		notice = "The sandbox clock moved " + d.String() + " forward, to " + now.UTC().Format("2006-01-02 15:04:05") + " UTC."
	case len(segs) == 2 && segs[1] == "faults":
		f, err := faultsFromForm(r.PostForm)
		if err != nil {
			s.consoleError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.SetFaults(f)
		notice = "Faults set."
		if !f.any() && f.Latency == 0 {
			notice = "Faults cleared."
		}
	case len(segs) == 2 && segs[1] == "scenarios":
		sc, err := scenariosFromForm(r.PostForm)
		if err != nil {
			s.consoleError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.SetScenarios(sc)
		notice = "Scenarios set."
	case len(segs) == 3 && segs[1] == "webhooks" && segs[2] == "redeliver":
		since, err := parseInstant(r.PostFormValue("since"))
		if err != nil {
			s.consoleError(w, http.StatusBadRequest, "Give the time to redeliver from, such as 2026-03-10T09:00 (UTC).")
			return
		}
		n := s.RedeliverWebhooks(since)
		back, notice = "/console/webhooks", strconv.Itoa(n)+" event(s) queued for redelivery."
	case len(segs) == 8 && segs[1] == "companies" && segs[3] == "connections" && segs[5] == "accounts" && segs[7] == "disconnect":
		if err := s.Disconnect(segs[2], segs[4], segs[6]); err != nil {
			s.consoleError(w, http.StatusBadRequest, "The account could not be disconnected: it is not connected, or no longer exists.")
			return
		}
		notice = "Source account " + segs[6] + " disconnected."
	default:
		s.consoleError(w, http.StatusNotFound, "There is no control here.")
		return
	}
	http.Redirect(w, r, back+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

// formReader reads a control form's fields, keeping the first error.
type formReader struct {
	v   url.Values
	err error
}

// num reads a probability from 0 to 1.
func (f *formReader) num(name string, p *float64) {
	if x := strings.TrimSpace(f.v.Get(name)); x != "" && f.err == nil {
		n, e := strconv.ParseFloat(x, 64)
		if e != nil || !(n >= 0 && n <= 1) { // NaN too
			f.err = errorf("%s must be a probability from 0 to 1", name)
		}
		*p = n
	}
}

// dur reads a duration that is not negative.
func (f *formReader) dur(name string, d *time.Duration) {
	if x := strings.TrimSpace(f.v.Get(name)); x != "" && f.err == nil {
		n, e := time.ParseDuration(x)
		if e != nil || n < 0 {
			f.err = errorf("%s must be a duration such as 2s", name)
		}
		*d = n
	}
}

// seed reads a whole number.
func (f *formReader) seed(p *int64) {
	if x := strings.TrimSpace(f.v.Get("seed")); x != "" && f.err == nil {
		n, e := strconv.ParseInt(x, 10, 64)
		if e != nil {
			f.err = errorf("seed must be a whole number")
		}
		*p = n
	}
}

// faultsFromForm reads the faults form: probabilities from 0 to 1, and
// durations.
func faultsFromForm(v url.Values) (Faults, error) {
	if v.Get("clear") != "" {
		return Faults{}, nil
	}
	var f Faults
	r := &formReader{v: v}
	r.seed(&f.Seed)
	r.num("serverErrorBefore", &f.ServerErrorBefore)
	r.num("rateLimit", &f.RateLimit)
	r.num("lostAfterCommit", &f.LostAfterCommit)
	r.num("serverErrorAfter", &f.ServerErrorAfter)
	r.num("stall", &f.Stall)
	r.num("webhookDuplicate", &f.WebhookDuplicate)
	r.dur("retryAfter", &f.RetryAfter)
	r.dur("stallFor", &f.StallFor)
	r.dur("latency", &f.Latency)
	f.Paths = strings.TrimSpace(v.Get("paths"))
	if r.err != nil {
		return Faults{}, r.err
	}
	return f, nil
}

// scenariosFromForm reads the scenarios form.
func scenariosFromForm(v url.Values) (Scenarios, error) {
	if v.Get("clear") != "" {
		return Scenarios{}, nil
	}
	var sc Scenarios
	r := &formReader{v: v}
	r.seed(&sc.Seed)
	r.num("longPending", &sc.LongPending)
	r.dur("pendingFor", &sc.PendingFor)
	r.num("timedOutWritten", &sc.TimedOutWritten)
	r.num("qboDisconnect", &sc.QBODisconnect)
	r.dur("disconnectAfter", &sc.DisconnectAfter)
	if r.err != nil {
		return Scenarios{}, r.err
	}
	return sc, nil
}

func (s *Server) consoleError(w http.ResponseWriter, status int, msg string) {
	s.render(w, status, "error", pageView{Title: http.StatusText(status), Error: msg})
}

// errorf makes an error for a person to read.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// ParseFaults reads faults written as comma-separated name=value pairs,
// the names of the console's form: seed, serverErrorBefore, rateLimit,
// lostAfterCommit, serverErrorAfter, stall, webhookDuplicate (probabilities
// from 0 to 1), retryAfter, stallFor, latency (durations) and paths, as in
// "seed=1,serverErrorBefore=0.1,lostAfterCommit=0.05". The sandbox command's
// -faults flag takes it.
func ParseFaults(s string) (Faults, error) {
	v, err := pairs(s, "seed", "serverErrorBefore", "rateLimit", "lostAfterCommit", "serverErrorAfter", "stall",
		"webhookDuplicate", "retryAfter", "stallFor", "latency", "paths")
	if err != nil {
		return Faults{}, err
	}
	return faultsFromForm(v)
}

// ParseScenarios reads scenarios written as ParseFaults reads faults: seed,
// longPending, pendingFor, timedOutWritten, qboDisconnect,
// disconnectAfter, as in "seed=3,qboDisconnect=1,disconnectAfter=72h". The
// sandbox command's -scenarios flag takes it.
func ParseScenarios(s string) (Scenarios, error) {
	v, err := pairs(s, "seed", "longPending", "pendingFor", "timedOutWritten", "qboDisconnect", "disconnectAfter")
	if err != nil {
		return Scenarios{}, err
	}
	return scenariosFromForm(v)
}

// pairs splits "a=1,b=2", refusing a name not in known.
func pairs(s string, known ...string) (url.Values, error) {
	v := url.Values{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		name, value, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, errorf("%q is not name=value", p)
		}
		if name = strings.TrimSpace(name); !contains(known, name) {
			return nil, errorf("%q is not one of %s", name, strings.Join(known, ", "))
		}
		v.Set(name, strings.TrimSpace(value))
	}
	return v, nil
}
