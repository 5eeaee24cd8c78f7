package statement

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnknownFormat says the content is none of the formats Read knows.
var ErrUnknownFormat = errors.New("statement: not a statement file this package reads (camt.052/053, OFX, MT940/MT942, BAI2, CSV)")

// ErrNoStatements says the file holds no statement.
var ErrNoStatements = errors.New("statement: the file holds no statement")

// ParseError is input that cannot be read: it names the format, where in the
// file the problem is, and what it is.
type ParseError struct {
	Format  Format // the format being read
	Line    int    // 1-based line, or 0 when not known
	Element string // for XML formats: the element's path, such as "Stmt[1]/Ntry[3]/Amt"
	Reason  string // what is wrong, in words
	Err     error  // the underlying error, if any
}

// Error returns one line: "statement: mt940: line 12: ...".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("statement: ")
	b.WriteString(string(e.Format))
	if e.Line > 0 {
		b.WriteString(": line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Element != "" {
		b.WriteString(": ")
		b.WriteString(e.Element)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return oneLine(b.String())
}

// oneLine keeps an error message on one line whatever the file held.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// BalanceError says a statement's balances do not chain.
type BalanceError struct {
	Account string
	Where   string
	Breaks  []Break
}

// Error returns one line naming the account and the first break.
func (e *BalanceError) Error() string {
	var b strings.Builder
	b.WriteString("statement: balances of account ")
	b.WriteString(strconv.Quote(e.Account))
	if e.Where != "" {
		b.WriteString(" (" + e.Where + ")")
	}
	b.WriteString(" do not chain: ")
	if len(e.Breaks) > 0 {
		b.WriteString(e.Breaks[0].String())
	}
	if len(e.Breaks) > 1 {
		b.WriteString("; and " + strconv.Itoa(len(e.Breaks)-1) + " more")
	}
	return oneLine(b.String())
}

// quote shortens and quotes text from a file for an error message.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// errorf makes a plain error; ParseError adds where it is.
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
