package bankfeedstest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// Sandbox fidelity: what Codat's document and create models say, found by
// driving the sandbox with Codat's own archived Go SDK. Each test failed
// before its fix.

func TestQBOPushWithoutDescriptionFails(t *testing.T) {
	cases := []struct {
		name string
		desc any // nil: absent
		ok   bool
	}{
		{"absent", nil, false},
		{"null", "null", false},
		{"empty", "", false},
		{"present", "Card payment", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRuleEnv(t, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
			l := line("t1", at(-time.Hour), true)
			delete(l, "description")
			switch tc.desc {
			case nil:
			case "null":
				l["description"] = nil
			default:
				l["description"] = tc.desc
			}
			op := e.push(l)
			if tc.ok {
				e.wantSuccess(op)
				return
			}
			e.wantFailed(op, "BankTransactionsRequiredFieldValidator", 0)
			if !strings.Contains(deref(op.Validation.Errors[0].Message), "description") {
				t.Fatalf("the error should name description: %+v", op.Validation.Errors)
			}
		})
	}
	// Xero's model does not require a description.
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	l := line("t1", at(-time.Hour), true)
	delete(l, "description")
	e.wantSuccess(e.push(l))
}

func TestQBOPushWithTypeOutsideModelFails(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	model := must[*bankfeeds.PushOption](t)(e.c.Transactions.CreateModel(t.Context(), e.co, e.conn, "a1"))
	items := model.Properties["transactions"].Properties["items"]
	var allowed []string
	for _, o := range items.Properties["transactionType"].Options {
		allowed = append(allowed, o.Value)
	}
	if strings.Join(allowed, ",") != "Credit,Debit,Unknown" {
		t.Fatalf("QBO's model offers %v", allowed)
	}
	for _, tt := range []string{"Fee", "Xfer", "DirectDebit"} { // in the document's enum, not in QBO's model
		l := line("t-"+tt, at(-time.Hour), true)
		l["transactionType"] = tt
		e.wantFailed(e.push(l), "BankTransactionsTypeValidator", 0)
	}
	for i, tt := range allowed {
		l := line("ok-"+tt, at(time.Duration(i-10)*time.Minute), true)
		l["transactionType"] = tt
		l["amount"] = map[string]float64{"Credit": 1, "Debit": -1, "Unknown": 1}[tt]
		e.wantSuccess(e.push(l))
	}
	// Xero takes every type of the document.
	x := newRuleEnv(t, bankfeeds.PlatformXero)
	l := line("t1", at(-time.Hour), true)
	l["transactionType"] = "Fee"
	l["amount"] = -1
	x.wantSuccess(x.push(l))
}

func TestPushRefusesStringAmount(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	cases := []struct {
		name, field string
		value       any
	}{
		{"amount as a string", "amount", "10.50"},
		{"balance as a string", "balance", "110.50"},
		{"amount as a boolean", "amount", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := line("t1", at(-time.Hour), true)
			l[tc.field] = tc.value
			resp, body := pushRaw(t, e.srv, e.co, e.conn, "a1", []map[string]any{l})
			eb := wantError(t, resp, body, http.StatusBadRequest)
			if eb.Validation == nil || eb.Validation.Errors[0].ItemID != "t1" || !strings.Contains(eb.Validation.Errors[0].Message, tc.field+" must be a JSON number") {
				t.Fatalf("validation %s", body)
			}
		})
	}
	if n := len(e.srv.PushOperations(e.co)); n != 0 {
		t.Fatalf("refused pushes made %d push operations", n)
	}
}

func TestPushRefusesReadOnlyModifiedDate(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	for _, field := range []string{"modifiedDate", "sourceModifiedDate"} {
		t.Run(field, func(t *testing.T) {
			l := line("t1", at(-time.Hour), true)
			l[field] = "2026-03-10T10:00:00Z"
			resp, body := pushRaw(t, e.srv, e.co, e.conn, "a1", []map[string]any{l})
			eb := wantError(t, resp, body, http.StatusBadRequest)
			if eb.Validation == nil || !strings.Contains(eb.Validation.Errors[0].Message, field+" is read-only") {
				t.Fatalf("validation %s", body)
			}
		})
	}
	l := line("t1", at(-time.Hour), true)
	l["modifiedDate"] = nil // null is no value
	e.wantSuccess(e.push(l))
}

func TestMappingToFedTargetAnswersFailed(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero)
	must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, conn.ID, []bankfeeds.SourceAccount{v2Account("a1", "GBP"), v2Account("a2", "GBP")}))
	maps := must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, conn.ID))
	target := maps[0].TargetAccountOptions[0].ID
	must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "a1", TargetAccountID: &target}))

	resp, body := raw(t, srv, http.MethodPost, "/companies/"+co.ID+"/connections/"+conn.ID+"/bankFeedAccounts/mapping",
		map[string]any{"sourceAccountId": "a2", "targetAccountId": target})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 as in the document's example: %s", resp.StatusCode, body)
	}
	got := decode[map[string]string](t, body)
	want := map[string]string{"sourceAccountId": "a2", "targetAccountId": target, "status": "Failed", "error": "A feed connection already exists to this account"}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %q, want %q: %s", k, got[k], v, body)
		}
	}
	// Nothing changed: a2 is still pending, and the target still feeds a1.
	for _, m := range must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, conn.ID)) {
		if m.SourceAccountID == "a2" && (m.Status != "pending" || m.TargetAccountID != nil) {
			t.Fatalf("a refused mapping changed a2: %+v", m)
		}
	}
}
