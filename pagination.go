package bankfeeds

import (
	"context"
	"fmt"
	"iter"
	"net/url"

	"github.com/google/go-querystring/query"
)

// MaxPageSize is the largest page size Codat accepts.
const MaxPageSize = 5000

// ListOptions pages, filters and orders a list call. Zero values mean
// Codat's defaults (page 1, 100 results).
type ListOptions struct {
	// Page is the 1-based page number.
	Page int `url:"page,omitempty"`
	// PageSize is the number of results a page, 1 to 5000.
	PageSize int `url:"pageSize,omitempty"`
	// Query filters the results with Codat's query language, such as
	// "status=Failed" or "name~Toft&&created>2026-01-01".
	Query string `url:"query,omitempty"`
	// OrderBy orders the results by a field; a leading "-" orders descending.
	OrderBy string `url:"orderBy,omitempty"`
}

func (o *ListOptions) check() error {
	if o == nil {
		return nil
	}
	if o.Page < 0 {
		return invalid("Page", "must be 1 or more (0 means the first page)")
	}
	if o.PageSize < 0 || o.PageSize > MaxPageSize {
		return invalid("PageSize", "must be between 1 and 5000 (0 means Codat's default of 100)")
	}
	if len(o.Query) >= 2048 {
		return invalid("Query", "must be shorter than 2048 characters")
	}
	return nil
}

// encodeQuery checks and encodes options with go-querystring.
func encodeQuery(opts any, lo *ListOptions) (url.Values, error) {
	if err := lo.check(); err != nil {
		return nil, err
	}
	v, err := query.Values(opts)
	if err != nil {
		return nil, invalid("options", err.Error())
	}
	return v, nil
}

// Page is one page of a list, as Codat returns it.
type Page[T any] struct {
	Results      []T   `json:"results"`
	PageNumber   int   `json:"pageNumber"`
	PageSize     int   `json:"pageSize"`
	TotalResults int   `json:"totalResults"`
	Links        Links `json:"_links"`
}

// HasNext reports whether Codat says there is a page after this one.
func (p *Page[T]) HasNext() bool {
	return p != nil && p.Links.Next != nil && p.Links.Next.Href != ""
}

// Links are a page's hypermedia links; Next is nil on the last page.
type Links struct {
	Self     Link  `json:"self"`
	Current  Link  `json:"current"`
	Next     *Link `json:"next,omitempty"`
	Previous *Link `json:"previous,omitempty"`
}

// Link is one hypermedia link.
type Link struct {
	Href string `json:"href"`
}

// maxPages bounds an All iterator whatever the server's links say: a
// million pages of results, more than any list Codat holds.
const maxPages = 1 << 20

// all iterates over every result of a paged list, one page in memory at a
// time. It copies opts, yields an error once and stops, honours break, and
// stops on an empty page, a missing next link, or a page number that does
// not advance, or once pageNumber×pageSize reaches totalResults (an
// endpoint that ignores "page" cannot make it loop).
func all[T any](ctx context.Context, opts *ListOptions, fetch func(context.Context, *ListOptions) (*Page[T], error)) iter.Seq2[T, error] {
	var start ListOptions
	if opts != nil {
		start = *opts
	}
	return func(yield func(T, error) bool) {
		o := start // each range over the iterator starts afresh
		if o.Page == 0 {
			o.Page = 1
		}
		last, lastNext := 0, ""
		for fetched := 0; ; fetched++ {
			if fetched == maxPages {
				var zero T
				yield(zero, fmt.Errorf("bankfeeds: %w: a list went on past %d pages", ErrInvalidResponse, maxPages))
				return
			}
			page, err := fetch(ctx, &o)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			number := page.PageNumber
			if number == 0 {
				// The server did not say which page this is: trust the
				// request, but a next link that does not change means the
				// server ignores "page" and would send the same page forever.
				if page.TotalResults == 0 && page.HasNext() && page.Links.Next.Href == lastNext {
					return
				}
				number = o.Page
			}
			if number <= last {
				return
			}
			last = number
			if page.HasNext() {
				lastNext = page.Links.Next.Href
			}
			for _, r := range page.Results {
				if !yield(r, nil) {
					return
				}
			}
			if len(page.Results) == 0 || !page.HasNext() {
				return
			}
			if page.PageSize > 0 && page.TotalResults > 0 && number*page.PageSize >= page.TotalResults {
				return // the server says this was the last page, whatever its links say
			}
			o.Page = number + 1
		}
	}
}
