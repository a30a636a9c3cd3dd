package extract

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
	xhtml "golang.org/x/net/html"
)

// selectors are the compiled outlet-specific selectors; nil fields are
// unset.
type selectors struct {
	body, title, date, author, remove cascadia.Matcher
}

func compileSelectors(s config.Selectors) (*selectors, error) {
	out := &selectors{}
	for _, f := range []struct {
		name string
		src  string
		dst  *cascadia.Matcher
	}{
		{"body", s.Body, &out.body},
		{"title", s.Title, &out.title},
		{"date", s.Date, &out.date},
		{"author", s.Author, &out.author},
		{"remove", s.Remove, &out.remove},
	} {
		if strings.TrimSpace(f.src) == "" {
			continue
		}
		sel, err := cascadia.ParseGroup(f.src)
		if err != nil {
			return nil, fmt.Errorf("extract: selector %s %q: %w", f.name, f.src, err)
		}
		*f.dst = sel
	}
	return out, nil
}

// fillMeta sets title, authors, site name, language, canonical URL and
// description.
func (p *page) fillMeta(a *model.Article, sel *selectors) {
	ld := p.article()

	// Title: configured selector, then the h1 when it agrees with the
	// metadata, then og:title, JSON-LD headline, <title>.
	if sel.title != nil {
		if n := cascadia.Query(p.doc, sel.title); n != nil {
			a.Title = textOf(n)
		}
	}
	if a.Title == "" {
		og := cleanText(p.metaFirst("og:title", "twitter:title"))
		head := ""
		if ld != nil {
			head = cleanText(ld.headline)
		}
		h1 := ""
		if p.h1 != nil {
			h1 = textOf(p.h1)
		}
		switch {
		case h1 != "" && p.h1Count == 1 && (similarTitle(h1, og) || similarTitle(h1, head) || similarTitle(h1, p.titleTag)):
			a.Title = h1
		case og != "":
			a.Title = stripSiteSuffix(og)
		case head != "":
			a.Title = head
		case p.titleTag != "":
			a.Title = stripSiteSuffix(cleanText(p.titleTag))
		case h1 != "":
			a.Title = h1
		}
	}

	// Authors.
	if sel.author != nil {
		for _, n := range cascadia.QueryAll(p.doc, sel.author) {
			a.Authors = appendAuthors(a.Authors, textOf(n))
		}
	}
	if len(a.Authors) == 0 && ld != nil {
		for _, s := range ld.authors {
			a.Authors = appendAuthors(a.Authors, s)
		}
	}
	if len(a.Authors) == 0 {
		for _, k := range []string{"author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl"} {
			if v := p.meta[k]; v != "" && !strings.HasPrefix(v, "http") {
				a.Authors = appendAuthors(a.Authors, v)
				break
			}
		}
	}
	if len(a.Authors) == 0 {
		a.Authors = p.bylineAuthors()
	}
	if a.Authors == nil {
		a.Authors = []string{}
	}

	// Site name.
	a.SiteName = cleanText(p.metaFirst("og:site_name", "application-name", "twitter:site"))
	if strings.HasPrefix(a.SiteName, "@") {
		a.SiteName = ""
	}
	if a.SiteName == "" && ld != nil {
		a.SiteName = cleanText(ld.publisher)
	}
	if a.SiteName == "" {
		for _, n := range p.ld {
			if n.isType("organization") || n.isType("newsmediaorganization") || n.isType("website") {
				if n.headline != "" {
					a.SiteName = cleanText(n.headline)
					break
				}
			}
		}
	}

	// Language.
	lang := p.htmlLang
	if lang == "" {
		lang = p.metaFirst("content-language", "og:locale", "language", "dc.language")
	}
	if lang == "" && ld != nil {
		lang = ld.inLanguage
	}
	a.Lang = normLang(lang)

	// Canonical URL.
	a.CanonicalURL = p.resolve(p.canonical)
	if a.CanonicalURL == "" {
		a.CanonicalURL = p.resolve(p.metaFirst("og:url"))
	}

	// Description.
	a.Description = cleanText(p.metaFirst("description", "og:description", "twitter:description", "dc.description"))
	if a.Description == "" && ld != nil {
		a.Description = cleanText(ld.description)
	}
}

// fallbackTitle is used when the page has no title metadata at all.
func (p *page) fallbackTitle() string {
	if p.h1 != nil {
		return textOf(p.h1)
	}
	return ""
}

