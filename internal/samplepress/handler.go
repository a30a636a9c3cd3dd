package samplepress

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
)

func (p *Press) handler(o Outlet) http.Handler {
	mux := http.NewServeMux()
	base := func() string { return p.bases[o.ID] }
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "User-agent: *\nDisallow: /prive/\n")
	})
	for _, a := range p.byOutlet(o.ID) {
		path := strings.TrimPrefix(a.URL, base())
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			p.serveArticle(w, o, a)
		})
	}
	mux.HandleFunc("GET /rss.xml", func(w http.ResponseWriter, r *http.Request) { p.serveRSS(w, r, o) })
	mux.HandleFunc("GET /atom.xml", func(w http.ResponseWriter, r *http.Request) { p.serveAtom(w, r, o) })
	mux.HandleFunc("GET /sitemap.xml", func(w http.ResponseWriter, r *http.Request) { p.serveSitemapIndex(w, o) })
	mux.HandleFunc("GET /sitemaps/{file}", func(w http.ResponseWriter, r *http.Request) {
		p.serveYearSitemap(w, o, r.PathValue("file"))
	})
	mux.HandleFunc("GET /sitemap-news.xml", func(w http.ResponseWriter, r *http.Request) { p.serveNewsSitemap(w, o) })
	mux.HandleFunc("GET /rubriques/{section}", func(w http.ResponseWriter, r *http.Request) {
		p.serveSection(w, o, r.PathValue("section"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { p.serveHome(w, o) })
	return mux
}

// pageData feeds the article templates.
type pageData struct {
	Outlet    Outlet
	A         Article
	Canonical string
	JSONLD    template.JS
	Published string // RFC 3339
	Updated   string
	DateFR    string // "26 septembre 2019"
	DateNum   string // "26/09/2019 à 10h15"
	UpdatedFR string
	Charset   string
}

const moisFR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"

func dateFR(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), strings.Fields(moisFR)[t.Month()-1], t.Year())
}

