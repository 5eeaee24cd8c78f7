package statement

import (
	"errors"
	"strings"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// maxAmountDigits bounds the digits of an amount read from a file; money
// never needs more, and a hostile file cannot make arithmetic slow.
const maxAmountDigits = 40

var errAmount = errors.New("not an amount")

// amount reads a plain decimal, [+-]digits[.digits], exactly. With comma
// set, ',' is the decimal separator instead of '.'. A trailing separator
// ("380115,") and leading zeros are accepted, as MT940 writes them.
func amount(s string, comma bool) (bankfeeds.Decimal, error) {
	s = strings.TrimSpace(s)
	sep := byte('.')
	if comma {
		sep = ','
	}
	b := make([]byte, 0, len(s)+1)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		if s[i] == '-' {
			b = append(b, '-')
		}
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			b = append(b, c)
		case c == sep && !dot:
			dot = true
			b = append(b, '.')
		default:
			return bankfeeds.Decimal{}, errAmount
		}
	}
	if digits == 0 || digits > maxAmountDigits {
		return bankfeeds.Decimal{}, errAmount
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return bankfeeds.ParseDecimal(string(b))
}

// localDate returns the date as a bank transaction's local date (midnight,
// no zone), or false when it is not a date from 1900 to 9999.
func localDate(year, month, day int) (bankfeeds.DateTime, bool) {
	if year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 {
		return bankfeeds.DateTime{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != month {
		return bankfeeds.DateTime{}, false
	}
	return bankfeeds.Date(year, time.Month(month), day, 0, 0, 0), true
}

// num reads a run of ASCII digits.
func num(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// isoDate reads the date at the start of an ISO 8601 date or date-time
// ("2010-10-18", "2010-10-18T13:15:00+01:00"), ignoring any time and zone:
// the wall-clock date as the bank wrote it.
func isoDate(s string) (bankfeeds.DateTime, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return bankfeeds.DateTime{}, false
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bankfeeds.DateTime{}, false
	}
	if len(s) > 10 && s[10] != 'T' && s[10] != ' ' {
		return bankfeeds.DateTime{}, false
	}
	return localDate(y, m, d)
}

// yymmdd reads a six-digit date; years 00-79 are 2000-2079.
func yymmdd(s string) (bankfeeds.DateTime, bool) {
	if len(s) != 6 {
		return bankfeeds.DateTime{}, false
	}
	y, ok1 := num(s[0:2])
	m, ok2 := num(s[2:4])
	d, ok3 := num(s[4:6])
	if !ok1 || !ok2 || !ok3 {
		return bankfeeds.DateTime{}, false
	}
	return localDate(century(y), m, d)
}

func century(yy int) int {
	if yy < 80 {
		return 2000 + yy
	}
	return 1900 + yy
}

// signed returns a negated when debit is true.
func signed(a bankfeeds.Decimal, debit bool) bankfeeds.Decimal {
	if debit && a.Sign() != 0 {
		return a.Neg()
	}
	return a
}

// txnType is Credit for money in and Debit for money out.
func txnType(a bankfeeds.Decimal) bankfeeds.TransactionType {
	if a.Sign() < 0 {
		return bankfeeds.TransactionDebit
	}
	return bankfeeds.TransactionCredit
}
