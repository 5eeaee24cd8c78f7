package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Handler is an [http.Handler] that receives Codat webhooks: it verifies each
// delivery, decodes it, drops messages it has already handled and calls the
// user's function with the rest. It is safe for concurrent use.
//
// Answers: 200 when the function returned nil or the message was handled
// before; 400 for a missing header, a malformed timestamp or a body that is
// not an event; 401 for a timestamp outside the tolerance or no matching
// signature; 405 (with Allow: POST) for other methods; 409 while another
// delivery of the same message is being handled by this Handler; 413 for a
// body over the cap; 500 when the function returns an error, panics, or the
// dedup store fails. Codat retries every answer that is not 2xx. Response
// bodies are a few fixed words and never carry the function's error.
type Handler struct {
	verifier *Verifier
	fn       func(ctx context.Context, e *Event) error
	store    DedupStore
	ttl      time.Duration
	log      *slog.Logger

	mu       sync.Mutex
	inflight map[string]struct{}
}

// NewHandler returns a Handler for an endpoint's secret ("whsec_…") that
// calls fn once for each message. fn gets the request's context and the
// decoded event, with Event.MessageID set to the delivery's webhook-id.
// Returning an error answers 500, forgets the message id and so makes Codat
// deliver the message again.
//
// Options: [WithTolerance], [WithClock], [WithMaxBodyBytes],
// [WithDedupStore], [WithDedupTTL], [WithLogger]. NewHandler fails with
// [ErrInvalidSecret], when fn is nil, or with an option's error.
func NewHandler(secret string, fn func(ctx context.Context, e *Event) error, opts ...Option) (*Handler, error) {
	if fn == nil {
		return nil, errors.New("webhooks: NewHandler: nil function")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	v, err := newVerifier(secret, cfg)
	if err != nil {
		return nil, err
	}
	store := cfg.store
	if store == nil {
		store = newMemoryStore(cfg.now)
	}
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		verifier: v,
		fn:       fn,
		store:    store,
		ttl:      cfg.ttl,
		log:      log,
		inflight: make(map[string]struct{}),
	}, nil
}

// ServeHTTP handles one delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, id, err := h.verifier.verifyRequest(r)
	if err != nil {
		status, text := verifyStatus(err)
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "webhooks: delivery refused",
			slog.Int("status", status), slog.String("reason", text))
		reply(w, status, text)
		return
	}
	e, err := Decode(body)
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhooks: signed body is not an event",
			slog.String("webhook_id", id), slog.String("error", err.Error()))
		reply(w, http.StatusBadRequest, "invalid event")
		return
	}
	e.MessageID = id

	if !h.acquire(id) {
		reply(w, http.StatusConflict, "delivery in progress")
		return
	}
	defer h.release(id)

	ctx := r.Context()
	seen, err := h.store.Seen(ctx, id, h.ttl)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "webhooks: dedup store failed",
			slog.String("webhook_id", id), slog.String("error", err.Error()))
		reply(w, http.StatusInternalServerError, "dedup store failed")
		return
	}
	if seen {
		h.log.LogAttrs(ctx, slog.LevelDebug, "webhooks: duplicate delivery",
			slog.String("webhook_id", id), slog.String("event_type", string(e.Type)))
		reply(w, http.StatusOK, "duplicate")
		return
	}
	if err := h.call(ctx, id, e); err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "webhooks: handler function failed",
			slog.String("webhook_id", id), slog.String("event_type", string(e.Type)),
			slog.String("error", err.Error()))
		reply(w, http.StatusInternalServerError, "handler failed")
		return
	}
	reply(w, http.StatusOK, "ok")
}

// call runs the user's function. Unless it returns nil, the id is forgotten
// (also when it panics; the panic then continues to net/http).
func (h *Handler) call(ctx context.Context, id string, e *Event) (err error) {
	done := false
	defer func() {
		if done {
			return
		}
		// The request's context may be cancelled by now; forget anyway.
		if ferr := h.store.Forget(context.WithoutCancel(ctx), id); ferr != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "webhooks: cannot forget a failed message; its retries will be dropped",
				slog.String("webhook_id", id), slog.String("error", ferr.Error()))
		}
	}()
	if err := h.fn(ctx, e); err != nil {
		return err
	}
	done = true
	return nil
}

// acquire marks id as being handled by this Handler; false if it already is.
func (h *Handler) acquire(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, busy := h.inflight[id]; busy {
		return false
	}
	h.inflight[id] = struct{}{}
	return true
}

func (h *Handler) release(id string) {
	h.mu.Lock()
	delete(h.inflight, id)
	h.mu.Unlock()
}

// verifyStatus maps a verification error to a status and a short reason that
// quotes nothing from the request.
func verifyStatus(err error) (int, string) {
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "body too large"
	case errors.Is(err, ErrMissingHeaders):
		return http.StatusBadRequest, "missing webhook headers"
	case errors.Is(err, ErrInvalidTimestamp):
		return http.StatusBadRequest, "invalid timestamp"
	case errors.Is(err, ErrTimestampTooOld), errors.Is(err, ErrTimestampTooNew):
		return http.StatusUnauthorized, "timestamp outside tolerance"
	case errors.Is(err, ErrNoMatchingSignature):
		return http.StatusUnauthorized, "invalid signature"
	}
	return http.StatusBadRequest, "cannot read body"
}

// reply writes a short plain-text answer.
func reply(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text + "\n"))
}
