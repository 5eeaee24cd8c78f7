package statement

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/bankfeeds-go/bankfeeds"
)

// maxIDLength bounds an id. Codat's document sets no limit on a bank
// transaction's id; 64 keeps well inside what accounting platforms store.
const maxIDLength = 64

// draft is a statement being read: the Statement and, for each of its
// lines, the references its id may come from.
type draft struct {
	Statement
	refs []lineRef
}

// lineRef holds a line's references. strong identifies the line on its own
// (camt AcctSvcrRef, OFX FITID, MT940 and BAI2 bank references); weak is a
// reference that may repeat on other days (an end-to-end id, a customer
// reference), so it is prefixed with the booking date.
type lineRef struct {
	strong, weak string
}

// add appends a booked line and its references.
func (d *draft) add(t bankfeeds.BankTransaction, ref lineRef) {
	d.Transactions = append(d.Transactions, t)
	d.refs = append(d.refs, ref)
}

// finish checks the balances, assigns the ids and returns the statements.
func finish(drafts []*draft) []Statement {
	for _, d := range drafts {
		chain(&d.Statement)
	}
	continuity(drafts)
	assignIDs(drafts)
	out := make([]Statement, len(drafts))
	for i, d := range drafts {
		for j := range d.Transactions {
			textToUTF8(&d.Transactions[j])
		}
		for j := range d.Breaks {
			if e := d.Breaks[j].Entry; e >= 0 && e < len(d.Transactions) {
				d.Breaks[j].TransactionID = d.Transactions[e].ID
			}
		}
		if d.Transactions == nil {
			d.Transactions = []bankfeeds.BankTransaction{}
		}
		out[i] = d.Statement
	}
	return out
}

// assignIDs gives every line of the file an id, unique in the file.
func assignIDs(drafts []*draft) {
	used := map[string]struct{}{}
	for si, d := range drafts {
		for ti := range d.Transactions {
			t := &d.Transactions[ti]
			var ref lineRef
			if ti < len(d.refs) {
				ref = d.refs[ti]
			}
			id := baseID(d, si, ti, ref)
			if _, dup := used[id]; dup {
				for n := 2; ; n++ {
					c := id + "-" + strconv.Itoa(n)
					if _, dup := used[c]; !dup {
						id = c
						break
					}
				}
			}
			used[id] = struct{}{}
			t.ID = id
		}
	}
}

// baseID is a line's id before duplicates are told apart.
func baseID(d *draft, si, ti int, ref lineRef) string {
	t := &d.Transactions[ti]
	day := t.Date.Format("20060102")
	if r := cleanRef(ref.strong); r != "" {
		if validID(r) {
			return r
		}
		return "r-" + digest(r)
	}
	if r := cleanRef(ref.weak); r != "" {
		if id := day + "-" + r; validID(id) {
			return id
		}
		return day + "-r-" + digest(r)
	}
	var b strings.Builder
	for _, s := range []string{string(d.Format), d.Account, d.Currency, strconv.Itoa(si), strconv.Itoa(ti), day, t.Amount.String(), deref(t.Description), deref(t.Counterparty), deref(t.Reference)} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	return day + "-" + digest(b.String())
}

// cleanRef trims a reference and drops the placeholders banks put where
// there is none.
func cleanRef(s string) string {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE", "N/A", "-", "0":
		return ""
	}
	return s
}

// validID reports whether s fits the id alphabet and length.
func validID(s string) bool {
	if s == "" || len(s) > maxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == ':', c == '/', c == '+', c == '-':
		default:
			return false
		}
	}
	return true
}

// digest is 20 hex digits of the SHA-256 of s.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:10])
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// textToUTF8 converts a line's text that is not UTF-8 (a file in Latin-1,
// Windows-1252 or another single-byte code page) as bankfeeds.ToUTF8 does,
// so what a reader hands over is what a push sends. It runs after the ids
// are assigned, which stay as they were.
func textToUTF8(t *bankfeeds.BankTransaction) {
	for _, p := range [...]**string{&t.Description, &t.Counterparty, &t.Reference} {
		if *p != nil {
			if s := bankfeeds.ToUTF8(**p); s != **p {
				*p = &s
			}
		}
	}
}

// text returns a pointer to s trimmed, or nil when it is empty.
func text(s string) *string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return nil
	}
	return &s
}
