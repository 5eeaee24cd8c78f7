package bankfeedstest

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The hosted pages behind each company's redirect and each connection's
// linkUrl, where a person plays the SMB user: authorise the connection and
// map its source accounts (the same as CompleteLink). Plain HTML forms, no
// scripts.
//
//	GET  /link/companies/{c}                             the company's connections
//	GET  /link/companies/{c}/connections/{cc}/start      the link page (QBO: ?otp=)
//	POST /link/companies/{c}/connections/{cc}/start      authorise and map
//	POST /link/companies/{c}/connections/{cc}/credentials QBO: "Get credentials"
//
// QBO Bank Feeds: the page needs the linkUrl's one-hour OTP (401 without
// it) and the user enters one-time credentials from "Get credentials" or
// the credentials API. Sage Bank Feeds: the user enters the connection id
// and an OTP from the OTP API, as they would inside Sage. Other platforms:
// the user picks a target account (or a new one) for each source account.

const maxFormBytes = 64 << 10

type linkAccountView struct {
	ID, Name, Number, Currency, Status string
	Selectable                         bool
	Options                            []linkOptionView
}

type linkOptionView struct{ ID, Name string }

type linkConnView struct {
	ID, Platform, Status, Link string
	Sage                       bool
}

type linkView struct {
	Title, Error, Notice                   string
	Company, CompanyID, ConnectionID       string
	Platform, PlatformKey, ConnStatus, OTP string
	Action, CredAction, FeedStart          string
	QBO, Sage, Done                        bool
	Accounts                               []linkAccountView
	Connections                            []linkConnView
	Credentials                            *credentialsJSON
}

