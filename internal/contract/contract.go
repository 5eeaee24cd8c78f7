// Package contract checks HTTP requests and responses against Codat's Bank
// Feeds OpenAPI document, for tests: the SDK's contract test records what
// the client sends, and a fake server can check what it answers.
//
//	path := contract.SpecPath()
//	if path == "" {
//		t.Skip("OpenAPI document not found")
//	}
//	spec, err := contract.Load(path)
//	...
//	err = spec.ValidateRequest(req.Method, req.URL.EscapedPath(), req.URL.Query(), body)
//	err = spec.ValidateResponse(req.Method, req.URL.EscapedPath(), resp.StatusCode, respBody)
//
// Schemas are checked with JSON Schema 2020-12 (github.com/santhosh-tekuri/jsonschema/v6)
// after the document's OpenAPI 3.0 habits are rewritten (see normalize.go):
// nullable becomes a "null" type, oneOf is read as anyOf (Codat's v1 and v2
// source-account shapes cannot be told apart), and example, examples and x-*
// keywords are ignored. Of the formats, only JSON Schema's standard ones
// (uuid, date, date-time, uri, uri-reference ...) are asserted, and only in
// bodies; OpenAPI's own (decimal, ISO4217, int32) are annotations, and path
// parameters only need to be non-empty.
//
// A Spec is read-only once loaded and safe for concurrent use.
package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL is the name the normalised document is compiled under.
const docURL = "mem:///codat-bank-feeds.json"

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Spec is a loaded OpenAPI document, ready to validate against.
type Spec struct {
	templates []*template                   // one per path of the document
	webhooks  map[string]*jsonschema.Schema // event type -> body schema
}

// template is one path of the document and its operations by method.
type template struct {
	raw  string    // such as /companies/{companyId}
	segs []segment // the path split at "/", without the leading empty one
	ops  map[string]*operation
}

// segment is a literal path segment or a {parameter}.
type segment struct {
	literal string
	param   string // the parameter's name when the segment is "{name}"
}

// operation is one method of a path.
type operation struct {
	id           string
	method       string
	path         string
	pathParams   map[string]*param
	query        map[string]*param
	hasBody      bool               // the document declares a request body
	bodyRequired bool               // ... and requires it
	body         *jsonschema.Schema // nil: any JSON (or no JSON content declared)
	responses    map[string]*response
}

// param is a path or query parameter.
type param struct {
	name     string
	required bool
	typ      string // the schema's type: integer, number, boolean, string ...
	schema   *jsonschema.Schema
}

// response is one declared status of an operation.
type response struct {
	hasContent bool
	schema     *jsonschema.Schema // nil: any body
}

// SpecPath finds Codat's OpenAPI document: the file the environment
// variable BANKFEEDS_OPENAPI names, else ../shared/spec/codat-bank-feeds.json
// relative to the module root (the nearest directory at or above the working
// directory that holds a go.mod). It returns "" when there is no such file,
// and tests skip then. The document carries no licence, so the repository
// does not ship it: download json/Codat-Bank-Feeds.json from Codat's oas
// repository and point BANKFEEDS_OPENAPI at it.
func SpecPath() string {
	if p := os.Getenv("BANKFEEDS_OPENAPI"); p != "" {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "spec", "codat-bank-feeds.json")
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return filepath.Clean(p)
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load reads the OpenAPI document at path, normalises it for JSON Schema
// 2020-12 and compiles the schema of every parameter, request body and
// response.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("contract: %s: %w", path, err)
	}
	doc, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("contract: %s is not a JSON object", path)
	}
	norm, moved, err := normalize(doc)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat() // standard formats only: unknown ones (decimal, ISO4217, int32) are ignored
	if err := c.AddResource(docURL, norm); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	b := &builder{doc: doc, moved: moved, c: c}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		return nil, errors.New("contract: the document has no paths")
	}
	s := &Spec{}
	for _, p := range sortedKeys(paths) {
		t, err := b.template(p, paths[p])
		if err != nil {
			return nil, err
		}
		s.templates = append(s.templates, t)
	}
	if s.webhooks, err = b.webhooks(); err != nil {
		return nil, err
	}
	return s, nil
}

// builder reads operations from the original document and compiles their
// schemas from the normalised one.
type builder struct {
	doc   map[string]any
	moved map[string]string
	c     *jsonschema.Compiler
}