func (p *Press) serveArticle(w http.ResponseWriter, o Outlet, a Article) {
	d := pageData{Outlet: o, A: a, Canonical: a.URL, Published: a.Date.Format(time.RFC3339),
		DateFR: dateFR(a.Date), DateNum: a.Date.Format("02/01/2006 à 15h04"), Charset: "utf-8"}
	if !a.Updated.IsZero() {
		d.Updated = a.Updated.Format(time.RFC3339)
		d.UpdatedFR = dateFR(a.Updated)
	}
	if a.Charset != "" {
		d.Charset = a.Charset
	}
	ld, err := json.Marshal(map[string]any{
		"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.Title,
		"datePublished": d.Published, "author": map[string]string{"@type": "Person", "name": a.Author},
		"publisher": map[string]string{"@type": "Organization", "name": o.Name},
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	d.JSONLD = template.JS(ld) // json.Marshal escapes <, > and &
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, o.Layout, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body := buf.Bytes()
	if a.Charset == "windows-1252" {
		enc, err := charmap.Windows1252.NewEncoder().Bytes(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// No charset in the header: the page's <meta charset> must be read.
		w.Header().Set("Content-Type", "text/html")
		w.Write(enc)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(body)
}

func (p *Press) serveHome(w http.ResponseWriter, o Outlet) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct {
		Outlet   Outlet
		Sections []string
		Articles []Article
	}{o, []string{"agences", "economie"}, nil}
	if o.Layout != "byline" { // the crawled outlet lists articles only in its sections
		data.Articles = p.byOutlet(o.ID)
	}
	if err := pageTemplates.ExecuteTemplate(w, "home", data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// serveSection lists half of the outlet's articles in each section (odd and
// even positions), so that a crawl must visit both.
func (p *Press) serveSection(w http.ResponseWriter, o Outlet, section string) {
	var list []Article
	for i, a := range p.byOutlet(o.ID) {
		if (section == "agences") == (i%2 == 0) {
			list = append(list, a)
		}
	}
	if section != "agences" && section != "economie" {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct {
		Outlet   Outlet
		Sections []string
		Articles []Article
	}{o, []string{"agences", "economie"}, list}
	if err := pageTemplates.ExecuteTemplate(w, "home", data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	Description string `xml:"description"`
	PubDate     string `xml:"pubDate"`
	GUID        string `xml:"guid"`
}

func (p *Press) serveRSS(w http.ResponseWriter, r *http.Request, o Outlet) {
	type channel struct {
		Title string    `xml:"title"`
		Link  string    `xml:"link"`
		Desc  string    `xml:"description"`
		TTL   int       `xml:"ttl"`
		Items []rssItem `xml:"item"`
	}
	type rss struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		Channel channel  `xml:"channel"`
	}
	ch := channel{Title: o.Name, Link: p.bases[o.ID] + "/", Desc: "Toute l'actualité de " + o.Name, TTL: 30}
	for _, a := range p.byOutlet(o.ID) {
		link := a.URL
		if o.Layout == "timetag" {
			link += "?xtor=RSS-1&utm_source=rss" // tracking parameters, as real feeds carry
		}
		item := rssItem{Title: a.Title, Link: link, Description: a.Lead, PubDate: a.Date.Format(time.RFC1123Z), GUID: a.URL}
		ch.Items = append(ch.Items, item)
		if a.FeedDuplicates {
			dup := item
			dup.Link = a.URL + "?utm_source=twitter&utm_medium=social#xtor=CS1"
			dup.GUID = dup.Link
			ch.Items = append(ch.Items, dup)
		}
	}
	writeXML(w, r, "application/rss+xml; charset=utf-8", rss{Version: "2.0", Channel: ch})
}

func (p *Press) serveAtom(w http.ResponseWriter, r *http.Request, o Outlet) {
	type link struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr,omitempty"`
	}
	type entry struct {
		Title     string `xml:"title"`
		Link      link   `xml:"link"`
		ID        string `xml:"id"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Summary   string `xml:"summary"`
		Author    struct {
			Name string `xml:"name"`
		} `xml:"author"`
	}
	type feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
		ID      string   `xml:"id"`
		Updated string   `xml:"updated"`
		Links   []link   `xml:"link"`
		Entries []entry  `xml:"entry"`
	}
	f := feed{Title: o.Name, ID: p.bases[o.ID] + "/", Links: []link{{Href: p.bases[o.ID] + "/atom.xml", Rel: "self"}}}
	for i, a := range p.byOutlet(o.ID) {
		if i == 0 {
			f.Updated = a.Date.Format(time.RFC3339)
		}
		// Relative links: the feed's address resolves them.
		e := entry{Title: a.Title, Link: link{Href: strings.TrimPrefix(a.URL, p.bases[o.ID])}, ID: a.URL,
			Published: a.Date.Format(time.RFC3339), Updated: a.Date.Format(time.RFC3339), Summary: a.Lead}
		e.Author.Name = a.Author
		f.Entries = append(f.Entries, e)
	}
	writeXML(w, r, "application/atom+xml; charset=utf-8", f)
}

type urlEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

func (p *Press) years(o Outlet) []int {
	seen := map[int]bool{}
	var ys []int
	for _, a := range p.byOutlet(o.ID) {
		if y := a.Date.Year(); !seen[y] {
			seen[y] = true
			ys = append(ys, y)
		}
	}
	return ys
}

// serveSitemapIndex lists one sitemap per year; even years are gzipped.
func (p *Press) serveSitemapIndex(w http.ResponseWriter, o Outlet) {
	type index struct {
		XMLName  xml.Name   `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
		Sitemaps []urlEntry `xml:"sitemap"`
	}
	var idx index
	for _, y := range p.years(o) {
		name := fmt.Sprintf("%d.xml", y)
		if y%2 == 0 {
			name += ".gz"
		}
		idx.Sitemaps = append(idx.Sitemaps, urlEntry{Loc: p.bases[o.ID] + "/sitemaps/" + name})
	}
	writeXML(w, nil, "application/xml; charset=utf-8", idx)
}

func (p *Press) serveYearSitemap(w http.ResponseWriter, o Outlet, file string) {
	type urlset struct {
		XMLName xml.Name   `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
		URLs    []urlEntry `xml:"url"`
	}
	gz := strings.HasSuffix(file, ".gz")
	var year int
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimSuffix(file, ".gz"), ".xml"), "%d", &year); err != nil {
		http.NotFound(w, nil)
		return
	}
	var set urlset
	for _, a := range p.byOutlet(o.ID) {
		if a.Date.Year() == year {
			set.URLs = append(set.URLs, urlEntry{Loc: a.URL, LastMod: a.Date.Format(time.RFC3339)})
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(set); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !gz {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Write(buf.Bytes())
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	zw := gzip.NewWriter(w)
	zw.Write(buf.Bytes())
	zw.Close()
}

// serveNewsSitemap is a Google News sitemap of every article.
func (p *Press) serveNewsSitemap(w http.ResponseWriter, o Outlet) {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">` + "\n")
	for _, a := range p.byOutlet(o.ID) {
		fmt.Fprintf(&b, "<url><loc>%s</loc><news:news><news:publication><news:name>%s</news:name><news:language>fr</news:language></news:publication>"+
			"<news:publication_date>%s</news:publication_date><news:title>%s</news:title></news:news></url>\n",
			xmlEscape(a.URL), xmlEscape(o.Name), a.Date.Format(time.RFC3339), xmlEscape(a.Title))
	}
	b.WriteString("</urlset>\n")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	fmt.Fprint(w, b.String())
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeXML encodes v, answering conditional GETs with 304 when the ETag
// matches (the feed never changes while the press runs).
func writeXML(w http.ResponseWriter, r *http.Request, contentType string, v any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	etag := fmt.Sprintf(`"%x"`, sum[:8])
	w.Header().Set("ETag", etag)
	if r != nil && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(buf.Bytes())
}
