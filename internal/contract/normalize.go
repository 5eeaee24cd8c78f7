package contract

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// nameMapKeys are the keywords whose value is a map from names (property
// names, status codes, paths, media types ...) to schemas or OpenAPI
// objects. Inside such a map every key is data, never a keyword, so nothing
// there is dropped or renamed: a property called "examples", "nullable" or
// "properties" survives.
var nameMapKeys = map[string]bool{
	// JSON Schema
	"properties":        true,
	"patternProperties": true,
	"$defs":             true,
	"definitions":       true,
	"dependentSchemas":  true,
	// OpenAPI
	"paths":           true,
	"webhooks":        true,
	"schemas":         true,
	"responses":       true,
	"parameters":      true, // components.parameters; an operation's list is an array and unaffected
	"requestBodies":   true,
	"headers":         true,
	"content":         true,
	"encoding":        true,
	"links":           true,
	"callbacks":       true,
	"securitySchemes": true,
	"variables":       true,
	"pathItems":       true,
}

// dataKeys hold JSON values, not schemas: they are copied as they are.
var dataKeys = map[string]bool{"enum": true, "const": true, "default": true}

// normalizer rewrites the OpenAPI 3.1 document, which keeps some OpenAPI
// 3.0 habits, into something a JSON Schema 2020-12 validator reads the way
// the document means it:
//
//   - nullable: true becomes a "null" in type (and in enum), or, where the
//     node has no type but a $ref or a combinator, an anyOf of the node and
//     {type: null};
//   - oneOf becomes anyOf. The source-account endpoints offer oneOf(v2, v1)
//     and a v2 account without routingInfo or accountInfo is also a valid
//     v1 account (docs/api-notes.md §2.3), so oneOf would reject exactly the bodies
//     Codat sends;
//   - example, examples and x-* keywords are dropped (OpenAPI's examples is
//     a map, where 2020-12 wants an array);
//   - formats are left alone: the compiler asserts the standard ones and
//     ignores "decimal", "ISO4217" and "int32".
//
// Wrapping or renaming moves nodes, so every node's pointer in the original
// document is recorded with its pointer in the copy, and the copy's $refs
// are rewritten through that map.
type normalizer struct {
	moved map[string]string // original JSON pointer -> pointer in the copy
	refs  []map[string]any  // nodes of the copy holding a local $ref
}

// normalize returns the rewritten copy of doc and the pointer map.
func normalize(doc any) (any, map[string]string, error) {
	n := &normalizer{moved: map[string]string{}}
	out := n.value(doc, "", "", false)
	for _, node := range n.refs {
		ref := node["$ref"].(string)
		frag, err := url.PathUnescape(strings.TrimPrefix(ref, "#"))
		if err != nil {
			return nil, nil, fmt.Errorf("contract: $ref %q: %w", ref, err)
		}
		target, ok := n.moved[frag]
		if !ok {
			return nil, nil, fmt.Errorf("contract: $ref %q points nowhere in the document", ref)
		}
		node["$ref"] = "#" + fragment(target)
	}
	return out, n.moved, nil
}

// value copies v, found at orig in the document and placed at cur in the
// copy. nameMap says v is a map of names rather than an object of keywords.
func (n *normalizer) value(v any, orig, cur string, nameMap bool) any {
	switch v := v.(type) {
	case map[string]any:
		if nameMap {
			n.moved[orig] = cur
			out := make(map[string]any, len(v))
			for _, k := range sortedKeys(v) {
				out[k] = n.value(v[k], orig+"/"+escapeToken(k), cur+"/"+escapeToken(k), false)
			}
			return out
		}
		return n.object(v, orig, cur)
	case []any:
		n.moved[orig] = cur
		out := make([]any, len(v))
		for i, e := range v {
			idx := "/" + strconv.Itoa(i)
			out[i] = n.value(e, orig+idx, cur+idx, false)
		}
		return out
	default:
		n.moved[orig] = cur
		return v
	}
}

// object copies an object of keywords (a schema or an OpenAPI object).
func (n *normalizer) object(v map[string]any, orig, cur string) any {
	nullable, _ := v["nullable"].(bool)
	_, hasRef := v["$ref"]
	wrap := nullable && (hasRef || v["allOf"] != nil || v["anyOf"] != nil || v["oneOf"] != nil)
	base := cur
	if wrap {
		base = cur + "/anyOf/0"
	}

	out := make(map[string]any, len(v))
	var pending map[string]any
	for _, k := range sortedKeys(v) {
		val := v[k]
		kOrig := orig + "/" + escapeToken(k)
		switch {
		case k == "nullable" || k == "example" || k == "examples" || strings.HasPrefix(k, "x-"):
			continue
		case dataKeys[k]:
			out[k] = copyJSON(val)
		case k == "oneOf":
			// oneOf is read as anyOf: see the type comment. A node that has
			// an anyOf already gets the converted oneOf as one more allOf
			// element.
			if _, both := v["anyOf"]; both {
				idx := strconv.Itoa(len(asArray(v["allOf"])))
				pending = map[string]any{"anyOf": n.value(val, kOrig, base+"/allOf/"+idx+"/anyOf", false)}
				continue
			}
			out["anyOf"] = n.value(val, kOrig, base+"/anyOf", false)
		default:
			out[k] = n.value(val, kOrig, base+"/"+escapeToken(k), nameMapKeys[k])
		}
	}
	if pending != nil {
		out["allOf"] = append(asArray(out["allOf"]), pending)
	}
	if ref, ok := out["$ref"].(string); ok && strings.HasPrefix(ref, "#") {
		n.refs = append(n.refs, out)
	}
	n.moved[orig] = cur

	if !nullable {
		return out
	}
	if wrap {
		return map[string]any{"anyOf": []any{out, map[string]any{"type": "null"}}}
	}
	switch t := out["type"].(type) {
	case string:
		if t != "null" {
			out["type"] = []any{t, "null"}
		}
	case []any:
		if !contains(t, "null") {
			out["type"] = append(t, "null")
		}
	}
	if enum, ok := out["enum"].([]any); ok && !contains(enum, nil) {
		out["enum"] = append(enum, nil)
	}
	return out
}

func asArray(v any) []any {
	a, _ := v.([]any)
	return a
}

func contains(list []any, v any) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}

// copyJSON deep-copies a decoded JSON value.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyJSON(e)
		}
		return out
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// escapeToken escapes one JSON pointer token (RFC 6901).
func escapeToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// fragment percent-encodes a JSON pointer for use as a URI fragment.
func fragment(ptr string) string {
	const keep = "/~-._!$&'()*+,;=:@{}"
	var b strings.Builder
	for i := 0; i < len(ptr); i++ {
		c := ptr[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
