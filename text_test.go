package bankfeeds_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bankfeeds-go/bankfeeds"
)

func TestToUTF8ReadsBytesThatAreNotUTF8AsWindows1252(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Card payment", "Card payment"},
		{"Caf\xe9", "Café"},
		{"M\xfcller & S\xf6hne", "Müller & Söhne"},
		{"\x80 5", "€ 5"},
		{"\x93quoted\x94 \x96 dash", "\u201cquoted\u201d \u2013 dash"},
		{"\x81\x8d\x8f\x90\x9d", "\u0081\u008d\u008f\u0090\u009d"}, // undefined in Windows-1252
		{"\xa0\xff", "\u00a0ÿ"},
		{"Café", "Café"},                     // valid UTF-8 is left alone
		{"Café \xe9t\xe9", "Café été"},       // even among bytes that are not
		{"\xc3", "Ã"},                        // a sequence cut short
		{"\xed\xa0\x80", "í\u00a0€"},         // a surrogate is not UTF-8
		{"x\uFFFDy", "x\uFFFDy"},             // a real U+FFFD stays
		{"\xe2\x82\xac\xe2\x82", "€â\u201a"}, // whole sequences kept, the cut one read byte by byte
	} {
		if got := bankfeeds.ToUTF8(tc.in); got != tc.want {
			t.Errorf("ToUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzToUTF8(f *testing.F) {
	for _, s := range []string{"", "Caf\xe9", "€", "\x80\x81\xff", "\xed\xa0\x80", "Café \xe9", "\xf0\x9f\x98"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := bankfeeds.ToUTF8(s)
		if !utf8.ValidString(got) {
			t.Fatalf("ToUTF8(%q) = %q is not UTF-8", s, got)
		}
		if again := bankfeeds.ToUTF8(got); again != got {
			t.Fatalf("not idempotent: %q, then %q", got, again)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("valid UTF-8 %q changed to %q", s, got)
		}
		// Every byte of s that is not UTF-8 is one character, the rest kept.
		want := 0
		for i := 0; i < len(s); {
			_, size := utf8.DecodeRuneInString(s[i:])
			want++
			i += size
		}
		if n := utf8.RuneCountInString(got); n != want {
			t.Fatalf("ToUTF8(%q) has %d characters, want %d", s, n, want)
		}
		// The encoder writes the same text, so a round trip keeps it.
		line := bankfeeds.BankTransaction{ID: "t", Date: bankfeeds.Date(2026, 11, 24, 9, 30, 0), Amount: bankfeeds.NewDecimal(1, 0), Description: &s}
		b, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		var back bankfeeds.BankTransaction
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if *back.Description != got {
			t.Fatalf("encoded %q as %s, read back %q, want %q", s, b, *back.Description, got)
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("not stable through JSON:\n%s\n%s", b, b2)
		}
	})
}

// A transaction with Latin-1 text encodes as that text in UTF-8, so what
// is read back encodes to the same bytes (and the same body hash).
func TestLatin1TextSurvivesAJSONRoundTrip(t *testing.T) {
	line := bankfeeds.BankTransaction{ID: "t1", Date: bankfeeds.Date(2026, 11, 24, 9, 30, 0), Amount: bankfeeds.NewDecimal(-450, -2),
		Description: bankfeeds.Ptr("Caf\xe9 de Par\xeds"), Counterparty: bankfeeds.Ptr("M\xfcller"), Reference: bankfeeds.Ptr("\x80 5")}
	b, err := json.Marshal(line)
	if err != nil {
		t.Fatal(err)
	}
	var back bankfeeds.BankTransaction
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if *back.Description != "Café de París" || *back.Counterparty != "Müller" || *back.Reference != "€ 5" {
		t.Errorf("read back %q, %q, %q from %s", *back.Description, *back.Counterparty, *back.Reference, b)
	}
	if b2, _ := json.Marshal(back); string(b2) != string(b) {
		t.Errorf("encodes differently after a round trip:\n%s\n%s", b, b2)
	}
}

// The kept form of a push (PushError's InFlight and Remaining) holds
// Latin-1 text converted, survives JSON, and resumes to land exactly once
// with the text as it should read, whether the chunk in flight had
// landed or not, inside or past the replay window.
func TestKeptPushWithLatin1TextResumesAfterAJSONRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name       string
		act        string
		pastWindow bool
	}{
		{"landed, then cancelled", "cancel-after", false},
		{"landed, then cancelled, past the replay window", "cancel-after", true},
		{"cancelled before it was sent", "cancel-before", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFeed(t, bankfeeds.PlatformXero, "acc-1")
			want := lines("t", 30)
			for i := range want {
				want[i].Description = bankfeeds.Ptr("Caf\xe9 " + want[i].ID)
				want[i].Counterparty = bankfeeds.Ptr("M\xfcller \x80")
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.tr.mu.Lock()
			f.tr.cancel = cancel
			f.tr.act = func(push bool, n int) string { return pick(push && n == 2, tc.act) }
			f.tr.mu.Unlock()
			opts := &bankfeeds.PushAllOptions{BatchSize: 10, PushOptions: bankfeeds.PushOptions{Platform: bankfeeds.PlatformXero},
				Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
			res, err := f.c.Transactions.PushAll(ctx, f.company, f.connection, "acc-1", want, opts)
			var pe *bankfeeds.PushError
			if !errors.As(err, &pe) || pe.InFlight == nil {
				t.Fatalf("want a *PushError with the chunk in flight, got %v", err)
			}
			for _, l := range append(pe.InFlight.Transactions, pe.Remaining...) {
				if *l.Description != "Café "+l.ID || *l.Counterparty != "Müller €" {
					t.Errorf("kept %q, %q: the text is not converted", *l.Description, *l.Counterparty)
					break
				}
			}
			// A restart: what was kept comes back from JSON.
			type kept struct {
				CompanyID, ConnectionID, AccountID string
				InFlight                           *bankfeeds.InFlight
				Remaining                          []bankfeeds.BankTransaction
				HighWaterMark                      bankfeeds.DateTime
			}
			b, err := json.Marshal(kept{pe.CompanyID, pe.ConnectionID, pe.AccountID, pe.InFlight, pe.Remaining, pe.HighWaterMark})
			if err != nil {
				t.Fatal(err)
			}
			var k kept
			if err := json.Unmarshal(b, &k); err != nil {
				t.Fatal(err)
			}
			if tc.pastWindow {
				k.InFlight.KeySentAt = k.InFlight.KeySentAt.Add(-2 * time.Hour)
			}
			f.tr.mu.Lock()
			f.tr.act = nil
			f.tr.mu.Unlock()
			back := &bankfeeds.PushError{CompanyID: k.CompanyID, ConnectionID: k.ConnectionID, AccountID: k.AccountID,
				InFlight: k.InFlight, Remaining: k.Remaining, HighWaterMark: k.HighWaterMark, Err: context.Canceled}
			pushed := res.Pushed + resumeUntilDone(t, f, back, &bankfeeds.PushAllOptions{BatchSize: 10, Wait: opts.Wait,
				PushOptions: bankfeeds.PushOptions{Platform: bankfeeds.PlatformXero}})
			if pushed != len(want) {
				t.Errorf("reported %d pushed, want %d", pushed, len(want))
			}
			f.landedExactlyOnce(t, "acc-1", want)
			for _, l := range f.srv.Transactions(f.company, f.connection, "acc-1") {
				if l.Description == nil || *l.Description != "Café "+l.ID || l.Counterparty == nil || *l.Counterparty != "Müller €" {
					t.Fatalf("Codat holds %q, %q", deref(l.Description), deref(l.Counterparty))
				}
			}
			if n := f.successOps(); n != 3 {
				t.Errorf("%d successful push operations, want one a chunk (3)", n)
			}
		})
	}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// An InFlight kept as JSON by an SDK before the text rule (its encoder
// wrote each byte that is not UTF-8 as \ufffd, so the text came back as
// U+FFFD) still settles under its key, and lands once.
func TestInFlightKeptBeforeTheTextRuleStillSettles(t *testing.T) {
	b, err := os.ReadFile("testdata/inflight-before-text-rule.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(t, bankfeeds.PlatformXero, "acc-1")
	var orig bankfeeds.InFlight
	if err := json.Unmarshal(b, &orig); err != nil {
		t.Fatal(err)
	}
	// The chunk's account, of this sandbox; sent a minute ago.
	orig.CompanyID, orig.ConnectionID = f.company, f.connection
	orig.KeySentAt, orig.FirstSentAt, orig.Since = time.Now().Add(-time.Minute), time.Now().Add(-time.Minute), time.Time{}
	pe := &bankfeeds.PushError{CompanyID: f.company, ConnectionID: f.connection, AccountID: orig.AccountID, InFlight: &orig,
		Remaining: orig.Transactions, Err: context.Canceled}
	// The rules every platform shares: the fixture's dates never leave a window.
	opts := &bankfeeds.PushAllOptions{PushOptions: bankfeeds.PushOptions{Rules: &bankfeeds.PushRules{}},
		Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.tr.mu.Lock()
	f.tr.cancel = cancel
	f.tr.act = func(push bool, n int) string { return pick(push && n == 1, "cancel-after") } // it lands, the answer is lost
	f.tr.mu.Unlock()
	_, err = f.c.Transactions.Resume(ctx, pe, opts)
	if !errors.As(err, &pe) || pe.InFlight == nil || pe.InFlight.IdempotencyKey != orig.IdempotencyKey {
		t.Fatalf("want the chunk in flight under its first key, got %v", err)
	}
	f.tr.mu.Lock()
	f.tr.act = nil
	f.tr.mu.Unlock()
	resumeUntilDone(t, f, pe, opts)
	f.landedExactlyOnce(t, "acc-1", orig.Transactions)
	if got := f.srv.Transactions(f.company, f.connection, "acc-1")[1].Description; got == nil || *got != "Caf\uFFFD M\uFFFDller \uFFFD 5" {
		t.Errorf("Codat holds %q, want the text as the old SDK sent it", deref(got))
	}
	if n := f.successOps(); n != 1 {
		t.Errorf("%d successful push operations, want 1", n)
	}
}

// An id that is not UTF-8 (the transaction's, the account's, the
// company's, the connection's, a source account's) is refused with a
// *ValidationError naming it, and nothing is sent, not even the look-up of
// the platform.
func TestIDsThatAreNotUTF8AreRefusedBeforeAnythingIsSent(t *testing.T) {
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer srv.Close()
	c, err := bankfeeds.NewClient("k", bankfeeds.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	const co, conn = "8a210b68-6988-11ed-a1eb-0242ac120002", "2e9d2c44-f675-40ba-8049-353bfcb5e171"
	good := func() []bankfeeds.BankTransaction { return lines("t", 3) }
	bad := func(mutate func(*bankfeeds.BankTransaction)) []bankfeeds.BankTransaction {
		l := good()
		mutate(&l[1])
		return l
	}
	badID := bad(func(t *bankfeeds.BankTransaction) { t.ID = "Caf\xe9-1" })
	badType := bad(func(t *bankfeeds.BankTransaction) { t.TransactionType = "Cr\xe9dit" })
	xero := &bankfeeds.PushOptions{Platform: bankfeeds.PlatformXero}
	ctx := context.Background()
	for _, tc := range []struct {
		name, field string
		index       int
		call        func() error
	}{
		{"Push, transaction id", "id", 1, func() error {
			_, err := c.Transactions.Push(ctx, co, conn, "acc-1", badID, xero)
			return err
		}},
		{"PushAll, transaction id", "id", 1, func() error {
			_, err := c.Transactions.PushAll(ctx, co, conn, "acc-1", badID, nil) // no platform: not even its look-up is sent
			return err
		}},
		{"PushAll, transaction type", "transactionType", 1, func() error {
			_, err := c.Transactions.PushAll(ctx, co, conn, "acc-1", badType, nil)
			return err
		}},
		{"CheckTransactions, transaction id", "id", 1, func() error { return bankfeeds.CheckTransactions(badID, xero) }},
		{"PushAll, account id", "accountID", -1, func() error {
			_, err := c.Transactions.PushAll(ctx, co, conn, "acc-\xe9", good(), &bankfeeds.PushAllOptions{PushOptions: *xero})
			return err
		}},
		{"Push, company id", "companyID", -1, func() error {
			_, err := c.Transactions.Push(ctx, "co-\xe9", conn, "acc-1", good(), xero)
			return err
		}},
		{"PushAll, connection id", "connectionID", -1, func() error {
			_, err := c.Transactions.PushAll(ctx, co, "conn-\xe9", "acc-1", good(), nil)
			return err
		}},
		{"Resume, a remaining transaction's id", "id", 1, func() error {
			_, err := c.Transactions.Resume(ctx, &bankfeeds.PushError{CompanyID: co, ConnectionID: conn, AccountID: "acc-1", Remaining: badID}, nil)
			return err
		}},
		{"SourceAccounts.Create, account id", "account ID", -1, func() error {
			_, err := c.SourceAccounts.Create(ctx, co, conn, bankfeeds.SourceAccount{ID: "acc-\xe9", AccountName: "x", Currency: "GBP"})
			return err
		}},
		{"Connections.Get, connection id", "connectionID", -1, func() error {
			_, err := c.Connections.Get(ctx, co, "\xff")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ve *bankfeeds.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *ValidationError, got %v", err)
			}
			if ve.Field != tc.field || ve.Index != tc.index || !strings.Contains(ve.Reason, "not valid UTF-8") {
				t.Errorf("got field %q index %d: %v", ve.Field, ve.Index, err)
			}
			if n := sent.Load(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
