package bankfeedstest

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is Codat's query language (docs/api-notes.md §5.3) and orderBy:
//
//	query   := or
//	or      := and { "||" and }
//	and     := primary { "&&" primary }
//	primary := "{" or "}" | property op value
//	op      := "=" | "!=" | "~" | ">" | "<" | ">=" | "<="
//
// "=" and "!=" work on every kind of property, "~" (contains) on strings
// only, the comparisons on numbers and dates only. String comparisons ignore
// case. A value runs to the next "&&", "||" or "}" (or is quoted with " or
// '). Property names ignore case; "tags.region" reaches into a map. A record
// without the property matches only "!=". Anything else is
// "Error parsing query".

// maxQueryLen is Codat's limit on a query's length.
const maxQueryLen = 2048

type fieldKind int

const (
	kindString fieldKind = iota
	kindNumber
	kindDate
	kindBool
)

// value is one property of one record.
type value struct {
	ok bool // the record has the property
	s  string
	n  float64
	t  time.Time
	b  bool
}

func strVal(s string) value { return value{ok: true, s: s} }

func optStr(p *string) value {
	if p == nil {
		return value{}
	}
	return strVal(*p)
}

func numVal(n float64) value { return value{ok: true, n: n} }

func dateVal(t time.Time) value {
	if t.IsZero() {
		return value{}
	}
	return value{ok: true, t: t}
}

// record returns a property of a record by its lower-case name.
type record func(name string) value

// fields describes the properties a list can be queried and ordered by.
type fields struct {
	entity   string               // for "Could not resolve property x on Company"
	kinds    map[string]fieldKind // lower-case name -> kind
	prefixes []string             // lower-case map prefixes such as "tags."; string values
	anyName  bool                 // every name is a string property (the tags parameter)
	onlyEq   bool                 // only =, != and ~ (the tags parameter)
}

func (f *fields) lookup(name string) (string, fieldKind, bool) {
	key := strings.ToLower(name)
	if f.anyName {
		return key, kindString, true
	}
	if k, ok := f.kinds[key]; ok {
		return key, k, true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return key, kindString, true
		}
	}
	return "", 0, false
}

// queryError is a query or orderBy Codat would refuse.
type queryError struct{ msg string }

func (e *queryError) Error() string { return "Error parsing query - " + e.msg }

func malformed() error { return &queryError{"Malformed query."} }

// expr is a parsed query.
type expr interface{ eval(record) bool }

type orExpr []expr

func (o orExpr) eval(r record) bool {
	for _, e := range o {
		if e.eval(r) {
			return true
		}
	}
	return false
}

type andExpr []expr

func (a andExpr) eval(r record) bool {
	for _, e := range a {
		if !e.eval(r) {
			return false
		}
	}
	return true
}

type cond struct {
	key  string
	kind fieldKind
	op   string
	want value
}

func (c *cond) eval(r record) bool {
	got := r(c.key)
	if !got.ok {
		return c.op == "!="
	}
	var order int
	switch c.kind {
	case kindString:
		switch c.op {
		case "~":
			return strings.Contains(strings.ToLower(got.s), strings.ToLower(c.want.s))
		case "=":
			return strings.EqualFold(got.s, c.want.s)
		case "!=":
			return !strings.EqualFold(got.s, c.want.s)
		}
		return false
	case kindNumber:
		order = cmp.Compare(got.n, c.want.n)
	case kindDate:
		order = got.t.Compare(c.want.t)
	case kindBool:
		if c.op == "=" {
			return got.b == c.want.b
		}
		return got.b != c.want.b
	}
	switch c.op {
	case "=":
		return order == 0
	case "!=":
		return order != 0
	case ">":
		return order > 0
	case "<":
		return order < 0
	case ">=":
		return order >= 0
	case "<=":
		return order <= 0
	}
	return false
}

// parseQuery parses a query against the properties f allows.
func parseQuery(src string, f *fields) (expr, error) {
	if len(src) >= maxQueryLen {
		return nil, &queryError{"The query must be shorter than 2048 characters."}
	}
	p := &queryParser{src: src, f: f}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.src) {
		return nil, malformed()
	}
	return e, nil
}

type queryParser struct {
	src   string
	pos   int
	f     *fields
	depth int
}

func (p *queryParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *queryParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *queryParser) or() (expr, error) {
	terms, err := p.terms("||", p.and)
	if err != nil || len(terms) == 1 {
		return first(terms), err
	}
	return orExpr(terms), nil
}

func (p *queryParser) and() (expr, error) {
	terms, err := p.terms("&&", p.primary)
	if err != nil || len(terms) == 1 {
		return first(terms), err
	}
	return andExpr(terms), nil
}

// terms parses next (op next)*.
func (p *queryParser) terms(op string, next func() (expr, error)) ([]expr, error) {
	var terms []expr
	for {
		t, err := next()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
		if !p.eat(op) {
			return terms, nil
		}
	}
}

func first(terms []expr) expr {
	if len(terms) == 0 {
		return nil
	}
	return terms[0]
}

