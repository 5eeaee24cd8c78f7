package bankfeedstest_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/internal/contract"
)

// contractRecorder wraps the sandbox's handler: it checks every API request
// and response against the OpenAPI document, and counts the operations and
// statuses it saw.
type contractRecorder struct {
	spec *contract.Spec
	next http.Handler

	mu       sync.Mutex
	problems []string
	seen     map[string]bool // "operationId status"
}

func (c *contractRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/link/") {
		c.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())

	path := r.URL.EscapedPath()
	var problems []string
	// Requests the test makes invalid on purpose skip the request check.
	if r.Header.Get("X-Contract-Invalid-Request") == "" {
		if err := c.spec.ValidateRequest(r.Method, path, r.URL.Query(), body); err != nil {
			problems = append(problems, "request: "+err.Error())
		}
	}
	if err := c.spec.ValidateResponse(r.Method, path, rec.Code, rec.Body.Bytes()); err != nil {
		problems = append(problems, "response: "+err.Error()+"\n    body: "+truncate(rec.Body.String(), 600))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, problems...)
	c.seen[c.spec.Operation(r.Method, path)+" "+strconv.Itoa(rec.Code)] = true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// TestContract runs a journey on every platform the sandbox models, errors
// included, and checks each request the SDK sent and each answer the
// sandbox gave against Codat's OpenAPI document.
func TestContract(t *testing.T) {
	path := contract.SpecPath()
	if path == "" {
		t.Skip("the OpenAPI document is not there")
	}
	spec, err := contract.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// The validator itself must refuse a wrong answer.
	if spec.ValidateResponse(http.MethodGet, "/companies/x", 200, []byte(`{"id":1}`)) == nil {
		t.Fatal("the contract accepts a company without a string id")
	}
	sb := bankfeedstest.NewHandler(bankfeedstest.WithPushDelay(0))
	rec := &contractRecorder{spec: spec, next: sb.Handler(), seen: map[string]bool{}}
	ts := httptest.NewServer(rec)
	defer ts.Close()
	defer sb.Close()
	c, err := bankfeeds.NewClient(sb.APIKey, bankfeeds.WithBaseURL(ts.URL), bankfeeds.WithRetryMax(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	fails := func(err error, status int) {
		t.Helper()
		if apiStatus(err) != status {
			t.Fatalf("got %v, want status %d", err, status)
		}
	}

	// Companies, and their errors.
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Contract, all", Description: "d", Tags: map[string]string{"region": "uk"}}))
	must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Other"}))
	must[*bankfeeds.Page[bankfeeds.Company]](t)(c.Companies.List(ctx, &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{PageSize: 1, Page: 2, Query: "name~o", OrderBy: "-created"}, Tags: "region!=us"}))
	_, err = c.Companies.List(ctx, &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{Query: "name~"}})
	fails(err, 400)
	must[*bankfeeds.Company](t)(c.Companies.Get(ctx, co.ID))
	must[*bankfeeds.Company](t)(c.Companies.Update(ctx, co.ID, bankfeeds.CompanyUpdate{Description: bankfeeds.Ptr("e")}))
	must[*bankfeeds.Company](t)(c.Companies.Replace(ctx, co.ID, bankfeeds.CompanyRequest{Name: "Contract"}))
	must[*bankfeeds.CompanyAccessToken](t)(c.Companies.AccessToken(ctx, co.ID))
	_, err = c.Companies.Get(ctx, "00000000-0000-4000-8000-000000000000")
	fails(err, 404)
	wrong := must[*bankfeeds.Client](t)(bankfeeds.NewClient("wrong", bankfeeds.WithBaseURL(ts.URL)))
	_, err = wrong.Companies.List(ctx, nil)
	fails(err, 401)

	// QBO Bank Feeds: credentials, the link page, pushes.
	qbo := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds))
	must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, qbo.ID, []bankfeeds.SourceAccount{v2Account("q1", "USD"), v2Account("q2", "USD")}))
	res := must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, qbo.ID, []bankfeeds.SourceAccount{v2Account("q1", "USD"), v2Account("q3", "USD")})) // 207
	if len(res) != 2 || res[0].StatusCode != 409 {
		t.Fatalf("207 results %+v", res)
	}
	must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, qbo.ID, []bankfeeds.SourceAccount{v2Account("q1", "USD")})) // 409
	creds := must[*bankfeeds.BankAccountCredentials](t)(c.SourceAccounts.GenerateCredentials(ctx, co.ID, qbo.ID))
	link, _ := url.Parse(qbo.LinkURL)
	if st, _ := page(t, http.MethodPost, ts.URL+link.Path, url.Values{"otp": {link.Query().Get("otp")}, "username": {creds.Username}, "password": {creds.Password}, "account": {"q1", "q2", "q3"}}); st != 200 {
		t.Fatalf("link page: %d", st)
	}
	must[*bankfeeds.Page[bankfeeds.Connection]](t)(c.Connections.List(ctx, co.ID, &bankfeeds.ListOptions{Query: "status=Linked"}))
	must[*bankfeeds.Connection](t)(c.Connections.Get(ctx, co.ID, qbo.ID))
	must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, qbo.ID))
	must[*bankfeeds.PushOption](t)(c.Transactions.CreateModel(ctx, co.ID, qbo.ID, "q1"))
	txns := recent("c", 3, time.Now().Add(-time.Hour))
	op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, qbo.ID, "q1", txns, &bankfeeds.PushOptions{Platform: bankfeeds.PlatformQuickBooksOnlineBankFeeds, TimeoutInMinutes: bankfeeds.Ptr(5), AllowSyncOnPushComplete: bankfeeds.Ptr(true)}))
	wait(t, c, co.ID, op.PushOperationKey)
	bad := txns[:1] // older than what the account holds: Failed
	bad[0].ID = "older"
	bad[0].Date = bankfeeds.NewDateTime(time.Now().Add(-2 * time.Hour).UTC())
	op = must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, qbo.ID, "q1", bad, nil))
	if wait(t, c, co.ID, op.PushOperationKey).Status != bankfeeds.PushStatusFailed {
		t.Fatal("the older push should fail")
	}
	_, err = c.Transactions.Push(ctx, co.ID, qbo.ID, "ghost", txns, nil)
	fails(err, 404)
	must[*bankfeeds.Page[bankfeeds.PushOperation]](t)(c.Transactions.ListOperations(ctx, co.ID, &bankfeeds.ListOptions{Query: "status=Failed||status=Success", OrderBy: "-requestedOnUtc"}))
	_, err = c.Transactions.ListOperations(ctx, co.ID, &bankfeeds.ListOptions{Query: "{status=Failed"})
	fails(err, 400)
	_, err = c.Transactions.GetOperation(ctx, co.ID, "00000000-0000-4000-8000-000000000000")
	fails(err, 404)
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Update(ctx, co.ID, qbo.ID, "q2", bankfeeds.SourceAccountUpdate{AccountName: bankfeeds.Ptr("Renamed")}))
	_, err = c.SourceAccounts.Update(ctx, co.ID, qbo.ID, "q2", bankfeeds.SourceAccountUpdate{Balance: dec("1")})
	fails(err, 400)
	_, err = c.SourceAccounts.Create(ctx, co.ID, qbo.ID, v2Account("q2", "USD"))
	fails(err, 400)
	_, err = c.SourceAccounts.GenerateOTP(ctx, co.ID, qbo.ID)
	fails(err, 400)
	_, err = c.CompanyInformation.Get(ctx, co.ID, qbo.ID)
	fails(err, 400)
	_, err = c.AccountMapping.Create(ctx, co.ID, qbo.ID, bankfeeds.AccountMapping{SourceAccountID: "q1"})
	fails(err, 400)
	must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, qbo.ID))
	ok(c.SourceAccounts.DeleteCredentials(ctx, co.ID, qbo.ID))
	ok(c.SourceAccounts.Delete(ctx, co.ID, qbo.ID, "q3"))

	// Sage Bank Feeds: a version 1 account, the OTP, the page.
	sage := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformSageBankFeeds))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, sage.ID, bankfeeds.SourceAccount{ID: "s1", AccountName: "Current", AccountType: bankfeeds.AccountTypeDebit, Currency: "GBP", Balance: dec("1")}))
	must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, sage.ID))
	otp := must[*bankfeeds.OTP](t)(c.SourceAccounts.GenerateOTP(ctx, co.ID, sage.ID))
	if st, _ := page(t, http.MethodPost, sage.LinkURL, url.Values{"connectionId": {sage.ID}, "otp": {otp.OTP}, "account": {"s1"}}); st != 200 {
		t.Fatalf("sage page: %d", st)
	}
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Update(ctx, co.ID, sage.ID, "s1", bankfeeds.SourceAccountUpdate{Status: bankfeeds.Ptr(bankfeeds.SourceAccountDisconnected)}))
	_, err = c.SourceAccounts.GenerateCredentials(ctx, co.ID, sage.ID)
	fails(err, 404)

	// Xero: mapping through the API, company information, target accounts,
	// managed syncs, unlink.
	xero := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero))
	_, err = c.CompanyInformation.Get(ctx, co.ID, xero.ID)
	fails(err, 400)
	ok(sb.CompleteLink(co.ID, xero.ID))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, xero.ID, v2Account("x1", "GBP")))
	maps := must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, xero.ID))
	must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, xero.ID, bankfeeds.AccountMapping{SourceAccountID: "x1", TargetAccountID: &maps[0].TargetAccountOptions[0].ID}))
	must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, xero.ID))
	_, err = c.AccountMapping.Create(ctx, co.ID, xero.ID, bankfeeds.AccountMapping{SourceAccountID: "ghost"})
	fails(err, 400)
	must[*bankfeeds.CompanyInformation](t)(c.CompanyInformation.Get(ctx, co.ID, xero.ID))
	must[*bankfeeds.Page[bankfeeds.BankAccount]](t)(c.BankAccounts.List(ctx, co.ID, xero.ID, &bankfeeds.ListOptions{PageSize: 1}))
	must[*bankfeeds.PushOption](t)(c.BankAccounts.CreateModel(ctx, co.ID, xero.ID))
	op = must[*bankfeeds.PushOperation](t)(c.BankAccounts.Create(ctx, co.ID, xero.ID, bankfeeds.BankAccount{AccountName: bankfeeds.Ptr("Savings"), AccountType: "Debit", Currency: "GBP"}, &bankfeeds.WriteOptions{TimeoutInMinutes: bankfeeds.Ptr(2)}))
	wait(t, c, co.ID, op.PushOperationKey)
	_, err = c.ManagedSyncs.Latest(ctx, co.ID, xero.ID, "x1")
	if !errors.Is(err, bankfeeds.ErrNoSync) {
		t.Fatalf("latest: %v", err)
	}
	started := must[*bankfeeds.SyncStarted](t)(c.ManagedSyncs.Run(ctx, co.ID, xero.ID, "x1"))
	must[*bankfeeds.SyncStatus](t)(c.ManagedSyncs.Get(ctx, co.ID, xero.ID, "x1", started.SyncID))
	must[*bankfeeds.SyncStatus](t)(c.ManagedSyncs.Latest(ctx, co.ID, xero.ID, "x1"))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, xero.ID, v2Account("x2", "GBP")))
	if r := must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, xero.ID, bankfeeds.AccountMapping{SourceAccountID: "x2", TargetAccountID: &maps[0].TargetAccountOptions[0].ID})); deref(r.Status) != "Failed" {
		t.Fatalf("a second feed into one target: %+v", r)
	}
	_, err = c.ManagedSyncs.Run(ctx, co.ID, xero.ID, "x2")
	fails(err, 400)
	op = must[*bankfeeds.PushOperation](t)(c.Transactions.Push(ctx, co.ID, xero.ID, "x1", recent("cx", 2, time.Now().Add(-time.Hour)), nil))
	wait(t, c, co.ID, op.PushOperationKey)
	must[*bankfeeds.Connection](t)(c.Connections.Unlink(ctx, co.ID, xero.ID))

	// Requests the SDK would refuse to send, answered with declared errors.
	invalid := func(method, p string, body any, status int) {
		t.Helper()
		resp, b := rawTo(t, ts.URL, sb.APIKey, method, p, body, "X-Contract-Invalid-Request", "1")
		wantError(t, resp, b, status)
	}
	xc := "/companies/" + co.ID + "/connections/" + xero.ID
	many := make([]map[string]any, 1001)
	for i := range many {
		many[i] = line("t"+strconv.Itoa(i), wall(time.Now()), true)
	}
	invalid(http.MethodPost, xc+"/push/bankAccounts/x1/bankTransactions", `{"accountId":`, 400)
	invalid(http.MethodPost, xc+"/push/bankAccounts/x1/bankTransactions", map[string]any{"accountId": "x1", "transactions": many}, 400)
	invalid(http.MethodPost, xc+"/push/bankAccounts/x1/bankTransactions", map[string]any{"accountId": "x2", "transactions": many[:1]}, 400)
	invalid(http.MethodPost, xc+"/connectionInfo/bankFeedAccounts/batch", `[]`, 400)
	invalid(http.MethodPost, xc+"/connectionInfo/bankFeedAccounts", `{"id":"y"}`, 400)
	invalid(http.MethodPost, xc+"/bankFeedAccounts/mapping", `[{"sourceAccountId":"x1"}]`, 400)
	invalid(http.MethodPost, xc+"/push/bankAccounts", `{"accountName":"A","accountType":"Asset"}`, 400)
	invalid(http.MethodGet, "/companies?pageSize=0", nil, 400)
	invalid(http.MethodGet, "/companies/"+co.ID+"/push?pageSize=5001", nil, 400)

	// Injected faults answer in the document's shapes too.
	sb.SetFaults(bankfeedstest.Faults{RateLimit: 1, RetryAfter: time.Second})
	_, err = c.Companies.Get(ctx, co.ID)
	fails(err, 429)
	sb.SetFaults(bankfeedstest.Faults{ServerErrorBefore: 1})
	_, err = c.Connections.Get(ctx, co.ID, xero.ID)
	fails(err, 500)
	sb.SetFaults(bankfeedstest.Faults{})

	// Deletes.
	ok(c.Connections.Delete(ctx, co.ID, sage.ID))
	ok(c.Companies.Delete(ctx, co.ID))

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, p := range rec.problems {
		t.Error(p)
	}
	ops := map[string]bool{}
	var statuses []string
	for k := range rec.seen {
		ops[strings.Fields(k)[0]] = true
		statuses = append(statuses, k)
	}
	sort.Strings(statuses)
	if len(ops) != 33 {
		t.Errorf("the journey reached %d of the document's 33 operations: %v", len(ops), statuses)
	}
}
