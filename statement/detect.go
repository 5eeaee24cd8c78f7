package statement

import (
	"bytes"
	"strings"
)

// detectWindow is how much of the start of a file Detect looks at.
const detectWindow = 4096

// Detect names the format of a statement file from its content: XML with a
// camt.053 or camt.052 namespace or root, OFX (an OFXHEADER, or XML with
// <OFX>), BAI2
// (an 01 file header), MT940 or MT942 (SWIFT tags such as :20: and :61:), or
// else CSV when the first line has a separator. It returns ErrUnknownFormat
// for anything else.
func Detect(data []byte) (Format, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	head := data[:min(len(data), detectWindow)]
	trimmed := bytes.TrimSpace(head)
	upper := bytes.ToUpper(head)
	switch {
	case len(trimmed) == 0:
		return "", ErrUnknownFormat
	case trimmed[0] == '<':
		switch {
		case bytes.Contains(head, []byte("camt.053")), bytes.Contains(head, []byte("<BkToCstmrStmt")):
			return FormatCamt053, nil
		case bytes.Contains(head, []byte("camt.052")), bytes.Contains(head, []byte("<BkToCstmrAcctRpt")):
			return FormatCamt052, nil
		case bytes.Contains(upper, []byte("<OFX>")), bytes.Contains(upper, []byte("<?OFX")):
			return FormatOFX, nil
		}
		return "", ErrUnknownFormat
	case bytes.HasPrefix(trimmed, []byte("OFXHEADER")):
		return FormatOFX, nil
	case len(trimmed) > 3 && isDigit(trimmed[0]) && isDigit(trimmed[1]) && trimmed[2] == ',' && !mtLike(head):
		return FormatBAI2, nil
	case mtLike(head):
		if bytes.Contains(head, []byte(":34F:")) || bytes.Contains(head, []byte(":13D:")) {
			return FormatMT942, nil
		}
		return FormatMT940, nil
	case csvLike(trimmed):
		return FormatCSV, nil
	}
	return "", ErrUnknownFormat
}

// mtLike reports whether a line starts with an MT940 tag.
func mtLike(head []byte) bool {
	for _, line := range strings.Split(string(head), "\n") {
		if _, _, ok := mtTag(strings.TrimRight(line, "\r")); ok {
			return true
		}
	}
	return false
}

// csvLike reports whether the first line has a field separator.
func csvLike(b []byte) bool {
	first := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		first = b[:i]
	}
	return bytes.ContainsAny(first, ",;\t")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
