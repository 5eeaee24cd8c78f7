package bankfeeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// replayWindow is how long after a key's first attempt, by the server's
// clock, PushAll still counts on Codat replaying it. Codat replays a key's
// first answer for 90 minutes; the margin covers the resolution of Date
// headers and the requests' own time.
const replayWindow = 80 * time.Minute

// DefaultClockTolerance is how far any clock of a fleet may be from Codat's
// unless PushAllOptions.ClockTolerance says otherwise (see there).
const DefaultClockTolerance = 5 * time.Minute

// chunkSend is one chunk on its way: its body, encoded once, and what is
// known of the attempts at it.
type chunkSend struct {
	path, company, connection, account string
	lines                              []BankTransaction
	body                               []byte
	hash                               string
	key                                string    // Idempotency-Key of the current attempt
	keySentAt                          time.Time // first attempt under key (the sender's clock)
	firstSentAt                        time.Time // first attempt under any key (the sender's clock)
	since                              time.Time // server-clock lower bound at firstSentAt; zero: not known
	keySince                           time.Time // server-clock lower bound at keySentAt; zero: not known
	firstLocal, keyLocal               bool      // firstSentAt, keySentAt were read on this process's clock
	tolerance                          time.Duration
	sent                               bool   // an attempt may have reached Codat
	opKey                              string // the push operation, once answered
	announced                          string // the key BeforeSend was last told of
}

func newChunkSend(path, company, connection, account string, lines []BankTransaction) *chunkSend {
	body := (&CreateBankTransactions{AccountID: account, Transactions: lines}).appendJSON(nil)
	return &chunkSend{path: path, company: company, connection: connection, account: account,
		lines: lines, body: body, hash: bodyHash(body)}
}

func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// inFlight is what a caller must keep to settle the chunk later.
func (cs *chunkSend) inFlight() *InFlight {
	return &InFlight{CompanyID: cs.company, ConnectionID: cs.connection, AccountID: cs.account,
		Transactions: cs.lines, BodyHash: cs.hash, IdempotencyKey: cs.key, PushOperationKey: cs.opKey,
		KeySentAt: cs.keySentAt, FirstSentAt: cs.firstSentAt, Since: cs.since, KeySince: cs.keySince}
}

// chunkSend rebuilds the chunk an InFlight names, checked by check.
func (fl *InFlight) chunkSend(path string) *chunkSend {
	cs := newChunkSend(path, fl.CompanyID, fl.ConnectionID, fl.AccountID, fl.Transactions)
	if cs.hash != fl.BodyHash { // kept by an SDK before the text rule
		if old := legacyBody(cs.body, fl.BodyHash); old != nil {
			cs.body, cs.hash = old, fl.BodyHash
		}
	}
	cs.key, cs.opKey, cs.sent = fl.IdempotencyKey, fl.PushOperationKey, true
	cs.keySentAt, cs.firstSentAt, cs.since, cs.keySince = fl.KeySentAt, fl.FirstSentAt, fl.Since, fl.KeySince
	return cs
}

// learn fills in the server-clock bounds of the send times this process
// read on its own clock, once an answer has told the server's time: this
// clock has not moved against the server's since (sinceMargin covers a
// small step).
func (cs *chunkSend) learn(clock *serverClock) {
	if cs.since.IsZero() && cs.firstLocal {
		cs.since, _ = clock.serverTime(cs.firstSentAt)
	}
	if cs.keySince.IsZero() && cs.keyLocal {
		cs.keySince, _ = clock.serverTime(cs.keySentAt)
	}
}

// sentAfter is a lower bound of the server's time when the chunk was first
// sent: learnt from the server's clock when known, else the sender's time
// less the clock tolerance (the sender's clock was at most that far ahead).
func (cs *chunkSend) sentAfter(clock *serverClock) time.Time {
	cs.learn(clock)
	if !cs.since.IsZero() {
		return cs.since
	}
	return cs.firstSentAt.Add(-cs.tolerance)
}

