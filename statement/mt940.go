package statement

import (
	"strconv"
	"strings"

	"github.com/bankfeeds-go/bankfeeds"
)

// MT940 and MT942 are SWIFT tag messages: lines starting ":TAG:" open a
// field and the lines after it continue the field. A statement runs from
// :20: to the next :20: or the end marker "-". Banks add header lines,
// SWIFT blocks ({1:...}{4:) and trailers around them; those are skipped.

// mtTags are the tags that open a field; any other ":xx:" line is text of
// the field before it (a wrapped :86: may hold ":26:").
var mtTags = map[string]bool{
	"13": true, "13D": true, "20": true, "21": true, "25": true, "28": true, "28C": true,
	"34F": true, "60F": true, "60M": true, "61": true, "62F": true, "62M": true,
	"64": true, "65": true, "86": true, "90C": true, "90D": true, "NS": true,
}

type mtField struct {
	tag   string
	lines []string
	line  int // where the field starts
}

type mtReader struct {
	out      []*draft
	cur      *draft
	implicit bool // cur was opened by a field other than :20:
	mt942    bool
	inEntry  bool // the last field was a :61: or its :86:
	info     []bool
}

// readMT940 reads MT940 statements and MT942 interim reports.
func readMT940(data []byte) ([]*draft, error) {
	r := &mtReader{}
	var f *mtField
	flush := func() error {
		if f == nil {
			return nil
		}
		err := r.field(f)
		f = nil
		return err
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		no := n + 1
		if tag, rest, ok := mtTag(line); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			f = &mtField{tag: tag, lines: []string{rest}, line: no}
			continue
		}
		trim := strings.TrimSpace(line)
		switch {
		case trim == "-" || trim == "-}" || strings.HasPrefix(trim, "-XXX") || strings.HasPrefix(trim, "{"):
			if err := flush(); err != nil {
				return nil, err
			}
			if strings.Contains(trim, "{2:") && strings.Contains(trim, "942") {
				r.mt942 = true
			}
			r.close()
		case f != nil:
			f.lines = append(f.lines, line)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	r.close()
	return r.out, nil
}

// mtTag splits ":61:rest" into its tag and rest.
func mtTag(line string) (tag, rest string, ok bool) {
	if len(line) < 4 || line[0] != ':' {
		return "", "", false
	}
	end := strings.IndexByte(line[1:], ':')
	if end < 2 || end > 3 {
		return "", "", false
	}
	tag = line[1 : 1+end]
	if !mtTags[tag] {
		return "", "", false
	}
	return tag, line[2+end:], true
}

func (r *mtReader) open(where int) {
	r.close()
	r.cur = &draft{Statement: Statement{Format: FormatMT940, Where: "line " + strconv.Itoa(where)}}
	r.info = nil
	r.inEntry = false
}

// close ends the current statement. Every line of an MT942 is interim, so
// none is booked.
func (r *mtReader) close() {
	d := r.cur
	if d == nil {
		return
	}
	if r.mt942 {
		d.Format = FormatMT942
		d.Pending += len(d.Transactions)
		d.Transactions, d.refs = nil, nil
	}
	if d.Currency == "" {
		d.Currency = currencySuffix(d.Account)
	}
	r.out = append(r.out, d)
	r.cur, r.mt942 = nil, false
}

func (r *mtReader) fail(f *mtField, reason string) error {
	return &ParseError{Format: FormatMT940, Line: f.line, Reason: ":" + f.tag + ": " + reason}
}

func (r *mtReader) field(f *mtField) error {
	opening := f.tag == "60F" || f.tag == "60M"
	startsAnother := r.cur != nil && r.implicit && opening && (r.cur.Opening.IsSet() || len(r.cur.Transactions) > 0)
	if f.tag == "20" || r.cur == nil || startsAnother {
		if f.tag == "NS" && r.cur == nil {
			return nil
		}
		r.open(f.line)
		r.implicit = f.tag != "20"
	}
	d := r.cur
	val := strings.TrimSpace(f.lines[0])
	switch f.tag {
	case "20":
		d.ID = val
	case "25":
		acct := strings.TrimSpace(strings.Join(f.lines, ""))
		if d.Account != "" && d.Account != acct {
			return r.fail(f, "a second account "+quote(acct)+" in the statement of "+quote(d.Account))
		}
		d.Account = acct
	case "34F", "13D", "13", "90D", "90C":
		r.mt942 = true
	case "60F", "60M":
		b, err := mtBalance(val)
		if err != nil {
			return r.fail(f, err.Error())
		}
		if d.Opening.IsSet() || len(d.Transactions) > 0 {
			return r.fail(f, "an opening balance after the statement's lines or its first opening balance")
		}
		d.Opening = b.Balance
		if d.Currency == "" {
			d.Currency = b.currency
		}
		r.inEntry = false
	case "62F", "62M":
		b, err := mtBalance(val)
		if err != nil {
			return r.fail(f, err.Error())
		}
		d.Closing = b.Balance
		if d.Currency == "" {
			d.Currency = b.currency
		}
		r.inEntry = false
	case "64", "65":
		r.inEntry = false
	case "61":
		t, ref, err := mt61(f.lines)
		if err != nil {
			return r.fail(f, err.Error())
		}
		d.add(t, ref)
		r.info = append(r.info, false)
		r.inEntry = true
	case "86":
		n := len(d.Transactions)
		if !r.inEntry || n == 0 {
			return nil // information about the statement, not a line
		}
		desc, party := mt86(f.lines)
		t := &d.Transactions[n-1]
		if r.info[n-1] && t.Description != nil {
			desc = *t.Description + " " + desc
		}
		r.info[n-1] = true
		if s := text(desc); s != nil {
			t.Description = s
		}
		if party != "" {
			t.Counterparty = text(party)
		}
	}
	return nil
}

type mtBal struct {
	Balance
	currency string
}

// mtBalance reads "C110522EUR3236,28": the mark, date, currency and amount.
// Some banks leave the currency out ("C020315105000,00").
func mtBalance(v string) (mtBal, error) {
	v = strings.TrimSpace(v)
	if len(v) < 8 || (v[0] != 'C' && v[0] != 'D') {
		return mtBal{}, errorf("balance %s does not start with C or D and a date", quote(v))
	}
	date, ok := yymmdd(v[1:7])
	if !ok {
		return mtBal{}, errorf("balance %s has no valid date", quote(v))
	}
	rest, cur := v[7:], ""
	if len(rest) >= 3 && isUpper(rest[:3]) {
		cur, rest = rest[:3], rest[3:]
	}
	a, err := amount(rest, true)
	if err != nil {
		return mtBal{}, errorf("balance amount %s is not a number", quote(rest))
	}
	return mtBal{Balance: Balance{Amount: signed(a, v[0] == 'D'), Date: date}, currency: cur}, nil
}

// mt61 reads a statement line: value date, optional entry date (the booking
// date), mark (C, D, RC, RD), optional funds code, amount, type, the
// customer's reference and, after "//", the bank's; then the supplementary
// details on the next line. A first line that stops short is read joined
// with the next, as some banks wrap it.
func mt61(lines []string) (bankfeeds.BankTransaction, lineRef, error) {
	t, ref, err := mt61Line(strings.TrimSpace(lines[0]))
	if err != nil && len(lines) > 1 {
		if t2, ref2, err2 := mt61Line(strings.TrimSpace(lines[0]) + strings.TrimSpace(lines[1])); err2 == nil {
			return t2, ref2, nil
		}
	}
	return t, ref, err
}

func mt61Line(s string) (bankfeeds.BankTransaction, lineRef, error) {
	var t bankfeeds.BankTransaction
	if len(s) < 6 {
		return t, lineRef{}, errorf("statement line %s is too short", quote(s))
	}
	vy, ok1 := num(s[0:2])
	vm, ok2 := num(s[2:4])
	vd, ok3 := num(s[4:6])
	if !ok1 || !ok2 || !ok3 {
		return t, lineRef{}, errorf("statement line %s does not start with a value date", quote(s))
	}
	i := 6
	year := century(vy)
	date, ok := localDate(year, vm, vd)
	if len(s) >= 10 {
		if em, ok1 := num(s[6:8]); ok1 {
			if ed, ok2 := num(s[8:10]); ok2 {
				i = 10
				switch {
				case em < vm-6:
					year++
				case em > vm+6:
					year--
				}
				date, ok = localDate(year, em, ed)
			}
		}
	}
	if !ok {
		return t, lineRef{}, errorf("statement line %s has no valid date", quote(s))
	}
	debit := false
	switch {
	case strings.HasPrefix(s[i:], "RC"):
		debit, i = true, i+2
	case strings.HasPrefix(s[i:], "RD"):
		i += 2
	case strings.HasPrefix(s[i:], "C"):
		i++
	case strings.HasPrefix(s[i:], "D"):
		debit, i = true, i+1
	default:
		return t, lineRef{}, errorf("statement line %s has no C, D, RC or RD mark", quote(s))
	}
	if i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++ // funds code: the third letter of the currency
	}
	j := i
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ',') {
		j++
	}
	a, err := amount(s[i:j], true)
	if err != nil {
		return t, lineRef{}, errorf("statement line %s has no amount", quote(s))
	}
	t.Date, t.Amount = date, signed(a, debit)
	t.TransactionType = txnType(t.Amount)
	rest := s[j:]
	if len(rest) >= 4 {
		rest = rest[4:] // transaction type: N, F or S and a code
	} else {
		rest = ""
	}
	custRef, bankRef := rest, ""
	if k := strings.Index(rest, "//"); k >= 0 {
		custRef, bankRef = rest[:k], rest[k+2:]
	}
	if len(custRef) > 16 {
		custRef = custRef[:16]
	}
	custRef, bankRef = strings.TrimSpace(custRef), strings.TrimSpace(bankRef)
	if r := firstOf(cleanRef(custRef), cleanRef(bankRef)); r != "" {
		t.Reference = &r
	}
	return t, lineRef{strong: bankRef, weak: custRef}, nil
}

