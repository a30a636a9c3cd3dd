package crawler

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCanonicalize: never panics; its result is stable (canonicalizing a
// canonical URL changes nothing) and keeps the host.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{"https://www.lemonde.fr/a/b?utm_source=x&id=2#c", "http://127.0.0.1:80/amp/x", "https://amp.x.fr/y.amp.html",
		"https://x.fr/%zz", "https://x.fr/?a=1&a=0&b", "http://[::1]:8080/a/amp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Canonicalize(raw)
		if err != nil {
			return
		}
		again, err := Canonicalize(c)
		if err != nil || again != c {
			t.Errorf("Canonicalize(%q) = %q, then %q (%v)", raw, c, again, err)
		}
	})
}

// FuzzParseFeed: arbitrary bytes never panic; entries have absolute http
// links and valid UTF-8 titles.
func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<rss version="2.0"><channel><item><title>é</title><link>/a</link></item></channel></rss>`), "")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="b"/></entry></feed>`), "application/atom+xml")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"url":"c"}]}`), "application/feed+json")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><title>\xe9</title><link>d</link></item></channel></rss>"), "text/xml")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		feed, err := ParseFeed(body, ct, "https://x.fr/rss.xml")
		if err != nil {
			if ErrorKind(err) != ErrKindParse {
				t.Errorf("error of kind %q: %v", ErrorKind(err), err)
			}
			return
		}
		for _, e := range feed.Entries {
			if !strings.HasPrefix(e.URL, "http") || !utf8.ValidString(e.Title) {
				t.Errorf("entry %+v", e)
			}
		}
	})
}

// FuzzParseSitemap: arbitrary bytes (gzipped or not) never panic nor
// decompress past the cap.
func FuzzParseSitemap(f *testing.F) {
	f.Add([]byte(`<urlset><url><loc>/a</loc><lastmod>2021-01-02</lastmod></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>s.xml.gz</loc></sitemap></sitemapindex>`))
	f.Add(gzipBomb(f, 1<<20))
	f.Fuzz(func(t *testing.T, body []byte) {
		sm, err := ParseSitemap(body, "", "https://x.fr/sitemap.xml", 1<<16)
		if err != nil {
			return
		}
		for _, e := range append(sm.Entries, sm.Children...) {
			if !strings.HasPrefix(e.URL, "http") {
				t.Errorf("entry %+v", e)
			}
		}
	})
}

// FuzzFindFeedLinks: arbitrary pages never panic; links are absolute.
func FuzzFindFeedLinks(f *testing.F) {
	f.Add(`<head><link rel="alternate" type="application/rss+xml" href="/rss"></head>`)
	f.Add(`<base href="//evil"><link rel=alternate type=application/atom+xml href=x>`)
	f.Fuzz(func(t *testing.T, page string) {
		for _, l := range FindFeedLinks([]byte(page), "https://x.fr/") {
			if !strings.HasPrefix(l, "http") {
				t.Errorf("link %q", l)
			}
		}
		for _, l := range PageLinks([]byte(page), "https://x.fr/") {
			if !strings.HasPrefix(l.URL, "http") {
				t.Errorf("link %q", l.URL)
			}
		}
	})
}
