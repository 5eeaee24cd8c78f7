package feed

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bankfeeds-go/bankfeeds"
)

// sortKey is a line's date as its wall clock (Codat reads a bank
// transaction's date as a local date-time), in text that sorts as the
// dates do for years 0 to 9999.
func sortKey(d bankfeeds.DateTime) string {
	t := d.Time
	y := min(max(t.Year(), 0), 9999)
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09d", y, int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond())
}

// wallText is a date as the local date-time it stands for, as kept for the
// high-water mark.
func wallText(d bankfeeds.DateTime) string {
	if d.IsZero() {
		return ""
	}
	return strings.TrimSuffix(strings.TrimRight(sortKey(d), "0"), ".")
}

// parseWall reads wallText back.
func parseWall(s string) (bankfeeds.DateTime, error) {
	if s == "" {
		return bankfeeds.DateTime{}, nil
	}
	return bankfeeds.ParseDateTime(s)
}

// encodeLine is how a line is kept: the JSON Codat is sent, exact. Text
// that is not UTF-8 is converted as bankfeeds.ToUTF8 does, so what is kept
// reads back as the text that is sent.
func encodeLine(t *bankfeeds.BankTransaction) (string, error) {
	b, err := json.Marshal(t)
	return string(b), err
}

func decodeLine(s string) (bankfeeds.BankTransaction, error) {
	var t bankfeeds.BankTransaction
	err := json.Unmarshal([]byte(s), &t)
	return t, err
}

// checkLine refuses a line that cannot be kept in order: no id (or one
// that is not UTF-8), no date.
// Everything else the platform's rules say is checked at delivery, where a
// line that breaks them is set aside with the reason.
func checkLine(i int, t *bankfeeds.BankTransaction) error {
	fail := func(field, reason string) error {
		return &bankfeeds.ValidationError{Field: field, Index: i, TransactionID: t.ID, Reason: reason}
	}
	switch {
	case t.ID == "":
		return fail("id", "is required")
	case len(t.ID) > 256:
		return fail("id", "is longer than 256 bytes")
	case !utf8.ValidString(t.ID):
		// Kept as given, it would be sent (and echoed by Codat) as another
		// id than the feed holds, and the chunk could never be recorded.
		return fail("id", "is not valid UTF-8: it is matched byte for byte, so it is not converted; give it as UTF-8")
	case t.Date.IsZero() && t.Date.Raw() != "":
		return fail("date", "cannot read "+t.Date.Raw()+" as a date")
	case t.Date.IsZero():
		return fail("date", "is required")
	case !t.Amount.IsSet():
		return fail("amount", "is required")
	}
	return nil
}