// mt86 reads a line's information: free text, or German ?-subfields where
// ?20-?29 are the purpose, ?00 the booking text and ?32-?33 the other
// party's name.
func mt86(lines []string) (desc, party string) {
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, "?") {
		return strings.Join(lines, " "), ""
	}
	flat := strings.ReplaceAll(joined, "\n", "")
	parts := strings.Split(flat, "?")
	var purpose, booking, names []string
	for _, p := range parts[1:] {
		if len(p) < 2 {
			continue
		}
		code, ok := num(p[:2])
		if !ok {
			continue
		}
		v := p[2:]
		switch {
		case code == 0:
			booking = append(booking, v)
		case code >= 20 && code <= 29, code >= 60 && code <= 63:
			purpose = append(purpose, v)
		case code == 32 || code == 33:
			names = append(names, v)
		}
	}
	if len(purpose) > 0 {
		desc = strings.Join(purpose, "")
	} else if len(booking) > 0 {
		desc = strings.Join(booking, " ")
	} else {
		desc = flat
	}
	return desc, strings.Join(names, "")
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// currencySuffix reads a currency some banks append to the :25: account
// ("1291.99.348EUR").
func currencySuffix(acct string) string {
	if len(acct) > 3 && isUpper(acct[len(acct)-3:]) {
		c := acct[len(acct)-4]
		if c >= '0' && c <= '9' {
			return acct[len(acct)-3:]
		}
	}
	return ""
}
