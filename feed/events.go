package feed

import (
	"context"
	"time"

	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// HandleEvent takes one of Codat's webhook events; its signature fits
// webhooks.NewHandler. bankTransactions.write.successful and .unsuccessful
// settle the chunk waiting for that push operation (with Config.Webhooks):
// in this process at once, in the fleet's others within
// Config.EventPollInterval, through the database;
// client.rateLimit.reached pauses the whole fleet's budget until the quota
// resets, and .reset resumes it; bankFeeds.sourceAccount.disconnected
// marks the account's feeds for a person, and .connected clears that.
// Other events are ignored.
func (e *Engine[TTx]) HandleEvent(ctx context.Context, ev *webhooks.Event) error {
	switch p := ev.Payload.(type) {
	case *webhooks.WritePayload:
		if key, status, ok := webhooks.OperationEnd(ev); ok {
			return e.events.record(ctx, key, status)
		}
	case *webhooks.RateLimitPayload:
		if ev.Type == webhooks.EventRateLimitReset {
			return e.budget.Resume(ctx)
		}
		until := p.ExpiryDate.Time
		if until.IsZero() || until.Before(time.Now()) {
			until = time.Now().Add(time.Hour) // Codat's example dates are not always valid
		}
		return e.budget.Pause(ctx, until, "client.rateLimit.reached")
	case *webhooks.SourceAccountPayload:
		disc := int64(0)
		if ev.Type == webhooks.EventSourceAccountDisconnected {
			disc = 1
		}
		return inTx(ctx, e.b, func(tx TTx) error {
			// Connection ids are unique across companies.
			_, err := e.b.Exec(ctx, tx, `UPDATE bankfeeds_feed SET disconnected = ? WHERE connection_id = ? AND account_id = ?`,
				disc, p.ConnectionID, p.SourceAccount.ID)
			return err
		})
	}
	return nil
}
