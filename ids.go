package bankfeeds

// isUUID reports whether s is a uuid in its canonical 8-4-4-4-12 form of
// hexadecimal digits (either case), as Codat's document types sync ids,
// push operation keys, company ids and connection ids.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
