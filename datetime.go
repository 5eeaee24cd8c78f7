package bankfeeds

import (
	"fmt"
	"time"
)

// DateTime is a point in time in one of the forms Codat sends:
// "2021-11-15T06:00:00Z", "2021-11-15T01:00:00-05:00", "2021-11-15T01:00:00"
// (no zone: local to the SMB, read as that wall clock in UTC), with up to
// seven fraction digits ("2022-10-27T10:22:43.6464237Z"), or a bare date
// ("2022-10-23").
//
// It is written as RFC 3339. A bank transaction's date is the exception: Codat
// uses it as a local date-time and drops any offset, so [BankTransaction]
// writes its wall clock with no zone ("2023-08-22T10:21:00").
//
// A value Codat sends that cannot be read as a date (its documents hold such
// examples) decodes as the zero time, with the text kept in [DateTime.Raw],
// rather than failing the whole response.
type DateTime struct {
	time.Time
	raw string
}

// NewDateTime returns t as a DateTime.
func NewDateTime(t time.Time) DateTime { return DateTime{Time: t} }

// Date returns the local date-time year-month-day hh:mm:ss with no zone, as
// Codat wants for a bank transaction's date. The result is in UTC; only its
// wall clock matters.
func Date(year int, month time.Month, day, hour, min, sec int) DateTime {
	return DateTime{Time: time.Date(year, month, day, hour, min, sec, 0, time.UTC)}
}

// ParseDateTime reads any of the forms DateTime accepts.
func ParseDateTime(s string) (DateTime, error) {
	t, err := parseCodatTime(s)
	if err != nil {
		return DateTime{}, err
	}
	return DateTime{Time: t}, nil
}

// Raw returns the text of a value that could not be read as a date, or "".
func (d DateTime) Raw() string { return d.raw }

var codatTimeLayouts = [...]string{
	time.RFC3339Nano,      // Z or offset; fractions of any length
	"2006-01-02T15:04:05", // no zone; fractions of any length are accepted
	"2006-01-02",          // date only
	"2006-01-02T15:04",    // minutes only, no zone
	"2006-01-02T15:04Z07:00",
}

func parseCodatTime(s string) (time.Time, error) {
	if len(s) >= len("2006-01-02") {
		for _, layout := range codatTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("bankfeeds: %.40q is not a date-time Codat uses", s)
}

// String returns the value in RFC 3339, or the kept text of a value that could
// not be read.
func (d DateTime) String() string {
	if d.Time.IsZero() && d.raw != "" {
		return d.raw
	}
	return d.Time.Format(time.RFC3339Nano)
}

// MarshalJSON writes RFC 3339 with fractions when there are any.
func (d DateTime) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(time.RFC3339Nano)+2)
	b = append(b, '"')
	b = d.Time.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// UnmarshalJSON reads any form Codat sends. JSON null and "" give the zero
// DateTime; text that is not a date gives the zero time with Raw set.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = DateTime{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("bankfeeds: date-time must be a JSON string, got %.40q", b)
	}
	b = b[1 : len(b)-1]
	if len(b) == 0 {
		*d = DateTime{}
		return nil
	}
	if t, ok := parseFast(b); ok {
		*d = DateTime{Time: t}
		return nil
	}
	s := string(b)
	t, err := parseCodatTime(s)
	if err != nil {
		*d = DateTime{raw: s}
		return nil
	}
	*d = DateTime{Time: t}
	return nil
}

// localLayout is the zone-less form of a bank transaction's date.
const localLayout = "2006-01-02T15:04:05.9999999"

// appendLocal appends the wall clock of t with no zone, as Codat wants a bank
// transaction's date: "2023-08-22T10:21:00".
// It writes the common case, years 0 to 9999, by hand (time.AppendFormat
// parses its layout on every call); others go through the layout.
func appendLocal(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, localLayout)
	}
	hour, min, sec := t.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	// As the layout's ".9999999": up to seven digits, trailing zeros dropped.
	if frac := t.Nanosecond() / 100; frac > 0 {
		var d [7]byte
		for i := 6; i >= 0; i-- {
			d[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 7
		for d[n-1] == '0' {
			n--
		}
		b = append(b, '.')
		b = append(b, d[:n]...)
	}
	return b
}

// parseFast reads the forms Codat sends most, YYYY-MM-DD and
// YYYY-MM-DDTHH:MM:SS with an optional fraction and an optional Z or
// ±hh:mm, without allocating for UTC and zone-less values. It reports false
// for anything else, which time.Parse then reads.
func parseFast(b []byte) (time.Time, bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	var hour, minute, sec, nsec int
	loc := time.UTC
	if rest := b[10:]; len(rest) > 0 {
		if len(rest) < 9 || rest[0] != 'T' || rest[3] != ':' || rest[6] != ':' {
			return time.Time{}, false
		}
		var ok4, ok5, ok6 bool
		hour, ok4 = digits(rest[1:3])
		minute, ok5 = digits(rest[4:6])
		sec, ok6 = digits(rest[7:9])
		if !ok4 || !ok5 || !ok6 || hour > 23 || minute > 59 || sec > 59 {
			return time.Time{}, false
		}
		rest = rest[9:]
		if len(rest) > 0 && rest[0] == '.' {
			n := 1
			for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
			if n == 1 || n > 10 {
				return time.Time{}, false
			}
			frac, _ := digits(rest[1:n])
			for i := n; i < 10; i++ {
				frac *= 10
			}
			nsec = frac
			rest = rest[n:]
		}
		switch {
		case len(rest) == 0:
		case len(rest) == 1 && rest[0] == 'Z':
		case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
			oh, ok7 := digits(rest[1:3])
			om, ok8 := digits(rest[4:6])
			if !ok7 || !ok8 || oh > 23 || om > 59 {
				return time.Time{}, false
			}
			offset := (oh*60 + om) * 60
			if rest[0] == '-' {
				offset = -offset
			}
			loc = time.FixedZone("", offset)
		default:
			return time.Time{}, false
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day || int(t.Month()) != month { // 2023-02-30 is not a date
		return time.Time{}, false
	}
	return t, true
}

// digits reads a run of ASCII digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}
