package bankfeeds_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bankfeeds-go/bankfeeds"
)

func ExampleSortTransactions() {
	txns := []bankfeeds.BankTransaction{
		{ID: "b", Date: bankfeeds.Date(2026, 11, 23, 9, 30, 0), Amount: bankfeeds.NewDecimal(-1250, -2)},
		{ID: "a", Date: bankfeeds.Date(2026, 11, 22, 17, 5, 0), Amount: bankfeeds.NewDecimal(10000, -2)},
	}
	for _, t := range bankfeeds.SortTransactions(txns) {
		fmt.Println(t.ID, t.Date.Format("2006-01-02 15:04"), t.Amount)
	}
	// Output:
	// a 2026-11-22 17:05 100.00
	// b 2026-11-23 09:30 -12.50
}

func ExampleCheckTransactions() {
	txns := []bankfeeds.BankTransaction{
		{ID: "t1", Date: bankfeeds.Date(2026, 11, 23, 9, 30, 0), Amount: bankfeeds.NewDecimal(-1250, -2)},
	}
	err := bankfeeds.CheckTransactions(txns, &bankfeeds.PushOptions{
		Platform: bankfeeds.PlatformXero,
		Now:      bankfeeds.Date(2026, 11, 24, 12, 0, 0),
	})
	var ve *bankfeeds.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field, ve.Index)
		fmt.Println(err)
	}
	// Output:
	// balance 0
	// bankfeeds: invalid balance of transaction 0 (id "t1"): is required on this platform (the running balance after this line)
}

func ExampleRulesFor() {
	r := bankfeeds.RulesFor(bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	fmt.Println(r.RequireBalance, r.ForbidOlder, r.ForbidFuture, r.MaxAgeDays, "days")
	// Output: true true true 7 days
}

func ExampleDecimal() {
	var amount bankfeeds.Decimal
	_ = json.Unmarshal([]byte(`12345678901234567.89`), &amount) // more digits than a float64 holds
	total := amount.Add(bankfeeds.NewDecimal(11, -2))
	out, _ := json.Marshal(total)
	fmt.Println(string(out))
	// Output: 12345678901234568.00
}

func ExampleBankTransaction_MarshalJSON() {
	t := bankfeeds.BankTransaction{
		ID:          "tx-1",
		Date:        bankfeeds.Date(2023, 8, 22, 10, 21, 0),
		Description: bankfeeds.Ptr("Coffee"),
		Amount:      bankfeeds.NewDecimal(-450, -2),
		Balance:     bankfeeds.NewDecimal(99550, -2),
	}
	out, _ := json.Marshal(t)
	fmt.Println(string(out))
	// Output: {"id":"tx-1","date":"2023-08-22T10:21:00","description":"Coffee","amount":-4.50,"balance":995.50}
}

func ExampleAPIError() {
	// Every failed call can be matched by status with errors.Is, and read
	// with errors.As.
	var err error = &bankfeeds.APIError{StatusCode: 404, Method: "GET", Path: "/companies/8a21", Message: "Company not found", CorrelationID: "7f3c"}
	if errors.Is(err, bankfeeds.ErrNotFound) {
		fmt.Println(err)
	}
	// Output: bankfeeds: GET /companies/8a21: 404 Not Found: Company not found (correlation 7f3c)
}
