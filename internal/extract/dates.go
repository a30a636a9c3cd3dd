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

// publishedMeta are meta keys (name, property or itemprop) that name a
// publication date, most trusted first.
var publishedMeta = []string{
	"article:published_time", "og:article:published_time", "article:published", "datepublished",
	"published_time", "og:published_time", "publication_date", "publish-date", "publish_date", "publishdate",
	"pubdate", "article.published", "article_date_original", "original-publish-date",
	"parsely-pub-date", "sailthru.date", "cxenseparse:recs:publishtime", "dc.date.issued", "dcterms.issued",
	"dc.date.created", "dcterms.created", "citation_publication_date", "citation_date", "date_published",
	"og:pubdate", "pub_date", "rnews:datepublished", "prism.publicationdate", "bt:pubdate", "article:post_date",
}

// genericMeta are meta keys that hold "a date" of the page without saying
// which: CMSs fill them with the publication date, the last edit or the day
// the page was generated. They come after the page's own marked-up dates.
var genericMeta = []string{
	"date", "dc.date", "dcterms.date", "created", "datecreated", "last-modified-date",
}

// modifiedMeta are meta keys that hold a modification date.
var modifiedMeta = []string{
	"article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
	"modified_time", "last-modified", "dc.date.modified", "dcterms.modified", "article:modified",
	"lastmod", "updated",
}

var (
	// A label before a publication date in the visible text.
	rePublishedLabel = regexp.MustCompile(`(?i)(publié|publiée|paru|parution|mis en ligne|posted|published|veröffentlicht|publiziert|erschienen|publicado|pubblicato|gepubliceerd|date de publication|\ble\s*$|\bon\s*$|\bam\s*$)`)
	// A label before a modification date.
	reModifiedLabel = regexp.MustCompile(`(?i)(mis à jour|mise à jour|màj|maj\b|modifié|actualisé|updated|last modified|aktualisiert|geändert|actualizado|aggiornato|bijgewerkt|edited|editiert|bearbeitet)`)
	// Dates in URLs: /2019/09/26/, /2019-09-26, _20190926_.
	reURLDate = regexp.MustCompile(`(?:^|[/_\-.])((?:19|20)\d\d)(?:[/_\-.]?(0[1-9]|1[0-2])[/_\-.]?(0[1-9]|[12]\d|3[01])|/([1-9])/([1-9]|[12]\d|3[01]))(?:[/_\-.]|$)`)
)

// dated is a date found by one of the rules.
type dated struct {
	t     time.Time
	zoned bool   // the string gave its zone (Z, +02:00…)
	src   string // a Source… constant
}

func (d dated) ok() bool { return !d.t.IsZero() }

var (
	// A label that says publication on its own; the other publication
	// labels are prepositions ("le 12 janvier 2021") that introduce any
	// date in a paragraph, so they only count in short lines and dated
	// elements.
	reStrongLabel = regexp.MustCompile(`(?i)(publié|publiée|paru|parution|mis en ligne|posted|published|veröffentlicht|publiziert|erschienen|publicado|pubblicato|gepubliceerd|date de publication)`)
)

