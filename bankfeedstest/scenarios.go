package bankfeedstest

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"time"
)

// Scenarios switches on the situations real integrations meet, each drawn
// from a generator seeded with Seed (the same seed and the same sequence of
// requests give the same scenarios) and counted in ScenarioCounts. Set them
// with WithScenarios or Server.SetScenarios; the zero Scenarios switches
// nothing on.
type Scenarios struct {
	// Seed seeds the generator that decides which pushes and accounts are
	// hit.
	Seed int64

	// LongPending is the probability that a push of bank transactions stays
	// Pending until the sandbox clock has moved PendingFor (default 2 hours)
	// past its request: Server.Advance ends the wait at once.
	LongPending float64
	PendingFor  time.Duration

	// TimedOutWritten is the probability that a push of bank transactions
	// that would succeed ends TimedOut instead, with its lines written all
	// the same, as Codat warns can happen.
	TimedOutWritten float64

	// QBODisconnect is the probability that a QuickBooks Online Bank Feeds
	// source account, once connected, disconnects DisconnectAfter (default 3
	// days) later on the sandbox clock, as when the user ends the feed in
	// QuickBooks.
	QBODisconnect   float64
	DisconnectAfter time.Duration
}

// ScenarioCounts says how many times each scenario has struck.
type ScenarioCounts struct {
	LongPending     int // pushes held Pending
	TimedOutWritten int // pushes ended TimedOut with their lines written
	QBODisconnected int // QBO accounts disconnected by the scenario
}

// Default waits of the scenarios.
const (
	DefaultPendingFor      = 2 * time.Hour
	DefaultDisconnectAfter = 3 * 24 * time.Hour
)

// pushTimedOut is the status of a push operation that timed out.
const pushTimedOut = "TimedOut"

// scenarioState is the Server's Scenarios, generator and counts. Guarded by
// Server.mu: every draw happens while a request or a task holds it.
type scenarioState struct {
	sc     Scenarios
	rng    *rand.Rand
	counts ScenarioCounts
}

func (st *scenarioState) set(sc Scenarios) {
	if sc.PendingFor <= 0 {
		sc.PendingFor = DefaultPendingFor
	}
	if sc.DisconnectAfter <= 0 {
		sc.DisconnectAfter = DefaultDisconnectAfter
	}
	st.sc = sc
	seed := uint64(sc.Seed)
	st.rng = rand.New(rand.NewPCG(seed^0xda942042e4dd58b5, seed+0x9fb21c651e98df25))
}

// hit draws once for a scenario of probability p.
func (st *scenarioState) hit(p float64) bool {
	return p > 0 && st.rng != nil && st.rng.Float64() < p
}

// WithScenarios switches scenarios on when the Server is made.
func WithScenarios(sc Scenarios) Option {
	return func(c *config) { c.scenarios = sc }
}

// SetScenarios replaces the scenarios from now on and reseeds their
// generator; SetScenarios(Scenarios{}) switches them off. Counts are kept,
// and what a scenario already scheduled still happens.
func (s *Server) SetScenarios(sc Scenarios) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scen.set(sc)
}

// ScenarioCounts returns how many times each scenario has struck.
func (s *Server) ScenarioCounts() ScenarioCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	return s.scen.counts
}

// schedulePushLocked queues the completion of a push of bank transactions:
// after the push timing, or, for a long-pending push, once the sandbox
// clock has moved on. It also decides whether the push will time out.
func (s *Server) schedulePushLocked(op *pushOp, requested time.Time) {
	st := &s.scen
	if st.hit(st.sc.TimedOutWritten) {
		op.timesOut = true
	}
	complete := func(now time.Time) { s.completePush(op, requested, now) }
	if st.hit(st.sc.LongPending) {
		st.counts.LongPending++
		s.at(requested.Add(st.sc.PendingFor), complete)
		return
	}
	s.later(complete)
}

// timeOutLocked ends a push that landed as TimedOut.
func (op *pushOp) timeOut(now time.Time) {
	op.status, op.statusCode, op.completed = pushTimedOut, http.StatusGatewayTimeout, stamp(now)
	op.errMsg = "The push operation timed out. Its transactions may still have been written: check the account before pushing them again."
}

// connectedLocked is called when a source account has just become
// connected: the QBO disconnect scenario may schedule its end.
func (s *Server) connectedLocked(cn *connection, a *sourceAccount, now time.Time) {
	st := &s.scen
	if cn.platform.key != keyQBO || !st.hit(st.sc.QBODisconnect) {
		return
	}
	feedStart := a.feedStartDate
	s.at(now.Add(st.sc.DisconnectAfter), func(now time.Time) {
		if a.deleted || cn.deleted || a.status != acctConnected || !a.feedStartDate.Equal(feedStart) {
			return // deleted, already disconnected, or connected again since
		}
		s.scen.counts.QBODisconnected++
		s.disconnectLocked(cn, a, now)
	})
}

// disconnectLocked ends a source account's feed, as the user does in the
// accounting software: disconnected, with the webhook. For QBO Bank Feeds
// the connection becomes Unlinked once all its accounts are disconnected.
func (s *Server) disconnectLocked(cn *connection, a *sourceAccount, now time.Time) {
	if a.status == acctDisconnected {
		return
	}
	a.status = acctDisconnected
	s.emitSourceAccountLocked(eventSourceAccountDisconnected, cn, a)
	if cn.platform.key != keyQBO || cn.status != statusLinked {
		return
	}
	for _, other := range cn.accounts {
		if other.status != acctDisconnected {
			return
		}
	}
	cn.status = statusUnlinked
	s.emitConnectionLocked(eventConnectionDisconnected, cn, now)
}

// ErrNotConnected is returned by Disconnect for a source account that is
// not connected.
var ErrNotConnected = errors.New("bankfeedstest: the source account is not connected")

// Disconnect ends a source account's feed as the SMB user does inside the
// accounting software: the account becomes disconnected (later pushes
// fail), bankFeeds.sourceAccount.disconnected is sent, and a QBO Bank Feeds
// connection whose accounts are all disconnected becomes Unlinked. It
// returns an error wrapping ErrNotFound for an unknown company, connection
// or account, and ErrNotConnected for an account that is not connected.
func (s *Server) Disconnect(companyID, connectionID, accountID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	cn, err := s.lookupLocked(companyID, connectionID)
	if err != nil {
		return err
	}
	a, ok := cn.accByID[accountID]
	if !ok {
		return errors.Join(ErrNotFound, errors.New("bankfeedstest: no source account "+accountID+" on connection "+connectionID))
	}
	if a.status != acctConnected {
		return ErrNotConnected
	}
	s.disconnectLocked(cn, a, s.now())
	return nil
}
