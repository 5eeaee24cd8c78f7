package bankfeedstest

import (
	"net/url"
	"strconv"
	"strings"
)

// Paging limits (docs/api-notes.md §5.2).
const (
	defaultPageSize = 100
	maxPageSize     = 5000 // the largest pageSize the parameter accepts
	// maxServedPageSize is the most results one page holds: the document's
	// paging envelope says pageSize is at most 2000, so a request for more
	// is served 2000 at a time, and its _links say where the rest is.
	maxServedPageSize = 2000
)

type hrefJSON struct {
	Href string `json:"href"`
}

type linksJSON struct {
	Self     hrefJSON  `json:"self"`
	Current  hrefJSON  `json:"current"`
	Next     *hrefJSON `json:"next,omitempty"`
	Previous *hrefJSON `json:"previous,omitempty"`
}

// pageJSON is Codat's paging envelope.
type pageJSON struct {
	Results      []any     `json:"results"`
	PageNumber   int       `json:"pageNumber"`
	PageSize     int       `json:"pageSize"`
	TotalResults int       `json:"totalResults"`
	Links        linksJSON `json:"_links"`
}

// listSpec says how a list of T is filtered, ordered and written.
type listSpec[T any] struct {
	fields *fields
	rec    func(T) record
	tags   func(T) record // the companies' tags parameter; nil elsewhere
	out    func(T) any
}

// tagFields is the tags parameter: any tag name, and only =, != and ~.
var tagFields = &fields{entity: "Tags", anyName: true, onlyEq: true}

// intParam reads a positive integer query parameter.
func intParam(v url.Values, name string, def int) (int, bool) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return def, true
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// listPage answers a list operation: page, pageSize, query, orderBy (and
// tags where spec allows it), then one page in Codat's envelope.
func listPage[T any](q *request, items []T, spec listSpec[T]) response {
	v := q.r.URL.Query()
	page, ok := intParam(v, "page", 1)
	if !ok || page < 1 {
		return badRequest("page must be a whole number of 1 or more.", item("page", "PagingValidator", "page must be 1 or more"))
	}
	size, ok := intParam(v, "pageSize", defaultPageSize)
	if !ok || size < 1 || size > maxPageSize {
		return badRequest("pageSize must be a whole number between 1 and 5000.", item("pageSize", "PagingValidator", "pageSize must be between 1 and 5000"))
	}
	list := append([]T(nil), items...)
	if qs := v.Get("query"); qs != "" {
		e, err := parseQuery(qs, spec.fields)
		if err != nil {
			return badRequest(err.Error())
		}
		list = filter(list, func(t T) bool { return e.eval(spec.rec(t)) })
	}
	if ts := v.Get("tags"); ts != "" && spec.tags != nil {
		e, err := parseQuery(ts, tagFields)
		if err != nil {
			return badRequest(err.Error())
		}
		list = filter(list, func(t T) bool { return e.eval(spec.tags(t)) })
	}
	orders, err := parseOrderBy(v.Get("orderBy"), spec.fields)
	if err != nil {
		return badRequest(err.Error())
	}
	sortBy(list, spec.rec, orders)

	served := min(size, maxServedPageSize)
	start := min((page-1)*served, len(list))
	end := min(start+served, len(list))
	results := make([]any, 0, end-start)
	for _, t := range list[start:end] {
		results = append(results, spec.out(t))
	}
	return jsonResp(200, pageJSON{
		Results:      results,
		PageNumber:   page,
		PageSize:     served,
		TotalResults: len(list),
		Links:        pageLinks(q, v, page, served, len(list)),
	})
}

// pageLinks builds _links: self, current, previous when there is a page
// before, next only when there is a page after.
func pageLinks(q *request, v url.Values, page, size, total int) linksJSON {
	path := q.r.URL.EscapedPath()
	at := func(n int) hrefJSON {
		w := url.Values{}
		for k, vs := range v {
			w[k] = vs
		}
		w.Set("page", strconv.Itoa(n))
		w.Set("pageSize", strconv.Itoa(size))
		return hrefJSON{Href: path + "?" + w.Encode()}
	}
	self := hrefJSON{Href: path}
	if q.r.URL.RawQuery != "" {
		self.Href += "?" + q.r.URL.RawQuery
	}
	l := linksJSON{Self: self, Current: at(page)}
	if page > 1 {
		prev := at(page - 1)
		l.Previous = &prev
	}
	if page*size < total {
		next := at(page + 1)
		l.Next = &next
	}
	return l
}

func filter[T any](list []T, keep func(T) bool) []T {
	out := list[:0]
	for _, t := range list {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}
