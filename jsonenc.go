package bankfeeds

import (
	"unicode/utf8"
)

// appendJSONString appends s as a JSON string, escaping as encoding/json
// does (except HTML characters, which need no escaping in an API body, and
// bytes that are not UTF-8, which it converts as ToUTF8 does).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// A byte that is not UTF-8 is read as Windows-1252 (ToUTF8),
			// never U+FFFD: the text a body was hashed with survives a
			// round trip through JSON, and nothing is lost.
			b = append(b, s[start:i]...)
			b = utf8.AppendRune(b, windows1252(c))
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' { // as encoding/json does, for JavaScript
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendField appends ,"name": (or "name": first).
func appendField(b []byte, name string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}
