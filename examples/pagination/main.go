// Command pagination pages through companies three ways: one page at a time
// with List and HasNext, lazily with the All iterator, and filtered and
// ordered with Codat's query language.
//
//	go run ./examples/pagination
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/examples/internal/backend"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pagination:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	b, err := backend.Open(out)
	if err != nil {
		return err
	}
	defer b.Close()
	c := b.Client

	if b.Sandbox != nil { // give the sandbox something to page through
		for i := 1; i <= 23; i++ {
			region := "uk"
			if i%3 == 0 {
				region = "us"
			}
			name := fmt.Sprintf("Toft stores %02d", i)
			if _, err := c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: name, Tags: map[string]string{"region": region}}); err != nil {
				return err
			}
		}
	}

	// One page at a time.
	opts := &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{PageSize: 10}}
	for {
		page, err := c.Companies.List(ctx, opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "page %d: %d of %d companies\n", page.PageNumber, len(page.Results), page.TotalResults)
		if !page.HasNext() {
			break
		}
		opts.Page = page.PageNumber + 1
	}

	// Lazily: the iterator fetches the next page only when it is needed.
	n := 0
	for co, err := range c.Companies.All(ctx, &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{PageSize: 10}}) {
		if err != nil {
			return err
		}
		if n < 2 {
			fmt.Fprintf(out, "all: %s\n", co.Name)
		}
		n++
	}
	fmt.Fprintf(out, "all: %d companies\n", n)

	// Filtered and ordered by Codat: names containing "1", newest name first.
	filtered := &bankfeeds.CompanyListOptions{
		ListOptions: bankfeeds.ListOptions{Query: "name~1", OrderBy: "-name", PageSize: 5},
		Tags:        "region=uk",
	}
	for co, err := range c.Companies.All(ctx, filtered) {
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "query: %s (%s)\n", co.Name, co.Tags["region"])
	}
	return nil
}