func (b *builder) template(p string, v any) (*template, error) {
	item, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("contract: path %s is not an object", p)
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("contract: path %s does not start with /", p)
	}
	t := &template{raw: p, ops: map[string]*operation{}}
	for _, s := range strings.Split(p[1:], "/") {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			t.segs = append(t.segs, segment{param: s[1 : len(s)-1]})
		} else {
			t.segs = append(t.segs, segment{literal: s})
		}
	}
	itemPtr := "/paths/" + escapeToken(p)
	for _, m := range methods {
		raw, ok := item[m].(map[string]any)
		if !ok {
			continue
		}
		opPtr := itemPtr + "/" + m
		op := &operation{method: strings.ToUpper(m), path: p, pathParams: map[string]*param{},
			query: map[string]*param{}, responses: map[string]*response{}}
		op.id, _ = raw["operationId"].(string)
		// Path-level parameters first; the operation's override them.
		for _, src := range []struct {
			list any
			ptr  string
		}{{item["parameters"], itemPtr + "/parameters"}, {raw["parameters"], opPtr + "/parameters"}} {
			for i, pv := range asArray(src.list) {
				if err := b.param(op, pv, src.ptr+"/"+strconv.Itoa(i)); err != nil {
					return nil, fmt.Errorf("contract: %s %s: %w", op.method, p, err)
				}
			}
		}
		for _, s := range t.segs {
			if s.param != "" && op.pathParams[s.param] == nil {
				return nil, fmt.Errorf("contract: %s %s: path parameter %s is not declared", op.method, p, s.param)
			}
		}
		if rb, ok := raw["requestBody"]; ok {
			if err := b.requestBody(op, rb, opPtr+"/requestBody"); err != nil {
				return nil, fmt.Errorf("contract: %s %s: %w", op.method, p, err)
			}
		}
		resps, _ := raw["responses"].(map[string]any)
		for _, code := range sortedKeys(resps) {
			r, err := b.response(resps[code], opPtr+"/responses/"+escapeToken(code))
			if err != nil {
				return nil, fmt.Errorf("contract: %s %s %s: %w", op.method, p, code, err)
			}
			op.responses[strings.ToUpper(code)] = r
		}
		t.ops[op.method] = op
	}
	return t, nil
}

// resolve follows an OpenAPI $ref (to components) in the original document.
func (b *builder) resolve(v any, ptr string) (map[string]any, string, error) {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("%s is not an object", ptr)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, ptr, nil
		}
		frag, err := url.PathUnescape(strings.TrimPrefix(ref, "#"))
		if err != nil || !strings.HasPrefix(ref, "#") {
			return nil, "", fmt.Errorf("unsupported $ref %q", ref)
		}
		if v, err = lookup(b.doc, frag); err != nil {
			return nil, "", fmt.Errorf("$ref %q: %w", ref, err)
		}
		ptr = frag
	}
	return nil, "", fmt.Errorf("$ref chain too long at %s", ptr)
}

func (b *builder) compile(origPtr string) (*jsonschema.Schema, error) {
	ptr, ok := b.moved[origPtr]
	if !ok {
		return nil, fmt.Errorf("no schema at %s", origPtr)
	}
	sch, err := b.c.Compile(docURL + "#" + fragment(ptr))
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", origPtr, err)
	}
	return sch, nil
}

func (b *builder) param(op *operation, v any, ptr string) error {
	m, ptr, err := b.resolve(v, ptr)
	if err != nil {
		return err
	}
	name, _ := m["name"].(string)
	in, _ := m["in"].(string)
	p := &param{name: name}
	p.required, _ = m["required"].(bool)
	if sm, ok := m["schema"]; ok {
		if p.schema, err = b.compile(ptr + "/schema"); err != nil {
			return err
		}
		if s, _, err := b.resolve(sm, ptr+"/schema"); err == nil {
			p.typ = schemaType(s)
		}
	}
	switch in {
	case "path":
		op.pathParams[name] = p
	case "query":
		op.query[name] = p
	}
	return nil // header and cookie parameters are not checked
}

// schemaType is the first non-null type of a schema.
func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if e, ok := e.(string); ok && e != "null" {
				return e
			}
		}
	}
	return ""
}

func (b *builder) requestBody(op *operation, v any, ptr string) error {
	m, ptr, err := b.resolve(v, ptr)
	if err != nil {
		return err
	}
	op.hasBody = true
	op.bodyRequired, _ = m["required"].(bool)
	content, _ := m["content"].(map[string]any)
	if mt, ok := jsonMedia(content); ok {
		if media, _ := content[mt].(map[string]any); media != nil && media["schema"] != nil {
			op.body, err = b.compile(ptr + "/content/" + escapeToken(mt) + "/schema")
		}
	}
	return err
}

func (b *builder) response(v any, ptr string) (*response, error) {
	m, ptr, err := b.resolve(v, ptr)
	if err != nil {
		return nil, err
	}
	r := &response{}
	content, _ := m["content"].(map[string]any)
	if len(content) == 0 {
		return r, nil
	}
	r.hasContent = true
	if mt, ok := jsonMedia(content); ok {
		if media, _ := content[mt].(map[string]any); media != nil && media["schema"] != nil {
			r.schema, err = b.compile(ptr + "/content/" + escapeToken(mt) + "/schema")
		}
	}
	return r, err
}

