package bankfeeds

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/apd/v3"
)

// maxDecimalDigits bounds a Decimal's digits plus the size of its exponent,
// so that a hostile "1e999999999" cannot make String or MarshalJSON write a
// gigabyte of zeros. Money never comes near it.
const maxDecimalDigits = 1000

// exact is the arithmetic context: Precision 0 makes Add and Sub exact.
var exact = apd.Context{
	Precision:   0,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.DefaultTraps,
}

// Decimal is an exact decimal number, used for every amount and balance.
//
// It is written to JSON as a bare number with all its digits and reads any
// JSON number (or a string holding one) without loss. It is built on
// github.com/cockroachdb/apd/v3, whose coefficients are held inline for values
// up to 128 bits, so decoding money does not allocate.
//
// The zero Decimal is "no value": [Decimal.IsSet] reports false, it counts as
// 0 in arithmetic, and `omitzero` leaves it out of JSON. Use [NewDecimal] or
// [ParseDecimal] to make one. A Decimal is immutable and safe to copy.
type Decimal struct {
	d   apd.Decimal
	set bool
}

// NewDecimal returns coefficient × 10^exponent: NewDecimal(12345, -2) is 123.45.
func NewDecimal(coefficient int64, exponent int32) Decimal {
	var d Decimal
	d.d.SetFinite(coefficient, exponent)
	d.set = true
	return d
}

// ParseDecimal parses a decimal number such as "-1234.50" or "1.5e3".
// It refuses NaN, infinities and numbers whose digits plus exponent size
// pass 1000.
func ParseDecimal(s string) (Decimal, error) {
	var d Decimal
	if err := d.parse(s); err != nil {
		return Decimal{}, err
	}
	return d, nil
}

func (d *Decimal) parse(s string) error {
	if s == "" {
		return errors.New("bankfeeds: decimal: empty string")
	}
	if len(s) > maxDecimalDigits+16 { // refuse before parsing: no slow path for hostile input
		return fmt.Errorf("bankfeeds: decimal: %.40q is out of range", s)
	}
	if _, _, err := d.d.SetString(s); err != nil {
		return fmt.Errorf("bankfeeds: decimal: cannot parse %.40q", s)
	}
	if d.d.Form != apd.Finite {
		return fmt.Errorf("bankfeeds: decimal: %.40q is not a finite number", s)
	}
	if !inRange(&d.d) {
		return fmt.Errorf("bankfeeds: decimal: %.40q is out of range", s)
	}
	d.set = true
	return nil
}

// inRange is the one bound on a Decimal, applied wherever one is made
// (ParseDecimal, JSON, text, Add, Sub): its digits plus the size of its
// exponent are at most maxDecimalDigits, so whatever the package builds,
// ParseDecimal reads back.
func inRange(d *apd.Decimal) bool {
	e := int64(d.Exponent)
	return d.NumDigits()+max(e, -e) <= maxDecimalDigits
}

// IsSet reports whether d holds a value (the zero Decimal does not).
func (d Decimal) IsSet() bool { return d.set }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int { return d.d.Sign() }

// Cmp compares d and x: -1 if d < x, 0 if equal, +1 if d > x.
// 1.50 and 1.5 are equal.
func (d Decimal) Cmp(x Decimal) int { return d.d.Cmp(&x.d) }

// Equal reports whether d and x are the same number (1.50 equals 1.5).
func (d Decimal) Equal(x Decimal) bool { return d.Cmp(x) == 0 }

// Add returns d + x, exactly. A sum past the bound every Decimal keeps (a
// thousand digits, see ParseDecimal), which no money comes near, is the zero
// Decimal, not set: check IsSet where the operands are untrusted.
func (d Decimal) Add(x Decimal) Decimal {
	var r Decimal
	_, err := exact.Add(&r.d, &d.d, &x.d)
	r.set = err == nil && inRange(&r.d)
	if !r.set {
		return Decimal{}
	}
	return r
}

// Sub returns d - x, exactly, within the same bound as Add.
func (d Decimal) Sub(x Decimal) Decimal { return d.Add(x.Neg()) }

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	var r Decimal
	r.d.Neg(&d.d)
	r.set = d.set
	return r
}

// String returns d in plain notation with all its digits, such as "-1234.50".
// The zero Decimal prints "0".
func (d Decimal) String() string { return string(d.appendTo(nil)) }

// appendTo appends d in plain notation (never exponent form).
func (d *Decimal) appendTo(b []byte) []byte {
	if d.d.Exponent > 0 && d.d.IsZero() {
		return append(b, '0') // apd writes 0e1 as "00"
	}
	return d.d.Append(b, 'f')
}

// MarshalJSON writes d as a bare JSON number. An unset Decimal is written as
// 0; use `omitzero` to leave it out.
func (d Decimal) MarshalJSON() ([]byte, error) { return d.appendTo(nil), nil }

// UnmarshalJSON reads a JSON number, or a string holding one, without loss.
// JSON null leaves d unset.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Decimal{}
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 || bytes.ContainsAny(b, "\"\\ \t\r\n") {
		return fmt.Errorf("bankfeeds: decimal: %.40q is not a number", b)
	}
	if d.parsePlain(b) {
		if !inRange(&d.d) {
			*d = Decimal{}
			return fmt.Errorf("bankfeeds: decimal: %.40q is out of range", b)
		}
		return nil
	}
	return d.parse(string(b))
}

// parsePlain reads the common form of money, [-]digits[.digits] with at
// most 18 digits, without allocating. It reports false for anything else,
// which the general parser then reads.
func (d *Decimal) parsePlain(b []byte) bool {
	i, neg := 0, false
	if b[0] == '-' {
		neg, i = true, 1
	}
	var coef int64
	var exp int32
	digits, dot, seen := 0, false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if coef != 0 || c != '0' {
				if digits++; digits > 18 {
					return false
				}
			}
			coef = coef*10 + int64(c-'0')
			if dot {
				exp--
			}
			seen = true
		case c == '.' && !dot && seen:
			dot = true
		default:
			return false
		}
	}
	if !seen || b[len(b)-1] == '.' {
		return false
	}
	if neg {
		coef = -coef
	}
	*d = Decimal{set: true}
	d.d.SetFinite(coef, exp)
	d.d.Negative = neg // keeps "-0" as apd reads it
	return true
}

// MarshalText writes d in plain notation, for CSV and query strings.
func (d Decimal) MarshalText() ([]byte, error) { return d.appendTo(nil), nil }

// UnmarshalText parses a decimal number.
func (d *Decimal) UnmarshalText(b []byte) error { return d.parse(string(b)) }
