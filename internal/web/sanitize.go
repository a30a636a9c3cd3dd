package web

import (
	"bytes"
	"html"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"github.com/cner/veille/internal/model"
)

// markedHTML turns a search fragment (the index's HTML-escaped text with the
// matched words between <mark> and </mark>) into HTML that can hold nothing
// but text and balanced <mark> elements, whatever the fragment holds: every
// piece between the marks is unescaped, then escaped again.
func markedHTML(fragment string) template.HTML {
	var b strings.Builder
	open := false
	rest := fragment
	for rest != "" {
		tag := "<mark>"
		if open {
			tag = "</mark>"
		}
		i := strings.Index(rest, tag)
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(html.UnescapeString(rest)))
			break
		}
		b.WriteString(template.HTMLEscapeString(html.UnescapeString(rest[:i])))
		b.WriteString(tag)
		open = !open
		rest = rest[i+len(tag):]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String()) // #nosec: built from escaped text and fixed tags only
}

// fragmentText is a fragment's plain text.
func fragmentText(fragment string) string {
	s := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(fragment)
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// snippet is a mention's extract, split so that the template escapes each
// part and marks the matched words.
type snippet struct {
	Open, Before, Match, After, Close string // Open and Close: "…" where the extract cuts a sentence
}

func snippetOf(m model.Mention) snippet {
	s := m.Snippet
	var sn snippet
	if m.HLStart < 0 || m.HLEnd > len(s) || m.HLStart >= m.HLEnd {
		sn = snippet{Before: s}
	} else {
		sn = snippet{Before: s[:m.HLStart], Match: s[m.HLStart:m.HLEnd], After: s[m.HLEnd:]}
	}
	if first, _ := utf8.DecodeRuneInString(s); first != utf8.RuneError && !unicode.IsUpper(first) &&
		!strings.ContainsRune("«“\"(", first) && !unicode.IsDigit(first) {
		sn.Open = "…"
	}
	if last, _ := utf8.DecodeLastRuneInString(s); last != utf8.RuneError && !strings.ContainsRune(".!?»”\")…", last) {
		sn.Close = "…"
	}
	return sn
}

// copyPolicy is what survives of a stored press page: text structure and
// links, nothing that runs, loads or styles. Scripts, styles, forms,
// frames, images and event handlers are dropped.
func copyPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoReferrerOnLinks(true)
	p.RequireNoFollowOnLinks(true)
	p.AllowAttrs("datetime").OnElements("time")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowElements("article", "section", "header", "footer", "main", "aside", "nav", "div", "span",
		"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "q", "cite", "pre", "code",
		"ul", "ol", "li", "dl", "dt", "dd", "figure", "figcaption", "time", "address",
		"em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "abbr",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td")
	// Elements whose content is not the page's text either.
	p.SkipElementsContent("script", "style", "head", "title", "noscript", "template", "svg", "math",
		"iframe", "object", "embed", "select", "textarea", "button")
	return p
}

// sanitizeCopy returns the stored page reduced to safe HTML.
func sanitizeCopy(p *bluemonday.Policy, page []byte) []byte {
	return p.SanitizeReader(bytes.NewReader(page)).Bytes()
}
