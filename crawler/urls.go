package crawler

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// isTracking reports whether a query parameter only tracks the reader and
// never changes the article.
func isTracking(key string) bool {
	k := strings.ToLower(key)
	switch k {
	case "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "xtref", "ref", "ref_src", "cmpid",
		"origin", "amp", "outputtype", "_ga", "smid", "soc_src", "soc_trk", "emkfid", "een", "sr_share":
		return true
	}
	for _, p := range []string{"utm_", "at_", "pk_", "mtm_", "xtor", "xts", "ns_", "_hs", "mc_", "oly_", "lmd_"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// Canonicalize normalises an article URL so that one article has one
// address: scheme and host in lower case, default port, fragment and
// tracking parameters dropped, remaining parameters sorted, AMP variants
// folded onto the article (/amp/, .amp, amp. host, ?amp=1).
func Canonicalize(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("crawler: canonical url %q: %w", raw, err)
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("crawler: canonical url %q: not absolute", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("crawler: canonical url %q: not http(s)", raw)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	host = strings.TrimRight(host, ".")
	if host == "" {
		return "", fmt.Errorf("crawler: canonical url %q: no host", raw)
	}
	if strings.HasPrefix(host, "amp.") {
		host = "www." + strings.TrimPrefix(host, "amp.")
	}
	if strings.Contains(host, ":") { // IPv6
		host = "[" + host + "]"
	}
	if port != "" {
		u.Host = host + ":" + port
	} else {
		u.Host = host
	}
	u.Fragment = ""
	u.RawFragment = ""
	u.User = nil

	p := u.EscapedPath()
	switch {
	case strings.HasSuffix(p, "/amp/"):
		p = strings.TrimSuffix(p, "amp/")
	case strings.HasSuffix(p, "/amp"):
		p = strings.TrimSuffix(p, "/amp")
	case strings.HasSuffix(p, ".amp"):
		p = strings.TrimSuffix(p, ".amp")
	case strings.HasSuffix(p, ".amp.html"):
		p = strings.TrimSuffix(p, ".amp.html") + ".html"
	}
	if strings.HasPrefix(p, "/amp/") {
		p = p[len("/amp"):]
	}
	if p == "" {
		p = "/"
	}
	if err := setEscapedPath(u, p); err != nil {
		return "", fmt.Errorf("crawler: canonical url %q: %w", raw, err)
	}

	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			// Leave a query we cannot parse as it is, minus nothing.
			return u.String(), nil
		}
		keys := make([]string, 0, len(q))
		for k := range q {
			if !isTracking(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			vals := q[k]
			sort.Strings(vals)
			for _, v := range vals {
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(url.QueryEscape(k))
				b.WriteByte('=')
				b.WriteString(url.QueryEscape(v))
			}
		}
		u.RawQuery = b.String()
	}
	u.ForceQuery = false
	return u.String(), nil
}

func setEscapedPath(u *url.URL, escaped string) error {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return err
	}
	u.Path = p
	u.RawPath = ""
	if u.EscapedPath() != escaped {
		u.RawPath = escaped
	}
	return nil
}

// Resolve makes ref absolute against base.
func Resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("crawler: base url %q: %w", base, err)
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", fmt.Errorf("crawler: url %q: %w", ref, err)
	}
	return b.ResolveReference(r).String(), nil
}

// Host returns the lower-case host (with port) of u, or "".
func Host(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(pu.Host)
}