// findDates sets Published, Modified and DateSource.
//
// The publication date is the first found of: the outlet's selector;
// JSON-LD; meta tags that name a publication date; a <time> or element
// marked as the publication date; the first <time> of the article; the
// first date the page shows as an article's date (labelled "Publié le",
// in a dated element, right after the title), in reading order; the URL;
// meta tags that name "a date" without saying which; go-htmldate's search;
// the feed's date. Never a date after Now.
//
// It is then checked against what the page shows its reader (the "shown"
// dates: labelled, dated elements, the title's surroundings, visible
// <time>s):
//   - a UTC timestamp is expressed in the page's own zone (pageZone), or
//     put on the shown day or the URL's day when one of them is next to
//     its UTC day: the instant is unchanged, the day is the outlet's;
//   - when the structured sources disagree and the chosen one's day is
//     not shown while another's is, the shown one wins;
//   - when the page shows the modification day as its date and nowhere the
//     publication day, the outlet re-dated the article (a republished
//     piece): the shown day wins. A day shown with a modification label
//     ("Mis à jour le") does not count, so the publication date keeps
//     winning over an update the page presents as such;
//   - a full date in the URL wins over a disagreeing page date.
func (p *page) findDates(a *model.Article, sel *selectors) {
	loc, now := p.opt.Location, p.opt.Now
	parse := func(s, src string) dated {
		if s == "" {
			return dated{}
		}
		d, found := findDate(s, loc)
		if !found || d.t.After(now) {
			return dated{}
		}
		return dated{t: d.t, zoned: d.zoned, src: src}
	}
	first := func(ds ...dated) dated {
		for _, d := range ds {
			if d.ok() {
				return d
			}
		}
		return dated{}
	}

	// The candidates.
	var selPub dated
	if sel.date != nil {
		for _, n := range cascadia.QueryAll(p.doc, sel.date) {
			v := attr(n, "datetime")
			if v == "" {
				v = attr(n, "content")
			}
			if v == "" {
				v = textOf(n)
			}
			if selPub = parse(v, SourceSelector); selPub.ok() {
				break
			}
		}
	}
	ldPub, ldMod := p.ldDates(parse)
	var metaPub, metaMod, generic dated
	for _, k := range publishedMeta {
		if metaPub = parse(p.meta[k], SourceMeta); metaPub.ok() {
			break
		}
	}
	for _, k := range modifiedMeta {
		if metaMod = parse(p.meta[k], SourceMeta); metaMod.ok() {
			break
		}
	}
	for _, k := range genericMeta {
		if generic = parse(p.meta[k], SourceMeta); generic.ok() {
			break
		}
	}
	tm := p.timeDates(parse)
	vis := p.textDates(loc, now)
	var shownFirst dated
	if len(vis.shown) > 0 {
		shownFirst = dated{t: vis.shown[0], src: SourceText}
	}
	var visMod dated
	if !vis.mod.IsZero() {
		visMod = dated{t: vis.mod, src: SourceText}
	}
	urlDay, urlOK := urlDate(p.url, loc)
	urlOK = urlOK && !urlDay.After(now)
	var urlPub dated
	if urlOK {
		urlPub = dated{t: urlDay, src: SourceURL}
	}

	pub := first(selPub, ldPub, metaPub, tm.marked, tm.first, shownFirst, urlPub, generic)
	mod := first(ldMod, metaMod, tm.modified, visMod)

	// Timestamps in UTC are shown in the page's own zone.
	pub.t = p.localize(pub)
	mod.t = p.localize(mod)

	shown := append(append([]time.Time{}, vis.shown...), tm.shown...)
	structured := pub.src == SourceJSONLD || pub.src == SourceMeta || pub.src == SourceTime

	// When the structured dates disagree, the one the page shows wins.
	if structured && !shownDay(shown, pub.t) {
		for _, c := range []dated{ldPub, metaPub, tm.marked, tm.first} {
			if c.ok() && !sameDay(c.t, pub.t) && shownDay(shown, c.t) {
				pub = c
				break
			}
		}
	}

	// A page that shows its modification day as its date, and nowhere its
	// structured publication day, was re-dated by its outlet.
	if structured && mod.ok() && mod.t.After(pub.t) && !sameDay(pub.t, mod.t) &&
		!shownDay(shown, pub.t) && shownDay(shown, mod.t) {
		pub = dated{t: mod.t, zoned: mod.zoned, src: pub.src}
	}

	// A timestamp in UTC whose day is next to the day the page shows (or
	// marks as published) was written in the outlet's zone: keep the
	// instant, show it on that day.
	if pub.ok() && isUTC(pub.t) {
		if len(shown) > 0 {
			pub.t = alignToDay(pub.t, shown[0])
		} else if tm.marked.ok() {
			pub.t = alignToDay(pub.t, tm.marked.t)
		}
	}
	// The same with the URL's day.
	if urlOK && pub.ok() && pub.src != SourceURL {
		pub.t = alignToDay(pub.t, urlDay)
		// A full date in the URL is the day the outlet filed the article
		// under: when the page's own date disagrees, it is usually an
		// update or another article's date.
		if !sameDay(pub.t, urlDay) && pub.src != SourceSelector {
			pub = urlPub
		}
	}

	// htmldate's search of the whole page, for pages that say nothing in
	// a form the rules above read; then the feed's date.
	if !pub.ok() {
		if t, ok := p.htmldateFallback(); ok && !t.After(now) {
			pub = dated{t: t, src: SourceHTMLDate}
		}
	}
	if !pub.ok() && !p.opt.FeedPublished.IsZero() && !p.opt.FeedPublished.After(now) {
		pub = dated{t: p.opt.FeedPublished, src: SourceFeed}
	}

	a.Published, a.DateSource = pub.t, pub.src
	a.Modified = mod.t
	// The publication date is never after the modification date.
	if !a.Modified.IsZero() && !a.Published.IsZero() && a.Modified.Before(a.Published) {
		a.Modified = time.Time{}
	}
}

