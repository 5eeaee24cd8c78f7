package bankfeedstest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// row is a record for the query tests.
type row struct {
	name    string
	status  string
	code    float64
	created time.Time
	done    bool
	tags    map[string]string
	note    *string
}

var rowFields = &fields{
	entity: "Row",
	kinds: map[string]fieldKind{
		"name": kindString, "status": kindString, "code": kindNumber,
		"created": kindDate, "done": kindBool, "note": kindString,
	},
	prefixes: []string{"tags."},
}

func (r row) rec(name string) value {
	switch name {
	case "name":
		return strVal(r.name)
	case "status":
		return strVal(r.status)
	case "code":
		return numVal(r.code)
	case "created":
		return dateVal(r.created)
	case "done":
		return value{ok: true, b: r.done}
	case "note":
		return optStr(r.note)
	}
	if k, ok := strings.CutPrefix(name, "tags."); ok {
		if v, ok := r.tags[k]; ok {
			return strVal(v)
		}
	}
	return value{}
}

var rows = []row{
	{name: "Alpha Ltd", status: "Success", code: 200, created: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), done: true, tags: map[string]string{"region": "uk"}, note: ptr("first")},
	{name: "Beta & Co", status: "Failed", code: 400, created: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), tags: map[string]string{"region": "us"}},
	{name: "Gamma", status: "Pending", code: 202, created: time.Date(2026, 1, 3, 9, 0, 0, 0, time.UTC)},
	{name: "delta ltd", status: "Success", code: 200, created: time.Date(2026, 1, 4, 9, 0, 0, 0, time.UTC), done: true, tags: map[string]string{"region": "uk", "team": "invoice-finance"}},
}

func names(rs []row) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.name)
	}
	return strings.Join(out, ",")
}

func TestQueryLanguage(t *testing.T) {
	cases := []struct {
		query string
		want  string
	}{
		{"status=Success", "Alpha Ltd,delta ltd"},
		{"status=success", "Alpha Ltd,delta ltd"}, // case-insensitive
		{"status!=Success", "Beta & Co,Gamma"},
		{"name~ltd", "Alpha Ltd,delta ltd"},
		{"name~&", "Beta & Co"},
		{"code>200", "Beta & Co,Gamma"},
		{"code>=202", "Beta & Co,Gamma"},
		{"code<202", "Alpha Ltd,delta ltd"},
		{"code<=200", "Alpha Ltd,delta ltd"},
		{"code=400", "Beta & Co"},
		{"created>2026-01-02", "Beta & Co,Gamma,delta ltd"},
		{"created>2026-01-02T09:00:00", "Gamma,delta ltd"},
		{"created>=2026-01-02T10:00:00+01:00", "Beta & Co,Gamma,delta ltd"},
		{"created<2026-01-02T09:00:00Z", "Alpha Ltd"},
		{"done=true", "Alpha Ltd,delta ltd"},
		{"done!=true", "Beta & Co,Gamma"},
		{"status=Success&&code=200&&name~delta", "delta ltd"},
		{"status=Failed||status=Pending", "Beta & Co,Gamma"},
		{"status=Success&&name~alpha||status=Pending", "Alpha Ltd,Gamma"}, // && binds tighter
		{"status=Success&&{name~alpha||status=Pending}", "Alpha Ltd"},
		{"{status=Failed||status=Pending}&&code>300", "Beta & Co"},
		{"{{status=Failed}}", "Beta & Co"},
		{" status = Failed ", "Beta & Co"},
		{`name="Beta & Co"`, "Beta & Co"},
		{`name='Gamma'||name="Alpha Ltd"`, "Alpha Ltd,Gamma"},
		{"tags.region=uk", "Alpha Ltd,delta ltd"},
		{"tags.region!=uk", "Beta & Co,Gamma"}, // a missing property matches only !=
		{"tags.team~invoice", "delta ltd"},
		{"note=first", "Alpha Ltd"},
		{"note!=first", "Beta & Co,Gamma,delta ltd"},
		{"NAME~gamma", "Gamma"}, // property names ignore case
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			e, err := parseQuery(tc.query, rowFields)
			if err != nil {
				t.Fatal(err)
			}
			got := filter(slices.Clone(rows), func(r row) bool { return e.eval(r.rec) })
			if names(got) != tc.want {
				t.Fatalf("got %q, want %q", names(got), tc.want)
			}
		})
	}
}

