package statement

import (
	"strconv"
	"strings"

	"github.com/bankfeeds-go/bankfeeds"
)

// BAI2 is a file of comma-separated records ending in "/": 01 file header,
// 02 group header (the as-of date), 03 account (its balances and totals),
// 16 transaction detail, 49 account trailer, 98 group and 99 file trailers,
// and 88 continuing the record before it. Several records may share a
// physical line, and a long 16 text may wrap onto the next line.

type baiRecord struct {
	code string
	body string // after "NN,"
	line int
}

var baiCodes = map[string]bool{"01": true, "02": true, "03": true, "16": true, "49": true, "88": true, "98": true, "99": true}

// baiStart reports whether s starts a record ("16,").
func baiStart(s string) bool {
	return len(s) >= 3 && s[2] == ',' && baiCodes[s[:2]]
}

// baiRecords splits the file into records, joining 88 continuations and
// wrapped text.
func baiRecords(data []byte) ([]baiRecord, error) {
	var recs []baiRecord
	for n, line := range strings.Split(string(data), "\n") {
		no := n + 1
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		for _, seg := range baiSegments(line) {
			t := strings.TrimLeft(seg, " \t")
			switch {
			case baiStart(t) && t[:2] == "88":
				if len(recs) == 0 {
					return nil, &ParseError{Format: FormatBAI2, Line: no, Reason: "an 88 continuation with no record before it"}
				}
				p := &recs[len(recs)-1]
				p.body = strings.TrimSuffix(strings.TrimRight(p.body, " \t"), "/") + "," + t[3:]
			case baiStart(t):
				recs = append(recs, baiRecord{code: t[:2], body: t[3:], line: no})
			case len(recs) > 0 && recs[len(recs)-1].code == "16" && !strings.HasSuffix(strings.TrimSpace(recs[len(recs)-1].body), "/"):
				p := &recs[len(recs)-1]
				p.body += " " + strings.TrimSpace(seg) // a text wrapped without an 88
			default:
				return nil, &ParseError{Format: FormatBAI2, Line: no, Reason: "not a BAI2 record: " + quote(strings.TrimSpace(seg))}
			}
		}
	}
	return recs, nil
}

// baiSegments cuts a physical line where a record ends with "/" and another
// starts on the same line.
func baiSegments(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); i++ {
		if line[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j < len(line) && baiStart(line[j:]) {
			out = append(out, line[start:i+1])
			start, i = j, j-1
		}
	}
	return append(out, line[start:])
}

// fields splits a record body at commas, dropping the "/" that ends it.
func (r *baiRecord) fields() []string {
	b := strings.TrimSpace(r.body)
	if k := strings.IndexByte(b, '/'); k >= 0 {
		b = b[:k]
	}
	return strings.Split(b, ",")
}

type baiReader struct {
	out      []*draft
	cur      *draft
	date     bankfeeds.DateTime
	groupCcy string
	places   int32
}

// readBAI2 reads a BAI2 file: each 03 account record is a statement.
func readBAI2(data []byte) ([]*draft, error) {
	recs, err := baiRecords(data)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || recs[0].code != "01" {
		return nil, &ParseError{Format: FormatBAI2, Line: 1, Reason: "the file does not start with an 01 file header"}
	}
	r := &baiReader{}
	for i := range recs {
		if err := r.record(&recs[i]); err != nil {
			return nil, err
		}
	}
	if r.cur != nil {
		return nil, &ParseError{Format: FormatBAI2, Line: recs[len(recs)-1].line, Reason: "the last account has no 49 trailer"}
	}
	return r.out, nil
}

func (r *baiReader) fail(rec *baiRecord, reason string) error {
	return &ParseError{Format: FormatBAI2, Line: rec.line, Reason: rec.code + " record: " + reason}
}

func (r *baiReader) record(rec *baiRecord) error {
	f := rec.fields()
	switch rec.code {
	case "02":
		if len(f) < 4 {
			return r.fail(rec, "too few fields for a group header")
		}
		d, ok := yymmdd(strings.TrimSpace(f[3]))
		if !ok {
			return r.fail(rec, "as-of date "+quote(f[3])+" is not YYMMDD")
		}
		r.date, r.groupCcy = d, ""
		if len(f) > 5 {
			r.groupCcy = strings.TrimSpace(f[5])
		}
	case "03":
		return r.account(rec, f)
	case "16":
		return r.detail(rec)
	case "49":
		if r.cur == nil {
			return r.fail(rec, "an account trailer with no account")
		}
		r.out = append(r.out, r.cur)
		r.cur = nil
	case "98":
		r.date = bankfeeds.DateTime{}
	}
	return nil
}