// keyReplayed reports whether Codat surely still replays the chunk's key
// at the local time now: its first use, by the server's clock (or by the
// sender's, less the clock tolerance), is less than replayWindow before the
// server's time now. When this process has not learnt the server's time,
// it cannot be sure, and says no.
func (cs *chunkSend) keyReplayed(clock *serverClock, now time.Time) bool {
	cs.learn(clock)
	serverNow, ok := clock.serverTime(now)
	if !ok {
		return false
	}
	sent := cs.keySince
	if sent.IsZero() {
		sent = cs.keySentAt.Add(-cs.tolerance)
	}
	return serverNow.Sub(sent) < replayWindow
}

// check refuses an InFlight that is not this account's or whose chunk is
// not what was sent. A nil InFlight passes.
func (fl *InFlight) check(companyID, connectionID, accountID string) error {
	switch {
	case fl == nil:
		return nil
	case fl.CompanyID != companyID || fl.ConnectionID != connectionID || fl.AccountID != accountID:
		return invalid("InFlight", "was left by a push to another account ("+fl.AccountID+" of connection "+fl.ConnectionID+")")
	case len(fl.Transactions) == 0 || len(fl.Transactions) > MaxTransactionsPerPush:
		return invalid("InFlight", "must hold the 1 to 1000 transactions that were sent")
	case fl.IdempotencyKey == "" || fl.FirstSentAt.IsZero() || fl.KeySentAt.IsZero():
		return invalid("InFlight", "has no idempotency key or send times: pass PushError.InFlight as it was given")
	case fl.PushOperationKey != "" && !isUUID(fl.PushOperationKey):
		return invalid("InFlight", "push operation key "+fl.PushOperationKey+" is not a uuid")
	}
	body := (&CreateBankTransactions{AccountID: accountID, Transactions: fl.Transactions}).appendJSON(nil)
	if bodyHash(body) != fl.BodyHash && legacyBody(body, fl.BodyHash) == nil {
		return invalid("InFlight", "its transactions are not the chunk that was sent (the body hash differs)")
	}
	return nil
}

