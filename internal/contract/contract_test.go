package contract

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	company    = "/companies/8a210b68-6988-11ed-a1eb-0242ac120002"
	connection = company + "/connections/2e9d2c44-f675-40ba-8049-353bfcb5e171"
)

var (
	specOnce sync.Once
	spec     *Spec
	specErr  error
)

// codat loads Codat's document once, or skips when it is absent.
func codat(t *testing.T) *Spec {
	t.Helper()
	p := SpecPath()
	if p == "" {
		t.Skip("OpenAPI document ../shared/spec/codat-bank-feeds.json not found")
	}
	specOnce.Do(func() { spec, specErr = Load(p) })
	require.NoError(t, specErr)
	return spec
}

// rawDoc is Codat's document as plain JSON, for the tests to walk.
func rawDoc(t *testing.T) map[string]any {
	t.Helper()
	codat(t)
	data, err := os.ReadFile(SpecPath())
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	return doc
}

func TestSpecPath(t *testing.T) {
	if p := SpecPath(); p != "" {
		assert.Equal(t, "codat-bank-feeds.json", filepath.Base(p))
		assert.True(t, filepath.IsAbs(p))
	}

	// A module whose parent holds shared/spec: found from a sub-directory.
	t.Setenv("BANKFEEDS_OPENAPI", "")
	root := t.TempDir()
	mod := filepath.Join(root, "mod")
	sub := filepath.Join(mod, "a", "b")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644))
	t.Chdir(sub)
	assert.Equal(t, "", SpecPath(), "no document yet")
	specDir := filepath.Join(root, "shared", "spec")
	require.NoError(t, os.MkdirAll(specDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(specDir, "codat-bank-feeds.json"), []byte("{}"), 0o644))
	got := SpecPath()
	want, err := filepath.EvalSymlinks(filepath.Join(specDir, "codat-bank-feeds.json"))
	require.NoError(t, err)
	gotReal, err := filepath.EvalSymlinks(got)
	require.NoError(t, err)
	assert.Equal(t, want, gotReal)
}

func TestSpecPathFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "codat.json")
	t.Setenv("BANKFEEDS_OPENAPI", p)
	assert.Equal(t, "", SpecPath(), "the named file does not exist yet")
	require.NoError(t, os.WriteFile(p, []byte("{}"), 0o644))
	t.Chdir(dir)
	t.Setenv("BANKFEEDS_OPENAPI", "codat.json")
	assert.Equal(t, p, SpecPath(), "a relative name is taken from the working directory")
}

func TestSpecPathWithoutModule(t *testing.T) {
	t.Setenv("BANKFEEDS_OPENAPI", "")
	dir := t.TempDir()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			t.Skipf("a go.mod above the temporary directory (%s)", d)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	t.Chdir(dir)
	assert.Equal(t, "", SpecPath())
}