// jsonMedia picks application/json, or another JSON media type.
func jsonMedia(content map[string]any) (string, bool) {
	if _, ok := content["application/json"]; ok {
		return "application/json", true
	}
	for _, k := range sortedKeys(content) {
		if strings.Contains(k, "json") {
			return k, true
		}
	}
	return "", false
}

// lookup follows a JSON pointer in a decoded document.
func lookup(doc any, ptr string) (any, error) {
	if ptr == "" {
		return doc, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("bad JSON pointer %q", ptr)
	}
	v := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch n := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = n[tok]; !ok {
				return nil, fmt.Errorf("nothing at %s", ptr)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, fmt.Errorf("nothing at %s", ptr)
			}
			v = n[i]
		default:
			return nil, fmt.Errorf("nothing at %s", ptr)
		}
	}
	return v, nil
}

// Operation returns the operationId matched by method and path, or "".
func (s *Spec) Operation(method, rawURLPath string) string {
	op, err := s.match(method, rawURLPath)
	if err != nil {
		return ""
	}
	return op.id
}

// ValidateRequest checks that method + URL path (escaped, such as
// "/companies/abc/connections/x/connectionInfo/bankFeedAccounts/Checking%200202")
// match an operation of the document, that every query parameter is declared
// for it and valid against its schema, and that the JSON body (nil for none)
// validates against the operation's request body schema (and that a body is
// present when the document requires one).
//
// Paths are matched template by template, segment by segment, literal
// segments before {parameters} (so .../bankFeedAccounts/batch and
// .../syncs/latest win over {accountId} and {syncId}); a path parameter
// must be non-empty, and its format (uuid) is not asserted. Every segment
// must be path-escaped (RFC 3986 pchar), and "." or ".." segments, which
// servers remove, are refused. Query values arrive as text: integers,
// numbers and booleans are parsed, then checked against the parameter's
// schema (minimum, maximum ...). An undeclared or repeated query parameter
// is an error, as is a missing required one. All problems found are
// reported together, in one line.
func (s *Spec) ValidateRequest(method, rawURLPath string, query url.Values, body []byte) error {
	// match checks the path parameters: present and non-empty. Their
	// formats (uuid) are deliberately not asserted.
	op, err := s.match(method, rawURLPath)
	if err != nil {
		return err
	}
	var problems []string
	for _, name := range sortedKeys(anyMap(query)) {
		values := query[name]
		p := op.query[name]
		if p == nil {
			problems = append(problems, fmt.Sprintf("query parameter %q is not declared for %s", name, op.id))
			continue
		}
		if len(values) != 1 && p.typ != "array" {
			problems = append(problems, fmt.Sprintf("query parameter %q is given %d times", name, len(values)))
			continue
		}
		if err := p.check(values[0]); err != nil {
			problems = append(problems, fmt.Sprintf("query parameter %s=%q: %s", name, values[0], err))
		}
	}
	for _, name := range sortedKeys(anyMap(op.query)) {
		if op.query[name].required && len(query[name]) == 0 {
			problems = append(problems, fmt.Sprintf("required query parameter %q is missing", name))
		}
	}
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		if op.bodyRequired {
			problems = append(problems, "the document requires a request body; none was sent")
		}
	case !op.hasBody:
		problems = append(problems, "the operation takes no request body, but one was sent")
	default:
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			problems = append(problems, "request body is not JSON: "+err.Error())
		} else if op.body != nil {
			if err := op.body.Validate(v); err != nil {
				problems = append(problems, "request body: "+flatten(err))
			}
		}
	}
	return op.fail("request", problems)
}

// check parses a query value by its schema's type and validates it.
func (p *param) check(value string) error {
	var v any = value
	switch p.typ {
	case "integer":
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return fmt.Errorf("not an integer")
		}
		v = jsonNumber(value)
	case "number":
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return fmt.Errorf("not a number")
		}
		v = jsonNumber(value)
	case "boolean":
		switch value {
		case "true":
			v = true
		case "false":
			v = false
		default:
			return fmt.Errorf("not true or false")
		}
	}
	if p.schema == nil {
		return nil
	}
	if err := p.schema.Validate(v); err != nil {
		return errors.New(flatten(err))
	}
	return nil
}

