package bankfeeds

// Benchmarks of the SDK against a floor: a hand-written net/http +
// encoding/json client doing the same request against the same local server.
// The SDK's cost is the work it adds on top of the wire. Compare with
//
//	go test -run '^$' -bench 'Push|List|Get' -count 10 . > bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl bench.txt
//
// Targets: Push within 1.25x the floor's time and 1.5x its allocations;
// List and Get within 1.15x.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// Floor types: what a careful hand-written client would declare, with
// json.Number for exact money and strings for dates.
type floorTxn struct {
	ID              string      `json:"id"`
	Date            string      `json:"date"`
	Description     *string     `json:"description,omitempty"`
	Amount          json.Number `json:"amount"`
	Balance         json.Number `json:"balance,omitempty"`
	TransactionType string      `json:"transactionType,omitempty"`
}

type floorPushBody struct {
	AccountID    string     `json:"accountId"`
	Transactions []floorTxn `json:"transactions"`
}

type floorPushOp struct {
	PushOperationKey  string         `json:"pushOperationKey"`
	CompanyID         string         `json:"companyId"`
	DataConnectionKey string         `json:"dataConnectionKey"`
	Status            string         `json:"status"`
	StatusCode        int            `json:"statusCode"`
	RequestedOnUTC    string         `json:"requestedOnUtc"`
	Data              *floorPushBody `json:"data"`
}

type floorCompany struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Redirect    string            `json:"redirect"`
	Created     string            `json:"created"`
	Tags        map[string]string `json:"tags"`
}

type floorPage struct {
	Results      []floorCompany `json:"results"`
	PageNumber   int            `json:"pageNumber"`
	PageSize     int            `json:"pageSize"`
	TotalResults int            `json:"totalResults"`
}

// floorClient is the hand-written client.
type floorClient struct {
	hc   *http.Client
	base string
	auth string
}

func (f *floorClient) do(method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, f.base+url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", f.auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// benchServer answers with canned bodies, as fast as it can.
func benchServer(b *testing.B, push, list, get []byte) string {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost:
			_, _ = w.Write(push)
		case r.URL.Path == "/companies":
			_, _ = w.Write(list)
		default:
			_, _ = w.Write(get)
		}
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

func benchFixtures(b *testing.B) (txns []BankTransaction, floor []floorTxn, push, list, get []byte) {
	b.Helper()
	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	balance := NewDecimal(1_000_000, -2)
	for i := 0; i < 1000; i++ {
		amount := NewDecimal(int64(i%97*100+37)*(1-2*int64(i%2)), -2)
		balance = balance.Add(amount)
		bal := balance
		desc := "Card payment " + strconv.Itoa(i)
		date := NewDateTime(start.Add(time.Duration(i) * time.Minute))
		txns = append(txns, BankTransaction{ID: "tx-" + strconv.Itoa(i), Date: date, Description: &desc, Amount: amount, Balance: bal, TransactionType: TransactionDebit})
		floor = append(floor, floorTxn{ID: "tx-" + strconv.Itoa(i), Date: date.Format("2006-01-02T15:04:05"), Description: &desc,
			Amount: json.Number(amount.String()), Balance: json.Number(bal.String()), TransactionType: "Debit"})
	}
	echo := CreateBankTransactions{AccountID: "acc-1", Transactions: txns}
	push, _ = json.Marshal(map[string]any{
		"pushOperationKey": "8b5c1bd4-0e7f-4a0b-8c5e-1f2a3b4c5d6e", "companyId": "c1", "dataConnectionKey": "cc1",
		"status": "Pending", "statusCode": 202, "requestedOnUtc": "2026-11-24T08:00:00.1234567Z", "dataType": "bankTransactions",
		"data": echo,
	})
	var companies []map[string]any
	for i := 0; i < 100; i++ {
		companies = append(companies, map[string]any{
			"id": fmt.Sprintf("0498e921-9b53-4396-a412-4f2f5983b%03d", i), "name": "Toft stores " + strconv.Itoa(i),
			"description": "A shop", "redirect": "https://link.codat.io/company/x", "created": "2026-01-02T03:04:05Z",
			"tags": map[string]string{"region": "uk"},
		})
	}
	list, _ = json.Marshal(map[string]any{"results": companies, "pageNumber": 1, "pageSize": 100, "totalResults": 100,
		"_links": map[string]any{"self": map[string]string{"href": "/companies"}, "current": map[string]string{"href": "/companies?page=1"}}})
	get, _ = json.Marshal(companies[0])
	return txns, floor, push, list, get
}

func benchClients(b *testing.B, url string) (*Client, *floorClient) {
	b.Helper()
	c, err := NewClient("bench-key", WithBaseURL(url))
	if err != nil {
		b.Fatal(err)
	}
	return c, &floorClient{hc: &http.Client{Transport: defaultTransport()}, base: url,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("bench-key"))}
}

// BenchmarkPush1000 pushes 1000 transactions: the SDK (guard, encode, send,
// decode) against the floor (encode, send, decode).
func BenchmarkPush1000(b *testing.B) {
	txns, floor, push, list, get := benchFixtures(b)
	c, f := benchClients(b, benchServer(b, push, list, get))
	ctx := context.Background()
	opts := &PushOptions{Platform: PlatformXero, Now: NewDateTime(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))}
	b.Run("impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			op, err := c.Transactions.Push(ctx, "c1", "cc1", "acc-1", txns, opts)
			if err != nil || op.PushOperationKey == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=floor", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var op floorPushOp
			if err := f.do(http.MethodPost, "/companies/c1/connections/cc1/push/bankAccounts/acc-1/bankTransactions",
				floorPushBody{AccountID: "acc-1", Transactions: floor}, &op); err != nil || len(op.Data.Transactions) != 1000 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkList100 lists a page of 100 companies.
func BenchmarkList100(b *testing.B) {
	_, _, push, list, get := benchFixtures(b)
	c, f := benchClients(b, benchServer(b, push, list, get))
	ctx := context.Background()
	b.Run("impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			p, err := c.Companies.List(ctx, nil)
			if err != nil || len(p.Results) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=floor", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var p floorPage
			if err := f.do(http.MethodGet, "/companies", nil, &p); err != nil || len(p.Results) != 100 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGet gets one company.
func BenchmarkGet(b *testing.B) {
	_, _, push, list, get := benchFixtures(b)
	c, f := benchClients(b, benchServer(b, push, list, get))
	ctx := context.Background()
	b.Run("impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			co, err := c.Companies.Get(ctx, "0498e921-9b53-4396-a412-4f2f5983b000")
			if err != nil || co.Name == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=floor", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var co floorCompany
			if err := f.do(http.MethodGet, "/companies/0498e921-9b53-4396-a412-4f2f5983b000", nil, &co); err != nil || co.Name == "" {
				b.Fatal(err)
			}
		}
	})
}
