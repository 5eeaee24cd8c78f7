package bankfeedstest

import (
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes caps a request body.
const maxBodyBytes = 10 << 20

// Server is a stateful, in-memory fake of Codat's Bank Feeds API. Create one
// with NewServer (it listens on loopback, like httptest.NewServer) or
// NewHandler (mount Handler on your own server). A Server is safe for
// concurrent use.
type Server struct {
	// URL is the base URL to give the client: bankfeeds.WithBaseURL(srv.URL).
	URL string
	// APIKey is the key the sandbox accepts: bankfeeds.NewClient(srv.APIKey, ...).
	APIKey string

	cfg        config
	authHeader string // "Basic base64(APIKey)"
	clientID   string // SyncStatusResult.clientId
	ts         *httptest.Server
	closed     chan struct{}
	closeOnce  sync.Once
	routes     []route

	consoleToken string       // the per-process token every console control needs (consoleguard.go)
	processing   atomic.Int64 // a write's processing time, ns (WithProcessingTime)

	idem   idemStore
	limits limiter
	clock  clock
	faults faultState
	wh     webhookState // webhook endpoint, queue and delivery (webhooks.go)

	mu          sync.Mutex // guards everything below
	companies   []*company
	companyByID map[string]*company
	tasks       []task
	timing      timing
	scen        scenarioState
}

// NewServer starts a sandbox on a loopback port. Close it when done.
//
//	srv := bankfeedstest.NewServer()
//	defer srv.Close()
//	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.ts = httptest.NewUnstartedServer(s.Handler())
	if s.cfg.baseURL == "" {
		s.cfg.baseURL = "http://" + s.ts.Listener.Addr().String()
	}
	s.URL = s.cfg.baseURL
	s.ts.Start()
	s.applyWebhookOption() // WithWebhook (webhooks.go), once cfg is final
	return s
}

// NewHandler makes a sandbox without a listener: serve Handler() on your own
// http.Server (`bankfeeds sandbox` does). URL is the WithBaseURL option's
// value, or empty; links then use the request's Host.
func NewHandler(opts ...Option) *Server {
	s := newServer(opts)
	s.URL = s.cfg.baseURL
	s.applyWebhookOption() // WithWebhook (webhooks.go)
	return s
}

func newServer(opts []Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{
		APIKey:      cfg.apiKey,
		cfg:         cfg,
		authHeader:  "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.apiKey)),
		clientID:    newUUID(),
		closed:      make(chan struct{}),
		companyByID: make(map[string]*company),
	}
	s.limits.daily, s.limits.perMinute, s.limits.concurrency = cfg.dailyQuota, cfg.perMinute, cfg.companyMax
	s.consoleToken = randomHex(16)
	s.processing.Store(int64(cfg.processing))
	s.timing.set(PushTiming{Delay: cfg.pushDelay, Jitter: cfg.pushJitter, Seed: cfg.pushSeed})
	s.scen.set(cfg.scenarios)
	s.faults.set(Faults{})
	s.buildRoutes()
	return s
}

// Handler returns the sandbox's HTTP handler: the API and the hosted link
// pages behind each linkUrl. Mount it at the root of a server whose address
// is the base URL (see WithBaseURL).
func (s *Server) Handler() http.Handler { return handler{s} }

// handler keeps ServeHTTP off the Server's exported methods.
type handler struct{ s *Server }

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.s.serveHTTP(w, r) }

// Close stops the listener of a Server made by NewServer and waits for the
// requests in progress; requests waiting on a Stall fault end their wait at
// once. It also stops webhook delivery, abandoning the events not yet
// delivered, and waits for its goroutine. It is safe to call more than
// once, and on a Server from NewHandler (which needs it when a webhook was
// registered).
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.ts != nil {
			s.ts.Close()
		}
		s.stopWebhooks() // webhooks.go
	})
}

// SetFaults replaces the faults injected from now on and reseeds their
// generator with f.Seed. SetFaults(Faults{}) turns them off. Counts are kept.
// The same seed also decides which webhooks are duplicated (SetWebhook).
func (s *Server) SetFaults(f Faults) {
	s.faults.set(f)
	s.wh.setFaults(f) // webhook duplicates (webhooks.go)
}

