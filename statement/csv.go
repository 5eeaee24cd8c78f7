package statement

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// CSVMapping says which columns of a CSV export hold what. Each column is
// named by its header text (case-insensitive) or by its 1-based number
// ("3"). A statement needs Date and either Amount or Debit and Credit;
// the rest are optional. Columns left empty are guessed from the header
// (date, amount, debit, credit, description, balance, id, ...).
type CSVMapping struct {
	Date         string // the booking date
	Amount       string // a signed amount, money in positive
	Debit        string // money out, written positive (instead of Amount)
	Credit       string // money in (instead of Amount)
	Description  string
	Counterparty string
	Reference    string
	Balance      string // the running balance after the line
	ID           string // the bank's own id for the line
	// DateLayout is the date's Go time layout, such as "02/01/2006"; the
	// default reads ISO 8601 (2006-01-02, with any time after it),
	// 2006/01/02 and 20060102. Day-first or month-first dates need it.
	DateLayout string
	// DecimalComma reads "1.234,56": ',' is the decimal separator and '.'
	// groups thousands. By default '.' is the separator and ',' groups.
	DecimalComma bool
	// Comma is the field separator; 0 picks the most frequent of ',', ';'
	// and tab on the first line.
	Comma rune
	// NoHeader says the first line is data; columns must then be numbers.
	NoHeader bool
	// Account and Currency are the statement's, which CSV exports rarely
	// hold.
	Account  string
	Currency string
}

// csvGuess lists header names for each column, most specific first.
func csvGuess(m *CSVMapping) []struct {
	dst   *string
	names []string
} {
	return []struct {
		dst   *string
		names []string
	}{
		{&m.Date, []string{"booking date", "date", "transaction date", "posted date", "posting date", "buchungstag", "datum"}},
		{&m.Amount, []string{"amount", "transaction amount", "value", "betrag"}},
		{&m.Debit, []string{"debit", "debit amount", "paid out", "money out", "withdrawal", "withdrawals"}},
		{&m.Credit, []string{"credit", "credit amount", "paid in", "money in", "deposit", "deposits"}},
		{&m.Description, []string{"description", "details", "memo", "narrative", "transaction description", "text", "verwendungszweck"}},
		{&m.Counterparty, []string{"counterparty", "payee", "name", "beneficiary"}},
		{&m.Reference, []string{"reference", "ref"}},
		{&m.Balance, []string{"balance", "running balance", "saldo"}},
		{&m.ID, []string{"id", "transaction id", "fitid"}},
	}
}

type csvColumns struct {
	date, amount, debit, credit, desc, party, ref, balance, id int
}

// readCSV reads a CSV export as one statement.
func readCSV(data []byte, mapping *CSVMapping) ([]*draft, error) {
	var m CSVMapping
	if mapping != nil {
		m = *mapping
	}
	if m.Comma == 0 {
		m.Comma = csvComma(data)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = m.Comma
	r.FieldsPerRecord = -1
	fail := func(line int, reason string) error {
		return &ParseError{Format: FormatCSV, Line: line, Reason: reason}
	}
	var header []string
	if !m.NoHeader {
		h, err := r.Read()
		if err != nil {
			return nil, csvError(err, "reading the header")
		}
		header = h
	}
	cols, err := csvResolve(&m, header)
	if err != nil {
		return nil, fail(1, err.Error())
	}
	d := &draft{Statement: Statement{Format: FormatCSV, Account: m.Account, Currency: m.Currency, Where: "line 1"}}
	var balances []bankfeeds.Decimal
	var balanceLines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err, "reading a row")
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		date, err := csvDate(get(cols.date), m.DateLayout)
		if err != nil {
			return nil, fail(line, err.Error())
		}
		a, err := csvAmountOf(get, cols, m.DecimalComma)
		if err != nil {
			return nil, fail(line, err.Error())
		}
		t := bankfeeds.BankTransaction{Date: date, Amount: a, TransactionType: txnType(a),
			Description: text(get(cols.desc)), Counterparty: text(get(cols.party)), Reference: text(get(cols.ref))}
		if cols.balance >= 0 {
			if v := get(cols.balance); v != "" {
				b, err := csvAmount(v, m.DecimalComma)
				if err != nil {
					return nil, fail(line, "balance "+quote(v)+" is not a number")
				}
				balances = append(balances, b)
				balanceLines = append(balanceLines, line)
			} else {
				balances = append(balances, bankfeeds.Decimal{})
				balanceLines = append(balanceLines, line)
			}
		}
		d.add(t, lineRef{strong: get(cols.id), weak: get(cols.ref)})
	}
	n := len(d.Transactions)
	if n > 1 && d.Transactions[0].Date.After(d.Transactions[n-1].Date.Time) {
		reverse(d.Transactions)
		reverse(d.refs)
		reverse(balances)
		reverse(balanceLines)
	}
	for i, b := range balances {
		if !b.IsSet() {
			continue
		}
		cp := Checkpoint{After: i + 1, Amount: b, Where: "line " + strconv.Itoa(balanceLines[i])}
		if !d.Opening.IsSet() {
			d.Opening = Balance{Amount: b, Derived: true}
			for j := 0; j <= i; j++ {
				d.Opening.Amount = d.Opening.Amount.Sub(d.Transactions[j].Amount)
			}
		}
		d.Checkpoints = append(d.Checkpoints, cp)
		d.Closing = Balance{Amount: b, Date: d.Transactions[i].Date}
	}
	return []*draft{d}, nil
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvError(err error, doing string) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Format: FormatCSV, Line: pe.Line, Reason: doing, Err: pe.Err}
	}
	return &ParseError{Format: FormatCSV, Reason: doing, Err: err}
}