// ldDates reads the publication and modification dates of the JSON-LD: the
// article's (a live blog's coverage start first), else the first node that
// carries one.
func (p *page) ldDates(parse func(s, src string) dated) (pub, mod dated) {
	var nodes []*ldNode
	if ld := p.article(); ld != nil {
		nodes = append(nodes, ld)
		mod = parse(ld.dateModified, SourceJSONLD)
	}
	nodes = append(nodes, p.ld...)
	for _, n := range nodes {
		if n.isType("liveblogposting") {
			if pub = parse(n.coverageStart, SourceJSONLD); pub.ok() {
				return pub, mod
			}
		}
		if pub = parse(n.datePublished, SourceJSONLD); pub.ok() {
			return pub, mod
		}
		if pub = parse(n.dateCreated, SourceJSONLD); pub.ok() {
			return pub, mod
		}
	}
	return dated{}, mod
}

// localize expresses a timestamp written in UTC in the page's zone (see
// pageZone); other dates are returned as they are.
func (p *page) localize(d dated) time.Time {
	if !d.ok() || !d.zoned || !isUTC(d.t) {
		return d.t
	}
	if z, ok := p.pageZone(d.t); ok {
		return d.t.In(z)
	}
	return d.t
}

// shownDay reports whether one of the dates falls on t's day.
func shownDay(shown []time.Time, t time.Time) bool {
	for _, s := range shown {
		if sameDay(s, t) {
			return true
		}
	}
	return false
}

// timeMarks is what the <time> elements and the elements with a date
// itemprop say.
type timeMarks struct {
	marked   dated       // the first marked as the publication date
	first    dated       // the first <time> outside link lists
	modified dated       // the first marked as a modification date
	shown    []time.Time // the <time>s outside link lists that show a date to the reader
}

// timeDates reads <time datetime> and elements with itemprop date
// attributes.
func (p *page) timeDates(parse func(s, src string) dated) timeMarks {
	var m timeMarks
	for _, n := range p.timeNodes {
		v := attr(n, "datetime")
		if v == "" {
			v = attr(n, "content")
		}
		text := ""
		if n.DataAtom != atom.Meta {
			text = textOf(n)
		}
		if v == "" {
			v = text
		}
		if v == "" {
			continue
		}
		d := parse(v, SourceTime)
		if !d.ok() {
			continue
		}
		ip := attr(n, "itemprop")
		if ip == "dateModified" || isModifiedNode(n) {
			if !m.modified.ok() {
				m.modified = d
			}
			continue
		}
		isTime := n.DataAtom == atom.Time
		linked := isTime && inLinkList(n)
		// A <time> whose text is its machine-readable value (or nothing)
		// is not what the reader sees.
		if isTime && !linked && len(m.shown) < maxShown && text != "" && text != strings.TrimSpace(v) {
			m.shown = append(m.shown, d.t)
		}
		if !m.marked.ok() && (ip == "datePublished" || ip == "dateCreated" || hasAttr(n, "pubdate") ||
			strings.Contains(strings.ToLower(attr(n, "class")+" "+attr(n, "id")), "publi")) {
			m.marked = d
		}
		if !m.first.ok() && isTime && !linked {
			m.first = d
		}
	}
	return m
}

// isModifiedClass reports whether a lowercase class/id names a
// modification date.
func isModifiedClass(cls string) bool {
	return strings.Contains(cls, "updated") || strings.Contains(cls, "modified") || strings.Contains(cls, "lastedit") ||
		strings.Contains(cls, "last-edit") || strings.Contains(cls, "update-date") || strings.Contains(cls, "lastupdate") ||
		strings.Contains(cls, "last-update")
}