// SetProcessingTime changes how long each POST and PATCH takes from now on
// (see WithProcessingTime). Zero answers them at once.
func (s *Server) SetProcessingTime(d time.Duration) { s.processing.Store(int64(max(0, d))) }

// FaultCounts returns how many faults of each kind have been injected.
func (s *Server) FaultCounts() FaultCounts {
	_, c := s.faults.snapshot()
	return c
}

func (s *Server) now() time.Time { return s.cfg.now().Add(s.clock.get()) }

// base is the public base URL for links in answers to r.
func (s *Server) base(r *http.Request) string {
	if s.cfg.baseURL != "" {
		return s.cfg.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// authorised reports whether r carries "Authorization: Basic base64(key)".
func (s *Server) authorised(r *http.Request) bool {
	got := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, cred, ok := strings.Cut(got, " ")
	return ok && strings.EqualFold(scheme, "Basic") && strings.TrimSpace(cred) == s.authHeader[len("Basic "):]
}

// serveHTTP serves the API, the link pages and the console. The pipeline,
// in order: the browser's favicon (nothing, not counted), link pages and
// console (no API key; only under the sandbox's own host names),
// authentication (401), daily quota (429), body cap (413), latency,
// Idempotency-Key (replay, 409, 422), faults, a write's processing time,
// the operation itself, and the faults that strike after it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	now := s.now()
	// The Date header tells the time by the sandbox's clock, as Codat's tells
	// Codat's: clients that learn the server's time from it see one clock.
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	path := r.URL.Path
	if path == "/favicon.ico" {
		serveFavicon(w) // consoleguard.go
		return
	}
	link, console := path == "/link" || strings.HasPrefix(path, "/link/"), isConsole(path)
	if (link || console) && !s.ownHost(r) {
		refuseHost(w) // consoleguard.go
		return
	}
	if link {
		s.limits.peek(w.Header(), now)
		s.serveLink(w, r)
		return
	}
	if console {
		s.limits.peek(w.Header(), now)
		s.serveConsole(w, r) // console.go
		return
	}
	fault := faultNone
	status := s.serveAPI(w, r, now, &fault)
	s.limits.served(fault == faultRateLimit)
	if l := s.cfg.logger; l != nil {
		l.LogAttrs(r.Context(), slog.LevelInfo, "bankfeedstest",
			slog.String("method", r.Method), slog.String("path", path), slog.Int("status", status),
			slog.String("fault", fault.String()), slog.Duration("duration", time.Since(started)))
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, now time.Time, fault *faultKind) int {
	h := w.Header()
	if !s.authorised(r) {
		s.limits.peek(h, now)
		return write(w, errorResp(http.StatusUnauthorized, "Unauthorized"))
	}
	switch s.limits.admit(h, now) {
	case overMinute:
		return write(w, errorResp(http.StatusTooManyRequests, "You have made too many requests this minute. Wait for the time given in Retry-After."))
	case overDaily:
		return write(w, errorResp(http.StatusTooManyRequests, "You have exceeded your daily quota of requests. It resets at midnight UTC."))
	}
	if co := companyOf(r.URL.Path); !s.limits.enter(co) {
		h.Set("Retry-After", "1")
		return write(w, errorResp(http.StatusTooManyRequests, "Too many requests are in flight for this company (Codat allows 10 at once). Retry after the time given in Retry-After."))
	} else {
		defer s.limits.leave(co)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return write(w, errorResp(http.StatusRequestEntityTooLarge, "The request body is larger than 10 MiB."))
		}
		return write(w, badRequest("The request body could not be read."))
	}
	if d := s.faults.latency(r.URL.Path); d > 0 {
		sleepCtx(r.Context(), s.closed, d)
	}

	key := ""
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		key = r.Header.Get("Idempotency-Key")
	}
	if key != "" {
		if len(key) > maxIdempotencyKey {
			return write(w, badRequest("The Idempotency-Key header is too long."))
		}
		outcome, cached := s.idem.begin(key, fingerprint(r, body), now)
		switch outcome {
		case idemReplay:
			h.Set("Idempotent-Replayed", "true")
			return write(w, cached)
		case idemInFlight:
			return write(w, errorResp(http.StatusConflict, "A request with this Idempotency-Key is still being processed. Retry later with the same key."))
		case idemMismatch:
			return write(w, errorResp(http.StatusUnprocessableEntity, "This Idempotency-Key was already used for a different request."))
		}
	}
	finish := func(resp response) {
		if key != "" {
			s.idem.finish(key, resp, s.now())
		}
	}

	kind, f := s.faults.draw(r.URL.Path)
	*fault = kind
	switch kind {
	case faultServerErrorBefore:
		resp := serverError()
		finish(resp)
		return write(w, resp)
	case faultRateLimit:
		h.Set("X-Rate-Limit-Remaining", "0")
		resp := rateLimited(f.RetryAfter)
		finish(resp) // a 429 releases the key
		return write(w, resp)
	case faultStall:
		sleepCtx(r.Context(), s.closed, f.StallFor)
	}

	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		sleepCtx(r.Context(), s.closed, time.Duration(s.processing.Load())) // WithProcessingTime: the key is in flight meanwhile
	}
	resp := s.dispatch(r, body)
	switch kind {
	case faultServerErrorAfter:
		resp = serverError()
	case faultLostAfterCommit:
		finish(resp)
		dropConnection(w)
		return 0
	}
	finish(resp)
	return write(w, resp)
}