// deriveKey turns a caller's key, an account, a chunk's body hash and a
// salt into a GUID-shaped key, the same every time for the same inputs.
func deriveKey(base, account, hash, salt string) string {
	h := sha256.New()
	for _, part := range [...]string{base, account, hash, salt} {
		h.Write([]byte(part))
		h.Write([]byte{0}) // no two lists of parts join alike
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	x := hex.EncodeToString(sum[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// nextKey is the key a chunk is sent under once its current key cannot be
// used again (a cached 5xx, or a window past replay): derived from the
// current one, so a restarted process makes the same choice.
func (cs *chunkSend) nextKey(clock *serverClock) {
	cs.key = deriveKey(cs.key, cs.account, cs.hash, "next")
	now := time.Now() // before its first attempt: the window only ends sooner
	cs.keySentAt, cs.keyLocal = now.UTC(), true
	cs.keySince, _ = clock.serverTime(now)
}

// pushChunk sends one chunk until Codat holds it exactly once, and waits
// for its push operation to end. The chunk has passed the guard with the
// rest, so it is sent as it is.
func (s *TransactionsService) pushChunk(ctx context.Context, cs *chunkSend, o *PushAllOptions) (*PushOperation, error) {
	sentAt := time.Now()
	op, err := s.sendChunk(ctx, cs, o)
	if err != nil || op.Status.Final() {
		return op, err
	}
	done, err := s.waitFor(ctx, cs.company, op.PushOperationKey, o.Wait, sentAt)
	if err != nil {
		return op, err // the operation as Codat accepted it
	}
	return done, nil
}

// prepareSend marks the chunk as sent at now: its first send, and its
// key's first send.
func (cs *chunkSend) prepareSend(now time.Time, clock *serverClock) {
	if !cs.sent {
		cs.sent, cs.firstSentAt, cs.firstLocal = true, now.UTC(), true
		cs.since, _ = clock.serverTime(now)
	}
	if cs.keySentAt.IsZero() {
		cs.keySentAt, cs.keyLocal = now.UTC(), true
		cs.keySince, _ = clock.serverTime(now)
	}
}

// sendChunk sends the chunk until Codat answers with its push operation,
// holding the connection's send lock meanwhile.
func (s *TransactionsService) sendChunk(ctx context.Context, cs *chunkSend, o *PushAllOptions) (*PushOperation, error) {
	conn := s.c.pushes.conn(cs.company, cs.connection)
	if err := conn.lock(ctx); err != nil {
		return nil, err
	}
	defer conn.unlock()
	var lastErr error
	for attempt := 0; attempt < o.MaxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		now := time.Now()
		newKey := cs.announced != cs.key
		if newKey && o.BeforeSend != nil {
			next := *cs
			next.prepareSend(now, s.c.clock)
			if err := o.BeforeSend(next.inFlight()); err != nil {
				return nil, fmt.Errorf("bankfeeds: BeforeSend: %w", err)
			}
		}
		cs.prepareSend(now, s.c.clock)
		cs.announced = cs.key
		op, err := s.sendRaw(ctx, cs, &o.PushOptions)
		cs.learn(s.c.clock)
		if err == nil {
			cs.opKey = op.PushOperationKey
			conn.remember(op.PushOperationKey, cs.hash)
			if o.OnAccepted != nil {
				o.OnAccepted(cs.inFlight())
			}
			return op, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			return nil, err
		}
		var apiErr *APIError
		var transportErr *TransportError
		switch {
		case errors.As(err, &transportErr), errors.Is(err, ErrConflict), errors.Is(err, ErrRateLimited):
			// The answer may be lost or the key busy: resend under the same
			// key, which Codat replays or releases. Wait a little first.
			wait := s.c.policy.backoff(s.c.policy.waitMin, s.c.policy.waitMax, attempt, nil)
			if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
				wait = clamp(apiErr.RetryAfter, s.c.policy.waitMax)
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		case errors.Is(err, ErrServer):
			// Codat caches the 5xx under the key: find out whether the chunk
			// arrived before choosing to send it under a new key.
			found, err := s.reconcileRetrying(ctx, cs, conn, o.MaxAttempts)
			if err != nil {
				return nil, err
			}
			if found != nil {
				return found, nil
			}
			cs.nextKey(s.c.clock)
		default:
			return nil, err // 4xx: the request itself is wrong; resending cannot help
		}
	}
	return nil, lastErr
}

// settle learns the fate of a chunk an earlier call left in flight, and
// returns its final push operation. It never sends the chunk again unless
// Codat is known not to hold it, or replays the key's first answer.
func (s *TransactionsService) settle(ctx context.Context, cs *chunkSend, o *PushAllOptions) (*PushOperation, error) {
	if cs.opKey != "" {
		return s.WaitForOperation(ctx, cs.company, cs.opKey, o.Wait)
	}
	if cs.keyReplayed(s.c.clock, time.Now()) {
		// Codat still replays this key: the same body under it is answered
		// with the first push if that arrived, and is the first push if not.
		return s.pushChunk(ctx, cs, o)
	}
	// The key may be past Codat's replay, or its age cannot be told: look
	// for an operation holding the chunk first.
	conn := s.c.pushes.conn(cs.company, cs.connection)
	if err := conn.lock(ctx); err != nil {
		return nil, err
	}
	found, err := s.reconcileRetrying(ctx, cs, conn, o.MaxAttempts)
	conn.unlock()
	if err != nil {
		return nil, err
	}
	if found != nil {
		return found, nil // reconcile waits for the operations it adopts
	}
	// None holds it. Send it under the same key all the same: if Codat
	// still knows the key (the first attempt may even be running yet), it
	// answers with that attempt's push (409 while it runs, then its
	// answer) and nothing is written twice; if Codat has forgotten it, the
	// first attempt ended long ago without landing, and this is the push.
	return s.pushChunk(ctx, cs, o)
}

// sendRaw pushes the chunk's encoded body once, under its key.
func (s *TransactionsService) sendRaw(ctx context.Context, cs *chunkSend, opts *PushOptions) (*PushOperation, error) {
	q, err := encodeQuery(pushQuery{opts.TimeoutInMinutes, opts.AllowSyncOnPushComplete}, nil)
	if err != nil {
		return nil, err
	}
	var op PushOperation
	_, err = s.c.do(WithIdempotencyKey(ctx, cs.key), call{method: http.MethodPost, path: cs.path, query: q, body: rawBody(cs.body), out: &op, lines: len(cs.lines)})
	return result(&op, err)
}
