package extract

import (
	"regexp"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/cner/veille/internal/model"
	"github.com/markusmobius/go-htmldate"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Date sources, as Article.DateSource names them.
const (
	SourceSelector = "selector" // the outlet's configured date selector
	SourceJSONLD   = "json-ld"  // NewsArticle.datePublished and kin
	SourceMeta     = "meta"     // article:published_time and other meta tags
	SourceTime     = "time"     // <time datetime> and itemprop=datePublished
	SourceText     = "text"     // a dated phrase: "Publié le 26/09/2019 à 10h15"
	SourceURL      = "url"      // /2019/09/26/ in the URL
	SourceFeed     = "feed"     // Options.FeedPublished
	SourceHTMLDate = "htmldate" // go-htmldate's search of the page, the last resort
)

// publishedMeta are meta keys (name, property or itemprop) that hold a
// publication date, most trusted first.
var publishedMeta = []string{
	"article:published_time", "og:article:published_time", "article:published", "datepublished",
	"published_time", "og:published_time", "publication_date", "publish-date", "publish_date", "publishdate",
	"pubdate", "article.published", "article_date_original", "original-publish-date",
	"parsely-pub-date", "sailthru.date", "cxenseparse:recs:publishtime", "dc.date.issued", "dcterms.issued",
	"dc.date.created", "dcterms.created", "dc.date", "dcterms.date", "citation_publication_date",
	"citation_date", "date_published", "date", "created", "datecreated", "og:pubdate", "pub_date",
	"rnews:datepublished", "prism.publicationdate", "bt:pubdate", "article:post_date", "last-modified-date",
}

// modifiedMeta are meta keys that hold a modification date.
var modifiedMeta = []string{
	"article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
	"modified_time", "last-modified", "dc.date.modified", "dcterms.modified", "article:modified",
	"lastmod", "updated",
}

var (
	// A label before a publication date in the visible text.
	rePublishedLabel = regexp.MustCompile(`(?i)(publié|publiée|paru|parution|mis en ligne|posted|published|veröffentlicht|erschienen|publicado|pubblicato|gepubliceerd|date de publication|le\s*$|on\s*$|am\s*$)`)
	// A label before a modification date.
	reModifiedLabel = regexp.MustCompile(`(?i)(mis à jour|mise à jour|màj|maj\b|modifié|actualisé|updated|last modified|aktualisiert|geändert|actualizado|aggiornato|bijgewerkt)`)
	// Dates in URLs: /2019/09/26/, /2019-09-26, _20190926_.
	reURLDate = regexp.MustCompile(`(?:^|[/_\-.])((?:19|20)\d\d)(?:[/_\-.]?(0[1-9]|1[0-2])[/_\-.]?(0[1-9]|[12]\d|3[01])|/([1-9])/([1-9]|[12]\d|3[01]))(?:[/_\-.]|$)`)
)

// overrideStructured: whether a visible "Publié le" date earlier than the
// structured one replaces it. Measured on the dates set: it does more harm
// than good (the labelled date is often another article's), so it is off.
const overrideStructured = false

// findDates sets Published, Modified and DateSource.
func (p *page) findDates(a *model.Article, sel *selectors) {
	loc, now := p.opt.Location, p.opt.Now
	ok := func(t time.Time) bool { return !t.IsZero() && !t.After(now) }
	parse := func(s string) time.Time {
		t, found := ParseDate(s, loc)
		if !found || !ok(t) {
			return time.Time{}
		}
		return t
	}

	set := func(t time.Time, src string) bool {
		if t.IsZero() || !ok(t) {
			return false
		}
		a.Published, a.DateSource = t, src
		return true
	}

	// Modification date: JSON-LD, then meta.
	if ld := p.article(); ld != nil && ld.dateModified != "" {
		a.Modified = parse(ld.dateModified)
	}
	if a.Modified.IsZero() {
		for _, k := range modifiedMeta {
			if v := p.meta[k]; v != "" {
				if t := parse(v); !t.IsZero() {
					a.Modified = t
					break
				}
			}
		}
	}

	// 1. The outlet's configured selector.
	if sel.date != nil {
		for _, n := range cascadia.QueryAll(p.doc, sel.date) {
			v := attr(n, "datetime")
			if v == "" {
				v = attr(n, "content")
			}
			if v == "" {
				v = textOf(n)
			}
			if set(parse(v), SourceSelector) {
				break
			}
		}
	}

	// 2. JSON-LD of an article, then of any node that carries a date.
	if a.Published.IsZero() {
		var candidates []*ldNode
		if ld := p.article(); ld != nil {
			candidates = append(candidates, ld)
		}
		candidates = append(candidates, p.ld...)
		for _, n := range candidates {
			if n.isType("liveblogposting") && n.coverageStart != "" && set(parse(n.coverageStart), SourceJSONLD) {
				break
			}
			if set(parse(n.datePublished), SourceJSONLD) {
				break
			}
			if set(parse(n.dateCreated), SourceJSONLD) {
				break
			}
		}
	}

	// 3. Meta tags.
	if a.Published.IsZero() {
		for _, k := range publishedMeta {
			if v := p.meta[k]; v != "" && set(parse(v), SourceMeta) {
				break
			}
		}
	}

	// 4. <time> and elements marked datePublished.
	if a.Published.IsZero() {
		p.timeDates(a, parse)
	}

	// The visible labelled publication date: when structured data gave a
	// later date, it was the modification date in disguise (a CMS that
	// rewrites datePublished on each update); the page's "Publié le" wins.
	vis := p.textDates(loc, now)
	if !vis.pub.IsZero() {
		switch {
		case a.Published.IsZero():
			set(vis.pub, SourceText)
		case overrideStructured && a.DateSource != SourceSelector && vis.pub.Before(a.Published) && !sameDay(vis.pub, a.Published):
			a.Published, a.DateSource = vis.pub, SourceText
		}
	}
	if a.Modified.IsZero() && !vis.mod.IsZero() {
		a.Modified = vis.mod
	}

	// 5. The URL, then dates the page shows without a label.
	urlDay, urlOK := urlDate(p.url, loc)
	if a.Published.IsZero() && urlOK && ok(urlDay) {
		set(urlDay, SourceURL)
	}
	for _, t := range []time.Time{vis.attrDate, vis.classed, vis.nearTitle} {
		if !a.Published.IsZero() {
			break
		}
		set(t, SourceText)
	}
	// A timestamp in UTC whose day is next to the URL's day was written in
	// the outlet's zone: keep the instant, show it on the URL's day.
	if urlOK && a.DateSource != SourceURL && !a.Published.IsZero() {
		a.Published = alignToDay(a.Published, urlDay)
		// A full date in the URL is the day the outlet filed the article
		// under: when the page's own date disagrees, it is usually an
		// update or another article's date.
		if !sameDay(a.Published, urlDay) && a.DateSource != SourceSelector && ok(urlDay) {
			a.Published, a.DateSource = urlDay, SourceURL
		}
	}

	// 6. htmldate's search of the whole page, for pages that say nothing
	// in a form the rules above read.
	if a.Published.IsZero() {
		if t, ok2 := p.htmldateFallback(); ok2 && ok(t) {
			set(t, SourceHTMLDate)
		}
	}

	// 7. The feed's date.
	if a.Published.IsZero() && !p.opt.FeedPublished.IsZero() {
		set(p.opt.FeedPublished, SourceFeed)
	}

	// The publication date is never after the modification date.
	if !a.Modified.IsZero() && !a.Published.IsZero() && a.Modified.Before(a.Published) {
		a.Modified = time.Time{}
	}
}

// timeDates reads <time datetime> and itemprop=datePublished elements: those
// marked as publication first, then the first <time> outside link lists.
func (p *page) timeDates(a *model.Article, parse func(string) time.Time) {
	var first time.Time
	for _, n := range p.timeNodes {
		v := attr(n, "datetime")
		if v == "" {
			v = attr(n, "content")
		}
		if v == "" && (n.DataAtom == atom.Time || n.DataAtom != atom.Meta) {
			v = textOf(n)
		}
		if v == "" {
			continue
		}
		ip := attr(n, "itemprop")
		cls := strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
		if ip == "dateModified" || strings.Contains(cls, "updated") || strings.Contains(cls, "modified") {
			continue
		}
		t := parse(v)
		if t.IsZero() {
			continue
		}
		if ip == "datePublished" || ip == "dateCreated" || hasAttr(n, "pubdate") || strings.Contains(cls, "publi") {
			a.Published, a.DateSource = t, SourceTime
			return
		}
		if first.IsZero() && n.DataAtom == atom.Time && !inLinkList(n) {
			first = t
		}
	}
	if !first.IsZero() {
		a.Published, a.DateSource = first, SourceTime
	}
}

// inLinkList reports whether n sits inside a link, a list item or a
// related/comment block: dates of other articles.
func inLinkList(n *html.Node) bool {
	for a, depth := n.Parent, 0; a != nil && depth < 12; a, depth = a.Parent, depth+1 {
		switch a.DataAtom {
		case atom.A, atom.Li, atom.Aside, atom.Footer, atom.Nav:
			return true
		}
		if isBoilerplateNode(a) {
			return true
		}
	}
	return false
}

// reDateSkip marks blocks whose dates are other articles' or readers':
// comments, related lists, sidebars, archives, calendars.
var dateSkipWords = []string{
	"comment", "related", "sidebar", "footer", "recent", "popular", "archive", "calendar", "most-read",
	"mostread", "teaser", "nav", "menu", "breadcrumb", "reply", "respon", "similar", "more-stories",
	"outbrain", "taboola", "cookie",
}

// isDateSkip reports whether a class names a block to skip: a skip word
// at the start of a class part ("nav-top", "comments"; not "coronavirus").
func isDateSkip(cls string) bool {
	for _, w := range dateSkipWords {
		for i := 0; ; {
			j := strings.Index(cls[i:], w)
			if j < 0 {
				break
			}
			j += i
			if j == 0 || cls[j-1] == ' ' || cls[j-1] == '-' || cls[j-1] == '_' {
				return true
			}
			i = j + 1
		}
	}
	return false
}

// dateClassWords mark an element that holds a date.
var dateClassWords = []string{
	"date", "time", "publi", "posted", "meta", "byline", "info", "header", "signature", "dateline", "datum",
}

func isDateClass(cls string) bool {
	for _, w := range dateClassWords {
		if strings.Contains(cls, w) {
			return true
		}
	}
	return false
}

// visibleDates is what the page's text says about dates.
type visibleDates struct {
	pub       time.Time // after a publication label: "Publié le …"
	mod       time.Time // after a modification label: "Mis à jour le …"
	classed   time.Time // in an element whose class or id says date
	nearTitle time.Time // in a short line right after the h1
	attrDate  time.Time // in a title/data-date attribute of a dated element
}

// textDates looks for dates in short text blocks of the body, in reading
// order, skipping comments, related lists and sidebars.
func (p *page) textDates(loc *time.Location, now time.Time) visibleDates {
	var v visibleDates
	seen := 0
	afterH1 := -1 // text elements seen since the h1; -1 before it
	walk(p.body, func(n *html.Node) bool {
		if !v.pub.IsZero() || seen > 1500 {
			return false
		}
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Nav, atom.Footer, atom.Aside,
			atom.Li, atom.Select, atom.Option, atom.Button, atom.Form, atom.Iframe, atom.Svg:
			return false
		case atom.H1:
			if afterH1 < 0 {
				afterH1 = 0
			}
			return false
		}
		cls := classOf(n)
		if afterH1 < 0 && (n.DataAtom == atom.H2 || n.DataAtom == atom.H3) && p.h1 == nil &&
			(strings.Contains(cls, "title") || attr(n, "itemprop") == "headline") {
			afterH1 = 0
			return false
		}
		if cls != "" && isDateSkip(cls) {
			return false
		}
		seen++
		dateClass := cls != "" && isDateClass(cls)
		if dateClass && v.attrDate.IsZero() {
			for _, k := range []string{"title", "data-date", "data-time", "content", "data-timestamp", "datetime"} {
				if a := attr(n, k); len(a) >= 8 {
					if t, ok := ParseDate(a, loc); ok && !t.After(now) {
						v.attrDate = t
						break
					}
				}
			}
		}
		own := ""
		if hasInlineContent(n) {
			own = ownText(n)
		}
		if len(own) < 6 || len(own) > 400 {
			if afterH1 >= 0 && len(own) > 0 {
				afterH1++
			}
			return true
		}
		if afterH1 >= 0 {
			afterH1++
		}
		if !hasDigitPair(own) {
			return true
		}
		for _, d := range findDates(own, loc, 3) {
			if d.t.After(now) {
				continue
			}
			before := strings.ToLower(own[:d.start])
			if len(before) > 60 {
				before = before[len(before)-60:]
			}
			switch {
			case reModifiedLabel.MatchString(before):
				if v.mod.IsZero() {
					v.mod = d.t
				}
			case rePublishedLabel.MatchString(before):
				if v.pub.IsZero() {
					v.pub = d.t
				}
			case dateClass && len(own) < 120:
				if v.classed.IsZero() {
					v.classed = d.t
				}
			case afterH1 >= 0 && afterH1 <= 12 && len(own) < 120:
				if v.nearTitle.IsZero() {
					v.nearTitle = d.t
				}
			}
		}
		return true
	})
	return v
}