func writeDoc(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.json")
	require.NoError(t, os.WriteFile(p, []byte(doc), 0o644))
	return p
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{"openapi":`, "contract:"},
		{"not an object", `[1,2]`, "not a JSON object"},
		{"no paths", `{"openapi":"3.1.0","paths":{}}`, "no paths"},
		{"dangling $ref", `{"openapi":"3.1.0","paths":{"/a":{"get":{"operationId":"a","responses":{"200":{"description":"","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}}}}}}}`, "points nowhere"},
		{"undeclared path parameter", `{"openapi":"3.1.0","paths":{"/a/{id}":{"get":{"operationId":"a","responses":{"204":{"description":""}}}}}}`, "path parameter id is not declared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeDoc(t, tt.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := Load(filepath.Join(t.TempDir(), "missing.json"))
	assert.Error(t, err)
}

func TestValidateRequest(t *testing.T) {
	s := codat(t)
	push := connection + "/push/bankAccounts/Checking%200202/bankTransactions"
	v2 := `{"id":"acc-1","accountName":"n","accountType":"checking","accountNumber":"1","currency":"GBP","balance":1.5}`
	tests := []struct {
		name   string
		method string
		path   string
		query  url.Values
		body   string
		want   string // "" when valid; else a substring of the error
	}{
		{"list with every parameter", "GET", "/companies",
			url.Values{"page": {"1"}, "pageSize": {"5000"}, "query": {"name~Toft"}, "orderBy": {"-created"}, "tags": {"region=uk"}}, "", ""},
		{"create company", "POST", "/companies", nil, `{"name":"Toft stores","tags":{"region":"uk"}}`, ""},
		{"push to an escaped account", "POST", push, url.Values{"timeoutInMinutes": {"30"}, "allowSyncOnPushComplete": {"false"}},
			`{"accountId":"Checking 0202","transactions":[{"id":"1","date":"2023-08-22T10:21:00","amount":-1.5,"balance":10}]}`, ""},
		{"credentials with an empty object", "POST", connection + "/connectionInfo/bankFeedAccounts/credentials", nil, `{}`, ""},
		{"nullable enum takes null", "PATCH", connection, nil, `{"status":null}`, ""},
		// A body valid as both v1 and v2 fails oneOf; read as anyOf it passes.
		{"oneOf read as anyOf", "POST", connection + "/connectionInfo/bankFeedAccounts", nil, v2, ""},
		{"uuid path parameters are not asserted", "GET", "/companies/not-a-uuid/accessToken", nil, "", ""},

		{"undeclared path", "GET", "/companies/x/nothing", nil, "", "no path of the document matches"},
		{"undeclared method", "PUT", connection, nil, "", "method not declared"},
		{"empty path parameter", "GET", "/companies//connections", nil, "", "no path of the document matches"},
		{"unescaped segment", "DELETE", connection + "/connectionInfo/bankFeedAccounts/Checking 0202", nil, "", "not path-escaped"},
		{"bad escape", "DELETE", connection + "/connectionInfo/bankFeedAccounts/100%", nil, "", "not path-escaped"},
		{"relative path", "GET", "companies", nil, "", "does not start with /"},
		{"dot-segment", "DELETE", company + "/connections/..", nil, "", "dot-segment"},
		{"escaped dot-segment", "GET", company + "/push/%2E%2E", nil, "", "dot-segment"},
		{"wrong body type", "POST", "/companies", nil, `{"name":5}`, "/name"},
		{"missing required property", "POST", "/companies", nil, `{"description":"no name"}`, "missing"},
		{"pageSize out of range", "GET", "/companies", url.Values{"pageSize": {"5001"}}, "", "maximum"},
		{"page below minimum", "GET", company + "/push", url.Values{"page": {"0"}}, "", "minimum"},
		{"integer that is not one", "GET", "/companies", url.Values{"page": {"two"}}, "", "not an integer"},
		{"boolean that is not one", "POST", push, url.Values{"allowSyncOnPushComplete": {"yes"}},
			`{"accountId":"a","transactions":[]}`, "not true or false"},
		{"unknown query parameter", "GET", "/companies", url.Values{"limit": {"10"}}, "", `"limit" is not declared`},
		{"query parameter of another operation", "GET", company + "/connections", url.Values{"tags": {"a=b"}}, "", `"tags" is not declared`},
		{"repeated query parameter", "GET", "/companies", url.Values{"page": {"1", "2"}}, "", "given 2 times"},
		{"required body missing", "POST", connection + "/connectionInfo/bankFeedAccounts/credentials", nil, "", "requires a request body"},
		{"body where none is declared", "POST", connection + "/bankFeeds/otp", nil, `{}`, "takes no request body"},
		{"body that is not JSON", "POST", "/companies", nil, `{name}`, "not JSON"},
		{"too many transactions", "POST", push, nil, pushBody(1001), "maxItems"},
		{"unknown property where additionalProperties is false", "PATCH", connection, nil, `{"status":"Unlinked","x":1}`, "additional properties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			err := s.ValidateRequest(tt.method, tt.path, tt.query, body)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func pushBody(n int) string {
	txns := make([]string, n)
	for i := range txns {
		txns[i] = `{"id":"` + strconv.Itoa(i) + `","date":"2023-08-22","amount":1}`
	}
	return `{"accountId":"a","transactions":[` + strings.Join(txns, ",") + `]}`
}

func TestValidateResponse(t *testing.T) {
	s := codat(t)
	tests := []struct {
		name   string
		method string
		path   string
		status int
		body   string
		want   string
	}{
		{"204 with no body", "DELETE", company, 204, "", ""},
		{"200 declared without content", "DELETE", connection, 200, "", ""},
		{"latest sync 204", "GET", connection + "/bankFeedAccounts/a/managedBankFeeds/syncs/latest", 204, "", ""},
		{"error body", "GET", company, 404, `{"statusCode":404,"error":"nope","canBeRetried":"Unknown"}`, ""},
		{"nullable fields", "GET", company, 200, `{"id":"8a210b68-6988-11ed-a1eb-0242ac120002","name":"n","redirect":"https://x.io","lastSync":null,"description":null,"referenceParentCompany":null}`, ""},

		{"undeclared status", "DELETE", company, 200, "", "status 200 is not declared"},
		{"empty body where content is declared", "GET", company, 200, "", "empty body"},
		{"body where no content is declared", "DELETE", connection, 200, `{}`, "declares none"},
		{"wrong type", "GET", company, 200, `{"id":5,"name":"n","redirect":"https://x.io"}`, "/id"},
		{"standard format asserted", "POST", connection + "/bankFeedAccounts/a/managedBankFeeds/syncs", 201, `{"syncId":"nope"}`, "uuid"},
		{"enum", "GET", company + "/push/6ed2e2d4-0c3f-4c8b-b1a8-31c1f0c1a2b3", 200,
			`{"companyId":"8a210b68-6988-11ed-a1eb-0242ac120002","pushOperationKey":"6ed2e2d4-0c3f-4c8b-b1a8-31c1f0c1a2b3","dataConnectionKey":"2e9d2c44-f675-40ba-8049-353bfcb5e171","requestedOnUtc":"2026-01-01T00:00:00Z","status":"Done","statusCode":200}`, "/status"},
		{"not JSON", "GET", company, 200, `<html>`, "not JSON"},
		{"undeclared path", "GET", "/nothing", 200, `{}`, "no path of the document matches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			err := s.ValidateResponse(tt.method, tt.path, tt.status, body)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestOperation(t *testing.T) {
	s := codat(t)
	syncs := connection + "/bankFeedAccounts/Checking%200202/managedBankFeeds/syncs"
	accounts := connection + "/connectionInfo/bankFeedAccounts"
	tests := []struct{ method, path, want string }{
		{"GET", syncs + "/latest", "get-latest-managed-bank-feed-sync"},
		{"GET", syncs + "/3c5ad0a4-7f0a-4b61-9a2e-56b5e1f2d0c9", "get-managed-bank-feed-sync"},
		{"POST", syncs, "run-managed-bank-feed-ad-hoc-sync"},
		{"POST", accounts + "/batch", "create-batch-source-account"},
		{"POST", accounts + "/credentials", "generate-credentials"},
		{"DELETE", accounts + "/credentials", "delete-bank-feed-credentials"},
		{"DELETE", accounts + "/Checking%200202", "delete-source-account"},
		{"PATCH", accounts + "/batch", "update-source-account"}, // no PATCH on .../batch: the template takes it
		{"get", company, "get-company"},
		{"GET", company + "/nothing", ""},
		{"POST", company, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.Operation(tt.method, tt.path), "%s %s", tt.method, tt.path)
	}
}

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryOperationMatches fills every path template of the document and
// checks it maps back to its own operation: 33 distinct operationIds.
func TestEveryOperationMatches(t *testing.T) {
	s := codat(t)
	doc := rawDoc(t)
	seen := map[string]bool{}
	for p, item := range doc["paths"].(map[string]any) {
		concrete := templateParam.ReplaceAllString(p, "Checking%200202")
		for m, op := range item.(map[string]any) {
			if m == "parameters" {
				continue
			}
			id := op.(map[string]any)["operationId"].(string)
			assert.Equal(t, id, s.Operation(m, concrete), "%s %s", m, p)
			seen[id] = true
		}
	}
	assert.Len(t, seen, 33)
}

// example is one example value of the document.
type example struct {
	name, method, path string
	status             int
	value              []byte
}

// documentExamples collects the examples of every response (following
// $refs to components.responses) and of every request body.
func documentExamples(t *testing.T) (responses, requests []example) {
	t.Helper()
	doc := rawDoc(t)
	compResponses := doc["components"].(map[string]any)["responses"].(map[string]any)
	values := func(media any) map[string][]byte {
		out := map[string][]byte{}
		m, _ := media.(map[string]any)
		exs, _ := m["examples"].(map[string]any)
		for name, ex := range exs {
			b, err := json.Marshal(ex.(map[string]any)["value"])
			require.NoError(t, err)
			out[name] = b
		}
		return out
	}
	for p, item := range doc["paths"].(map[string]any) {
		concrete := templateParam.ReplaceAllString(p, "0f2b4e1c-0000-4000-8000-000000000001")
		for m, rawOp := range item.(map[string]any) {
			if m == "parameters" {
				continue
			}
			op := rawOp.(map[string]any)
			for code, r := range op["responses"].(map[string]any) {
				resp := r.(map[string]any)
				if ref, ok := resp["$ref"].(string); ok {
					resp = compResponses[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
				}
				content, _ := resp["content"].(map[string]any)
				status, err := strconv.Atoi(code)
				require.NoError(t, err)
				for name, v := range values(content["application/json"]) {
					responses = append(responses, example{op["operationId"].(string) + " " + code + " " + name, m, concrete, status, v})
				}
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				content, _ := rb["content"].(map[string]any)
				for name, v := range values(content["application/json"]) {
					requests = append(requests, example{op["operationId"].(string) + " " + name, m, concrete, 0, v})
				}
			}
		}
	}
	sort.Slice(responses, func(i, j int) bool { return responses[i].name < responses[j].name })
	return responses, requests
}

// TestDocumentExamples checks that the document's own examples validate
// against its own schemas, as normalised.
func TestDocumentExamples(t *testing.T) {
	s := codat(t)
	responses, requests := documentExamples(t)
	require.Greater(t, len(responses), 300, "response examples found")
	require.GreaterOrEqual(t, len(requests), 14, "request examples found")
	for _, ex := range responses {
		assert.NoError(t, s.ValidateResponse(ex.method, ex.path, ex.status, ex.value), ex.name)
	}
	for _, ex := range requests {
		assert.NoError(t, s.ValidateRequest(ex.method, ex.path, nil, ex.value), ex.name)
	}
}

// TestNormalize exercises the OAS 3.0 habits on a small document.
func TestNormalize(t *testing.T) {
	doc := `{
	  "openapi": "3.1.0",
	  "x-top": {"nullable": true},
	  "paths": {
	    "/things/{id}": {
	      "parameters": [{"$ref": "#/components/parameters/id"}],
	      "post": {
	        "operationId": "make-thing",
	        "parameters": [{"name": "size", "in": "query", "required": true, "schema": {"type": "integer", "maximum": 10, "example": 3}},
	                       {"name": "ratio", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0}}],
	        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"},
	          "examples": {"One": {"value": {"name": "a"}}}}}},
	        "responses": {
	          "2XX": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing/properties/parent/definitions/ref"}}}},
	          "default": {"description": "error"}
	        }
	      }
	    }
	  },
	  "components": {
	    "parameters": {"id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}},
	    "schemas": {
	      "Thing": {
	        "type": "object",
	        "additionalProperties": false,
	        "required": ["name"],
	        "examples": {"not": "an array"},
	        "x-internal": true,
	        "properties": {
	          "name": {"type": "string", "nullable": true},
	          "kind": {"type": "string", "enum": ["a", "b"], "nullable": true},
	          "parent": {"$ref": "#/components/schemas/Thing/properties/parent/definitions/ref", "nullable": true,
	                     "definitions": {"ref": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}},
	          "either": {"oneOf": [{"type": "number", "format": "decimal"}, {"type": "number", "minimum": 0}]},
	          "both": {"anyOf": [{"type": "string"}], "oneOf": [{"minLength": 3}, {"maxLength": 1}]},
	          "multi": {"type": ["string", "integer"], "nullable": true},
	          "examples": {"type": "integer"},
	          "nullable": {"type": "boolean"},
	          "x-extra": {"type": "string"}
	        }
	      }
	    }
	  }
	}`
	s, err := Load(writeDoc(t, doc))
	require.NoError(t, err)
	path := "/things/1"
	q := url.Values{"size": {"3"}}
	ok := []string{
		`{"name": null}`,
		`{"name": "a", "kind": null, "parent": null}`,
		`{"name": "a", "kind": "b", "parent": {"id": "p"}}`,
		`{"name": "a", "either": 5}`, // matches both oneOf branches: fine as anyOf
		`{"name": "a", "examples": 1, "nullable": true, "x-extra": "kept"}`,
		`{"name": "a", "both": "abcd", "multi": null}`,
		`{"name": "a", "both": "x", "multi": 3}`,
	}
	for _, body := range ok {
		assert.NoError(t, s.ValidateRequest("POST", path, q, []byte(body)), body)
	}
	bad := map[string]string{
		`{"kind": "c", "name": "a"}`:         "/kind",
		`{"name": "a", "parent": {}}`:        "/parent",
		`{"name": "a", "examples": "x"}`:     "/examples",
		`{"name": "a", "either": "x"}`:       "/either",
		`{"name": "a", "unknown": 1}`:        "additional properties",
		`{"kind": "a"}`:                      "missing",
		`{"name": "a", "x-extra": 1}`:        "/x-extra",
		`{"name": "a", "nullable": "maybe"}`: "/nullable",
		`{"name": "a", "both": "ab"}`:        "/both",
		`{"name": "a", "both": 5}`:           "/both",
		`{"name": "a", "multi": 1.5}`:        "/multi",
	}
	for body, want := range bad {
		err := s.ValidateRequest("POST", path, q, []byte(body))
		if assert.Error(t, err, body) {
			assert.Contains(t, err.Error(), want, body)
		}
	}
	assert.ErrorContains(t, s.ValidateRequest("POST", path, url.Values{"size": {"11"}}, []byte(`{"name":"a"}`)), "maximum")
	assert.ErrorContains(t, s.ValidateRequest("POST", path, nil, []byte(`{"name":"a"}`)), `required query parameter "size"`)
	assert.NoError(t, s.ValidateRequest("POST", path, url.Values{"size": {"1"}, "ratio": {"0.5"}}, []byte(`{"name":"a"}`)))
	assert.ErrorContains(t, s.ValidateRequest("POST", path, url.Values{"size": {"1"}, "ratio": {"0"}}, []byte(`{"name":"a"}`)), "exclusiveMinimum")
	assert.ErrorContains(t, s.ValidateRequest("POST", path, url.Values{"size": {"1"}, "ratio": {"half"}}, []byte(`{"name":"a"}`)), "not a number")
	assert.Equal(t, "make-thing", s.Operation("POST", path))

	// 2XX ranges and default responses; a $ref into a wrapped node's definitions.
	assert.NoError(t, s.ValidateResponse("POST", path, 201, []byte(`{"id":"p"}`)))
	assert.ErrorContains(t, s.ValidateResponse("POST", path, 200, []byte(`{}`)), "missing")
	assert.NoError(t, s.ValidateResponse("POST", path, 500, nil))
	assert.ErrorContains(t, s.ValidateResponse("POST", path, 500, []byte(`{}`)), "declares none")
}

func TestFragment(t *testing.T) {
	assert.Equal(t, "/paths/~1companies~1{companyId}/get", fragment("/paths/~1companies~1{companyId}/get"))
	assert.Equal(t, "/a%20b/%25/%23", fragment("/a b/%/#"))
	assert.Equal(t, "a~1b~0c", escapeToken("a/b~c"))
}

func TestEscaped(t *testing.T) {
	for seg, want := range map[string]bool{
		"Checking%200202": true, "abc-._~!$&'()*+,;=:@": true, "": true,
		"Checking 0202": false, "a%2": false, "a%zz": false, "a?b": false, "a#b": false, "é": false,
	} {
		assert.Equal(t, want, escaped(seg), seg)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := codat(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := url.Values{"pageSize": {strconv.Itoa(4998 + i)}}
			err := s.ValidateRequest("GET", "/companies", q, nil)
			if i < 3 {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		}()
	}
	wg.Wait()
}

func TestValidateWebhook(t *testing.T) {
	path := SpecPath()
	if path == "" {
		t.Skip("the OpenAPI document is not beside the module")
	}
	s, err := Load(path)
	require.NoError(t, err)
	good := `{"id":"ba29118f-5406-4e59-b05c-ba307ca38d01","eventType":"client.rateLimit.reached","generatedDate":"2022-10-23T00:00:00Z",
		"payload":{"dailyQuota":12000,"quotaRemaining":0,"expiryDate":"2022-10-24T00:00:00Z"}}`
	assert.NoError(t, s.ValidateWebhook("client.rateLimit.reached", []byte(good)))
	assert.Error(t, s.ValidateWebhook("client.rateLimit.reached", []byte(`{"payload":{"dailyQuota":"lots"}}`)))
	assert.Error(t, s.ValidateWebhook("client.rateLimit.reached", []byte(`not json`)))
	assert.ErrorIs(t, s.ValidateWebhook("bankTransactions.write.successful", []byte(good)), ErrUnknownWebhook)
}