// csvComma picks the separator used most on the first line.
func csvComma(data []byte) rune {
	first := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
	}
	best, n := ',', bytes.Count(first, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(first, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

// csvResolve turns the mapping's names into column indexes.
func csvResolve(m *CSVMapping, header []string) (csvColumns, error) {
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = strings.ToLower(strings.TrimSpace(h))
	}
	if header != nil {
		for _, g := range csvGuess(m) {
			if *g.dst != "" {
				continue
			}
			for _, name := range g.names {
				if i := indexOf(norm, name); i >= 0 {
					*g.dst = header[i]
					break
				}
			}
		}
	}
	find := func(what, col string) (int, error) {
		if col == "" {
			return -1, nil
		}
		if n, ok := num(col); ok {
			if n < 1 || header != nil && n > len(header) {
				return -1, errorf("%s column %d is not in the file", what, n)
			}
			return n - 1, nil
		}
		if i := indexOf(norm, strings.ToLower(strings.TrimSpace(col))); i >= 0 {
			return i, nil
		}
		return -1, errorf("no %s column %s in the header", what, quote(col))
	}
	var c csvColumns
	var err error
	for _, x := range []struct {
		dst  *int
		what string
		col  string
	}{
		{&c.date, "date", m.Date}, {&c.amount, "amount", m.Amount}, {&c.debit, "debit", m.Debit},
		{&c.credit, "credit", m.Credit}, {&c.desc, "description", m.Description},
		{&c.party, "counterparty", m.Counterparty}, {&c.ref, "reference", m.Reference},
		{&c.balance, "balance", m.Balance}, {&c.id, "id", m.ID},
	} {
		if *x.dst, err = find(x.what, x.col); err != nil {
			return c, err
		}
	}
	switch {
	case c.date < 0:
		return c, errors.New("no date column: name it in the mapping")
	case c.amount < 0 && c.debit < 0 && c.credit < 0:
		return c, errors.New("no amount column (or debit and credit columns): name it in the mapping")
	}
	return c, nil
}

func indexOf(s []string, v string) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// csvDate reads a date with the layout, or ISO 8601, 2006/01/02 or
// 20060102 without one.
func csvDate(v, layout string) (bankfeeds.DateTime, error) {
	if v == "" {
		return bankfeeds.DateTime{}, errors.New("no date")
	}
	if layout != "" {
		t, err := time.Parse(layout, v)
		if err != nil {
			return bankfeeds.DateTime{}, errorf("date %s does not match the layout %s", quote(v), quote(layout))
		}
		d, ok := localDate(t.Year(), int(t.Month()), t.Day())
		if !ok {
			return d, errorf("date %s is out of range", quote(v))
		}
		return d, nil
	}
	if d, ok := isoDate(v); ok {
		return d, nil
	}
	if len(v) == 10 && v[4] == '/' && v[7] == '/' {
		if d, ok := isoDate(v[0:4] + "-" + v[5:7] + "-" + v[8:10]); ok {
			return d, nil
		}
	}
	if len(v) == 8 {
		if d, ok := isoDate(v[0:4] + "-" + v[4:6] + "-" + v[6:8]); ok {
			return d, nil
		}
	}
	return bankfeeds.DateTime{}, errorf("date %s is not ISO 8601 (2006-01-02): give the date layout, such as 02/01/2006", quote(v))
}

// csvAmountOf reads the line's amount from Amount, or from Debit and Credit.
func csvAmountOf(get func(int) string, c csvColumns, comma bool) (bankfeeds.Decimal, error) {
	if c.amount >= 0 {
		v := get(c.amount)
		a, err := csvAmount(v, comma)
		if err != nil {
			return a, errorf("amount %s is not a number", quote(v))
		}
		return a, nil
	}
	var out bankfeeds.Decimal
	for _, side := range []struct {
		col   int
		debit bool
	}{{c.debit, true}, {c.credit, false}} {
		v := get(side.col)
		if side.col < 0 || v == "" {
			continue
		}
		a, err := csvAmount(v, comma)
		if err != nil {
			return a, errorf("%s %s is not a number", map[bool]string{true: "debit", false: "credit"}[side.debit], quote(v))
		}
		if a.Sign() < 0 {
			a = a.Neg()
		}
		if a.Sign() == 0 {
			continue
		}
		if out.IsSet() {
			return out, errors.New("both a debit and a credit on one line")
		}
		out = signed(a, side.debit)
	}
	if !out.IsSet() {
		return out, errors.New("no amount: the debit and credit columns are both empty or zero")
	}
	return out, nil
}

// csvAmount reads "1,234.56", "-12.00", "(12.00)" (negative) or, with
// comma, "1.234,56".
func csvAmount(v string, comma bool) (bankfeeds.Decimal, error) {
	v = strings.TrimSpace(v)
	neg := false
	if len(v) > 2 && v[0] == '(' && v[len(v)-1] == ')' {
		neg, v = true, v[1:len(v)-1]
	}
	group := ","
	if comma {
		group = "."
	}
	v = strings.ReplaceAll(v, group, "")
	v = strings.ReplaceAll(v, " ", "")
	a, err := amount(v, comma)
	if err != nil {
		return a, err
	}
	if neg {
		if a.Sign() < 0 {
			return a, errAmount
		}
		a = signed(a, true)
	}
	return a, nil
}