func TestQueryMalformed(t *testing.T) {
	cases := []struct{ query, msg string }{
		{"status", "Malformed"},
		{"status=", "Malformed"},
		{"=Success", "Malformed"},
		{"status=Success&&", "Malformed"},
		{"&&status=Success", "Malformed"},
		{"status=Success||", "Malformed"},
		{"{status=Success", "Malformed"},
		{"status=Success}", "Malformed"},
		{"{}", "Malformed"},
		{`name="unterminated`, "Malformed"},
		{"status==", "Malformed"},
		{"status Success", "Malformed"},
		{"colour=red", "Could not resolve property colour on Row"},
		{"name>b", "not supported for string"},
		{"code~2", "Could not compare number"},
		{"code=two", "Could not compare number"},
		{"created=yesterday", "Could not compare date"},
		{"created~2026", "Could not compare date"},
		{"done>true", "Could not compare boolean"},
		{"done=perhaps", "Could not compare boolean"},
		{strings.Repeat("{", 40) + "status=Failed" + strings.Repeat("}", 40), "Malformed"},
		{"name=" + strings.Repeat("x", 2048), "2048"},
	}
	for _, tc := range cases {
		t.Run(tc.query[:min(len(tc.query), 40)], func(t *testing.T) {
			_, err := parseQuery(tc.query, rowFields)
			var qe *queryError
			if !errors.As(err, &qe) || !strings.HasPrefix(err.Error(), "Error parsing query - ") || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %v, want %q", err, tc.msg)
			}
		})
	}
}

func TestOrderBy(t *testing.T) {
	rec := func(r row) record { return r.rec }
	cases := []struct{ orderBy, want string }{
		{"name", "Alpha Ltd,Beta & Co,delta ltd,Gamma"}, // case-insensitive
		{"-name", "Gamma,delta ltd,Beta & Co,Alpha Ltd"},
		{"-created", "delta ltd,Gamma,Beta & Co,Alpha Ltd"},
		{"code", "Alpha Ltd,delta ltd,Gamma,Beta & Co"}, // stable for equal codes
		{"-code,name", "Beta & Co,Gamma,Alpha Ltd,delta ltd"},
		{"note", "Beta & Co,Gamma,delta ltd,Alpha Ltd"}, // missing values first
		{"-done", "Alpha Ltd,delta ltd,Beta & Co,Gamma"},
		{"tags.region", "Gamma,Alpha Ltd,delta ltd,Beta & Co"},
	}
	for _, tc := range cases {
		t.Run(tc.orderBy, func(t *testing.T) {
			o, err := parseOrderBy(tc.orderBy, rowFields)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Clone(rows)
			sortBy(got, rec, o)
			if names(got) != tc.want {
				t.Fatalf("got %q, want %q", names(got), tc.want)
			}
		})
	}
	for _, bad := range []string{"colour", "-", "name,", "na me"} {
		if _, err := parseOrderBy(bad, rowFields); err == nil {
			t.Errorf("orderBy %q should fail", bad)
		}
	}
}

func FuzzQuery(f *testing.F) {
	for _, s := range []string{"status=Success", "{a=b||c~d}&&code>=2", `name="x"`, "tags.region!=uk", "}{", "created<2026-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e, err := parseQuery(q, rowFields)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "Error parsing query - ") {
				t.Fatalf("error %q is not a query error", err)
			}
			return
		}
		for _, r := range rows {
			e.eval(r.rec)
		}
		_, _ = parseOrderBy(q, rowFields)
	})
}
