package statement

import (
	"bytes"
	"fmt"
	"html"
	"strings"

	"github.com/bankfeeds-go/bankfeeds"
)

// OFX 1.x is SGML: aggregates have end tags, but leaf elements often do
// not ("<TRNAMT>-34.51" and the next tag). OFX 2.x is XML. One small tree
// builder reads both: a leaf ends at its end tag, at the next tag once it
// has text, or at the next tag when it is a known leaf.

type ofxNode struct {
	name string
	text string
	kids []*ofxNode
	line int
}

// child returns the first child with the given name, or nil.
func (n *ofxNode) child(name string) *ofxNode {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// value returns the text at a path of children, such as "LEDGERBAL",
// "BALAMT".
func (n *ofxNode) value(path ...string) string {
	for _, p := range path {
		n = n.child(p)
	}
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text)
}

// walk calls fn for n and every node below it, depth first.
func (n *ofxNode) walk(fn func(*ofxNode)) {
	fn(n)
	for _, k := range n.kids {
		k.walk(fn)
	}
}

// ofxLeaves are elements that never hold others, so that an empty one in
// SGML ("<NAME>" then "<MEMO>") still ends.
var ofxLeaves = map[string]bool{
	"CODE": true, "SEVERITY": true, "MESSAGE": true, "CURDEF": true, "BANKID": true, "BRANCHID": true,
	"ACCTID": true, "ACCTTYPE": true, "ACCTKEY": true, "DTSTART": true, "DTEND": true, "TRNTYPE": true,
	"DTPOSTED": true, "DTUSER": true, "DTAVAIL": true, "TRNAMT": true, "FITID": true, "CORRECTFITID": true,
	"CORRECTACTION": true, "SRVRTID": true, "CHECKNUM": true, "REFNUM": true, "SIC": true, "PAYEEID": true,
	"NAME": true, "MEMO": true, "BALAMT": true, "DTASOF": true, "TRNUID": true, "DTSERVER": true,
	"LANGUAGE": true, "ORG": true, "FID": true, "CURRATE": true, "CURSYM": true, "VALUEDATE": true,
}

// maxOFXDepth bounds nesting; real files nest about eight deep.
const maxOFXDepth = 64

// ofxTree parses OFX (SGML or XML) into a tree under a nameless root.
func ofxTree(data []byte) (*ofxNode, error) {
	root := &ofxNode{}
	stack := []*ofxNode{root}
	line := 1
	i := bytes.Index(data, []byte("<"))
	if i < 0 {
		return nil, &ParseError{Format: FormatOFX, Line: 1, Reason: "no OFX element"}
	}
	line += bytes.Count(data[:i], []byte("\n"))
	for i < len(data) {
		if data[i] != '<' {
			j := bytes.IndexByte(data[i:], '<')
			if j < 0 {
				j = len(data) - i
			}
			raw := data[i : i+j]
			if t := strings.TrimSpace(string(raw)); t != "" {
				top := stack[len(stack)-1]
				if top == root {
					return nil, &ParseError{Format: FormatOFX, Line: line, Reason: "text outside any element: " + quote(t)}
				}
				top.text += html.UnescapeString(t)
			}
			line += bytes.Count(raw, []byte("\n"))
			i += j
			continue
		}
		j := bytes.IndexByte(data[i:], '>')
		if j < 0 {
			return nil, &ParseError{Format: FormatOFX, Line: line, Reason: "a tag that is never closed with '>'"}
		}
		tag := string(data[i+1 : i+j])
		line += strings.Count(tag, "\n")
		i += j + 1
		switch {
		case strings.HasPrefix(tag, "?"), strings.HasPrefix(tag, "!"):
			continue // <?xml ...?>, <?OFX ...?>, comments
		case strings.HasPrefix(tag, "/"):
			name := strings.ToUpper(strings.TrimSpace(tag[1:]))
			k := len(stack) - 1
			for k > 0 && stack[k].name != name {
				k--
			}
			if k == 0 {
				return nil, &ParseError{Format: FormatOFX, Line: line, Reason: "end tag " + quote("</"+name+">") + " with no element open"}
			}
			stack = stack[:k]
		default:
			self := strings.HasSuffix(tag, "/")
			name := strings.ToUpper(strings.TrimSpace(strings.TrimSuffix(tag, "/")))
			if k := strings.IndexAny(name, " \t\r\n"); k >= 0 {
				name = name[:k]
			}
			if name == "" {
				return nil, &ParseError{Format: FormatOFX, Line: line, Reason: "an empty tag"}
			}
			if top := stack[len(stack)-1]; top != root && len(top.kids) == 0 && (top.text != "" || ofxLeaves[top.name]) {
				stack = stack[:len(stack)-1] // an SGML leaf ends where the next element starts
			}
			n := &ofxNode{name: name, line: line}
			parent := stack[len(stack)-1]
			parent.kids = append(parent.kids, n)
			if !self {
				if len(stack) > maxOFXDepth {
					return nil, &ParseError{Format: FormatOFX, Line: line, Reason: "elements nested too deep"}
				}
				stack = append(stack, n)
			}
		}
	}
	return root, nil
}

