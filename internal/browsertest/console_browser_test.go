package browsertest_test

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

// The console and the link pages, driven in a real browser: Debian's
// chromium, through the DevTools protocol (chromedp).

// chromiumPath finds the browser: $BANKFEEDS_CHROMIUM, or chromium on PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BANKFEEDS_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed: apt-get update && apt-get install -y chromium (or set BANKFEEDS_CHROMIUM)")
	}
	return p
}

// browser starts a headless chromium with a fresh profile; every action
// runs under ctx, whose deadline bounds the whole test.
func browser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	// A fresh profile, removed once the browser has exited (t.TempDir's
	// cleanup can race chromium's last writes).
	profile, err := os.MkdirTemp("", "bankfeeds-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		_ = chromedp.Cancel(bctx) // closes the browser and waits for it
		cancel()
		cancelAlloc()
		for i := 0; i < 50 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(20 * time.Millisecond)
		}
	})
	if err := chromedp.Run(bctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// shots saves screenshots under one temporary folder, named in the log.
type shots struct {
	dir string
	n   int
}

func newShots(t *testing.T) *shots {
	dir, err := os.MkdirTemp("", "bankfeeds-console-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return &shots{dir: dir}
}

func (s *shots) take(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	s.n++
	if err := os.WriteFile(filepath.Join(s.dir, strconv.Itoa(s.n)+"-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hookSink is a webhook endpoint that keeps the events it verified.
type hookSink struct {
	mu     sync.Mutex
	events []*webhooks.Event
	got    chan struct{}
}

func (h *hookSink) waitFor(t *testing.T, ctx context.Context, match func(*webhooks.Event) bool) *webhooks.Event {
	t.Helper()
	for {
		h.mu.Lock()
		for _, e := range h.events {
			if match(e) {
				h.mu.Unlock()
				return e
			}
		}
		h.mu.Unlock()
		select {
		case <-h.got:
		case <-ctx.Done():
			t.Fatal("the webhook did not arrive")
		}
	}
}

func TestConsoleInBrowser(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// The sandbox, a webhook endpoint, and the SDK.
	sink := &hookSink{got: make(chan struct{}, 1)}
	secret := webhooks.NewSecret()
	hook, err := webhooks.NewHandler(secret, func(_ context.Context, e *webhooks.Event) error {
		sink.mu.Lock()
		sink.events = append(sink.events, e)
		sink.mu.Unlock()
		select {
		case sink.got <- struct{}{}:
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	srv := bankfeedstest.NewServer(bankfeedstest.WithWebhook(hs.URL, secret))
	defer srv.Close()
	c := client(t, srv)

	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{
		Name: "Toft & Sons", Description: `<script>alert("x")</script> corner shop`}))
	qbo := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformQuickBooksOnlineBankFeeds))
	sage := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformSageBankFeeds))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, qbo.ID, bankfeeds.SourceAccount{
		ID: "acc-qbo", AccountName: "Business checking", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "12345678", Currency: "USD", Balance: dec("1000.00")}))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, sage.ID, bankfeeds.SourceAccount{
		ID: "acc-sage", AccountName: "Current account", AccountType: bankfeeds.AccountTypeChecking,
		AccountNumber: "87654321", Currency: "GBP", Balance: dec("50.00")}))

	b := browser(t, ctx)
	shot := newShots(t)

	// QBO: get credentials, sign in, authorise.
	qbo = must[*bankfeeds.Connection](t)(c.Connections.Get(ctx, co.ID, qbo.ID)) // a fresh linkUrl
	var user, pass string
	if err := chromedp.Run(b,
		chromedp.Navigate(qbo.LinkURL),
		chromedp.Click(`//button[text()="Get credentials"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
		chromedp.Text(`#username`, &user, chromedp.ByID),
		chromedp.Text(`#password`, &pass, chromedp.ByID),
	); err != nil {
		t.Fatalf("QBO credentials: %v", err)
	}
	shot.take(t, b, "qbo-credentials")
	var done string
	if err := chromedp.Run(b,
		chromedp.SendKeys(`input[name=username]`, user, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=password]`, pass, chromedp.ByQuery),
		chromedp.Click(`//button[text()="Authorise and connect"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1[contains(., " connected")]`, chromedp.BySearch),
		chromedp.Text(`h1`, &done, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("QBO sign in: %v", err)
	}
	if done != "QuickBooks Online Bank Feeds connected" {
		t.Fatalf("QBO link page ends with %q", done)
	}
	shot.take(t, b, "qbo-connected")

	// Sage: the connection id and an OTP, as entered inside Sage.
	otp := must[*bankfeeds.OTP](t)(c.SourceAccounts.GenerateOTP(ctx, co.ID, sage.ID))
	if err := chromedp.Run(b,
		chromedp.Navigate(sage.LinkURL),
		chromedp.SendKeys(`input[name=connectionId]`, sage.ID, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=otp]`, otp.OTP, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("Sage page: %v", err)
	}
	shot.take(t, b, "sage-otp")
	if err := chromedp.Run(b,
		chromedp.Click(`//button[text()="Connect bank"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1[contains(., " connected")]`, chromedp.BySearch),
		chromedp.Text(`h1`, &done, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("Sage connect: %v", err)
	}
	if done != "SageBankFeed connected" {
		t.Fatalf("Sage link page ends with %q", done)
	}
	for _, conn := range []*bankfeeds.Connection{qbo, sage} {
		accts := must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, conn.ID))
		if len(accts) != 1 || accts[0].Status != bankfeeds.SourceAccountConnected {
			t.Fatalf("after the link page: %+v", accts)
		}
	}

	// 2,500 shuffled transactions, pushed in order by the SDK.
	txns, closing := statement(2500, time.Now().UTC())
	shuffled := slices.Clone(txns)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	res, err := c.Transactions.PushAll(ctx, co.ID, qbo.ID, "acc-qbo", shuffled, &bankfeeds.PushAllOptions{
		PushOptions: bankfeeds.PushOptions{Platform: bankfeeds.PlatformQuickBooksOnlineBankFeeds}})
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if res.Pushed != len(txns) {
		t.Fatalf("pushed %d", res.Pushed)
	}

	// The console: the company, its connections, and the register.
	var overview string
	if err := chromedp.Run(b,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`#account-acc-qbo`, chromedp.ByID),
		chromedp.Text(`main`, &overview, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("overview: %v", err)
	}
	if !strings.Contains(overview, `<script>alert("x")</script> corner shop`) {
		t.Fatalf("the description should show as text, escaped: %q", overview)
	}
	shot.take(t, b, "overview")
	var rows [][]string
	var balance string
	if err := chromedp.Run(b,
		chromedp.Click(`#account-acc-qbo a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#register`, chromedp.ByID),
		// A long register may still be arriving when it first shows.
		chromedp.Poll(`document.readyState === "complete"`, nil),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#register tbody tr')).map(tr => [tr.dataset.id, tr.cells[0].textContent, tr.querySelector('.amount').textContent, tr.querySelector('.running').textContent])`, &rows),
		chromedp.Text(`#balance`, &balance, chromedp.ByID),
	); err != nil {
		t.Fatalf("register: %v", err)
	}
	shot.take(t, b, "register")
	if len(rows) != len(txns) {
		t.Fatalf("the register shows %d lines, want %d", len(rows), len(txns))
	}
	for i, row := range rows { // newest first
		want := txns[len(txns)-1-i]
		if row[0] != want.ID || row[1] != want.Date.Format("2006-01-02 15:04") || row[2] != want.Amount.String() || row[3] != want.Balance.String() {
			t.Fatalf("register line %d is %q, want %s %s %s %s", i, row, want.ID, want.Date.Format("2006-01-02 15:04"), want.Amount, want.Balance)
		}
	}
	if !strings.HasPrefix(balance, closing.String()+" ") {
		t.Fatalf("the register's balance is %q, want %s", balance, closing)
	}

	// Push operations and webhooks pages.
	var opsRows int
	if err := chromedp.Run(b,
		chromedp.Navigate(srv.URL+"/console/companies/"+co.ID+"/pushes"),
		chromedp.WaitVisible(`#pushes`, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll('#pushes > tbody > tr').length`, &opsRows),
	); err != nil {
		t.Fatalf("pushes: %v", err)
	}
	if opsRows != 3 {
		t.Fatalf("%d push operations shown, want 3", opsRows)
	}
	shot.take(t, b, "pushes")

	// Disconnect from the console: the SDK sees it, and the webhook arrives.
	if err := chromedp.Run(b,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`#account-acc-qbo button.danger`, chromedp.ByQuery),
		chromedp.WaitVisible(`#account-acc-qbo .s-disconnected`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	shot.take(t, b, "disconnected")
	accts := must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, qbo.ID))
	if accts[0].Status != bankfeeds.SourceAccountDisconnected {
		t.Fatalf("the SDK sees %q after the console's disconnect", accts[0].Status)
	}
	e := sink.waitFor(t, ctx, func(e *webhooks.Event) bool { return e.Type == webhooks.EventSourceAccountDisconnected })
	if p := e.Payload.(*webhooks.SourceAccountPayload); p.SourceAccount.ID != "acc-qbo" || p.ConnectionID != qbo.ID {
		t.Fatalf("disconnected event %+v", p)
	}
	var hookRows int
	if err := chromedp.Run(b,
		chromedp.Navigate(srv.URL+"/console/webhooks"),
		chromedp.WaitVisible(`#deliveries`, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll('#deliveries > tbody > tr').length`, &hookRows),
	); err != nil {
		t.Fatalf("webhooks page: %v", err)
	}
	if hookRows < 8 { // created x2, connected x2, account connected x2, write x3, disconnected
		t.Fatalf("%d deliveries shown", hookRows)
	}
	shot.take(t, b, "webhooks")
}

// statement makes n transactions of the last five days, oldest first, with
// running balances and descriptions, and the closing balance.
func statement(n int, now time.Time) ([]bankfeeds.BankTransaction, bankfeeds.Decimal) {
	out := make([]bankfeeds.BankTransaction, n)
	bal := dec("1000.00")
	start := now.Add(-5 * 24 * time.Hour)
	step := 5 * 24 * time.Hour / time.Duration(n+1)
	for i := range out {
		amt := bankfeeds.NewDecimal(int64(-(i%7)*1234-99), -2)
		if i%5 == 0 {
			amt = bankfeeds.NewDecimal(int64(25000+i), -2)
		}
		bal = bal.Add(amt)
		at := start.Add(time.Duration(i+1) * step)
		out[i] = bankfeeds.BankTransaction{
			ID:     "tx-" + strconv.Itoa(i),
			Date:   bankfeeds.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second()),
			Amount: amt, Balance: bal, Description: bankfeeds.Ptr("Card payment " + strconv.Itoa(i)),
			Counterparty: bankfeeds.Ptr("Shop " + strconv.Itoa(i%13)),
		}
	}
	return out, bal
}