func (r *baiReader) account(rec *baiRecord, f []string) error {
	if r.cur != nil {
		return r.fail(rec, "a new account before the previous one's 49 trailer")
	}
	if r.date.IsZero() {
		return r.fail(rec, "an account outside a group (no 02 header before it)")
	}
	if len(f) < 2 || strings.TrimSpace(f[0]) == "" {
		return r.fail(rec, "no account number")
	}
	ccy := firstOf(f[1], r.groupCcy, "USD")
	r.places = currencyPlaces(ccy)
	d := &draft{Statement: Statement{Format: FormatBAI2, Version: "2", Account: strings.TrimSpace(f[0]), Currency: ccy, Where: "line " + strconv.Itoa(rec.line)}}
	var openAvail, closeAvail Balance
	for i := 2; i+1 < len(f); {
		code := strings.TrimSpace(f[i])
		if code == "" {
			break
		}
		amt := strings.TrimSpace(f[i+1])
		if amt != "" {
			a, err := baiAmount(amt, r.places, true)
			if err != nil {
				return r.fail(rec, "type "+code+": amount "+quote(amt)+" is not a number")
			}
			b := Balance{Amount: a, Date: r.date}
			switch code {
			case "010":
				d.Opening = b
			case "015":
				d.Closing = b
			case "040":
				openAvail = b
			case "045":
				closeAvail = b
			}
		}
		i += 4 // type, amount, item count, funds type
		if i-1 < len(f) {
			n, err := baiFundsExtra(f, i-1)
			if err != nil {
				return r.fail(rec, "type "+code+": "+err.Error())
			}
			i += n
		}
	}
	if !d.Opening.IsSet() {
		d.Opening = openAvail
	}
	if !d.Closing.IsSet() {
		d.Closing = closeAvail
	}
	r.cur = d
	return nil
}

// baiFundsExtra returns how many fields follow the funds type at f[at]: S
// has three distributions, V a value date and time, D a count and that many
// day-amount pairs.
func baiFundsExtra(f []string, at int) (int, error) {
	switch strings.ToUpper(strings.TrimSpace(f[at])) {
	case "S":
		return 3, nil
	case "V":
		return 2, nil
	case "D":
		if at+1 >= len(f) {
			return 0, errorf("funds type D without a count")
		}
		n, ok := num(strings.TrimSpace(f[at+1]))
		if !ok || n > 1000 {
			return 0, errorf("funds type D count %s is not a number", quote(f[at+1]))
		}
		return 1 + 2*n, nil
	}
	return 0, nil
}

func (r *baiReader) detail(rec *baiRecord) error {
	if r.cur == nil {
		return r.fail(rec, "a transaction outside an account (no 03 record before it)")
	}
	body := strings.TrimRight(rec.body, " \t")
	body = strings.TrimSuffix(body, "/")
	f := strings.Split(body, ",")
	if len(f) < 3 {
		return r.fail(rec, "too few fields for a transaction")
	}
	code, ok := num(strings.TrimSpace(f[0]))
	if !ok {
		return r.fail(rec, "type code "+quote(f[0])+" is not a number")
	}
	var debit bool
	switch {
	case code >= 100 && code <= 399:
	case code >= 400 && code <= 699:
		debit = true
	case code == 890:
		return nil // information, not money
	default:
		return r.fail(rec, "type code "+strconv.Itoa(code)+" is neither a credit (100-399) nor a debit (400-699)")
	}
	a, err := baiAmount(strings.TrimSpace(f[1]), r.places, false)
	if err != nil {
		return r.fail(rec, "amount "+quote(f[1])+" is not an unsigned number")
	}
	i := 3
	if len(f) > 2 {
		n, err := baiFundsExtra(f, 2)
		if err != nil {
			return r.fail(rec, err.Error())
		}
		i += n
	}
	field := func(k int) string {
		if k < len(f) {
			return strings.TrimSpace(f[k])
		}
		return ""
	}
	bankRef, custRef := field(i), field(i+1)
	desc := ""
	if i+2 < len(f) {
		desc = strings.Join(f[i+2:], ",")
	}
	t := bankfeeds.BankTransaction{Date: r.date, Amount: signed(a, debit), Description: text(desc)}
	t.TransactionType = txnType(t.Amount)
	if ref := firstOf(cleanRef(bankRef), cleanRef(custRef)); ref != "" {
		t.Reference = &ref
	}
	r.cur.add(t, lineRef{strong: bankRef, weak: custRef})
	return nil
}

// baiAmount reads an amount in the currency's minor units ("+000000002500"
// is 25.00 in USD).
func baiAmount(s string, places int32, sign bool) (bankfeeds.Decimal, error) {
	if s == "" || (!sign && (s[0] == '+' || s[0] == '-')) {
		return bankfeeds.Decimal{}, errAmount
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == ',' {
			return bankfeeds.Decimal{}, errAmount
		}
	}
	a, err := amount(s, false)
	if err != nil {
		return a, err
	}
	return bankfeeds.ParseDecimal(a.String() + "e-" + strconv.Itoa(int(places)))
}

// currencyPlaces is the number of decimals of a currency's minor unit.
func currencyPlaces(ccy string) int32 {
	switch strings.ToUpper(ccy) {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}
