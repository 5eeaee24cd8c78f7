package bankfeedstest_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// page fetches a link page (no API key) and returns its status and HTML.
func page(t *testing.T, method, rawURL string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("link page Content-Type %q", ct)
	}
	return resp.StatusCode, string(b)
}

func fastWait() *bankfeeds.WaitOptions {
	return &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}
}

// recent returns n transactions over the last hours, oldest first, with a
// running balance starting from opening.
func recent(prefix string, n int, end time.Time) []bankfeeds.BankTransaction {
	out := make([]bankfeeds.BankTransaction, n)
	bal := dec("1000.00")
	for i := range out {
		amt := dec("-12.50")
		if i%3 == 0 {
			amt = dec("40.00")
		}
		bal = bal.Add(amt)
		at := end.Add(-time.Duration(n-i) * time.Minute).UTC()
		out[i] = bankfeeds.BankTransaction{
			ID: prefix + "-" + strconv.Itoa(i), Date: bankfeeds.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second()),
			Amount: amt, Balance: bal, Description: bankfeeds.Ptr("line " + prefix),
		}
	}
	return out
}

func TestJourneyQBOBankFeeds(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Toft stores (US)"}))
	if co.Name != "Toft stores US" {
		t.Errorf("name %q: the forbidden characters should be stripped", co.Name)
	}
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds))
	if conn.Status != bankfeeds.ConnectionPendingAuth || conn.IntegrationKey != "hcws" || conn.SourceType != bankfeeds.SourceTypeBankFeed || conn.PlatformName != "QuickBooks Online Bank Feeds" {
		t.Fatalf("connection %+v", conn)
	}
	link, err := url.Parse(conn.LinkURL)
	if err != nil {
		t.Fatal(err)
	}
	otp := link.Query().Get("otp")
	if want := srv.URL + "/link/companies/" + co.ID + "/connections/" + conn.ID + "/start"; !strings.HasPrefix(conn.LinkURL, want+"?otp=") || otp == "" {
		t.Fatalf("linkUrl %q, want %s?otp=...", conn.LinkURL, want)
	}

	res := must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, conn.ID, []bankfeeds.SourceAccount{v2Account("chk", "USD"), v2Account("sav", "USD")}))
	if len(res) != 2 || !res[0].Created() || !res[1].Created() || res[0].Account.Status != bankfeeds.SourceAccountPending {
		t.Fatalf("batch results %+v", res)
	}

	// The page needs the linkUrl's OTP.
	if st, _ := page(t, http.MethodGet, srv.URL+link.Path, nil); st != http.StatusUnauthorized {
		t.Fatalf("link page without otp: %d, want 401", st)
	}
	if st, _ := page(t, http.MethodGet, srv.URL+link.Path+"?otp=WRONG", nil); st != http.StatusUnauthorized {
		t.Fatalf("link page with a wrong otp: %d, want 401", st)
	}
	st, html := page(t, http.MethodGet, conn.LinkURL, nil)
	if st != http.StatusOK || !strings.Contains(html, "Get credentials") || !strings.Contains(html, "chk") {
		t.Fatalf("link page: %d\n%s", st, html)
	}
	creds := must[*bankfeeds.BankAccountCredentials](t)(c.SourceAccounts.GenerateCredentials(ctx, co.ID, conn.ID))
	if creds.Username == "" || creds.Password == "" {
		t.Fatalf("credentials %v", creds)
	}
	form := url.Values{"otp": {otp}, "username": {creds.Username}, "password": {"not-it"}, "account": {"chk", "sav"}}
	if st, html := page(t, http.MethodPost, srv.URL+link.Path, form); st != http.StatusUnauthorized || !strings.Contains(html, "not valid") {
		t.Fatalf("wrong password: %d\n%s", st, html)
	}
	if got := must[*bankfeeds.Connection](t)(c.Connections.Get(ctx, co.ID, conn.ID)); got.Status != bankfeeds.ConnectionPendingAuth {
		t.Fatalf("a refused form linked the connection: %s", got.Status)
	}
	form.Set("password", creds.Password)
	if st, html := page(t, http.MethodPost, srv.URL+link.Path, form); st != http.StatusOK || !strings.Contains(html, "connected") {
		t.Fatalf("link form: %d\n%s", st, html)
	}
	if st, _ := page(t, http.MethodPost, srv.URL+link.Path, form); st != http.StatusUnauthorized {
		t.Fatalf("one-time credentials used twice: %d, want 401", st)
	}
	conn = must[*bankfeeds.Connection](t)(c.Connections.Get(ctx, co.ID, conn.ID))
	if conn.Status != bankfeeds.ConnectionLinked {
		t.Fatalf("status %s after linking", conn.Status)
	}
	for _, a := range must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, conn.ID)) {
		if a.Status != bankfeeds.SourceAccountConnected || a.FeedStartDate == nil {
			t.Fatalf("account %s: %s, feedStartDate %v", a.ID, a.Status, a.FeedStartDate)
		}
	}

	// Push 2500 lines in three chunks: exactly one push operation each.
	txns := recent("q", 2500, time.Now().Add(-time.Hour))
	pushed, err := c.Transactions.PushAll(ctx, co.ID, conn.ID, "chk", txns, &bankfeeds.PushAllOptions{Wait: fastWait()})
	if err != nil {
		t.Fatal(err)
	}
	if pushed.Pushed != 2500 || len(pushed.Operations) != 3 || len(srv.PushOperations(co.ID)) != 3 {
		t.Fatalf("pushed %d in %d operations; the sandbox holds %d", pushed.Pushed, len(pushed.Operations), len(srv.PushOperations(co.ID)))
	}
	landed := srv.Transactions(co.ID, conn.ID, "chk")
	if len(landed) != 2500 || landed[0].ID != txns[0].ID || landed[2499].ID != txns[2499].ID || !landed[10].Amount.Equal(txns[10].Amount) || !landed[10].Date.Equal(txns[10].Date.Time) {
		t.Fatalf("landed %d transactions, first %v", len(landed), landed[0])
	}

	// QBO refuses anything older than the newest line it holds.
	old := recent("old", 1, time.Now().Add(-2*time.Hour))
	op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, conn.ID, "chk", old, nil))
	if op = wait(t, c, co.ID, op.PushOperationKey); op.Status != bankfeeds.PushStatusFailed || !hasValidator(op, "BankTransactionsHistoryValidator") {
		t.Fatalf("older push: %s %+v", op.Status, op.Validation)
	}
	if n := len(srv.Transactions(co.ID, conn.ID, "chk")); n != 2500 {
		t.Fatalf("a failed push landed: %d transactions", n)
	}

	// Revoking the credentials stops the feeds linked with them.
	if err := c.SourceAccounts.DeleteCredentials(ctx, co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	for _, a := range must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, conn.ID)) {
		if a.Status != bankfeeds.SourceAccountDisconnected {
			t.Fatalf("account %s is %s after revoking credentials", a.ID, a.Status)
		}
	}
	if _, err := c.SourceAccounts.GenerateOTP(ctx, co.ID, conn.ID); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("OTP on QBO: %v, want 400", err)
	}
	if _, err := c.CompanyInformation.Get(ctx, co.ID, conn.ID); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("company information on QBO: %v, want 400", err)
	}
	if _, err := c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "chk"}); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("API mapping on QBO: %v, want 400", err)
	}
}