// dispatch routes a request to its operation and runs it with the state
// locked, after completing whatever work has come due.
func (s *Server) dispatch(r *http.Request, body []byte) response {
	handle, params, wrongMethod := s.match(r.Method, r.URL.EscapedPath())
	if handle == nil {
		if wrongMethod {
			return errorResp(http.StatusMethodNotAllowed, "The method "+r.Method+" is not allowed on this path.")
		}
		return notFound("No operation of the Bank Feeds API matches this path.")
	}
	q := &request{r: r, params: params, body: body, base: s.base(r)}
	s.mu.Lock()
	defer s.mu.Unlock()
	q.now = s.now()
	s.settleLocked()
	return handle(s, q)
}

// write writes resp and returns its status.
func write(w http.ResponseWriter, resp response) int {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if resp.body != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	if resp.body != nil {
		_, _ = w.Write(resp.body)
	}
	return resp.status
}

// later queues work to run once the push timing's delay has passed (real
// time). Callers hold mu.
func (s *Server) later(run func(now time.Time)) {
	s.tasks = append(s.tasks, task{due: time.Now().Add(s.timing.draw()), run: run})
	s.wh.wake() // with a webhook registered, its goroutine settles the task when due
}

// at queues work to run once the sandbox clock reaches when (Advance gets
// there without waiting). Callers hold mu.
func (s *Server) at(when time.Time, run func(now time.Time)) {
	s.tasks = append(s.tasks, task{at: when, run: run})
	s.wh.wake()
}

// settleLocked runs the queued work that has come due, in the order it was
// queued; work a task queues runs on a later settle. Callers hold mu.
func (s *Server) settleLocked() {
	if len(s.tasks) == 0 {
		return
	}
	real, now := time.Now(), s.now()
	var due []task
	keep := s.tasks[:0:0]
	for _, t := range s.tasks {
		if t.dueBy(real, now) {
			due = append(due, t)
		} else {
			keep = append(keep, t)
		}
	}
	if len(due) == 0 {
		return
	}
	s.tasks = keep
	for _, t := range due {
		t.run(now)
	}
}

// nextDueLocked is how long, in real time, until the next task is due,
// counting the sandbox clock as running at real speed; false: none queued.
func (s *Server) nextDueLocked() (time.Duration, bool) {
	if len(s.tasks) == 0 {
		return 0, false
	}
	real, now := time.Now(), s.now()
	wait := time.Duration(1<<63 - 1)
	for _, t := range s.tasks {
		if !t.at.IsZero() {
			wait = min(wait, t.at.Sub(now))
		} else {
			wait = min(wait, t.due.Sub(real))
		}
	}
	return max(wait, 0), true
}
