package feed

import (
	"context"
	"errors"
	"fmt"

	"github.com/bankfeeds-go/bankfeeds"
)

// Spec names a feed: one source account of a connection of a company.
type Spec struct {
	// ID names the feed in Append and Status; empty means
	// "company/connection/account".
	ID                                 string
	CompanyID, ConnectionID, AccountID string
	// Platform is the connection's platform key (bankfeeds.PlatformXero,
	// ...), whose push rules apply. Empty: AddFeed reads it from the
	// connection, which needs a started engine.
	Platform string
}

// ErrUnknownFeed says no feed has the id given.
var ErrUnknownFeed = errors.New("feed: no such feed")

// FeedID is the id a Spec without one gets.
func FeedID(companyID, connectionID, accountID string) string {
	return companyID + "/" + connectionID + "/" + accountID
}

// AddFeed registers a feed; adding the same feed again is harmless. It
// returns the feed's id.
func (e *Engine[TTx]) AddFeed(ctx context.Context, s Spec) (string, error) {
	switch {
	case s.CompanyID == "":
		return "", &bankfeeds.ValidationError{Field: "CompanyID", Index: -1, Reason: "is required"}
	case s.ConnectionID == "":
		return "", &bankfeeds.ValidationError{Field: "ConnectionID", Index: -1, Reason: "is required"}
	case s.AccountID == "":
		return "", &bankfeeds.ValidationError{Field: "AccountID", Index: -1, Reason: "is required"}
	}
	if s.ID == "" {
		s.ID = FeedID(s.CompanyID, s.ConnectionID, s.AccountID)
	}
	if s.Platform == "" {
		c := e.pusher()
		if c == nil {
			return "", fmt.Errorf("feed: AddFeed without a Platform needs a started engine to read it: %w", ErrNotStarted)
		}
		conn, err := c.Connections.Get(ctx, s.CompanyID, s.ConnectionID)
		if err != nil {
			return "", err
		}
		if s.Platform = c.PlatformOf(conn); s.Platform == "" {
			return "", &bankfeeds.ValidationError{Field: "Platform", Index: -1, Reason: "connection " + s.ConnectionID + " names no platform the SDK knows: give Spec.Platform"}
		}
	}
	err := inTx(ctx, e.b, func(tx TTx) error {
		if _, err := e.b.Exec(ctx, tx, `INSERT INTO bankfeeds_connection (company_id, connection_id) VALUES (?, ?) ON CONFLICT (company_id, connection_id) DO NOTHING`,
			s.CompanyID, s.ConnectionID); err != nil {
			return err
		}
		if _, err := e.b.Exec(ctx, tx, `INSERT INTO bankfeeds_feed (feed_id, company_id, connection_id, account_id, platform) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			s.ID, s.CompanyID, s.ConnectionID, s.AccountID, s.Platform); err != nil {
			return err
		}
		var co, cn, acc string
		if _, err := queryRow(ctx, e.b, tx, `SELECT company_id, connection_id, account_id FROM bankfeeds_feed WHERE feed_id = ?`, []any{s.ID}, &co, &cn, &acc); err != nil {
			return err
		}
		if co != s.CompanyID || cn != s.ConnectionID || acc != s.AccountID {
			return fmt.Errorf("feed: feed %q already exists for account %s of connection %s, or the account has another feed", s.ID, acc, cn)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

// feedRow is a feed as a job reads it.
type feedRow struct {
	id, company, connection, account, platform string
	highWater, inflight                        string
	failures                                   int
	keySalt                                    string // see migration 2, key_salt
}

func (e *Engine[TTx]) feedOf(ctx context.Context, tx TTx, feedID string) (*feedRow, error) {
	f := &feedRow{id: feedID}
	found, err := queryRow(ctx, e.b, tx, `SELECT company_id, connection_id, account_id, platform, high_water, inflight, failures, key_salt FROM bankfeeds_feed WHERE feed_id = ?`,
		[]any{feedID}, &f.company, &f.connection, &f.account, &f.platform, &f.highWater, &f.inflight, &f.failures, &f.keySalt)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %q", ErrUnknownFeed, feedID)
	}
	return f, nil
}