// readOFX reads every bank (STMTRS) and credit card (CCSTMTRS) statement.
func readOFX(data []byte) ([]*draft, error) {
	root, err := ofxTree(data)
	if err != nil {
		return nil, err
	}
	ofx := root.child("OFX")
	if ofx == nil {
		return nil, &ParseError{Format: FormatOFX, Line: 1, Reason: "no <OFX> element"}
	}
	version := ofxVersion(data)
	var out []*draft
	var failure error
	ofx.walk(func(n *ofxNode) {
		if failure != nil {
			return
		}
		switch {
		case n.name == "STMTTRNRS" || n.name == "CCSTMTTRNRS" || n.name == "SONRS":
			if code := n.value("STATUS", "CODE"); code != "" && code != "0" && n.child("STMTRS") == nil && n.child("CCSTMTRS") == nil {
				failure = &ParseError{Format: FormatOFX, Line: n.line, Element: n.name + "/STATUS",
					Reason: fmt.Sprintf("the bank answered status %s (%s): %s", quote(code), n.value("STATUS", "SEVERITY"), quote(n.value("STATUS", "MESSAGE")))}
			}
		case n.name == "STMTRS" || n.name == "CCSTMTRS":
			d, err := ofxStatement(n, version, len(out)+1)
			if err != nil {
				failure = err
				return
			}
			out = append(out, d)
		}
	})
	if failure != nil {
		return nil, failure
	}
	return out, nil
}

// ofxVersion reads VERSION:102 (SGML header) or VERSION="211" (XML).
func ofxVersion(data []byte) string {
	head := data[:min(len(data), 1024)]
	i := bytes.Index(head, []byte("VERSION"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(head[i+len("VERSION"):], ":=\" ")
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	return string(rest[:j])
}

// ofxTypes maps TRNTYPE to Codat's transaction types, which follow OFX's.
var ofxTypes = map[string]bankfeeds.TransactionType{
	"CREDIT": bankfeeds.TransactionCredit, "DEBIT": bankfeeds.TransactionDebit, "INT": bankfeeds.TransactionInt,
	"DIV": bankfeeds.TransactionDiv, "FEE": bankfeeds.TransactionFee, "SRVCHG": bankfeeds.TransactionSerChg,
	"DEP": bankfeeds.TransactionDep, "ATM": bankfeeds.TransactionAtm, "POS": bankfeeds.TransactionPos,
	"XFER": bankfeeds.TransactionXfer, "CHECK": bankfeeds.TransactionCheck, "PAYMENT": bankfeeds.TransactionPayment,
	"CASH": bankfeeds.TransactionCash, "DIRECTDEP": bankfeeds.TransactionDirectDep,
	"DIRECTDEBIT": bankfeeds.TransactionDirectDebit, "REPEATPMT": bankfeeds.TransactionRepeatPmt,
	"OTHER": bankfeeds.TransactionOther,
}

func ofxStatement(n *ofxNode, version string, index int) (*draft, error) {
	where := fmt.Sprintf("%s[%d]", n.name, index)
	d := &draft{Statement: Statement{Format: FormatOFX, Version: version, Where: where}}
	d.Currency = n.value("CURDEF")
	d.Account = firstOf(n.value("BANKACCTFROM", "ACCTID"), n.value("CCACCTFROM", "ACCTID"))
	fail := func(at *ofxNode, elem, reason string) error {
		return &ParseError{Format: FormatOFX, Line: at.line, Element: where + "/" + elem, Reason: reason}
	}
	if bal := n.value("LEDGERBAL", "BALAMT"); bal != "" {
		a, err := ofxAmount(bal)
		if err != nil {
			return nil, fail(n.child("LEDGERBAL"), "LEDGERBAL/BALAMT", "balance "+quote(bal)+" is not a number")
		}
		date, _ := ofxDate(n.value("LEDGERBAL", "DTASOF"))
		d.Closing = Balance{Amount: a, Date: date}
	}
	list := n.child("BANKTRANLIST")
	if list == nil {
		return d, nil
	}
	k := 0
	for _, t := range list.kids {
		if t.name != "STMTTRN" {
			continue
		}
		k++
		elem := fmt.Sprintf("STMTTRN[%d]", k)
		amt := t.value("TRNAMT")
		a, err := ofxAmount(amt)
		if err != nil {
			return nil, fail(t, elem+"/TRNAMT", "amount "+quote(amt)+" is not a number")
		}
		date, ok := ofxDate(t.value("DTPOSTED"))
		if !ok {
			return nil, fail(t, elem+"/DTPOSTED", "posting date "+quote(t.value("DTPOSTED"))+" is missing or not YYYYMMDD")
		}
		bt := bankfeeds.BankTransaction{Date: date, Amount: a}
		if typ, ok := ofxTypes[strings.ToUpper(t.value("TRNTYPE"))]; ok {
			bt.TransactionType = typ
		} else {
			bt.TransactionType = txnType(a)
		}
		name := firstOf(t.value("NAME"), t.value("PAYEE", "NAME"))
		bt.Counterparty = text(name)
		bt.Description = text(firstOf(t.value("MEMO"), name))
		bt.Reference = text(firstOf(t.value("CHECKNUM"), t.value("REFNUM")))
		d.add(bt, lineRef{strong: t.value("FITID"), weak: firstOf(t.value("REFNUM"), t.value("CHECKNUM"))})
	}
	return d, nil
}

// ofxAmount reads TRNAMT and BALAMT: a point decimal, or a comma one as some
// banks write.
func ofxAmount(s string) (bankfeeds.Decimal, error) {
	if a, err := amount(s, false); err == nil {
		return a, nil
	}
	return amount(s, true)
}

// ofxDate reads the date of YYYYMMDD[HHMMSS[.XXX]][[+-h:TZ]].
func ofxDate(s string) (bankfeeds.DateTime, bool) {
	if len(s) < 8 {
		return bankfeeds.DateTime{}, false
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[4:6])
	d, ok3 := num(s[6:8])
	if !ok1 || !ok2 || !ok3 {
		return bankfeeds.DateTime{}, false
	}
	return localDate(y, m, d)
}
