package crawler

import (
	"net"
	"net/url"
	"strings"
)

// Hosts maps configured domains to their outlet. A host matches a domain
// exactly (with or without its port) or as a subdomain of it.
type Hosts struct {
	m map[string]string // domain (lower case, may carry a port) → outlet id
}

// NewHosts builds the map from domain → outlet id.
func NewHosts(domains map[string]string) *Hosts {
	h := &Hosts{m: make(map[string]string, len(domains))}
	for d, id := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		d = strings.TrimSuffix(d, "/")
		if d != "" {
			h.m[d] = id
		}
	}
	return h
}

// Lookup returns the outlet of a host ("www.lemonde.fr", "127.0.0.5:8080").
func (h *Hosts) Lookup(hostport string) (string, bool) {
	if h == nil {
		return "", false
	}
	hostport = strings.ToLower(hostport)
	if id, ok := h.m[hostport]; ok {
		return id, true
	}
	host := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		host = hh
	}
	host = strings.Trim(host, "[]")
	if net.ParseIP(host) != nil {
		id, ok := h.m[host]
		return id, ok
	}
	for host != "" {
		if id, ok := h.m[host]; ok {
			return id, true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			break
		}
		host = host[i+1:]
	}
	return "", false
}

// LookupURL returns the outlet of u's host.
func (h *Hosts) LookupURL(u string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return "", false
	}
	return h.Lookup(pu.Host)
}
