package bankfeedstest

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Companies: create, list, get, replace, update, delete, access token
// (operations #1-#7).

var companyFields = &fields{
	entity: "Company",
	kinds: map[string]fieldKind{
		"id": kindString, "name": kindString, "description": kindString,
		"redirect": kindString, "created": kindDate, "lastsync": kindDate,
	},
	prefixes: []string{"tags."},
}

func (co *company) record(base string) record {
	return func(name string) value {
		switch name {
		case "id":
			return strVal(co.id)
		case "name":
			return strVal(co.name)
		case "description":
			return optStr(co.description)
		case "redirect":
			return strVal(companyRedirect(base, co))
		case "created":
			return dateVal(co.created)
		case "lastsync":
			return value{}
		}
		if tag, ok := strings.CutPrefix(name, "tags."); ok {
			return co.tag(tag)
		}
		return value{}
	}
}

// tag returns a tag's value by name, ignoring case.
func (co *company) tag(name string) value {
	for k, v := range co.tags {
		if strings.EqualFold(k, name) {
			return strVal(v)
		}
	}
	return value{}
}

func companyRedirect(base string, co *company) string {
	return base + "/link/companies/" + pathEscape(co.id)
}

func (s *Server) companyJSON(q *request, co *company) companyJSON {
	out := companyJSON{
		ID:                           co.id,
		Name:                         co.name,
		Description:                  co.description,
		Redirect:                     companyRedirect(q.base, co),
		Created:                      formatTime(co.created),
		Tags:                         co.tags,
		ReferenceSubsidiaryCompanies: []struct{}{},
		DataConnections:              make([]connectionJSON, 0, len(co.conns)),
	}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	for _, cn := range co.conns {
		out.DataConnections = append(out.DataConnections, s.connectionJSON(q, cn))
	}
	return out
}

// cleanName strips the characters Codat does not allow in a company name
// (anything outside letters, digits, white space and -',&@.?!), as Codat
// does silently: "Company (Codat[1])" becomes "Company Codat1".
func cleanName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			return r
		case unicode.IsSpace(r):
			return r
		case strings.ContainsRune("-',&@.?!", r):
			return r
		}
		return -1
	}, s)
}

type companyBody struct {
	Name        *string            `json:"name"`
	Description *string            `json:"description"`
	Tags        *map[string]string `json:"tags"`
}

// check validates a create, replace (full) or update body and cleans its
// name.
func (b *companyBody) check(full bool) []validationItem {
	var items []validationItem
	if b.Name == nil {
		if full {
			items = append(items, item("name", "CompanyNameValidator", "name is required"))
		}
	} else {
		clean := cleanName(*b.Name)
		if strings.TrimSpace(clean) == "" {
			items = append(items, item("name", "CompanyNameValidator", "name must hold at least one letter, digit or allowed character"))
		}
		b.Name = &clean
	}
	if b.Tags != nil {
		tags := *b.Tags
		if len(tags) > 10 {
			items = append(items, item("tags", "CompanyTagsValidator", "a company has at most 10 tags"))
		}
		for k, v := range tags {
			if n := utf8.RuneCountInString(k); n < 1 || n > 27 {
				items = append(items, item("tags", "CompanyTagsValidator", "a tag name must be 1 to 27 characters: "+k))
			}
			if utf8.RuneCountInString(v) > 100 {
				items = append(items, item("tags", "CompanyTagsValidator", "a tag value must be at most 100 characters: "+k))
			}
		}
	}
	return items
}

func copyTags(p *map[string]string) map[string]string {
	out := map[string]string{}
	if p != nil {
		for k, v := range *p {
			out[k] = v
		}
	}
	return out
}

func (s *Server) createCompany(q *request) response {
	var b companyBody
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	if items := b.check(true); len(items) > 0 {
		return badRequest("The company is not valid.", items...)
	}
	co := &company{
		id:          newUUID(),
		name:        *b.Name,
		description: b.Description,
		tags:        copyTags(b.Tags),
		created:     stamp(q.now),
		connByID:    map[string]*connection{},
		opByKey:     map[string]*pushOp{},
	}
	s.companies = append(s.companies, co)
	s.companyByID[co.id] = co
	return jsonResp(http.StatusOK, s.companyJSON(q, co))
}

func (s *Server) listCompanies(q *request) response {
	return listPage(q, s.companies, listSpec[*company]{
		fields: companyFields,
		rec:    func(co *company) record { return co.record(q.base) },
		tags: func(co *company) record {
			return func(name string) value { return co.tag(name) }
		},
		out: func(co *company) any { return s.companyJSON(q, co) },
	})
}

// companyFor finds the path's company.
func (s *Server) companyFor(q *request) (*company, *response) {
	co, ok := s.companyByID[q.param("companyId")]
	if !ok {
		r := notFound(msgCompanyNotFound)
		return nil, &r
	}
	return co, nil
}

func (s *Server) getCompany(q *request) response {
	co, fail := s.companyFor(q)
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.companyJSON(q, co))
}

// replaceCompany overwrites name, description and tags, even with empty
// values.
func (s *Server) replaceCompany(q *request) response {
	co, b, fail := s.companyAndBody(q, true)
	if fail != nil {
		return *fail
	}
	co.name, co.description, co.tags = *b.Name, b.Description, copyTags(b.Tags)
	return jsonResp(http.StatusOK, s.companyJSON(q, co))
}

// companyAndBody finds the path's company and reads a valid company body;
// full requires the fields a replace needs.
func (s *Server) companyAndBody(q *request, full bool) (*company, companyBody, *response) {
	var b companyBody
	co, fail := s.companyFor(q)
	if fail != nil {
		return nil, b, fail
	}
	if err := decodeBody(q.body, &b); err != nil {
		r := invalidBody(err)
		return nil, b, &r
	}
	if items := b.check(full); len(items) > 0 {
		r := badRequest("The company is not valid.", items...)
		return nil, b, &r
	}
	return co, b, nil
}

// updateCompany changes the fields that are present and not null.
func (s *Server) updateCompany(q *request) response {
	co, b, fail := s.companyAndBody(q, false)
	if fail != nil {
		return *fail
	}
	if b.Name != nil {
		co.name = *b.Name
	}
	if b.Description != nil {
		co.description = b.Description
	}
	if b.Tags != nil {
		co.tags = copyTags(b.Tags)
	}
	return jsonResp(http.StatusOK, s.companyJSON(q, co))
}

func (s *Server) deleteCompany(q *request) response {
	co, fail := s.companyFor(q)
	if fail != nil {
		return *fail
	}
	co.deleted = true
	for _, cn := range co.conns {
		cn.deleted = true
	}
	delete(s.companyByID, co.id)
	s.companies = filter(s.companies, func(c *company) bool { return c != co })
	s.recountConnectedLocked() // limits.go
	return noContent(http.StatusNoContent)
}

type accessTokenJSON struct {
	ExpiresIn   int    `json:"expiresIn"`
	AccessToken string `json:"accessToken"`
	TokenType   string `json:"tokenType"`
}

func (s *Server) accessToken(q *request) response {
	if _, fail := s.companyFor(q); fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, accessTokenJSON{ExpiresIn: 86400, AccessToken: "sbx." + randomHex(24), TokenType: "Bearer"})
}
