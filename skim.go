package bankfeeds

import (
	"bytes"
	"encoding/json"
	"errors"
)

// skimmer is implemented by answers that read themselves from JSON faster
// than encoding/json would, by not decoding what the SDK does not need.
type skimmer interface{ skimJSON([]byte) error }

var errSkim = errors.New("malformed JSON")

// skimObject walks the members of the JSON object b, calling member with
// each key (still quoted and escaped as in b) and value. It checks the
// object's structure (quotes, brackets, commas, colons) but not what is
// inside a value: values it keeps are decoded with encoding/json, which
// checks them then.
func skimObject(b []byte, member func(key, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSkim
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errSkim
		}
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := b[i:end]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return errSkim
		}
		i = skipSpace(b, i+1)
		vend, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := member(key, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return errSkim
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return trailing(b, i+1)
		default:
			return errSkim
		}
	}
}

func trailing(b []byte, i int) error {
	if skipSpace(b, i) != len(b) {
		return errSkim
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, errSkim
		}
		q := j + k
		// The quote ends the string unless an odd run of backslashes escapes it.
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
	return 0, errSkim
}

// skipValue returns the index just past the value starting at b[i]. Nested
// arrays and objects are matched by a depth count, strings skipped whole.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSkim
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		var stack []byte // the closers expected, innermost last
		for j := i; j < len(b); j++ {
			switch c := b[j]; c {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{':
				stack = append(stack, '}')
			case '[':
				stack = append(stack, ']')
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c {
					return 0, errSkim
				}
				if stack = stack[:len(stack)-1]; len(stack) == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errSkim
	default: // a number, true, false or null: up to the next delimiter
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, errSkim
		}
		return j, nil
	}
}

// skimJSON reads a push operation without decoding its "data", the echo of
// the push's body (as many transactions as were pushed), which PushAll never
// reads: it is kept as it came, for Echo. The other members are decoded as
// encoding/json decodes them.
func (op *PushOperation) skimJSON(b []byte) error {
	var rest []byte
	var data []byte
	err := skimObject(b, func(key, value []byte) error {
		if string(key) == `"data"` {
			if string(value) != "null" {
				data = value
			}
			return nil
		}
		if rest == nil {
			rest = make([]byte, 0, min(len(b), 4096))
			rest = append(rest, '{')
		} else {
			rest = append(rest, ',')
		}
		rest = append(rest, key...)
		rest = append(rest, ':')
		rest = append(rest, value...)
		return nil
	})
	if err != nil {
		return err
	}
	type plain PushOperation // without methods: encoding/json's own decoding
	var p plain
	if rest != nil {
		if err := json.Unmarshal(append(rest, '}'), &p); err != nil {
			return err
		}
	}
	*op = PushOperation(p)
	if data != nil {
		op.rawData = append(json.RawMessage(nil), data...)
	}
	return nil
}

// plainString returns the text of a JSON string that needs no unescaping
// and is printable ASCII, as most ids and names are; ok is false for any
// other value, which encoding/json then reads.
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	for _, c := range v[1 : len(v)-1] {
		if c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return "", false
		}
	}
	return string(v[1 : len(v)-1]), true
}

// skimArray calls elem with each value of the JSON array b.
func skimArray(b []byte, elem func(value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errSkim
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return trailing(b, i+1)
	}
	for {
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := elem(b[i:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			return errSkim
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return trailing(b, i+1)
		default:
			return errSkim
		}
	}
}

// skimJSON reads a company, its plain strings and dates by hand and the
// rest with encoding/json, to the same result.
func (c *Company) skimJSON(b []byte) error {
	type plain Company
	var rest []byte
	*c = Company{}
	err := skimObject(b, func(key, value []byte) error {
		var s string
		var ok bool
		switch string(key) {
		case `"id"`, `"name"`, `"redirect"`, `"description"`, `"createdByUserName"`:
			if s, ok = plainString(value); ok {
				switch string(key) {
				case `"id"`:
					c.ID = s
				case `"name"`:
					c.Name = s
				case `"redirect"`:
					c.Redirect = s
				case `"description"`:
					c.Description = &s
				default:
					c.CreatedByUserName = &s
				}
				return nil
			}
		case `"tags"`:
			if tags, ok := plainStringMap(value); ok {
				c.Tags = tags
				return nil
			}
		case `"created"`, `"lastSync"`:
			if value[0] == '"' {
				d := new(DateTime)
				if err := d.UnmarshalJSON(value); err != nil {
					return err
				}
				if string(key) == `"created"` {
					c.Created = d
				} else {
					c.LastSync = d
				}
				return nil
			}
		}
		if rest == nil {
			rest = append(make([]byte, 0, 256), '{')
		} else {
			rest = append(rest, ',')
		}
		rest = append(append(append(rest, key...), ':'), value...)
		return nil
	})
	if err != nil || rest == nil {
		return err
	}
	return json.Unmarshal(append(rest, '}'), (*plain)(c))
}

// skimCompanies reads a page of companies, each with Company.skimJSON.
func skimCompanies(p *Page[Company], b []byte) error {
	*p = Page[Company]{}
	return skimObject(b, func(key, value []byte) error {
		switch string(key) {
		case `"results"`:
			if string(value) == "null" {
				p.Results = nil
				return nil
			}
			return skimArray(value, func(v []byte) error {
				p.Results = append(p.Results, Company{})
				return p.Results[len(p.Results)-1].skimJSON(v)
			})
		case `"pageNumber"`:
			return json.Unmarshal(value, &p.PageNumber)
		case `"pageSize"`:
			return json.Unmarshal(value, &p.PageSize)
		case `"totalResults"`:
			return json.Unmarshal(value, &p.TotalResults)
		case `"_links"`:
			return json.Unmarshal(value, &p.Links)
		}
		return nil
	})
}

// plainStringMap reads a JSON object of plain strings (see plainString);
// ok is false for anything else, or for a repeated key.
func plainStringMap(v []byte) (map[string]string, bool) {
	if len(v) == 0 || v[0] != '{' {
		return nil, false
	}
	m := map[string]string{}
	ok := true
	err := skimObject(v, func(key, value []byte) error {
		k, kok := plainString(key)
		s, sok := plainString(value)
		if _, dup := m[k]; !kok || !sok || dup {
			ok = false
			return errSkim
		}
		m[k] = s
		return nil
	})
	return m, ok && err == nil
}