// cleanText unescapes entities left in metadata and collapses spaces.
func cleanText(s string) string {
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	return collapseSpace(s)
}

var reTitleSep = regexp.MustCompile(`\s+[|\-–—:·•»]\s+`)

// stripSiteSuffix removes " | Site" or " - Site" from a title when the
// remaining part is clearly the headline.
func stripSiteSuffix(t string) string {
	locs := reTitleSep.FindAllStringIndex(t, -1)
	if len(locs) == 0 {
		return t
	}
	last := locs[len(locs)-1]
	head, tail := t[:last[0]], t[last[1]:]
	if utf8.RuneCountInString(tail) <= 40 && utf8.RuneCountInString(head) >= 2*utf8.RuneCountInString(tail) && len(strings.Fields(head)) >= 3 {
		return head
	}
	return t
}

// similarTitle reports whether the h1 and another title name the same
// article: one contains the other, ignoring case and site suffixes.
func similarTitle(h1, other string) bool {
	if h1 == "" || other == "" {
		return false
	}
	a, b := strings.ToLower(h1), strings.ToLower(other)
	if len(a) < 8 {
		return a == b
	}
	return strings.Contains(b, a) || strings.Contains(a, stripSiteSuffix(b))
}

// normLang turns "fr-FR", "fr_FR" or "French" into "fr".
func normLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if i := strings.IndexAny(s, "-_,; "); i > 0 {
		s = s[:i]
	}
	switch s {
	case "french", "français", "francais":
		return "fr"
	case "english":
		return "en"
	case "german", "deutsch":
		return "de"
	}
	if len(s) == 2 || len(s) == 3 {
		return s
	}
	return ""
}

var (
	reByPrefix   = regexp.MustCompile(`(?i)^\s*(?:par|by|von|de|por|di|door)\s+`)
	reAuthorSep  = regexp.MustCompile(`(?i)\s*(?:,|;|\s&\s|\s+et\s+|\s+and\s+|\s+und\s+|\s+y\s+)\s*`)
	reAuthorJunk = regexp.MustCompile(`(?i)(?:publié|mis à jour|updated|published|le \d|\d{1,2}/\d{1,2}|\d{4}|journaliste|rédaction|staff|avec afp|afp$|reuters$)`)
)

// appendAuthors adds the names of a byline to list, without duplicates.
func appendAuthors(list []string, byline string) []string {
	byline = cleanText(byline)
	byline = reByPrefix.ReplaceAllString(byline, "")
	if byline == "" || utf8.RuneCountInString(byline) > 120 {
		return list
	}
	for _, name := range reAuthorSep.Split(byline, -1) {
		name = strings.Trim(name, " .·|-–—:")
		name = reByPrefix.ReplaceAllString(name, "")
		if name == "" || utf8.RuneCountInString(name) > 60 || strings.Contains(name, "@") || strings.HasPrefix(name, "http") {
			continue
		}
		if reAuthorJunk.MatchString(name) && len(strings.Fields(name)) > 4 {
			continue
		}
		dup := false
		for _, o := range list {
			if strings.EqualFold(o, name) {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, name)
		}
	}
	return list
}

// bylineAuthors reads authors from elements marked as such: itemprop
// author, rel=author, or a short element whose class says author/byline.
func (p *page) bylineAuthors() []string {
	var out []string
	walk(p.body, func(n *xhtml.Node) bool {
		if len(out) > 0 {
			return false
		}
		if isJunkTag(n) {
			return false
		}
		ip := attr(n, "itemprop")
		if ip == "author" || ip == "creator" {
			name := ""
			walk(n, func(c *xhtml.Node) bool {
				if attr(c, "itemprop") == "name" {
					name = textOf(c)
					if name == "" {
						name = attr(c, "content")
					}
					return false
				}
				return name == ""
			})
			if name == "" {
				name = textOf(n)
			}
			out = appendAuthors(out, name)
			return false
		}
		if strings.EqualFold(attr(n, "rel"), "author") {
			out = appendAuthors(out, textOf(n))
			return false
		}
		cls := strings.ToLower(attr(n, "class"))
		if (strings.Contains(cls, "author") || strings.Contains(cls, "byline") || strings.Contains(cls, "signature")) &&
			!strings.Contains(cls, "bio") && !strings.Contains(cls, "avatar") {
			t := textOf(n)
			if t != "" && utf8.RuneCountInString(t) <= 80 {
				out = appendAuthors(out, t)
				return false
			}
		}
		return true
	})
	return out
}
