package statement

import (
	"bytes"
	"fmt"
	"io"

	"github.com/bankfeeds-go/bankfeeds"
)

// Format names a statement file format.
type Format string

// Formats the package reads.
const (
	FormatCamt053 Format = "camt.053" // ISO 20022 bank-to-customer statement (end of day)
	FormatCamt052 Format = "camt.052" // ISO 20022 bank-to-customer account report (intraday)
	FormatOFX     Format = "ofx"      // OFX 1.x (SGML), 2.x (XML) and QFX
	FormatMT940   Format = "mt940"    // SWIFT MT940 customer statement
	FormatMT942   Format = "mt942"    // SWIFT MT942 interim transaction report
	FormatBAI2    Format = "bai2"     // BAI2 cash management balance reporting
	FormatCSV     Format = "csv"      // CSV export with a column mapping
)

// Formats returns every format, in the order Detect tries them. The slice
// is the caller's own: changing it changes nothing in the package.
func Formats() []Format {
	return []Format{FormatCamt053, FormatCamt052, FormatOFX, FormatMT940, FormatMT942, FormatBAI2, FormatCSV}
}

// ParseFormat returns the format with the given name ("camt053", "camt.053",
// "mt940", "ofx", "qfx", "bai2", "bai", "csv", ...), case-insensitively.
func ParseFormat(name string) (Format, error) {
	switch normalizeName(name) {
	case "camt053", "camt":
		return FormatCamt053, nil
	case "camt052":
		return FormatCamt052, nil
	case "ofx", "qfx":
		return FormatOFX, nil
	case "mt940", "sta", "swift":
		return FormatMT940, nil
	case "mt942":
		return FormatMT942, nil
	case "bai2", "bai":
		return FormatBAI2, nil
	case "csv":
		return FormatCSV, nil
	}
	return "", fmt.Errorf("statement: unknown format %.40q (want one of camt053, camt052, ofx, mt940, mt942, bai2, csv)", name)
}

func normalizeName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c == '.' || c == '-' || c == '_' || c == ' ':
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// Statement is one account's statement (or report) from a file.
type Statement struct {
	// Format is the file's format; Version its message version where the
	// file says ("001.02" for camt, "102" or "211" for OFX).
	Format  Format `json:"format"`
	Version string `json:"version,omitempty"`
	// ID is the statement's own identifier, when the file gives one (camt
	// Stmt/Id, MT940 :20: and :28C:).
	ID string `json:"id,omitempty"`
	// Account is the account's IBAN or number as the file states it.
	Account string `json:"account"`
	// Currency is the account's ISO 4217 currency, when the file states it.
	Currency string `json:"currency,omitempty"`
	// Opening and Closing are the statement's opening and closing booked
	// balances; Amount is unset when the file states neither it nor
	// something it can be derived from.
	Opening Balance `json:"openingBalance"`
	Closing Balance `json:"closingBalance"`
	// Transactions are the booked lines, in file order, each with its
	// running Balance when the opening balance is known.
	Transactions []bankfeeds.BankTransaction `json:"transactions"`
	// Checkpoints are balances the file states between lines.
	Checkpoints []Checkpoint `json:"checkpoints,omitempty"`
	// Pending counts entries left out because they are not booked.
	Pending int `json:"pending,omitempty"`
	// Breaks lists every stated balance the running balance misses.
	Breaks []Break `json:"breaks,omitempty"`
	// Where says where the statement starts in the file ("line 12",
	// "Stmt[2]").
	Where string `json:"where,omitempty"`
}

// Balance is a balance and the date it is stated for.
type Balance struct {
	Amount bankfeeds.Decimal  `json:"amount,omitzero"`
	Date   bankfeeds.DateTime `json:"date,omitzero"`
	// Derived is true when the file does not state the balance and it was
	// worked out from the other end of the statement and its lines.
	Derived bool `json:"derived,omitempty"`
}

// IsSet reports whether the balance is known.
func (b Balance) IsSet() bool { return b.Amount.IsSet() }

// Checkpoint is a balance the file states after a given line.
type Checkpoint struct {
	// After is the number of lines before the balance: 0 is before the
	// first line, len(Transactions) after the last.
	After  int               `json:"after"`
	Amount bankfeeds.Decimal `json:"amount"`
	// Where says where the file states it ("line 40").
	Where string `json:"where,omitempty"`
}

// BalanceError returns a *BalanceError listing the statement's breaks, or
// nil when every balance the file states chains.
func (s *Statement) BalanceError() error {
	if len(s.Breaks) == 0 {
		return nil
	}
	return &BalanceError{Account: s.Account, Where: s.Where, Breaks: s.Breaks}
}

// Sum returns the sum of the statement's booked amounts.
func (s *Statement) Sum() bankfeeds.Decimal {
	sum := bankfeeds.NewDecimal(0, 0)
	for i := range s.Transactions {
		sum = sum.Add(s.Transactions[i].Amount)
	}
	return sum
}

// Options tunes Read.
type Options struct {
	// Format, when set, is used instead of detecting the format.
	Format Format
	// CSV maps a CSV file's columns; nil guesses them from the header.
	CSV *CSVMapping
	// MaxBytes bounds how much is read (default 256 MiB).
	MaxBytes int64
}

// DefaultMaxBytes is the most Read reads unless Options.MaxBytes says
// otherwise.
const DefaultMaxBytes = 256 << 20

// Read reads every statement in r. The format is detected from the content
// unless opts names it. Statements come back in file order, with their
// balances checked (see Statement.Breaks); a file that cannot be read gives
// a *ParseError, one with no statement ErrNoStatements.
func Read(r io.Reader, opts *Options) ([]Statement, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, o.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("statement: reading: %w", err)
	}
	if int64(len(data)) > o.MaxBytes {
		return nil, fmt.Errorf("statement: the file is larger than %d bytes", o.MaxBytes)
	}
	return Parse(data, &o)
}

// Parse is Read for a file already in memory.
func Parse(data []byte, opts *Options) ([]Statement, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	format := o.Format
	if format == "" {
		f, err := Detect(data)
		if err != nil {
			return nil, err
		}
		format = f
	}
	var drafts []*draft
	var err error
	switch format {
	case FormatCamt053, FormatCamt052:
		drafts, err = readCamt(data, format)
	case FormatOFX:
		drafts, err = readOFX(data)
	case FormatMT940, FormatMT942:
		drafts, err = readMT940(data)
	case FormatBAI2:
		drafts, err = readBAI2(data)
	case FormatCSV:
		drafts, err = readCSV(data, o.CSV)
	default:
		return nil, fmt.Errorf("statement: unknown format %.40q", format)
	}
	if err != nil {
		return nil, err
	}
	if len(drafts) == 0 {
		return nil, fmt.Errorf("%w (read as %s)", ErrNoStatements, format)
	}
	return finish(drafts), nil
}
