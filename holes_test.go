package bankfeeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingServer answers every request with handler and counts them.
func countingServer(t *testing.T, handler http.HandlerFunc) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient("k", WithBaseURL(srv.URL), WithRetryWait(time.Millisecond, 5*time.Millisecond), WithRetryMax(2))
	require.NoError(t, err)
	return c, &n
}

// Hole 3: a connection without integrationKey still gets its platform's
// rules, found from what it carries; an unknown platform is refused before
// anything is pushed.
func TestHole3PlatformWithoutIntegrationKey(t *testing.T) {
	old := []BankTransaction{{ID: "t1", Date: NewDateTime(time.Now().UTC().Add(-30 * 24 * time.Hour)), Amount: NewDecimal(100, -2), Description: Ptr("x")}}
	tests := []struct {
		name, conn string
		opts       []Option
		field      string
	}{
		{"QBO by platformName", `{"id":"cc1","platformName":"QuickBooks Online Bank Feeds","integrationId":"bf083d72-62c7-493e-aec9-81b4dbba7e2c"}`, nil, "balance"},
		{"Sage by platformName", `{"id":"cc1","platformName":"SageBankFeed"}`, nil, "balance"},
		{"QBO by integrationId", `{"id":"cc1","platformName":"","integrationId":"bf083d72-62c7-493e-aec9-81b4dbba7e2c"}`,
			[]Option{WithIntegrationPlatforms(map[string]string{"BF083D72-62C7-493E-AEC9-81B4DBBA7E2C": PlatformQuickBooksOnlineBankFeeds})}, "balance"},
		{"unknown platform", `{"id":"cc1","platformName":"Pandle"}`, nil, "PushOptions.Platform"},
		{"plain QuickBooks Online is not QBO Bank Feeds", `{"id":"cc1","integrationKey":"qhyg","platformName":"QuickBooks Online Bank Feeds"}`, nil, "PushOptions.Platform"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pushes atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					pushes.Add(1)
				}
				_, _ = w.Write([]byte(tt.conn))
			}))
			defer srv.Close()
			c, err := NewClient("k", append([]Option{WithBaseURL(srv.URL)}, tt.opts...)...)
			require.NoError(t, err)
			_, err = c.Transactions.PushAll(context.Background(), "c1", "cc1", "a1", old, nil)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field, err.Error())
			if tt.field == "PushOptions.Platform" {
				assert.Contains(t, err.Error(), "PushOptions.Platform")
				assert.Contains(t, err.Error(), "PushOptions.Rules")
			}
			assert.Zero(t, pushes.Load(), "nothing pushed")
		})
	}
	_, err := NewClient("k", WithIntegrationPlatforms(map[string]string{"not-a-uuid": PlatformXero}))
	assert.Error(t, err)
	_, err = NewClient("k", WithIntegrationPlatforms(map[string]string{"bf083d72-62c7-493e-aec9-81b4dbba7e2c": "zzzz"}))
	assert.Error(t, err)
}

// Hole 4: lines of one day from a newest-first statement are pushed in
// the order their balances chain in, so the last balance is the day's
// closing balance; ties whose order the balances cannot decide are refused.
func TestHole4SameDayLinesFollowTheBalanceChain(t *testing.T) {
	day := NewDateTime(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	line := func(id string, amount, balance int64) BankTransaction {
		return BankTransaction{ID: id, Date: day, Amount: NewDecimal(amount, -2), Balance: NewDecimal(balance, -2), Description: Ptr(id)}
	}
	// The day: 100.00 in (balance 100.00), 30.00 in (130.00), 470.00 in (600.00).
	newestFirst := []BankTransaction{line("c", 47000, 60000), line("b", 3000, 13000), line("a", 10000, 10000)}
	sorted, err := prepare(newestFirst, &PushOptions{Rules: &PushRules{RequireBalance: true, CheckRunningBalance: true}})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, idsOf(sorted))
	assert.Equal(t, "600.00", sorted[2].Balance.String(), "the closing balance goes last")
	assert.Equal(t, []string{"a", "b", "c"}, idsOf(SortTransactions(newestFirst)))

	// Following on from the day before: its balance decides where the run starts.
	prev := BankTransaction{ID: "p", Date: NewDateTime(day.Add(-time.Hour)), Amount: NewDecimal(100, 0), Balance: NewDecimal(100, 0), Description: Ptr("p")}
	cycle := []BankTransaction{line("down", -1000, 9000), line("up", 1000, 10000), prev}
	sorted, err = prepare(cycle, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"p", "down", "up"}, idsOf(sorted))

	// +10 then -10, or -10 then +10, from no known start: undecidable.
	_, err = prepare([]BankTransaction{line("x", 1000, 11000), line("y", -1000, 10000)}, nil)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Reason, "x, y")

	// Interchangeable lines (same amount and balance never happen in a
	// chain, but equal amounts with no balances do) keep their order.
	plain := []BankTransaction{{ID: "2", Date: day, Amount: NewDecimal(1, 0)}, {ID: "1", Date: day, Amount: NewDecimal(1, 0)}}
	sorted, err = prepare(plain, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"2", "1"}, idsOf(sorted))
}

