package statement

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bankfeeds-go/bankfeeds"
)

// camt.053 and camt.052 share their shape: a statement (Stmt) or report
// (Rpt) holds the account, its balances (Bal) and its entries (Ntry). The
// structs below match elements by local name, so every message version and
// namespace reads the same way.

type camtDoc struct {
	XMLName xml.Name
	Groups  []camtGroup `xml:",any"`
}

type camtGroup struct {
	XMLName xml.Name
	Stmt    []camtStmt `xml:"Stmt"`
	Rpt     []camtStmt `xml:"Rpt"`
}

type camtStmt struct {
	ID   string     `xml:"Id"`
	Acct camtAcct   `xml:"Acct"`
	Bal  []camtBal  `xml:"Bal"`
	Ntry []camtNtry `xml:"Ntry"`
}

type camtAcct struct {
	IBAN  string `xml:"Id>IBAN"`
	Othr  string `xml:"Id>Othr>Id"`
	Prtry string `xml:"Id>PrtryAcct>Id"`
	Ccy   string `xml:"Ccy"`
}

type camtAmt struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

type camtBal struct {
	Cd        string   `xml:"Tp>CdOrPrtry>Cd"`
	CdV1      string   `xml:"Tp>Cd"`
	Amt       camtAmt  `xml:"Amt"`
	CdtDbtInd string   `xml:"CdtDbtInd"`
	Dt        camtDate `xml:"Dt"`
}

type camtDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

type camtSts struct {
	Text string `xml:",chardata"`
	Cd   string `xml:"Cd"`
}

type camtNtry struct {
	NtryRef      string   `xml:"NtryRef"`
	Amt          camtAmt  `xml:"Amt"`
	CdtDbtInd    string   `xml:"CdtDbtInd"`
	Sts          camtSts  `xml:"Sts"`
	BookgDt      camtDate `xml:"BookgDt"`
	ValDt        camtDate `xml:"ValDt"`
	AcctSvcrRef  string   `xml:"AcctSvcrRef"`
	AddtlNtryInf string   `xml:"AddtlNtryInf"`
	TxDtls       []camtTx `xml:"NtryDtls>TxDtls"`
}

type camtTx struct {
	AcctSvcrRef string   `xml:"Refs>AcctSvcrRef"`
	EndToEndID  string   `xml:"Refs>EndToEndId"`
	Ustrd       []string `xml:"RmtInf>Ustrd"`
	AddtlTxInf  string   `xml:"AddtlTxInf"`
	Dbtr        string   `xml:"RltdPties>Dbtr>Nm"`
	DbtrPty     string   `xml:"RltdPties>Dbtr>Pty>Nm"`
	Cdtr        string   `xml:"RltdPties>Cdtr>Nm"`
	CdtrPty     string   `xml:"RltdPties>Cdtr>Pty>Nm"`
}