func hasValidator(op *bankfeeds.PushOperation, name string) bool {
	if op.Validation == nil {
		return false
	}
	for _, e := range op.Validation.Errors {
		if e.ValidatorName != nil && *e.ValidatorName == name && e.Message != nil && *e.Message != "" {
			return true
		}
	}
	return false
}

func TestQBOLinkURLOTPExpires(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: now}
	_, c := sandbox(t, bankfeedstest.WithClock(clock.Now))
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Clocked"}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds))
	if st, _ := page(t, http.MethodGet, conn.LinkURL, nil); st != http.StatusOK {
		t.Fatalf("fresh link: %d", st)
	}
	clock.Add(59 * time.Minute)
	again := must[*bankfeeds.Connection](t)(c.Connections.Get(ctx, co.ID, conn.ID))
	if again.LinkURL != conn.LinkURL {
		t.Fatalf("the OTP changed before it expired")
	}
	clock.Add(2 * time.Minute)
	if st, html := page(t, http.MethodGet, conn.LinkURL, nil); st != http.StatusUnauthorized || !strings.Contains(html, "expired") {
		t.Fatalf("expired link: %d", st)
	}
	fresh := must[*bankfeeds.Connection](t)(c.Connections.Get(ctx, co.ID, conn.ID))
	if fresh.LinkURL == conn.LinkURL {
		t.Fatal("get-connection should hand out a fresh linkUrl once the OTP expired")
	}
	if st, _ := page(t, http.MethodGet, fresh.LinkURL, nil); st != http.StatusOK {
		t.Fatalf("fresh link: %d", st)
	}
}

