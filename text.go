package bankfeeds

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// How text is handled. Bank text often comes as Latin-1 or Windows-1252
// bytes in Go strings, which are not UTF-8. The SDK's rule, from the entry
// of a push to what Codat stores:
//
//   - an id (a transaction's, an account's, a company's, a connection's) and
//     an enumerated value (TransactionType) that is not valid UTF-8 is
//     refused with a *ValidationError naming the field, before anything is
//     sent: an id is matched byte for byte, and no conversion could be sure
//     to give back the id the caller keeps;
//   - free text (a transaction's Description, Counterparty and Reference)
//     that is not valid UTF-8 is converted by ToUTF8 as it enters Push,
//     PushAll and Resume, before a body is encoded, hashed or handed back
//     (PushError.Remaining, InFlight.Transactions), so what is kept is the
//     text that was sent and survives any encoder, JSON included. The
//     encoder applies the same conversion to anything that reaches it
//     otherwise, never U+FFFD.

// ToUTF8 returns s as valid UTF-8: s itself when it already is, otherwise a
// copy in which every byte that is not part of a valid UTF-8 sequence is
// read as Windows-1252 (0xA0 to 0xFF as Latin-1, 0x80 to 0x9F by the
// Windows-1252 table, and the five bytes that table leaves undefined as the
// Latin-1 control characters they name). So "Caf\xe9" becomes "Café" and
// "\x80 5" becomes "€ 5"; valid UTF-8 in s, even among such bytes, is kept
// as it is. The result is the same every time for the same s, and ToUTF8 of
// it is itself.
//
// Push, PushAll and the feed engine apply it to a transaction's text
// themselves; call it for text that must match what they send, such as a
// statement reader's own output.
func ToUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string(appendUTF8(make([]byte, 0, len(s)+len(s)/4), s))
}

// appendUTF8 appends s to b, converted as ToUTF8 does.
func appendUTF8(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, windows1252(c))
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// windows1252 is the character a byte of 0x80 or more stands for in
// Windows-1252; the bytes it leaves undefined stand for themselves, as in
// Latin-1 (as WHATWG's "windows-1252" decoder reads them).
func windows1252(c byte) rune {
	if c >= 0x80 && c < 0xa0 {
		return cp1252[c-0x80]
	}
	return rune(c)
}

// cp1252 is Windows-1252 from 0x80 to 0x9F.
var cp1252 = [32]rune{
	'\u20ac', '\u0081', '\u201a', '\u0192', '\u201e', '\u2026', '\u2020', '\u2021',
	'\u02c6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008d', '\u017d', '\u008f',
	'\u0090', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2013', '\u2014',
	'\u02dc', '\u2122', '\u0161', '\u203a', '\u0153', '\u009d', '\u017e', '\u0178',
}

// textToUTF8 returns txns with the free text of each transaction converted
// by ToUTF8: txns itself when none needed it (the common case costs a scan),
// otherwise a copy, so the caller's transactions are never changed.
func textToUTF8(txns []BankTransaction) []BankTransaction {
	var out []BankTransaction
	for i := range txns {
		t := txns[i]
		if !t.textToUTF8() {
			continue
		}
		if out == nil {
			out = append([]BankTransaction(nil), txns...)
		}
		out[i] = t
	}
	if out == nil {
		return txns
	}
	return out
}

// textToUTF8 points each free-text field of t that is not valid UTF-8 at
// its ToUTF8 (the strings pointed at are not changed), and reports whether
// any was.
func (t *BankTransaction) textToUTF8() bool {
	changed := false
	for _, p := range [...]**string{&t.Description, &t.Counterparty, &t.Reference} {
		if *p != nil && !utf8.ValidString(**p) {
			s := ToUTF8(**p)
			*p, changed = &s, true
		}
	}
	return changed
}

// checkID refuses an id that is not valid UTF-8: it could not be sent as it
// is, and Codat would keep another id than the caller's.
func checkID(field, id string) error {
	if utf8.ValidString(id) {
		return nil
	}
	return invalid(field, strconv.Quote(id[:min(len(id), 60)])+" "+notUTF8)
}

// notUTF8Field returns the field of t that must be valid UTF-8 as it is
// and is not ("id" or "transactionType"), or "".
func (t *BankTransaction) notUTF8Field() string {
	switch {
	case !utf8.ValidString(t.ID):
		return "id"
	case !utf8.ValidString(string(t.TransactionType)):
		return "transactionType"
	}
	return ""
}

// checkUTF8 refuses the first transaction with an id or a type that is not
// valid UTF-8. PushAll runs it before anything is sent, even the look-up of
// the platform; the guard checks the same.
func checkUTF8(txns []BankTransaction) error {
	for i := range txns {
		if f := txns[i].notUTF8Field(); f != "" {
			return &ValidationError{Field: f, Index: i, TransactionID: txns[i].ID, Reason: notUTF8}
		}
	}
	return nil
}

// notUTF8 is why an id or an enumerated value that is not UTF-8 is refused.
const notUTF8 = "is not valid UTF-8: it is matched byte for byte, so it is not converted; give it as UTF-8"

// legacyBody returns the body an SDK before the text rule sent for the
// transactions encoded now as body, when its hash is want, or nil. That
// encoder wrote each byte that is not UTF-8 as the escape \ufffd; an
// InFlight kept as JSON came back with a real U+FFFD there, which encodes
// as its UTF-8 bytes. Writing them back as the escape rebuilds that body,
// so such a chunk can still be settled under its key.
func legacyBody(body []byte, want string) []byte {
	if !bytes.Contains(body, replacementChar) {
		return nil
	}
	old := bytes.ReplaceAll(body, replacementChar, []byte(`\ufffd`))
	if bodyHash(old) != want {
		return nil
	}
	return old
}

var replacementChar = []byte("\uFFFD")