// readCamt reads a camt.053 or camt.052 document.
func readCamt(data []byte, want Format) ([]*draft, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	dec.Strict = true
	var doc camtDoc
	if err := dec.Decode(&doc); err != nil {
		pe := &ParseError{Format: want, Reason: "not well-formed XML", Err: err}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			pe.Line, pe.Err = se.Line, errors.New(se.Msg)
		}
		return nil, pe
	}
	format, version := camtVersion(doc.XMLName.Space, want)
	var out []*draft
	for _, g := range doc.Groups {
		kind, list := "Stmt", g.Stmt
		if len(g.Rpt) > 0 {
			kind, list = "Rpt", g.Rpt
		}
		if strings.HasPrefix(g.XMLName.Local, "BkToCstmrAcctRpt") {
			format = FormatCamt052
		}
		for i := range list {
			d, err := camtStatement(&list[i], format, version, fmt.Sprintf("%s[%d]", kind, i+1))
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// camtVersion reads the message and version from the namespace, such as
// urn:iso:std:iso:20022:tech:xsd:camt.053.001.02.
func camtVersion(ns string, want Format) (Format, string) {
	i := strings.Index(ns, "camt.05")
	if i < 0 || len(ns) < i+8 {
		return want, ""
	}
	f := want
	switch ns[i+7] {
	case '2':
		f = FormatCamt052
	case '3':
		f = FormatCamt053
	}
	return f, strings.TrimPrefix(ns[i+8:], ".")
}

func camtStatement(s *camtStmt, format Format, version, where string) (*draft, error) {
	d := &draft{Statement: Statement{Format: format, Version: version, ID: strings.TrimSpace(s.ID), Where: where}}
	d.Account = firstOf(s.Acct.IBAN, s.Acct.Othr, s.Acct.Prtry)
	d.Currency = strings.TrimSpace(s.Acct.Ccy)
	fail := func(elem, reason string, err error) error {
		return &ParseError{Format: format, Element: where + "/" + elem, Reason: reason, Err: err}
	}
	var interim *Balance
	for i := range s.Bal {
		b := &s.Bal[i]
		elem := fmt.Sprintf("Bal[%d]", i+1)
		code := strings.ToUpper(firstOf(b.Cd, b.CdV1))
		if code != "OPBD" && code != "PRCD" && code != "CLBD" && code != "ITBD" {
			continue // available, forward and expected balances are not booked balances
		}
		amt, err := camtAmount(b.Amt.Value, b.CdtDbtInd)
		if err != nil {
			return nil, fail(elem+"/Amt", err.Error(), nil)
		}
		date, _ := isoDate(firstOf(b.Dt.Dt, b.Dt.DtTm))
		bal := Balance{Amount: amt, Date: date}
		if d.Currency == "" {
			d.Currency = strings.TrimSpace(b.Amt.Ccy)
		}
		switch code {
		case "OPBD", "PRCD":
			if !d.Opening.IsSet() {
				d.Opening = bal
			}
		case "CLBD":
			d.Closing = bal
		case "ITBD":
			interim = &bal
		}
	}
	if !d.Closing.IsSet() && interim != nil {
		d.Closing = *interim // a camt.052 report's latest booked balance
	}
	for i := range s.Ntry {
		n := &s.Ntry[i]
		elem := fmt.Sprintf("Ntry[%d]", i+1)
		switch strings.ToUpper(strings.TrimSpace(firstOf(n.Sts.Cd, n.Sts.Text))) {
		case "BOOK", "":
		case "PDNG", "INFO", "FUTR":
			d.Pending++
			continue
		default:
			return nil, fail(elem+"/Sts", "unknown status "+quote(firstOf(n.Sts.Cd, n.Sts.Text)), nil)
		}
		amt, err := camtAmount(n.Amt.Value, n.CdtDbtInd)
		if err != nil {
			return nil, fail(elem+"/Amt", err.Error(), nil)
		}
		date, ok := isoDate(firstOf(n.BookgDt.Dt, n.BookgDt.DtTm, n.ValDt.Dt, n.ValDt.DtTm))
		if !ok {
			return nil, fail(elem+"/BookgDt", "no booking date", nil)
		}
		if d.Currency == "" {
			d.Currency = strings.TrimSpace(n.Amt.Ccy)
		}
		t := bankfeeds.BankTransaction{Date: date, Amount: amt, TransactionType: txnType(amt)}
		ref := lineRef{strong: n.AcctSvcrRef, weak: n.NtryRef}
		var desc []string
		if n.AddtlNtryInf != "" {
			desc = append(desc, n.AddtlNtryInf)
		}
		if len(n.TxDtls) == 1 {
			tx := &n.TxDtls[0]
			if ref.strong == "" {
				ref.strong = tx.AcctSvcrRef
			}
			if cleanRef(ref.weak) == "" {
				ref.weak = tx.EndToEndID
			}
			if amt.Sign() < 0 {
				t.Counterparty = text(firstOf(tx.Cdtr, tx.CdtrPty))
			} else {
				t.Counterparty = text(firstOf(tx.Dbtr, tx.DbtrPty))
			}
			if cleanRef(tx.EndToEndID) != "" {
				t.Reference = text(tx.EndToEndID)
			}
		}
		if len(desc) == 0 {
			for j := range n.TxDtls {
				desc = append(desc, n.TxDtls[j].Ustrd...)
				if len(n.TxDtls[j].Ustrd) == 0 && n.TxDtls[j].AddtlTxInf != "" {
					desc = append(desc, n.TxDtls[j].AddtlTxInf)
				}
			}
		}
		t.Description = text(strings.Join(desc, " "))
		if t.Reference == nil {
			t.Reference = text(firstOf(cleanRef(n.AcctSvcrRef), cleanRef(n.NtryRef)))
		}
		d.add(t, ref)
	}
	return d, nil
}

// camtAmount reads an Amt and its CdtDbtInd.
func camtAmount(v, ind string) (bankfeeds.Decimal, error) {
	a, err := amount(v, false)
	if err != nil {
		return a, fmt.Errorf("amount %s is not a decimal number", quote(strings.TrimSpace(v)))
	}
	if a.Sign() < 0 {
		return a, fmt.Errorf("amount %s is negative: the sign belongs in CdtDbtInd", quote(strings.TrimSpace(v)))
	}
	switch strings.ToUpper(strings.TrimSpace(ind)) {
	case "CRDT":
		return a, nil
	case "DBIT":
		return signed(a, true), nil
	}
	return a, fmt.Errorf("CdtDbtInd %s is neither CRDT nor DBIT", quote(ind))
}

// firstOf returns the first of its arguments that is not blank, trimmed.
func firstOf(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// charsetReader reads the single-byte encodings statement files use besides
// UTF-8 (ISO-8859-1 and -15, Windows-1252) as Latin-1.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "iso-8859-15", "windows-1252", "cp1252":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b)+len(b)/8)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, errors.New("unsupported encoding " + strconv.Quote(label))
}