func TestJourneySageBankFeeds(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Sage shop"}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformSageBankFeeds))
	if strings.Contains(conn.LinkURL, "otp=") || conn.PlatformName != "SageBankFeed" {
		t.Fatalf("sage connection %+v", conn)
	}
	// A version 1 account: accountType "Debit" is not a version 2 type.
	acct := must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.SourceAccount{
		ID: "sage-1", AccountName: "Current", AccountType: bankfeeds.AccountTypeDebit, AccountNumber: "12345678",
		SortCode: bankfeeds.Ptr("040004"), Currency: "GBP", Balance: dec("10.00"),
	}))
	if acct.Status != bankfeeds.SourceAccountPending || acct.RoutingInfo != nil {
		t.Fatalf("v1 account %+v", acct)
	}
	if _, err := c.SourceAccounts.GenerateCredentials(ctx, co.ID, conn.ID); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("credentials on Sage: %v, want 404", err)
	}
	otp := must[*bankfeeds.OTP](t)(c.SourceAccounts.GenerateOTP(ctx, co.ID, conn.ID))
	if len(otp.OTP) != 6 || otp.Expiry.Before(time.Now()) {
		t.Fatalf("otp %+v", otp)
	}
	st, html := page(t, http.MethodGet, conn.LinkURL, nil)
	if st != http.StatusOK || !strings.Contains(html, "Connection ID") || !strings.Contains(html, "One-time password") {
		t.Fatalf("sage page: %d\n%s", st, html)
	}
	form := url.Values{"connectionId": {conn.ID}, "otp": {"ZZZZZZ"}, "account": {"sage-1"}}
	if st, _ := page(t, http.MethodPost, conn.LinkURL, form); st != http.StatusBadRequest {
		t.Fatalf("wrong OTP: %d, want 400", st)
	}
	form.Set("otp", strings.ToLower(otp.OTP))
	form.Set("connectionId", "00000000-0000-4000-8000-000000000000")
	if st, _ := page(t, http.MethodPost, conn.LinkURL, form); st != http.StatusBadRequest {
		t.Fatalf("wrong connection id: %d, want 400", st)
	}
	form.Set("connectionId", conn.ID)
	if st, html := page(t, http.MethodPost, conn.LinkURL, form); st != http.StatusOK || !strings.Contains(html, "connected") {
		t.Fatalf("sage form: %d\n%s", st, html)
	}
	if st, _ := page(t, http.MethodPost, conn.LinkURL, form); st != http.StatusBadRequest {
		t.Fatalf("OTP used twice: %d, want 400", st)
	}
	accts := must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, conn.ID))
	if len(accts) != 1 || accts[0].Status != bankfeeds.SourceAccountConnected || accts[0].FeedStartDate == nil {
		t.Fatalf("accounts %+v", accts)
	}

	end := time.Now().Add(-30 * time.Minute)
	first := recent("s1", 3, end)
	op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, conn.ID, "sage-1", first, &bankfeeds.PushOptions{Platform: bankfeeds.PlatformSageBankFeeds}))
	if echo, err := op.Echo(); err != nil || op.Status != bankfeeds.PushStatusPending || echo == nil || len(echo.Transactions) != 3 {
		t.Fatalf("push answer %+v", op)
	}
	if op = wait(t, c, co.ID, op.PushOperationKey); op.Status != bankfeeds.PushStatusSuccess || op.StatusCode != 200 || op.CompletedOnUTC == nil {
		t.Fatalf("push: %+v", op)
	}
	older := recent("s0", 1, end.Add(-time.Hour))
	op = must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, conn.ID, "sage-1", older, &bankfeeds.PushOptions{Platform: bankfeeds.PlatformSageBankFeeds}))
	if op = wait(t, c, co.ID, op.PushOperationKey); op.Status != bankfeeds.PushStatusFailed || !hasValidator(op, "BankTransactionsHistoryValidator") {
		t.Fatalf("older push on Sage: %+v", op)
	}
	if got := srv.Transactions(co.ID, conn.ID, "sage-1"); len(got) != 3 {
		t.Fatalf("landed %d, want 3", len(got))
	}
}