var linkTemplate = template.Must(template.New("link").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left}.error{color:#a00}.notice{color:#060}label{display:block;margin:.5em 0}</style>
</head><body>
<h1>{{.Title}}</h1>
<p><small>Codat Bank Feeds sandbox{{if .Company}} &middot; company <b>{{.Company}}</b>{{end}}{{if .Platform}} &middot; {{.Platform}}{{end}}{{if .ConnStatus}} &middot; connection {{.ConnStatus}}{{end}}</small></p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .Notice}}<p class="notice">{{.Notice}}</p>{{end}}
{{if .Connections}}<table><tr><th>Platform</th><th>Status</th><th>Connection</th></tr>
{{range .Connections}}<tr><td>{{.Platform}}</td><td>{{.Status}}</td><td>{{if .Sage}}Connect from inside Sage with connection id <code>{{.ID}}</code> and a one-time password{{else}}<a href="{{.Link}}">Link</a>{{end}}</td></tr>{{end}}
</table>{{end}}
{{if .Done}}<table><tr><th>Source account</th><th>Status</th></tr>
{{range .Accounts}}<tr><td>{{.Name}} ({{.ID}})</td><td>{{.Status}}</td></tr>{{end}}</table>
{{else if .Action}}
{{if .QBO}}<form method="post" action="{{.CredAction}}"><input type="hidden" name="otp" value="{{.OTP}}"><button type="submit">Get credentials</button></form>
{{with .Credentials}}<p class="notice">Your one-time credentials: username <code id="username">{{.Username}}</code>, password <code id="password">{{.Password}}</code>. Enter them below, as you would in QuickBooks.</p>{{end}}{{end}}
<form method="post" action="{{.Action}}">
{{if .QBO}}<input type="hidden" name="otp" value="{{.OTP}}">
<label>Username <input name="username" autocomplete="off" required></label>
<label>Password <input name="password" type="password" autocomplete="off" required></label>{{end}}
{{if .Sage}}<label>Connection ID <input name="connectionId" autocomplete="off" required></label>
<label>One-time password <input name="otp" autocomplete="off" required></label>{{end}}
<table><tr><th></th><th>Source account</th><th>Currency</th><th>Status</th>{{if not .Sage}}{{if not .QBO}}<th>Target account</th>{{end}}{{end}}</tr>
{{range .Accounts}}<tr><td>{{if .Selectable}}<input type="checkbox" name="account" value="{{.ID}}" checked>{{end}}</td><td>{{.Name}} <small>{{.Number}} ({{.ID}})</small></td><td>{{.Currency}}</td><td>{{.Status}}</td>
{{if not $.Sage}}{{if not $.QBO}}<td>{{if .Selectable}}<select name="target:{{.ID}}"><option value="">Create new account</option>{{range .Options}}<option value="{{.ID}}">{{.Name}}</option>{{end}}</select>{{end}}</td>{{end}}{{end}}</tr>{{end}}
</table>
<label>Feed start date <input type="date" name="feedStartDate" value="{{.FeedStart}}"></label>
<button type="submit">{{if .Sage}}Connect bank{{else}}Authorise and connect{{end}}</button>
</form>{{end}}
</body></html>
`))

// serveLink serves the link pages. They need no API key.
func (s *Server) serveLink(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'self'")
	segs, ok := splitPath(r.URL.EscapedPath())
	if !ok || len(segs) < 3 || segs[1] != "companies" {
		renderLink(w, http.StatusNotFound, linkView{Title: "Not found", Error: "There is no page here."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	now := s.now()
	co, ok := s.companyByID[segs[2]]
	if !ok {
		renderLink(w, http.StatusNotFound, linkView{Title: "Company not found", Error: "This company does not exist or was deleted."})
		return
	}
	switch {
	case len(segs) == 3 && r.Method == http.MethodGet:
		s.companyPage(w, r, co, now)
		return
	case len(segs) == 6 && segs[3] == "connections":
	default:
		renderLink(w, http.StatusNotFound, linkView{Title: "Not found", Error: "There is no page here."})
		return
	}
	cn, ok := co.connByID[segs[4]]
	if !ok || (segs[5] != "start" && (segs[5] != "credentials" || !cn.platform.credentials)) {
		renderLink(w, http.StatusNotFound, linkView{Title: "Connection not found", Error: "This connection does not exist or was deleted."})
		return
	}
	if cn.platform.sageOTP {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'self' https://*.sagebankdrive.com https://*.sage.com https://*.intacct.com https://*.sageone.com")
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			renderLink(w, http.StatusBadRequest, linkView{Title: "Bad request", Error: "The form could not be read."})
			return
		}
	}
	v := s.linkForm(r, cn, now)
	if cn.platform.linkOTP && !validLinkOTP(cn, r.FormValue("otp"), now) {
		renderLink(w, http.StatusUnauthorized, linkView{Title: "Link expired", Company: co.name, Platform: cn.platform.name,
			Error: "This link is not valid or has expired (it lasts one hour). Ask for a fresh link: get the connection again for a new linkUrl."})
		return
	}
	switch {
	case segs[5] == "start" && r.Method == http.MethodGet:
		renderLink(w, http.StatusOK, v)
	case segs[5] == "start" && r.Method == http.MethodPost:
		s.submitLink(w, r, cn, v, now)
	case segs[5] == "credentials" && r.Method == http.MethodPost:
		c := &credential{username: newCode(4) + "-" + newCode(4) + "-" + newCode(4), password: newCode(16)}
		cn.creds = append(cn.creds, c)
		v.Credentials = &credentialsJSON{Username: c.username, Password: c.password}
		renderLink(w, http.StatusOK, v)
	default:
		renderLink(w, http.StatusMethodNotAllowed, linkView{Title: "Not allowed", Error: "This page does not take that request."})
	}
}

func validLinkOTP(cn *connection, otp string, now time.Time) bool {
	return otp != "" && otp == cn.linkOTP.code && now.Before(cn.linkOTP.expires)
}

func (s *Server) companyPage(w http.ResponseWriter, r *http.Request, co *company, now time.Time) {
	v := linkView{Title: "Connect your accounting software", Company: co.name}
	base := s.base(r)
	for _, cn := range co.conns {
		v.Connections = append(v.Connections, linkConnView{
			ID: cn.id, Platform: cn.platform.name, Status: cn.status,
			Link: s.linkURL(base, cn, now), Sage: cn.platform.sageOTP,
		})
	}
	if len(v.Connections) == 0 {
		v.Notice = "This company has no connections yet."
	}
	renderLink(w, http.StatusOK, v)
}

// linkForm is the link page of a connection, before any submission.
func (s *Server) linkForm(r *http.Request, cn *connection, now time.Time) linkView {
	base := "/link/companies/" + pathEscape(cn.co.id) + "/connections/" + pathEscape(cn.id)
	v := linkView{
		Title: "Connect " + cn.platform.name, Company: cn.co.name, CompanyID: cn.co.id, ConnectionID: cn.id,
		Platform: cn.platform.name, PlatformKey: cn.platform.key, ConnStatus: cn.status,
		Action: base + "/start", CredAction: base + "/credentials",
		QBO: cn.platform.credentials, Sage: cn.platform.sageOTP,
		FeedStart: formatDate(defaultFeedStart(cn, now)),
	}
	if cn.platform.linkOTP {
		v.OTP = r.URL.Query().Get("otp")
		if v.OTP == "" {
			v.OTP = r.PostFormValue("otp")
		}
	}
	v.Accounts = accountViews(cn)
	if len(v.Accounts) == 0 {
		v.Notice = "There are no source accounts to connect yet; authorising links the connection."
	}
	if cn.status == statusUnlinked || cn.status == statusDeauthorized {
		v.Error = "This connection is " + cn.status + " and can no longer be linked."
		v.Action = ""
	}
	return v
}

func accountViews(cn *connection) []linkAccountView {
	var out []linkAccountView
	for _, a := range cn.accounts {
		av := linkAccountView{ID: a.id, Name: deref(a.name), Number: deref(a.number), Currency: deref(a.currency),
			Status: a.status, Selectable: a.status != acctConnected}
		if av.Name == "" {
			av.Name = a.id
		}
		for _, t := range targetOptions(cn, a) {
			if t.fedBy == "" {
				av.Options = append(av.Options, linkOptionView{ID: t.id, Name: t.name + " (" + t.currency + ")"})
			}
		}
		out = append(out, av)
	}
	return out
}

// submitLink checks what the user entered, then authorises the connection
// and connects the accounts they ticked.
func (s *Server) submitLink(w http.ResponseWriter, r *http.Request, cn *connection, v linkView, now time.Time) {
	if v.Action == "" {
		renderLink(w, http.StatusBadRequest, v)
		return
	}
	linkedBy := ""
	switch {
	case cn.platform.sageOTP:
		id := strings.TrimSpace(r.PostFormValue("connectionId"))
		code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("otp")))
		o := findSageOTP(cn, code, now)
		if !strings.EqualFold(id, cn.id) || o == nil {
			v.Error = "The connection ID or the one-time password is not valid. Check both, or ask for a new one-time password."
			renderLink(w, http.StatusBadRequest, v)
			return
		}
		o.used = true
	case cn.platform.credentials:
		c := findCredential(cn, strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password"))
		if c == nil {
			v.Error = "The username or password is not valid. Use a set from \"Get credentials\" that has not been used or revoked."
			renderLink(w, http.StatusUnauthorized, v)
			return
		}
		c.used = true
		linkedBy = c.username
	}
	feedStart := defaultFeedStart(cn, now)
	if fs := strings.TrimSpace(r.PostFormValue("feedStartDate")); fs != "" {
		t, err := time.Parse(time.DateOnly, fs)
		if err != nil {
			v.Error = "The feed start date must be a date."
			renderLink(w, http.StatusBadRequest, v)
			return
		}
		feedStart = t
	}
	type pick struct {
		a *sourceAccount
		t *targetAccount
	}
	var picks []pick
	for _, id := range r.PostForm["account"] {
		a, ok := cn.accByID[id]
		if !ok || a.status == acctConnected {
			continue
		}
		p := pick{a: a}
		if tid := r.PostFormValue("target:" + id); tid != "" {
			t, ok := cn.targetByID[tid]
			if !ok || (t.fedBy != "" && t.fedBy != a.id) {
				v.Error = "The target account chosen for " + a.id + " is not available."
				renderLink(w, http.StatusBadRequest, v)
				return
			}
			p.t = t
		}
		picks = append(picks, p)
	}
	if err := s.linkLocked(cn, now); err != nil {
		v.Error = err.Error()
		renderLink(w, http.StatusBadRequest, v)
		return
	}
	for _, p := range picks {
		s.connectLocked(cn, p.a, p.t, feedStart, now)
		p.a.linkedBy = linkedBy
	}
	done := linkView{Title: cn.platform.name + " connected", Company: cn.co.name, Platform: cn.platform.name,
		ConnStatus: cn.status, Done: true, Accounts: accountViews(cn),
		Notice: strconv.Itoa(len(picks)) + " source account(s) connected. You can close this page."}
	renderLink(w, http.StatusOK, done)
}

func findSageOTP(cn *connection, code string, now time.Time) *otpCode {
	for i := range cn.sageOTPs {
		o := &cn.sageOTPs[i]
		if !o.used && o.code == code && now.Before(o.expires) {
			return o
		}
	}
	return nil
}

func findCredential(cn *connection, username, password string) *credential {
	for _, c := range cn.creds {
		if !c.used && c.username == username && c.password == password {
			return c
		}
	}
	return nil
}

func renderLink(w http.ResponseWriter, status int, v linkView) {
	var buf bytes.Buffer
	if err := linkTemplate.Execute(&buf, v); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
