// Package extract turns an article page (UTF-8 HTML) into a model.Article:
// its main text without the page's furniture (navigation, related links,
// comments, cookie banners, newsletter boxes, share bars), its title, lead,
// authors, site name, language, canonical URL, description, publication and
// modification dates, and whether it is a teaser behind a paywall.
//
// The pipeline is one parse and a few walks over the tree:
//
//  1. metadata from the head: JSON-LD, OpenGraph and other meta tags,
//     <link rel=canonical>, <html lang>;
//  2. the dates (see dates.go): structured data first, then <time>, the
//     dates the page shows its reader and the URL, then checked against
//     what the page shows (its zone, a re-dated article, disagreeing
//     sources); never a date after Now;
//  3. boilerplate removal by tag, ARIA role, hidden state and class/id
//     vocabulary (English and French), then the main text: the container
//     that holds the most paragraph text, scored readability-style, with
//     its siblings of the same kind, then cleaned of link lists;
//  4. the lead (chapô) told apart by its class vocabulary;
//  5. paywall signals: JSON-LD isAccessibleForFree, content-tier meta,
//     paywall boxes and their French and English phrases.
//
// Lead and Text: when a lead is told apart it is NOT repeated at the start
// of Text, so that the matcher counts a mention in it once. The main text
// of a page is therefore Lead + "\n\n" + Text: FullText returns it, and the
// evaluation scores it.
//
// Outlet-specific CSS selectors (config.Selectors) override the generic
// rules for the outlets the product monitors.
package extract

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options tunes one extraction.
type Options struct {
	Location        *time.Location   // zone for dates without one; nil means Europe/Paris
	Now             time.Time        // dates after Now are refused; zero means time.Now()
	Selectors       config.Selectors // optional outlet-specific CSS selectors
	FeedDescription string           // the feed's summary, kept as Description for paywalled teasers
	FeedPublished   time.Time        // the feed/sitemap date, a fallback when the page has none
}

// maxHTML bounds the input: larger pages are cut (the article is at the
// top of any page this large).
const maxHTML = 8 << 20

// Extract reads an article page. html must be UTF-8 (see
// internal/charset.ToUTF8); pageURL is the URL it was fetched from, used to
// resolve relative links and as a date source.
func Extract(htmlBytes []byte, pageURL string, opt Options) (*model.Article, error) {
	if len(htmlBytes) > maxHTML {
		htmlBytes = htmlBytes[:maxHTML]
	}
	doc, err := html.Parse(bytes.NewReader(htmlBytes))
	if err != nil {
		return nil, fmt.Errorf("extract: parsing %s: %w", pageURL, err)
	}
	return ExtractNode(doc, pageURL, opt)
}

