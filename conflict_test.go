package bankfeeds

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Writes whose 409 is an answer (a sync already running, a batch whose ids
// exist) still meet Codat's other 409, the key in flight, when a send's
// connection dies while Codat goes on with it: the resend, under the same
// key, is answered 409 until the first send is done, then gets its answer
// replayed. That 409 must be waited out, not taken as the answer.
func TestAResendsConflictIsTheKeyInFlight(t *testing.T) {
	const batchPath = fxSourceAccountsPath + "/batch"
	run := func(e *apiEnv) error {
		_, err := e.c.ManagedSyncs.Run(context.Background(), fxCompanyID, fxConnectionID, fxAccountID)
		return err
	}
	batch := func(e *apiEnv) error {
		res, err := e.c.SourceAccounts.CreateBatch(context.Background(), fxCompanyID, fxConnectionID, batchInput(t))
		if err == nil && len(res) != 2 {
			return errors.New("want two results")
		}
		return err
	}
	cases := []struct {
		name, path, answer string
		call               func(*apiEnv) error
	}{
		{"ad-hoc sync", fxSyncsPath, "syncs/run-managed-bank-feed-ad-hoc-sync.json", run},
		{"batch of source accounts", batchPath, "accounts/create-batch-source-account.201.json", batch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			e.expect("POST", tc.path).ReplyError(errors.New("connection reset by peer"))
			e.replyFile("POST", tc.path, 409, "errors/409.json") // the first send still running
			e.replyFile("POST", tc.path, 201, tc.answer)         // its answer, replayed
			require.NoError(t, tc.call(e))
			sent := e.requests()
			require.Len(t, sent, 3)
			for _, r := range sent[1:] {
				assert.Equal(t, sent[0].Header.Get("Idempotency-Key"), r.Header.Get("Idempotency-Key"), "one key for every send")
			}
		})
	}

	t.Run("a batch's own 409 on a resend is still its answer", func(t *testing.T) {
		e := setup(t)
		e.expect("POST", batchPath).ReplyError(errors.New("connection reset by peer"))
		e.replyFile("POST", batchPath, 409, "accounts/create-batch-source-account.409.json")
		res, err := e.c.SourceAccounts.CreateBatch(context.Background(), fxCompanyID, fxConnectionID, batchInput(t))
		require.NoError(t, err)
		require.Len(t, res, 2)
		assert.Equal(t, 409, res[0].StatusCode)
		assert.Len(t, e.requests(), 2, "not sent a third time")
	})

	t.Run("a first send's 409 is the answer", func(t *testing.T) {
		e := setup(t)
		e.replyFile("POST", fxSyncsPath, 409, "errors/409.json")
		assertAPIError(t, run(e), 409, ErrConflict)
		assert.Len(t, e.requests(), 1)
	})
}