// ownText is the text of n's text children and inline elements (not of
// its block children).
func ownText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
		case html.ElementNode:
			if inlineTags[c.DataAtom] {
				appendText(&b, c)
			}
		}
	}
	return collapseSpace(b.String())
}

// urlDate reads a date from the URL's path.
func urlDate(u string, loc *time.Location) (time.Time, bool) {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			u = u[i+3+j:]
		} else {
			return time.Time{}, false
		}
	}
	if m := reURLDate.FindStringSubmatch(u); m != nil {
		if m[2] == "" {
			return makeDate(atoi(m[1]), atoi(m[4]), atoi(m[5]), loc)
		}
		return makeDate(atoi(m[1]), atoi(m[2]), atoi(m[3]), loc)
	}
	return time.Time{}, false
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// alignToDay expresses the instant t in a zone where its calendar day is
// day's, when t is in UTC and one day off: the instant is unchanged.
func alignToDay(t, day time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if _, off := t.Zone(); off != 0 {
		return t
	}
	u := t.UTC()
	dy, dm, dd := day.Date()
	target := time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC)
	uday := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	switch uday.Sub(target) {
	case 24 * time.Hour: // UTC is past midnight; the outlet was west of it
		offset := -(u.Hour() + 1)
		if offset < -12 {
			return t
		}
		return t.In(time.FixedZone("", offset*3600))
	case -24 * time.Hour: // the outlet was east of UTC
		offset := 24 - u.Hour()
		if offset > 14 {
			return t
		}
		return t.In(time.FixedZone("", offset*3600))
	}
	return t
}

// htmldateFallback runs go-htmldate (extensive mode, original date) on the
// document, before boilerplate removal alters it.
func (p *page) htmldateFallback() (time.Time, bool) {
	res, err := htmldate.FromDocument(p.doc, htmldate.Options{
		URL:             p.url,
		UseOriginalDate: true,
		MaxDate:         p.opt.Now,
	})
	if err != nil || res.IsZero() {
		return time.Time{}, false
	}
	t := res.DateTime
	// htmldate gives a day; read it in the page's zone.
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, p.opt.Location), true
}

// hasInlineContent reports whether n has a text child or an inline
// element child: whether it has text of its own.
func hasInlineContent(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if !isBlank(c.Data) {
				return true
			}
		case html.ElementNode:
			if inlineTags[c.DataAtom] {
				return true
			}
		}
	}
	return false
}