func TestJourneyXeroWithMappingAPI(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Xero ltd"}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero))
	if conn.SourceType != bankfeeds.SourceTypeAccounting {
		t.Fatalf("source type %s", conn.SourceType)
	}
	if _, err := c.CompanyInformation.Get(ctx, co.ID, conn.ID); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("company information before linking: %v", err)
	}
	if _, err := c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "x"}); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("mapping before linking: %v", err)
	}
	// The user authorises first; accounts come after, mapped through the API.
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	card := v2Account("card", "GBP")
	card.AccountType = bankfeeds.AccountTypeCreditCard
	must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, conn.ID, []bankfeeds.SourceAccount{v2Account("cur", "GBP"), card}))

	maps := must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, conn.ID))
	if len(maps) != 2 || maps[0].Status != "pending" || maps[0].TargetAccountID != nil {
		t.Fatalf("mappings %+v", maps)
	}
	if len(maps[0].TargetAccountOptions) != 1 || deref(maps[0].TargetAccountOptions[0].Name) != "Business Current Account" {
		t.Fatalf("options of a GBP checking account: %+v", maps[0].TargetAccountOptions)
	}
	if len(maps[1].TargetAccountOptions) != 1 || deref(maps[1].TargetAccountOptions[0].Name) != "Business Credit Card" {
		t.Fatalf("options of a GBP credit card: %+v", maps[1].TargetAccountOptions)
	}
	target := maps[0].TargetAccountOptions[0].ID
	r := must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "cur", TargetAccountID: &target}))
	if deref(r.Status) != "connecting" || deref(r.TargetAccountID) != target {
		t.Fatalf("mapping result %+v", r)
	}
	// A target fed by one source account cannot take another: 200 Failed,
	// as the document's example answers (TestMappingToFedTargetAnswersFailed).
	if r, err := c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "card", TargetAccountID: &target}); err != nil || deref(r.Status) != "Failed" {
		t.Fatalf("second feed into one target: %+v %v", r, err)
	}
	r = must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "card"}))
	if r.TargetAccountID == nil || *r.TargetAccountID == target {
		t.Fatalf("mapping without a target should create one: %+v", r)
	}
	maps = must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, conn.ID))
	for _, m := range maps {
		if m.Status != "connected" || m.TargetAccountID == nil || m.FeedStartDate == nil {
			t.Fatalf("mapping after the delay: %+v", m)
		}
	}
	if maps[1].TargetAccountName != "Account card" {
		t.Fatalf("a new target is named after the source account: %q", maps[1].TargetAccountName)
	}
	info := must[*bankfeeds.CompanyInformation](t)(c.CompanyInformation.Get(ctx, co.ID, conn.ID))
	if info.BaseCurrency != "GBP" || info.CompanyName != "Xero ltd" {
		t.Fatalf("company information %+v", info)
	}

	txns := recent("x", 5, time.Now().Add(-24*time.Hour))
	op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, conn.ID, "cur", txns, &bankfeeds.PushOptions{Platform: bankfeeds.PlatformXero}))
	if op = wait(t, c, co.ID, op.PushOperationKey); op.Status != bankfeeds.PushStatusSuccess || len(op.Changes) != 5 {
		t.Fatalf("xero push %+v", op)
	}
	// Xero takes lines older than what it holds (only in-request order counts).
	older := recent("x0", 2, time.Now().Add(-48*time.Hour))
	op = must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, conn.ID, "cur", older, &bankfeeds.PushOptions{Platform: bankfeeds.PlatformXero}))
	if op = wait(t, c, co.ID, op.PushOperationKey); op.Status != bankfeeds.PushStatusSuccess {
		t.Fatalf("older push on Xero: %+v", op.Validation)
	}
	// The last line's balance becomes the target account's balance.
	var bal string
	for a, err := range c.BankAccounts.All(ctx, co.ID, conn.ID, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == target {
			bal = a.Balance.String()
		}
	}
	if want := older[1].Balance.String(); bal != want {
		t.Fatalf("target balance %s, want %s", bal, want)
	}

	unlinked := must[*bankfeeds.Connection](t)(c.Connections.Unlink(ctx, co.ID, conn.ID))
	if unlinked.Status != bankfeeds.ConnectionUnlinked {
		t.Fatalf("unlink: %s", unlinked.Status)
	}
	if _, err := c.Connections.Unlink(ctx, co.ID, conn.ID); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("unlinking twice: %v", err)
	}
	op = must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, conn.ID, "cur", recent("x2", 1, time.Now()), &bankfeeds.PushOptions{Platform: bankfeeds.PlatformXero}))
	if op = wait(t, c, co.ID, op.PushOperationKey); op.Status != bankfeeds.PushStatusFailed {
		t.Fatalf("push to an unlinked connection: %s", op.Status)
	}
	if err := srv.CompleteLink(co.ID, conn.ID); err == nil {
		t.Fatal("CompleteLink on an Unlinked connection should fail")
	}
	if err := srv.CompleteLink(co.ID, "nope"); !errors.Is(err, bankfeedstest.ErrNotFound) {
		t.Fatalf("CompleteLink on a missing connection: %v", err)
	}
	if got := srv.Transactions(co.ID, conn.ID, "cur"); len(got) != 7 {
		t.Fatalf("landed %d, want 7", len(got))
	}
	ops := srv.PushOperations(co.ID)
	if len(ops) != 3 || !slices.ContainsFunc(ops, func(o bankfeeds.PushOperation) bool { return o.Status == bankfeeds.PushStatusFailed }) {
		t.Fatalf("push operations %d", len(ops))
	}
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
