package crawler

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ArchivePages expands a dated archive template for every day of the
// period: {date} is YYYY-MM-DD, {yyyymmdd}, {yyyy}, {mm}, {dd} its parts (a
// template with only {yyyy} and {mm} gives one page a month). Pages come
// in date order, without duplicates.
func ArchivePages(template string, p Period) []string {
	var out []string
	seen := map[string]bool{}
	for d := p.From; d.Before(p.end()); d = d.AddDate(0, 0, 1) {
		u := strings.NewReplacer(
			"{date}", d.Format("2006-01-02"),
			"{yyyymmdd}", d.Format("20060102"),
			"{yyyy}", d.Format("2006"),
			"{mm}", d.Format("01"),
			"{dd}", d.Format("02"),
		).Replace(template)
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// Link is a hyperlink of a page.
type Link struct {
	URL  string // absolute
	Text string
}

// PageLinks returns the <a href> links of an HTML page, absolute (the
// page's <base href> honoured), http(s) only.
func PageLinks(page []byte, pageURL string) []Link {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	var (
		out  []Link
		cur  = -1 // index in out of the open <a>
		text strings.Builder
	)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.TextToken:
			if cur >= 0 && text.Len() < 300 {
				text.Write(z.Text())
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.A && cur >= 0 {
				out[cur].Text = strings.Join(strings.Fields(text.String()), " ")
				cur = -1
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if (a != atom.A && a != atom.Base) || !hasAttr {
				continue
			}
			var href string
			for {
				k, v, more := z.TagAttr()
				if string(k) == "href" {
					href = strings.TrimSpace(string(v))
				}
				if !more {
					break
				}
			}
			if href == "" {
				continue
			}
			ref, err := url.Parse(href)
			if err != nil {
				continue
			}
			abs := base.ResolveReference(ref)
			if a == atom.Base {
				base = abs
				continue
			}
			if abs.Scheme != "http" && abs.Scheme != "https" {
				continue
			}
			out = append(out, Link{URL: abs.String()})
			cur = len(out) - 1
			text.Reset()
		}
	}
}

var (
	notArticlePath = regexp.MustCompile(`(?i)/(tags?|auteurs?|authors?|rubriques?|categor(y|ies|ie)|page|search|recherche|login|connexion|abonnement|subscribe|newsletter|contact|mentions-legales|cgu|flux|rss|feed|video|videos|podcasts?|archives?)(/|$)`)
	notArticleExt  = regexp.MustCompile(`(?i)\.(jpe?g|png|gif|webp|svg|pdf|zip|mp[34]|css|js|xml|json|ico)$`)
	longNumber     = regexp.MustCompile(`[0-9]{5,}`)
)

// LooksLikeArticle guesses, without a crawl.allow pattern, whether a link
// of an archive page is an article: a long slug (three hyphens or more),
// a long number (an article id), or an .html page, and none of the paths
// of listings, tags, authors or services.
func LooksLikeArticle(u string) bool {
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	p := pu.Path
	if p == "" || p == "/" || notArticlePath.MatchString(p) || notArticleExt.MatchString(p) {
		return false
	}
	last := p[strings.LastIndexByte(strings.TrimSuffix(p, "/"), '/')+1:]
	last = strings.TrimSuffix(last, "/")
	switch {
	case strings.Count(last, "-") >= 3 && len(last) >= 20:
		return true
	case longNumber.MatchString(last):
		return true
	case (strings.HasSuffix(last, ".html") || strings.HasSuffix(last, ".htm") || strings.HasSuffix(last, ".php")) && len(last) >= 12:
		return true
	}
	return false
}

// DayStart returns midnight of t's day in loc.
func DayStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}