// ValidateResponse checks that the status is declared for the operation
// (exactly, or as 2XX-style range, or as default) and that the body
// validates against that response's schema. An empty body is accepted for
// 204 and for a response the document declares without content; a body sent
// where the document declares no content is an error.
func (s *Spec) ValidateResponse(method, rawURLPath string, status int, body []byte) error {
	op, err := s.match(method, rawURLPath)
	if err != nil {
		return err
	}
	code := strconv.Itoa(status)
	r := op.responses[code]
	if r == nil {
		r = op.responses[code[:1]+"XX"]
	}
	if r == nil {
		r = op.responses["DEFAULT"]
	}
	if r == nil {
		declared := sortedKeys(anyMap(op.responses))
		return op.fail("response", []string{fmt.Sprintf("status %d is not declared (declared: %s)", status, strings.Join(declared, ", "))})
	}
	var problems []string
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		if r.hasContent && status != 204 {
			problems = append(problems, fmt.Sprintf("status %d has an empty body, but the document declares content", status))
		}
	case !r.hasContent:
		problems = append(problems, fmt.Sprintf("status %d has a body, but the document declares none", status))
	default:
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			problems = append(problems, "response body is not JSON: "+err.Error())
		} else if r.schema != nil {
			if err := r.schema.Validate(v); err != nil {
				problems = append(problems, fmt.Sprintf("status %d body: %s", status, flatten(err)))
			}
		}
	}
	return op.fail("response", problems)
}

func (op *operation) fail(what string, problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("contract: %s %s (%s): invalid %s: %s", op.method, op.path, op.id, what, strings.Join(problems, "; "))
}

// match finds the operation for method and an escaped path.
func (s *Spec) match(method, rawURLPath string) (*operation, error) {
	method = strings.ToUpper(method)
	if !strings.HasPrefix(rawURLPath, "/") {
		return nil, fmt.Errorf("contract: path %q does not start with /", rawURLPath)
	}
	parts := strings.Split(rawURLPath[1:], "/")
	values := make([]string, len(parts))
	for i, part := range parts {
		if !escaped(part) {
			return nil, fmt.Errorf("contract: %s %s: segment %q is not path-escaped", method, rawURLPath, part)
		}
		v, err := url.PathUnescape(part)
		if err != nil {
			return nil, fmt.Errorf("contract: %s %s: segment %q: %v", method, rawURLPath, part, err)
		}
		if v == "." || v == ".." {
			// Servers and proxies remove dot-segments (RFC 3986 §5.2.4),
			// so the request would reach another path than the one sent.
			return nil, fmt.Errorf("contract: %s %s: dot-segment %q in the path", method, rawURLPath, part)
		}
		values[i] = v
	}
	var candidates []*template
	for _, t := range s.templates {
		if t.matches(values) {
			candidates = append(candidates, t)
		}
	}
	if len(candidates) == 0 {
		return nil, fmt.Errorf("contract: %s %s: no path of the document matches", method, rawURLPath)
	}
	// Literal segments win over parameters, the first difference deciding.
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].moreSpecific(candidates[j]) })
	for _, t := range candidates {
		if op := t.ops[method]; op != nil {
			return op, nil
		}
	}
	var allowed []string
	for _, t := range candidates {
		for m := range t.ops {
			if !slices.Contains(allowed, m) {
				allowed = append(allowed, m)
			}
		}
	}
	sort.Strings(allowed)
	return nil, fmt.Errorf("contract: %s %s: method not declared for %s (declared: %s)",
		method, rawURLPath, candidates[0].raw, strings.Join(allowed, ", "))
}

func (t *template) matches(values []string) bool {
	if len(values) != len(t.segs) {
		return false
	}
	for i, seg := range t.segs {
		if seg.param != "" {
			if strings.TrimSpace(values[i]) == "" {
				return false
			}
		} else if values[i] != seg.literal {
			return false
		}
	}
	return true
}

func (t *template) moreSpecific(u *template) bool {
	for i := range t.segs {
		a, b := t.segs[i].param == "", u.segs[i].param == ""
		if a != b {
			return a
		}
	}
	return false
}

// escaped reports whether a path segment holds only the characters RFC 3986
// allows there (pchar), with every % starting a valid escape.
func escaped(seg string) bool {
	const allowed = "-._~!$&'()*+,;=:@"
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(allowed, c) >= 0:
		case c == '%':
			if i+2 >= len(seg) || !isHex(seg[i+1]) || !isHex(seg[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// flatten turns a validation error into one line: its causes, without the
// schema URL heading.
func flatten(err error) string {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) > 1 && strings.HasPrefix(lines[0], "jsonschema validation failed") {
		lines = lines[1:]
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(strings.TrimSpace(l), "- ")
	}
	return strings.Join(lines, "; ")
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// jsonNumber makes a number as jsonschema.UnmarshalJSON would.
func jsonNumber(s string) any { return json.Number(s) }
