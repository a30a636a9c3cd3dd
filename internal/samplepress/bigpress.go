package samplepress

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/config"
)

// BigPress is a generated press for benchmarks and load tests: many hosts,
// each on its own loopback address (127.0.0.2, 127.0.0.3… on Linux), each
// with an RSS feed of its articles and article pages of a realistic size
// and clutter (navigation, JSON-LD, share bar, related links, footer),
// some of which mention the CNER. Pages are generated on request from a
// seed, never stored.
type BigPress struct {
	hosts    []string // base URLs
	perHost  int
	servers  []*http.Server
	distinct bool
}

// BigOptions size a BigPress.
type BigOptions struct {
	Hosts    int // default 50
	Articles int // in all, default 10,000
}

// StartBig serves a generated press until ctx ends or Close is called.
// Hosts listen on distinct loopback addresses when the system routes
// 127.0.0.0/8 to loopback (Linux); elsewhere they share 127.0.0.1 on
// distinct ports, which Distinct reports.
func StartBig(ctx context.Context, opt BigOptions) (*BigPress, error) {
	if opt.Hosts <= 0 {
		opt.Hosts = 50
	}
	if opt.Articles <= 0 {
		opt.Articles = 10000
	}
	p := &BigPress{perHost: (opt.Articles + opt.Hosts - 1) / opt.Hosts, distinct: true}
	var lc net.ListenConfig
	for i := 0; i < opt.Hosts; i++ {
		addr := fmt.Sprintf("127.0.0.%d:0", i+2)
		if i+2 > 254 {
			addr = "127.0.0.1:0"
			p.distinct = false
		}
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			ln, err = lc.Listen(ctx, "tcp", "127.0.0.1:0")
			p.distinct = false
		}
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("samplepress: listen: %w", err)
		}
		base := "http://" + ln.Addr().String()
		p.hosts = append(p.hosts, base)
		srv := &http.Server{Handler: p.handler(i, base), ReadHeaderTimeout: 5 * time.Second,
			BaseContext: func(net.Listener) context.Context { return ctx }}
		p.servers = append(p.servers, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				_ = err // closed under it: Close says no more
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
func (p *BigPress) Close() {
	for _, s := range p.servers {
		s.Close()
	}
}

// Distinct reports whether every host has its own IP address.
func (p *BigPress) Distinct() bool { return p.distinct }

// Hosts returns the hosts' base URLs.
func (p *BigPress) Hosts() []string { return append([]string(nil), p.hosts...) }

// ArticleURLs returns every article's address.
func (p *BigPress) ArticleURLs() []string {
	out := make([]string, 0, len(p.hosts)*p.perHost)
	for i, base := range p.hosts {
		for n := 0; n < p.perHost; n++ {
			out = append(out, p.articleURL(i, base, n))
		}
	}
	return out
}

// Outlets returns one outlet per host, with its feed.
func (p *BigPress) Outlets() []config.Outlet {
	out := make([]config.Outlet, len(p.hosts))
	for i, base := range p.hosts {
		scope := []string{"national", "regional", "trade"}[i%3]
		out[i] = config.Outlet{ID: fmt.Sprintf("titre-%02d", i+1), Name: fmt.Sprintf("Le Titre %d", i+1), Scope: scope,
			Domains: []string{strings.TrimPrefix(base, "http://")}, Feeds: []string{base + "/rss.xml"}}
	}
	return out
}

func (p *BigPress) articleURL(host int, base string, n int) string {
	return fmt.Sprintf("%s/actualites/%d/%s-%d.html", base, 2020+n%5, slugWords(uint64(host)<<32|uint64(n)), n)
}

func (p *BigPress) handler(host int, base string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "User-agent: *\nDisallow: /compte/\n")
	})
	mux.HandleFunc("GET /rss.xml", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Le Titre</title><ttl>15</ttl>`)
		for n := 0; n < p.perHost; n++ {
			a := genArticle(host, n)
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><pubDate>%s</pubDate><description>%s</description></item>\n",
				html.EscapeString(a.title), p.articleURL(host, base, n), a.date.Format(time.RFC1123Z), html.EscapeString(a.lead))
		}
		b.WriteString("</channel></rss>")
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, b.String())
	})
	mux.HandleFunc("GET /actualites/{year}/{file}", func(w http.ResponseWriter, r *http.Request) {
		file := strings.TrimSuffix(r.PathValue("file"), ".html")
		n, err := strconv.Atoi(file[strings.LastIndexByte(file, '-')+1:])
		if err != nil || n < 0 || n >= p.perHost {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, genArticle(host, n).page(p.articleURL(host, base, n)))
	})
	return mux
}

type genArt struct {
	title, lead, author string
	date                time.Time
	body                []string
}

var (
	genWords = strings.Fields(`agence développement économique territoire entreprise emploi industrie région
		commune intercommunalité projet investissement innovation filière formation recrutement foncier zone
		activité implantation export startup financement subvention élus conseil président directeur réseau
		partenariat stratégie attractivité transition énergie numérique logistique agriculture tourisme santé
		commerce artisanat chantier usine site salariés marché croissance budget étude observatoire bilan
		rencontre forum colloque atelier visite annonce accord convention plan programme dispositif appel
		lauréat concours prix trophée réunion semaine année mois printemps automne hiver été matin soir`)
	genPlaces  = strings.Fields(`Lyon Nantes Rennes Lille Metz Nancy Dijon Brest Toulouse Bordeaux Grenoble Rouen Caen Tours Angers Limoges`)
	genAuthors = []string{"Claire Morvan", "Hugo Lefèvre", "Nadia Benali", "Paul Girard", "Lina Marchand", "Marc Duval"}
	genMention = []string{
		"Le Cner, la fédération des agences de développement économique, salue l'initiative.",
		"Le forum Dev&Co, organisé chaque année par le Cner, y consacrera un atelier.",
		"Selon la présidente du Cner, ce type de projet fait ses preuves dans les territoires.",
	}
)

func slugWords(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	w := make([]string, 5)
	for i := range w {
		w[i] = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "ô", "o", "û", "u").Replace(genWords[r.IntN(len(genWords))])
	}
	return strings.Join(w, "-")
}

// genArticle is article n of host: about 450 words in 7 paragraphs; one
// in six mentions the CNER.
func genArticle(host, n int) genArt {
	r := rand.New(rand.NewPCG(uint64(host)<<32|uint64(n), 42))
	sentence := func(words int) string {
		w := make([]string, words)
		for i := range w {
			w[i] = genWords[r.IntN(len(genWords))]
		}
		if r.IntN(3) == 0 {
			w[r.IntN(words)] = genPlaces[r.IntN(len(genPlaces))]
		}
		s := strings.Join(w, " ")
		return strings.ToUpper(s[:1]) + s[1:] + "."
	}
	a := genArt{
		title:  sentence(8),
		lead:   sentence(20),
		author: genAuthors[r.IntN(len(genAuthors))],
		date:   time.Date(2020+n%5, time.Month(1+r.IntN(12)), 1+r.IntN(28), 6+r.IntN(14), r.IntN(60), 0, 0, time.UTC),
	}
	for i := 0; i < 7; i++ {
		var p []string
		for j := 0; j < 4; j++ {
			p = append(p, sentence(14+r.IntN(6)))
		}
		a.body = append(a.body, strings.Join(p, " "))
	}
	if n%6 == 0 {
		a.body[2+r.IntN(4)] += " " + genMention[r.IntN(len(genMention))]
	}
	return a
}

func (a genArt) page(url string) string {
	var b strings.Builder
	b.Grow(12 << 10)
	e := html.EscapeString
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>%s | Le Titre</title>
<link rel="canonical" href="%s"><meta name="description" content="%s">
<meta property="og:title" content="%s"><meta property="og:url" content="%s"><meta property="og:type" content="article">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"%s","datePublished":"%s","author":{"@type":"Person","name":"%s"}}</script>
<link rel="stylesheet" href="/static/site.css"></head><body>
<header class="site-header"><a class="logo" href="/">Le Titre</a><nav class="menu"><ul>`,
		e(a.title), url, e(a.lead), e(a.title), url, e(a.title), a.date.Format(time.RFC3339), a.author)
	for _, s := range []string{"Accueil", "Économie", "Territoires", "Politique", "Société", "Sport", "Culture", "Opinions"} {
		fmt.Fprintf(&b, `<li><a href="/rubriques/%s">%s</a></li>`, strings.ToLower(s), s)
	}
	b.WriteString(`</ul></nav></header>
<div class="cookie-banner">Nous utilisons des cookies pour mesurer l'audience. <button>Accepter</button></div>
<main><article class="article">`)
	fmt.Fprintf(&b, `<h1 class="article-title">%s</h1><p class="byline">Par <span class="author">%s</span>, le <time datetime="%s">%s</time></p>
<p class="chapo">%s</p><div class="article-body">`, e(a.title), a.author, a.date.Format(time.RFC3339), a.date.Format("02/01/2006"), e(a.lead))
	for _, p := range a.body {
		fmt.Fprintf(&b, "<p>%s</p>\n", e(p))
	}
	b.WriteString(`</div><div class="share-bar">Partager : <a href="#">Facebook</a> <a href="#">X</a> <a href="#">LinkedIn</a></div>
</article><aside class="related"><h2>À lire aussi</h2><ul>`)
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&b, `<li><a href="/rubriques/economie">Les autres nouvelles du jour, épisode %d</a></li>`, i+1)
	}
	b.WriteString(`</ul></aside></main><footer class="site-footer"><p>© Le Titre. Tous droits réservés.</p>
<ul><li><a href="/mentions">Mentions légales</a></li><li><a href="/contact">Contact</a></li></ul></footer></body></html>`)
	return b.String()
}

// GeneratedPage is the page BigPress serves for article n of host, at url:
// tests that serve their own press use it for realistic, distinct pages.
func GeneratedPage(host, n int, url string) string { return genArticle(host, n).page(url) }