// ExtractNode is Extract on a parsed document. It modifies doc (boilerplate
// is removed from the tree).
func ExtractNode(doc *html.Node, pageURL string, opt Options) (*model.Article, error) {
	if opt.Location == nil {
		opt.Location = paris()
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	sel, err := compileSelectors(opt.Selectors)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(pageURL)

	p := &page{doc: doc, url: pageURL, base: base, opt: opt}
	p.scanHead()
	art := &model.Article{URL: pageURL}
	p.fillMeta(art, sel)
	p.findDates(art, sel)

	lead, text := p.mainText(sel)
	// Pages that render their text with scripts still carry it in JSON-LD
	// articleBody: use it when the page's HTML gave much less.
	if ld := p.article(); ld != nil && ld.articleBody != "" {
		body := cleanText(ld.articleBody)
		if k := countLetters(body); k > 200 && countLetters(text) < k/2 {
			text = body
		}
	}
	art.Lead = lead
	art.Text = text
	p.detectPaywall(art)
	if art.Title == "" {
		art.Title = p.fallbackTitle()
	}
	if art.Paywalled && opt.FeedDescription != "" {
		art.Description = strings.TrimSpace(opt.FeedDescription)
	} else if art.Description == "" && opt.FeedDescription != "" {
		art.Description = strings.TrimSpace(opt.FeedDescription)
	}
	return art, nil
}

// page is one extraction in progress.
type page struct {
	doc  *html.Node
	url  string
	base *url.URL
	opt  Options

	htmlNode, head, body *html.Node
	htmlLang             string
	titleTag             string
	meta                 map[string]string // lowercased name/property/itemprop → first content
	canonical            string
	ld                   []*ldNode
	ldScripts            []*html.Node
	h1                   *html.Node
	h1Count              int
	// timeNodes are <time> elements and elements with itemprop date
	// attributes, gathered by the head scan.
	timeNodes   []*html.Node
	paywallHint bool // a paywall box or phrase was seen while cleaning
}

// scanHead gathers, in one walk over the whole document, what the later
// steps read: meta tags, title, canonical link, JSON-LD scripts, h1 and
// <time> elements.
func (p *page) scanHead() {
	p.meta = make(map[string]string, 32)
	walk(p.doc, func(n *html.Node) bool {
		switch n.DataAtom {
		case atom.Html:
			p.htmlNode = n
			p.htmlLang = attr(n, "lang")
			if p.htmlLang == "" {
				p.htmlLang = attr(n, "xml:lang")
			}
		case atom.Head:
			p.head = n
		case atom.Body:
			p.body = n
		case atom.Title:
			if p.titleTag == "" && !inSVG(n) {
				p.titleTag = textOf(n)
			}
			return false
		case atom.Meta:
			content, hasContent := "", false
			for _, a := range n.Attr {
				if a.Key == "content" {
					content, hasContent = a.Val, true
				}
			}
			if !hasContent {
				return false
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "name", "property", "itemprop", "http-equiv":
					k := strings.ToLower(strings.TrimSpace(a.Val))
					if k == "" {
						continue
					}
					if _, seen := p.meta[k]; !seen && strings.TrimSpace(content) != "" {
						p.meta[k] = strings.TrimSpace(content)
					}
				}
			}
			if attr(n, "itemprop") != "" && n.Parent != nil && n.Parent.DataAtom != atom.Head {
				p.timeNodes = append(p.timeNodes, n)
			}
			return false
		case atom.Link:
			if p.canonical == "" && strings.EqualFold(strings.TrimSpace(attr(n, "rel")), "canonical") {
				p.canonical = strings.TrimSpace(attr(n, "href"))
			}
			return false
		case atom.Script:
			if t := strings.ToLower(attr(n, "type")); strings.Contains(t, "ld+json") || (!strings.Contains(t, "json") && looksLikeJSONLD(n)) {
				p.ldScripts = append(p.ldScripts, n)
			}
			return false
		case atom.Style, atom.Noscript, atom.Template:
			return false
		case atom.H1:
			p.h1Count++
			if p.h1 == nil {
				p.h1 = n
			}
		case atom.Time:
			p.timeNodes = append(p.timeNodes, n)
		default:
			if n.DataAtom == 0 && n.Data == "svg" {
				return false
			}
			if ip := attr(n, "itemprop"); ip == "datePublished" || ip == "dateCreated" || ip == "dateModified" || hasAttr(n, "datetime") {
				p.timeNodes = append(p.timeNodes, n)
			}
		}
		return true
	})
	p.ld = readJSONLD(p.ldScripts)
	if p.body == nil {
		p.body = p.doc
	}
}

func inSVG(n *html.Node) bool {
	for a := n.Parent; a != nil; a = a.Parent {
		if a.Data == "svg" {
			return true
		}
	}
	return false
}

// article returns the first JSON-LD node of an article type, or nil.
func (p *page) article() *ldNode {
	for _, n := range p.ld {
		if n.isArticle() {
			return n
		}
	}
	return nil
}

// metaFirst returns the first non-empty meta value among keys.
func (p *page) metaFirst(keys ...string) string {
	for _, k := range keys {
		if v := p.meta[k]; v != "" {
			return v
		}
	}
	return ""
}

// resolve makes ref absolute against the page URL.
func (p *page) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if p.base != nil {
		u = p.base.ResolveReference(u)
	}
	if !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.String()
}

// FullText is the article's main text with its lead: Lead, a blank line,
// Text (either may be empty).
func FullText(a *model.Article) string {
	switch {
	case a.Lead == "":
		return a.Text
	case a.Text == "":
		return a.Lead
	}
	return a.Lead + "\n\n" + a.Text
}

// looksLikeJSONLD reports whether a script without the JSON-LD type holds
// JSON-LD all the same (some CMS omit the type).
func looksLikeJSONLD(n *html.Node) bool {
	if n.FirstChild == nil {
		return false
	}
	s := strings.TrimSpace(n.FirstChild.Data)
	if len(s) < 20 || (s[0] != '{' && s[0] != '[') {
		return false
	}
	head := s[:min(len(s), 200)]
	return strings.Contains(head, "@context") || strings.Contains(head, "@type")
}