func idsOf(txns []BankTransaction) []string {
	out := make([]string, len(txns))
	for i := range txns {
		out[i] = txns[i].ID
	}
	return out
}

// Hole 6: calendar date windows per platform.
func TestHole6CalendarDateWindows(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) DateTime {
		return NewDateTime(time.Date(y, m, d, h, min, 0, 0, time.UTC))
	}
	dateOnly := func(y int, m time.Month, d int) DateTime { return mustDate(t, fmt.Sprintf("%04d-%02d-%02d", y, m, d)) }
	now := at(2026, 12, 1, 22, 40)
	leap := at(2028, 3, 1, 9, 0)
	leapDay := at(2028, 2, 29, 9, 0)
	tests := []struct {
		name     string
		platform string
		now      DateTime
		date     DateTime
		ok       bool
	}{
		{"QBO refuses 14 h ahead of UTC (US and Canada only)", PlatformQuickBooksOnlineBankFeeds, now, NewDateTime(now.Add(14 * time.Hour)), false},
		{"QBO refuses a minute ahead of UTC", PlatformQuickBooksOnlineBankFeeds, now, NewDateTime(now.Add(time.Minute)), false},
		{"QBO takes now", PlatformQuickBooksOnlineBankFeeds, now, now, true},
		{"Xero takes 14 h ahead of UTC (UTC+14)", PlatformXero, now, NewDateTime(now.Add(14 * time.Hour)), true},
		{"Xero refuses 15 h ahead", PlatformXero, now, NewDateTime(now.Add(15 * time.Hour)), false},
		{"QBO takes a date-only line exactly 7 days back", PlatformQuickBooksOnlineBankFeeds, now, dateOnly(2026, 11, 24), true},
		{"QBO takes the same day with a time", PlatformQuickBooksOnlineBankFeeds, now, at(2026, 11, 24, 8, 0), true},
		{"QBO refuses 8 days back", PlatformQuickBooksOnlineBankFeeds, now, at(2026, 11, 23, 23, 59), false},
		{"Xero takes one calendar year back across a leap day", PlatformXero, leap, dateOnly(2027, 3, 1), true},
		{"Xero refuses a year and a day back", PlatformXero, leap, dateOnly(2027, 2, 28), false},
		{"Xero from 29 February takes 28 February a year back", PlatformXero, leapDay, dateOnly(2027, 2, 28), true},
		{"Xero from 29 February refuses 27 February", PlatformXero, leapDay, dateOnly(2027, 2, 27), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn := BankTransaction{ID: "1", Date: tt.date, Amount: NewDecimal(1, 0), Balance: NewDecimal(1, 0), Description: Ptr("x")}
			err := CheckTransactions([]BankTransaction{txn}, &PushOptions{Platform: tt.platform, Now: tt.now})
			if tt.ok {
				assert.NoError(t, err)
			} else {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "date", ve.Field)
			}
		})
	}
	// QBO takes only Credit, Debit and Unknown, and needs a description.
	txn := BankTransaction{ID: "1", Date: now, Amount: NewDecimal(1, 0), Balance: NewDecimal(1, 0), Description: Ptr("x"), TransactionType: TransactionXfer}
	var ve *ValidationError
	require.ErrorAs(t, CheckTransactions([]BankTransaction{txn}, &PushOptions{Platform: PlatformQuickBooksOnlineBankFeeds, Now: now}), &ve)
	assert.Equal(t, "transactionType", ve.Field)
	txn.TransactionType, txn.Description = TransactionDebit, nil
	require.ErrorAs(t, CheckTransactions([]BankTransaction{txn}, &PushOptions{Platform: PlatformQuickBooksOnlineBankFeeds, Now: now}), &ve)
	assert.Equal(t, "description", ve.Field)
}

func mustDate(t *testing.T, s string) DateTime {
	t.Helper()
	d, err := ParseDateTime(s)
	require.NoError(t, err)
	return d
}

// Hole 7: ids that would reach another endpoint are refused before
// anything is sent.
func TestHole7IDsThatHitOtherEndpoints(t *testing.T) {
	c, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	ctx := context.Background()
	var ve *ValidationError
	for _, id := range []string{"credentials", "batch"} {
		require.ErrorAs(t, c.SourceAccounts.Delete(ctx, "c1", "cc1", id), &ve, id)
		_, err := c.SourceAccounts.Update(ctx, "c1", "cc1", id, SourceAccountUpdate{AccountName: Ptr("x")})
		require.ErrorAs(t, err, &ve, id)
		_, err = c.SourceAccounts.Create(ctx, "c1", "cc1", SourceAccount{ID: id})
		require.ErrorAs(t, err, &ve, id)
		_, err = c.SourceAccounts.CreateBatch(ctx, "c1", "cc1", []SourceAccount{{ID: id}})
		require.ErrorAs(t, err, &ve, id)
	}
	for _, id := range []string{"latest", "sync-1", "6f8f2d2e-1c0a-4d7e-9b1a-2f3c4d5e6f7", "6f8f2d2e/1c0a-4d7e-9b1a-2f3c4d5e6f70"} {
		_, err := c.ManagedSyncs.Get(ctx, "c1", "cc1", "acc", id)
		require.ErrorAs(t, err, &ve, id)
	}
	assert.Zero(t, hits.Load(), "nothing sent")
	_, err := c.ManagedSyncs.Get(ctx, "c1", "cc1", "acc", "6F8F2D2E-1C0A-4D7E-9B1A-2F3C4D5E6F70")
	assert.False(t, errors.As(err, &ve), "a uuid is sent: %v", err)
	assert.Equal(t, int32(1), hits.Load())
}

