package main

import (
	"github.com/bankfeeds-go/bankfeeds"
)

// This file holds every use of PushResult and PushError, so that changes to
// them (resume support) are adapted in one place.

// pushResultJSON is the --json summary of a push.
func pushResultJSON(res *bankfeeds.PushResult) map[string]any {
	keys := make([]string, 0, len(res.Operations))
	for _, op := range res.Operations {
		keys = append(keys, op.PushOperationKey)
	}
	out := map[string]any{"pushed": res.Pushed, "pushOperations": keys}
	if !res.HighWaterMark.IsZero() {
		out["highWaterMark"] = res.HighWaterMark.Format("2006-01-02T15:04:05")
	}
	return out
}

// pushFailureJSON is the --json account of a failed push: what landed, the
// chunk that failed, and how to resume.
func pushFailureJSON(pe *bankfeeds.PushError) map[string]any {
	out := map[string]any{
		"error":     pe.Error(),
		"chunk":     pe.Chunk,
		"pushed":    pe.Pushed,
		"remaining": len(pe.Remaining),
		"messages":  pe.Messages,
	}
	if pe.Operation != nil {
		out["pushOperation"] = pe.Operation.PushOperationKey
		out["status"] = pe.Operation.Status
	}
	if pe.InFlight != nil {
		out["inFlight"] = true
	}
	if !pe.HighWaterMark.IsZero() {
		out["highWaterMark"] = pe.HighWaterMark.Format("2006-01-02T15:04:05")
	}
	return out
}
