// Package samplepress is the offline press of `veille demo` and of the
// end-to-end tests: five invented French outlets (national, regional,
// trade) served on 127.0.0.1, with RSS, Atom, sitemaps (an index, a gzipped
// one, a Google News one), a site to crawl, a page in Windows-1252, a
// robots.txt, and articles from 2019 to 2025 whose true mentions, homonyms,
// near misses and sidebar-only mentions are listed in press.yaml.
package samplepress

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cner/veille/config"
)

//go:embed press.yaml
var pressYAML []byte

// Outlet is a sample outlet.
type Outlet struct {
	ID     string   `yaml:"id"`
	Name   string   `yaml:"name"`
	Scope  string   `yaml:"scope"`
	Layout string   `yaml:"layout"`
	Feeds  []string `yaml:"feeds"`
}

// Article is a sample article with its known truth.
type Article struct {
	Outlet         string   `yaml:"outlet"`
	Slug           string   `yaml:"slug"`
	DateText       string   `yaml:"date"`
	UpdatedText    string   `yaml:"updated"`
	Title          string   `yaml:"title"`
	Author         string   `yaml:"author"`
	Lead           string   `yaml:"lead"`
	Body           []string `yaml:"body"`
	Related        []string `yaml:"related"`
	Sidebar        []string `yaml:"sidebar"`
	Nav            []string `yaml:"nav"`
	Expect         []string `yaml:"expect"` // entity ids credited; empty: not a clipping
	Robots         string   `yaml:"robots"`
	Charset        string   `yaml:"charset"`
	FeedDuplicates bool     `yaml:"feed_duplicates"`
	Note           string   `yaml:"note"`

	Date    time.Time `yaml:"-"`
	Updated time.Time `yaml:"-"`
	URL     string    `yaml:"-"` // once served
}

// Clipping reports whether a correct pipeline keeps the article as a clipping.
func (a Article) Clipping() bool { return len(a.Expect) > 0 }

type pressFile struct {
	Outlets  []Outlet  `yaml:"outlets"`
	Articles []Article `yaml:"articles"`
}

// Load parses the embedded press, dates in loc.
func Load(loc *time.Location) ([]Outlet, []Article, error) {
	var pf pressFile
	dec := yaml.NewDecoder(bytes.NewReader(pressYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil {
		return nil, nil, fmt.Errorf("samplepress: press.yaml: %w", err)
	}
	outlets := map[string]bool{}
	for _, o := range pf.Outlets {
		outlets[o.ID] = true
	}
	for i := range pf.Articles {
		a := &pf.Articles[i]
		if !outlets[a.Outlet] {
			return nil, nil, fmt.Errorf("samplepress: article %s: unknown outlet %q", a.Slug, a.Outlet)
		}
		t, err := time.ParseInLocation("2006-01-02T15:04", a.DateText, loc)
		if err != nil {
			return nil, nil, fmt.Errorf("samplepress: article %s: date: %w", a.Slug, err)
		}
		a.Date = t
		if a.UpdatedText != "" {
			if a.Updated, err = time.ParseInLocation("2006-01-02T15:04", a.UpdatedText, loc); err != nil {
				return nil, nil, fmt.Errorf("samplepress: article %s: updated: %w", a.Slug, err)
			}
		}
	}
	return pf.Outlets, pf.Articles, nil
}

// Press is the running sample press.
type Press struct {
	loc      *time.Location
	outlets  []Outlet
	articles []Article
	servers  []*http.Server
	bases    map[string]string // outlet id → http://127.0.0.1:port
}

// Start serves every sample outlet on its own port of 127.0.0.1 until ctx
// ends or Close is called.
func Start(ctx context.Context, loc *time.Location) (*Press, error) {
	outlets, articles, err := Load(loc)
	if err != nil {
		return nil, err
	}
	p := &Press{loc: loc, outlets: outlets, articles: articles, bases: map[string]string{}}
	var lc net.ListenConfig
	for _, o := range outlets {
		ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("samplepress: listen: %w", err)
		}
		base := "http://" + ln.Addr().String()
		p.bases[o.ID] = base
		for i := range p.articles {
			if p.articles[i].Outlet == o.ID {
				p.articles[i].URL = base + articlePath(o, p.articles[i])
			}
		}
		srv := &http.Server{Handler: p.handler(o), ReadHeaderTimeout: 5 * time.Second,
			BaseContext: func(net.Listener) context.Context { return ctx }}
		p.servers = append(p.servers, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				_ = err // the listener was closed under it; Close reports nothing more useful
			}
		}()
	}
	go func() {
		<-ctx.Done()
		p.Close()
	}()
	return p, nil
}

// Close stops every server.
func (p *Press) Close() {
	for _, s := range p.servers {
		s.Close()
	}
}

// Articles returns the articles with their served URLs and known truth.
func (p *Press) Articles() []Article { return append([]Article(nil), p.articles...) }

// SampleOutlets returns the sample outlets.
func (p *Press) SampleOutlets() []Outlet { return append([]Outlet(nil), p.outlets...) }

// Base returns an outlet's base URL.
func (p *Press) Base(outletID string) string { return p.bases[outletID] }

// Outlets returns the configuration of the sample outlets.
func (p *Press) Outlets() []config.Outlet {
	var out []config.Outlet
	for _, o := range p.outlets {
		base := p.bases[o.ID]
		co := config.Outlet{ID: o.ID, Name: o.Name, Scope: o.Scope, Domains: []string{strings.TrimPrefix(base, "http://")}}
		for _, f := range o.Feeds {
			switch f {
			case "rss":
				co.Feeds = append(co.Feeds, base+"/rss.xml")
			case "atom":
				co.Feeds = append(co.Feeds, base+"/atom.xml")
			case "sitemap-index":
				co.Sitemaps = append(co.Sitemaps, base+"/sitemap.xml")
			case "news-sitemap":
				co.Sitemaps = append(co.Sitemaps, base+"/sitemap-news.xml")
			case "crawl":
				co.Crawl = config.Crawl{Seeds: []string{base + "/"}, Allow: []string{`/article/[a-z0-9-]+$`}, MaxDepth: 1}
			}
		}
		out = append(out, co)
	}
	return out
}

// Config returns base with its outlets replaced by the sample press and the
// crawler tuned for a local press (no per-host delay).
func (p *Press) Config(base *config.Config) *config.Config {
	cfg := *base
	cfg.Outlets = p.Outlets()
	cfg.Crawler.PerHostDelay = 0
	cfg.Crawler.PerHostConcurrency = 4
	cfg.Crawler.Concurrency = 8
	cfg.Crawler.Timeout = config.Duration(10 * time.Second)
	return &cfg
}

// byOutlet returns an outlet's articles, newest first.
func (p *Press) byOutlet(id string) []Article {
	var out []Article
	for _, a := range p.articles {
		if a.Outlet == id {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	return out
}

func articlePath(o Outlet, a Article) string {
	if strings.Contains(a.Slug, "/") {
		return "/" + a.Slug
	}
	switch o.Layout {
	case "jsonld":
		return fmt.Sprintf("/territoires/%d/%02d/%s.html", a.Date.Year(), a.Date.Month(), a.Slug)
	case "opengraph":
		return "/economie/" + a.Slug
	case "textdate":
		return fmt.Sprintf("/actu/%d/%s", a.Date.Year(), a.Slug)
	case "timetag":
		return "/actualites/" + a.Slug + ".html"
	default:
		return "/article/" + a.Slug
	}
}