// isModifiedNode reports whether a date element gives a modification date:
// its class or id says so, or the text just before it is a modification
// label ("Mis à jour le", "Last edited").
func isModifiedNode(n *html.Node) bool {
	for a, depth := n, 0; a != nil && depth < 3; a, depth = a.Parent, depth+1 {
		if isModifiedClass(strings.ToLower(attr(a, "class") + " " + attr(a, "id"))) {
			return true
		}
	}
	// The inline text before n within its parent, up to a block element.
	start := n
	for c := n.PrevSibling; c != nil; c = c.PrevSibling {
		if c.Type == html.ElementNode && !inlineTags[c.DataAtom] {
			break
		}
		start = c
	}
	if start == n {
		return false
	}
	var before strings.Builder
	for c := start; c != n; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			before.WriteString(c.Data)
		case html.ElementNode:
			appendText(&before, c)
		}
	}
	b := before.String()
	if len(b) > 80 {
		b = b[len(b)-80:]
	}
	return reModifiedLabel.MatchString(b)
}

// inLinkList reports whether n sits inside a link, a list item or a
// related/comment block: dates of other articles.
func inLinkList(n *html.Node) bool {
	for a, depth := n.Parent, 0; a != nil && depth < 12; a, depth = a.Parent, depth+1 {
		switch a.DataAtom {
		case atom.A, atom.Footer, atom.Nav:
			return true
		case atom.Blockquote: // an embedded post, a quoted article
			return true
		case atom.Li:
			if isLinkItem(a) {
				return true
			}
		case atom.Aside:
			if !isDateClass(classOf(a)) {
				return true
			}
		}
		// A block the cleaner drops is another article's or a reader's,
		// unless its class names the date itself ("date", "byline").
		if isBoilerplateNode(a) {
			if cls := classOf(a); !isDateClass(cls) || isDateSkip(cls) {
				return true
			}
		}
	}
	return false
}

// linkItemText is the length of a link text that names another article.
const linkItemText = 25

// isLinkItem reports whether a list item links to another page with a
// title-like text (a related article, a menu entry), as opposed to an
// item of the article's own byline ("<li class=date>12.01.2021</li>").
func isLinkItem(li *html.Node) bool {
	found := false
	walk(li, func(n *html.Node) bool {
		if found {
			return false
		}
		if n.DataAtom == atom.A {
			if len(textOf(n)) >= linkItemText {
				found = true
			}
			return false
		}
		return true
	})
	return found
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
	pub time.Time // after a publication label: "Publié le …"
	mod time.Time // after a modification label ("Mis à jour le …") or in an element classed as such
	// shown are the dates the page shows as an article's date, in
	// reading order, at most maxShown: after a publication label, in an
	// element whose class or id says date (its text, or its first
	// title/data-date attribute), in a short line right after the title.
	shown []time.Time
}

// maxShown bounds visibleDates.shown.
const maxShown = 12

// textDates looks for dates in short text blocks of the body, in reading
// order, skipping comments, related lists and sidebars.
func (p *page) textDates(loc *time.Location, now time.Time) visibleDates {
	var v visibleDates
	attrDone := false // a dated element's attribute was read
	seen := 0
	afterH1 := -1    // text elements seen since the h1; -1 before it
	pubDone := false // the labelled publication date is found: only shown dates are gathered
	walk(p.body, func(n *html.Node) bool {
		if seen > 1500 || len(v.shown) >= maxShown || (pubDone && (afterH1 < 0 || afterH1 > 12)) {
			return false
		}
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Nav, atom.Footer,
			atom.Select, atom.Option, atom.Button, atom.Form, atom.Iframe, atom.Svg:
			return false
		case atom.Li:
			if isLinkItem(n) {
				return false
			}
		case atom.Blockquote:
			return false
		case atom.Aside:
			if !isDateClass(classOf(n)) {
				return false
			}
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
		modClass := cls != "" && isModifiedClass(cls)
		if dateClass && !attrDone && !modClass {
			for _, k := range []string{"title", "data-date", "data-time", "content", "data-timestamp", "datetime"} {
				if a := attr(n, k); len(a) >= 8 {
					if t, ok := ParseDate(a, loc); ok && !t.After(now) {
						attrDone = true
						v.shown = append(v.shown, t)
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
			case reModifiedLabel.MatchString(before) || (modClass && !rePublishedLabel.MatchString(before)):
				if v.mod.IsZero() && !pubDone {
					v.mod = d.t
				}
			case rePublishedLabel.MatchString(before) && (len(own) < 120 || dateClass || reStrongLabel.MatchString(before)):
				if v.pub.IsZero() {
					v.pub = d.t
				}
				v.shown = append(v.shown, d.t)
			case dateClass && len(own) < 120, afterH1 >= 0 && afterH1 <= 12 && len(own) < 120:
				v.shown = append(v.shown, d.t)
			}
		}
		pubDone = !v.pub.IsZero()
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
