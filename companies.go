package bankfeeds

import (
	"context"
	"iter"
	"net/http"
)

// CompaniesService creates and manages companies: Codat's representation of
// your SMB customer. See https://docs.codat.io/bank-feeds-api#/operations/list-companies.
type CompaniesService service

// Company is a business whose accounting software you feed.
type Company struct {
	ID                           string             `json:"id"`
	Name                         string             `json:"name"`
	Description                  *string            `json:"description,omitempty"`
	Redirect                     string             `json:"redirect"` // the company's hosted Link URL
	LastSync                     *DateTime          `json:"lastSync,omitempty"`
	Created                      *DateTime          `json:"created,omitempty"`
	CreatedByUserName            *string            `json:"createdByUserName,omitempty"`
	Products                     []string           `json:"products,omitempty"`
	Tags                         map[string]string  `json:"tags,omitempty"`
	ReferenceParentCompany       *CompanyReference  `json:"referenceParentCompany,omitempty"`
	ReferenceSubsidiaryCompanies []CompanyReference `json:"referenceSubsidiaryCompanies,omitempty"`
	DataConnections              []Connection       `json:"dataConnections,omitempty"`
}

// CompanyReference names a related company.
type CompanyReference struct {
	ID          string            `json:"id,omitempty"`
	Name        string            `json:"name,omitempty"`
	Description *string           `json:"description,omitempty"`
	Links       *CompanyLinks     `json:"links,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// CompanyLinks holds a company's links.
type CompanyLinks struct {
	Portal string `json:"portal,omitempty"`
}

// CompanyRequest creates or replaces a company. Codat silently strips
// characters outside letters, digits, spaces and -',&@.?! from Name.
type CompanyRequest struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

func (r *CompanyRequest) check() error {
	if r.Name == "" {
		return invalid("Name", "must not be empty")
	}
	return checkTags(r.Tags)
}

// CompanyUpdate changes some of a company's fields; nil fields are left as
// they are.
type CompanyUpdate struct {
	Name        *string           `json:"name,omitempty"`
	Description *string           `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

func checkTags(tags map[string]string) error {
	if len(tags) > 10 {
		return invalid("Tags", "at most 10 tags")
	}
	for k, v := range tags {
		if n := len([]rune(k)); n < 1 || n > 27 {
			return invalid("Tags", "a tag name must be 1 to 27 characters")
		}
		if len([]rune(v)) > 100 {
			return invalid("Tags", "a tag value must be at most 100 characters")
		}
	}
	return nil
}

// CompanyAccessToken is a one-day Bearer token for Codat's embedded UIs.
type CompanyAccessToken struct {
	ExpiresIn   int    `json:"expiresIn"`
	AccessToken string `json:"accessToken"`
	TokenType   string `json:"tokenType"`
}

// CompanyListOptions filters a list of companies. Tags filters by tag, with
// the operators =, != and ~ ("region=uk").
type CompanyListOptions struct {
	ListOptions
	Tags string `url:"tags,omitempty"`
}

// Create creates a company.
// See https://docs.codat.io/bank-feeds-api#/operations/create-company.
func (s *CompaniesService) Create(ctx context.Context, req CompanyRequest) (*Company, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	var co Company
	_, err := s.c.do(ctx, call{method: http.MethodPost, path: "/companies", body: &req, out: &co})
	return result(&co, err)
}

// List returns one page of companies.
// See https://docs.codat.io/bank-feeds-api#/operations/list-companies.
func (s *CompaniesService) List(ctx context.Context, opts *CompanyListOptions) (*Page[Company], error) {
	if opts == nil {
		opts = &CompanyListOptions{}
	}
	return listWith[Company](ctx, s.c, "/companies", opts, &opts.ListOptions)
}

// All iterates over every company, fetching one page at a time.
func (s *CompaniesService) All(ctx context.Context, opts *CompanyListOptions) iter.Seq2[Company, error] {
	var o CompanyListOptions
	if opts != nil {
		o = *opts
	}
	return all(ctx, &o.ListOptions, func(ctx context.Context, lo *ListOptions) (*Page[Company], error) {
		page := o
		page.ListOptions = *lo
		return s.List(ctx, &page)
	})
}

// Get returns a company.
// See https://docs.codat.io/bank-feeds-api#/operations/get-company.
func (s *CompaniesService) Get(ctx context.Context, companyID string) (*Company, error) {
	p, err := path("/companies", ":companyID", companyID)
	if err != nil {
		return nil, err
	}
	var co Company
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &co})
	return result(&co, err)
}

// Replace overwrites a company's name, description and tags, even with
// empty values.
// See https://docs.codat.io/bank-feeds-api#/operations/replace-company.
func (s *CompaniesService) Replace(ctx context.Context, companyID string, req CompanyRequest) (*Company, error) {
	p, err := path("/companies", ":companyID", companyID)
	if err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	var co Company
	_, err = s.c.do(ctx, call{method: http.MethodPut, path: p, body: &req, out: &co})
	return result(&co, err)
}

// Update changes the fields of upd that are set.
// See https://docs.codat.io/bank-feeds-api#/operations/update-company.
func (s *CompaniesService) Update(ctx context.Context, companyID string, upd CompanyUpdate) (*Company, error) {
	p, err := path("/companies", ":companyID", companyID)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil && *upd.Name == "" {
		return nil, invalid("Name", "must not be empty when set")
	}
	if err := checkTags(upd.Tags); err != nil {
		return nil, err
	}
	var co Company
	_, err = s.c.do(ctx, call{method: http.MethodPatch, path: p, body: &upd, out: &co})
	return result(&co, err)
}

// Delete deletes a company and its connections.
// See https://docs.codat.io/bank-feeds-api#/operations/delete-company.
func (s *CompaniesService) Delete(ctx context.Context, companyID string) error {
	p, err := path("/companies", ":companyID", companyID)
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, call{method: http.MethodDelete, path: p})
	return err
}

// AccessToken returns a one-day access token for Codat's embedded UIs.
// See https://docs.codat.io/bank-feeds-api#/operations/get-company-access-token.
func (s *CompaniesService) AccessToken(ctx context.Context, companyID string) (*CompanyAccessToken, error) {
	p, err := path("/companies", ":companyID", companyID, "/accessToken")
	if err != nil {
		return nil, err
	}
	var t CompanyAccessToken
	_, err = s.c.do(ctx, call{method: http.MethodGet, path: p, out: &t})
	return result(&t, err)
}

// result returns v, or nil and err.
func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