// Hole 8: credentials never print their password.
func TestHole8CredentialsDoNotPrint(t *testing.T) {
	creds := BankAccountCredentials{Username: "qbo-user", Password: "s3cr3t-pa55"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("got", "creds", creds, "ptr", &creds)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("got", "creds", creds)
	out := logs.String()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out += fmt.Sprintf(verb, creds) + fmt.Sprintf(verb, &creds)
	}
	out += fmt.Sprintf("%+v", struct{ C BankAccountCredentials }{creds})
	assert.NotContains(t, out, "s3cr3t-pa55")
	assert.Contains(t, out, "qbo-user")
	assert.Contains(t, out, redacted)
	b, err := json.Marshal(creds)
	require.NoError(t, err)
	assert.Contains(t, string(b), "s3cr3t-pa55", "JSON is how a caller hands the credentials on: it keeps them")
}

// Hole 9: refusing an endless body allocates about the cap, not four times it.
func TestHole9EndlessBodyCostsAboutTheCap(t *testing.T) {
	const limit = 8 << 20
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200) // no Content-Length: chunked, without end
		for i := 0; i < 4*limit/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL), WithMaxResponseBytes(limit), WithRetryMax(0))
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = c.Companies.Get(context.Background(), "c1")
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("refusing a body over %d MiB allocated %.1f MiB", limit>>20, float64(allocated)/(1<<20))
	assert.Less(t, allocated, uint64(limit+limit/2), "about the cap")

	// A declared length over the cap is refused before reading.
	payload := bytes.Repeat([]byte("x"), 4*limit)
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		_, _ = w.Write(payload)
	}))
	defer srv2.Close()
	c2, err := NewClient("k", WithBaseURL(srv2.URL), WithMaxResponseBytes(limit), WithRetryMax(0))
	require.NoError(t, err)
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = c2.Companies.Get(context.Background(), "c1")
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
}

// Hole 10: the smaller edges.
func TestHole10AllStopsOnAStuckNextLink(t *testing.T) {
	c, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"results":[{"id":"a","name":"A","redirect":"https://x"}],"pageSize":1,
			"_links":{"self":{"href":"/companies"},"current":{"href":"/companies"},"next":{"href":"/companies?page=2"}}}`))
	})
	n := 0
	for _, err := range c.Companies.All(context.Background(), nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 1, n)
	assert.Equal(t, int32(2), hits.Load(), "the second page links the same next page: the server ignores page")
}

func TestHole10RetryAfterOverflowIsTheLongestWait(t *testing.T) {
	for _, status := range []int{429, 503} {
		c, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "99999999999999999999")
			w.WriteHeader(status)
		})
		_, err := c.Companies.Get(context.Background(), "c1")
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 24*time.Hour, apiErr.RetryAfter, "%d: overflow reads as the longest wait, not none", status)
		assert.Equal(t, int32(1), hits.Load(), "%d with a Retry-After past the cap returns at once", status)
	}
	d, ok := parseRetryAfter("99999999999999999999", time.Now())
	assert.True(t, ok)
	assert.Equal(t, maxRetryAfter, d)
}

func TestHole10OneDecimalBound(t *testing.T) {
	tiny := "0." + strings.Repeat("0", 1499) + "1" // exponent -1500
	var d Decimal
	assert.Error(t, json.Unmarshal([]byte(tiny), &d), "JSON refuses what ParseDecimal refuses")
	_, err := ParseDecimal(tiny)
	assert.Error(t, err)
	edge := "0." + strings.Repeat("0", 980) + "1" // within the bound by every reader
	assert.NoError(t, json.Unmarshal([]byte(edge), &d))
	_, err = ParseDecimal(edge)
	assert.NoError(t, err)

	big, err := ParseDecimal("1e500")
	require.NoError(t, err)
	small, err := ParseDecimal("1e-499")
	require.NoError(t, err)
	sum := big.Add(small)
	assert.False(t, sum.IsSet(), "a sum past the bound is not set, never a value ParseDecimal cannot read")
	assert.False(t, big.Sub(small).IsSet())
	for _, pair := range [][2]string{{"12.50", "-0.25"}, {"1e400", "1"}, {"99999999999999999999.99", "0.01"}} {
		a, _ := ParseDecimal(pair[0])
		b, _ := ParseDecimal(pair[1])
		s := a.Add(b)
		require.True(t, s.IsSet())
		back, err := ParseDecimal(s.String())
		require.NoError(t, err, "what Add builds, ParseDecimal reads back")
		assert.True(t, back.Equal(s))
	}
}