func (p *queryParser) primary() (expr, error) {
	if p.eat("{") {
		if p.depth++; p.depth > 32 {
			return nil, malformed()
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat("}") {
			return nil, malformed()
		}
		p.depth--
		return e, nil
	}
	return p.condition()
}

// propertyStop are the characters that end a property name.
const propertyStop = "=!~<>{}&|\"' \t"

func (p *queryParser) condition() (expr, error) {
	p.space()
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(propertyStop, rune(p.src[p.pos])) {
		p.pos++
	}
	name := p.src[start:p.pos]
	if name == "" {
		return nil, malformed()
	}
	op := p.operator()
	if op == "" {
		return nil, malformed()
	}
	raw, err := p.value()
	if err != nil {
		return nil, err
	}
	key, kind, ok := p.f.lookup(name)
	if !ok {
		return nil, &queryError{"Could not resolve property " + name + " on " + p.f.entity}
	}
	c := &cond{key: key, kind: kind, op: op}
	if p.f.onlyEq && op != "=" && op != "!=" && op != "~" {
		return nil, &queryError{"Operator " + op + " is not supported here; use =, != or ~."}
	}
	switch kind {
	case kindString:
		if op != "=" && op != "!=" && op != "~" {
			return nil, &queryError{"Operator " + op + " is not supported for string property " + name + "."}
		}
		c.want = strVal(raw)
	case kindNumber:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil || op == "~" {
			return nil, &queryError{"Could not compare number property " + name + " with " + strconv.Quote(raw) + " using " + op + "."}
		}
		c.want = numVal(n)
	case kindDate:
		t, err := parseInstant(raw)
		if err != nil || op == "~" {
			return nil, &queryError{"Could not compare date property " + name + " with " + strconv.Quote(raw) + " using " + op + "."}
		}
		c.want = dateVal(t)
	case kindBool:
		b, err := strconv.ParseBool(raw)
		if err != nil || (op != "=" && op != "!=") {
			return nil, &queryError{"Could not compare boolean property " + name + " with " + strconv.Quote(raw) + " using " + op + "."}
		}
		c.want = value{ok: true, b: b}
	}
	return c, nil
}

func (p *queryParser) operator() string {
	p.space()
	for _, op := range [...]string{"!=", ">=", "<=", "=", "~", ">", "<"} {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			return op
		}
	}
	return ""
}

// value reads a quoted value, or a raw one up to "&&", "||", "}" or the end.
func (p *queryParser) value() (string, error) {
	p.space()
	if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		q := p.src[p.pos]
		end := strings.IndexByte(p.src[p.pos+1:], q)
		if end < 0 {
			return "", malformed()
		}
		v := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return v, nil
	}
	if p.pos < len(p.src) && strings.ContainsRune("=<>~", rune(p.src[p.pos])) {
		return "", malformed() // "a==b", "a=>b": a doubled operator
	}
	start := p.pos
	for p.pos < len(p.src) {
		rest := p.src[p.pos:]
		if strings.HasPrefix(rest, "&&") || strings.HasPrefix(rest, "||") || rest[0] == '}' {
			break
		}
		p.pos++
	}
	v := strings.TrimSpace(p.src[start:p.pos])
	if v == "" {
		return "", malformed()
	}
	return v, nil
}

// ordering is one key of an orderBy.
type ordering struct {
	key  string
	kind fieldKind
	desc bool
}

// parseOrderBy reads "field", "-field" or a comma-separated list of them.
func parseOrderBy(src string, f *fields) ([]ordering, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	var out []ordering
	for _, part := range strings.Split(src, ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		part = strings.TrimSpace(strings.TrimPrefix(part, "-"))
		if part == "" || strings.ContainsAny(part, propertyStop) {
			return nil, &queryError{"Malformed orderBy."}
		}
		key, kind, ok := f.lookup(part)
		if !ok {
			return nil, &queryError{"Could not resolve property " + part + " on " + f.entity}
		}
		out = append(out, ordering{key: key, kind: kind, desc: desc})
	}
	return out, nil
}

// compareValues orders two values of one kind; a missing value comes first.
func compareValues(kind fieldKind, a, b value) int {
	if !a.ok || !b.ok {
		switch {
		case a.ok:
			return 1
		case b.ok:
			return -1
		}
		return 0
	}
	switch kind {
	case kindNumber:
		return cmp.Compare(a.n, b.n)
	case kindDate:
		return a.t.Compare(b.t)
	case kindBool:
		switch {
		case a.b == b.b:
			return 0
		case b.b:
			return -1
		}
		return 1
	}
	if c := cmp.Compare(strings.ToLower(a.s), strings.ToLower(b.s)); c != 0 {
		return c
	}
	return cmp.Compare(a.s, b.s)
}

// sortBy orders items by the orderings (stable: equal items keep their
// order).
func sortBy[T any](items []T, rec func(T) record, orders []ordering) {
	if len(orders) == 0 {
		return
	}
	slices.SortStableFunc(items, func(a, b T) int {
		ra, rb := rec(a), rec(b)
		for _, o := range orders {
			c := compareValues(o.kind, ra(o.key), rb(o.key))
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}
