package crawler

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// feedTypes are the <link rel="alternate"> types that announce a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
	"application/json":      true,
	"application/rdf+xml":   true,
	"text/xml":              true,
	"application/xml":       true,
}

// FindFeedLinks returns the feeds a page announces with
// <link rel="alternate" type="application/rss+xml" href="…"> (RSS, Atom,
// JSON Feed), absolute, in page order, without duplicates. Comment feeds
// are left out.
func FindFeedLinks(page []byte, pageURL string) []string {
	z := html.NewTokenizer(bytes.NewReader(page))
	var (
		out  []string
		seen = map[string]bool{}
		base = pageURL
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.Head {
				return out
			}
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if a == atom.Body {
			return out
		}
		if (a != atom.Link && a != atom.Base) || !hasAttr {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			attrs[string(k)] = string(v)
			if !more {
				break
			}
		}
		if a == atom.Base {
			if h := strings.TrimSpace(attrs["href"]); h != "" {
				if abs, err := Resolve(pageURL, h); err == nil {
					base = abs
				}
			}
			continue
		}
		rels := strings.Fields(strings.ToLower(attrs["rel"]))
		alternate := false
		for _, r := range rels {
			if r == "alternate" {
				alternate = true
			}
		}
		typ := strings.ToLower(strings.TrimSpace(strings.Split(attrs["type"], ";")[0]))
		href := strings.TrimSpace(attrs["href"])
		if !alternate || !feedTypes[typ] || href == "" {
			continue
		}
		title := strings.ToLower(attrs["title"])
		if strings.Contains(title, "comment") || strings.Contains(href, "/comments/") {
			continue
		}
		abs, err := Resolve(base, href)
		if err != nil || !strings.HasPrefix(abs, "http") || seen[abs] {
			continue
		}
		seen[abs] = true
		out = append(out, abs)
	}
}

// DiscoverFeeds fetches an outlet's home page and returns the feeds it
// announces (see FindFeedLinks).
func (c *Client) DiscoverFeeds(ctx context.Context, pageURL string) ([]string, error) {
	resp, err := c.Get(ctx, pageURL, Conditional{})
	if err != nil {
		return nil, err
	}
	page, err := resp.UTF8()
	if err != nil {
		return nil, err
	}
	return FindFeedLinks(page, resp.URL), nil
}

// HomePage is the address feed discovery reads for a domain: http for a
// host with a port or an IP address (a local press), https otherwise.
func HomePage(domain string) string {
	d := strings.TrimSuffix(strings.TrimSpace(domain), "/")
	if strings.HasPrefix(d, "http://") || strings.HasPrefix(d, "https://") {
		return d + "/"
	}
	if strings.Contains(d, ":") || isIPv4(d) {
		return fmt.Sprintf("http://%s/", d)
	}
	return "https://" + d + "/"
}

func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
