package bankfeedstest

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// The pages a browser opens (the console and the link pages) answer only
// the sandbox's own host names, so that a DNS-rebinding page cannot read
// them; every console control also needs the sandbox's per-process token,
// which each of its forms carries, or the API key, so that a page on
// another origin (another port of 127.0.0.1 included) cannot press them.

// tokenField is the console forms' field that carries the token.
const tokenField = "token"

// ownHost reports whether a request's Host is the sandbox's own: a loopback
// name or address, or the host of the configured base URL. The port does
// not matter: a rebinding page reaches the sandbox's port under its own
// host name.
func (s *Server) ownHost(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return true
	}
	if s.cfg.baseURL == "" {
		return false
	}
	u, err := url.Parse(s.cfg.baseURL)
	return err == nil && u.Hostname() != "" && strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), host)
}

// refuseHost answers a page asked for under a host name not the sandbox's.
func refuseHost(w http.ResponseWriter) {
	http.Error(w, "This sandbox answers its pages only under its own host names (loopback, or the host of its base URL).", http.StatusMisdirectedRequest)
}

// controlAllowed reports whether a console POST may run: it comes from the
// console's own origin (or from no browser at all) and carries the
// console's token, or the API key as the API takes it.
func (s *Server) controlAllowed(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false // cross-site, or same-site: another port or subdomain
	}
	if s.authorised(r) {
		return true
	}
	got := r.PostFormValue(tokenField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.consoleToken)) == 1
}

// serveFavicon answers the icon every browser asks for with nothing: it is
// neither an API request nor a page, and is not counted.
func serveFavicon(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "max-age=86400")
	w.WriteHeader(http.StatusNoContent)
}
