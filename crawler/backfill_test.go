package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cner/veille/internal/store"
)

// TestBackfillResumes walks a press whose sitemap index has one child a
// month from 2020 to 2022, and whose other outlet has dated archive pages,
// for the year 2021: only that year's children and articles are taken; a
// walk interrupted half-way resumes where it stopped without reading again
// what it had read.
func TestBackfillResumes(t *testing.T) {
	var (
		h      hits
		srv    *httptest.Server
		cancel atomic.Pointer[context.CancelFunc]
		calls  atomic.Int32
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nAllow: /\nSitemap: %s/sitemap-index.xml\n", srv.URL)
	})
	mux.HandleFunc("/sitemap-index.xml", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		var b strings.Builder
		b.WriteString(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for y := 2020; y <= 2022; y++ {
			for m := 1; m <= 12; m++ {
				fmt.Fprintf(&b, "<sitemap><loc>%s/sitemaps/%d-%02d.xml</loc></sitemap>", srv.URL, y, m)
			}
		}
		b.WriteString(`</sitemapindex>`)
		fmt.Fprint(w, b.String())
	})
	mux.HandleFunc("/sitemaps/{file}", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		if calls.Add(1) == 5 {
			if c := cancel.Load(); c != nil {
				(*c)() // the user presses Ctrl-C
			}
		}
		var y, m int
		fmt.Sscanf(r.PathValue("file"), "%d-%d.xml", &y, &m)
		fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>%[1]s/eco/%[2]d/%02[3]d/premier-article-du-mois</loc><lastmod>%[2]d-%02[3]d-03</lastmod></url>
<url><loc>%[1]s/eco/%[2]d/%02[3]d/second-article-du-mois</loc></url></urlset>`, srv.URL, y, m)
	})
	mux.HandleFunc("/archives/{date}", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		d := r.PathValue("date")
		fmt.Fprintf(w, `<html><body><a href="/">Accueil</a><a href="/tag/economie">Économie</a>
<a href="/actu/%[1]s-les-agences-se-mobilisent-encore">Les agences</a></body></html>`, d)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	// The outlet configures its archive pages only: its sitemap index is
	// found in its robots.txt.
	press := outletOf("press", srv)
	press.Archives = []string{srv.URL + "/archives/{date}"}
	cfg := testConfig(t, press)
	cfg.Crawler.Concurrency = 1
	cr, st := testCrawler(t, cfg)
	sources, _ := st.Sources(context.Background(), false)
	b := cr.NewBackfill(Period{From: day(2021, 1, 1), To: day(2021, 12, 31)}, "")
	if b.Key != "2021-01-01..2021-12-31" {
		t.Errorf("key = %q", b.Key)
	}
	ctx, stop := context.WithCancel(context.Background())
	cancel.Store(&stop)
	if _, err := b.Plan(ctx, cfg.Outlets, sources); err != nil {
		t.Fatal(err)
	}
	_, err := b.Walk(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted walk: err = %v", err)
	}
	counts, _ := st.BackfillCounts(context.Background(), b.Key, "")
	if counts[store.BackfillPending] == 0 || counts[store.BackfillDone] == 0 {
		t.Fatalf("after the interruption: %v", counts)
	}
	// Run it again: the plan adds nothing new, the walk finishes.
	cancel.Store(nil)
	var last [2]int
	if n, err := b.Plan(context.Background(), cfg.Outlets, sources); err != nil || n != 0 {
		t.Errorf("second plan added %d pages (%v)", n, err)
	}
	stats, err := b.Walk(context.Background(), func(done, total int) { last = [2]int{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	// 365 archive pages, the index, 12 monthly sitemaps of 2021.
	if stats.PagesTotal != 365+1+12 || last != [2]int{378, 378} || stats.PagesFailed != 0 {
		t.Errorf("stats = %+v, last progress %v", stats, last)
	}
	for m := 1; m <= 12; m++ {
		p := fmt.Sprintf("/sitemaps/2021-%02d.xml", m)
		if n := h.get(p); n < 1 || n > 2 {
			t.Errorf("%s read %d times", p, n)
		}
	}
	read := 0
	for y := 2020; y <= 2022; y += 2 {
		for m := 1; m <= 12; m++ {
			read += h.get(fmt.Sprintf("/sitemaps/%d-%02d.xml", y, m))
		}
	}
	if read != 0 {
		t.Errorf("%d sitemaps of 2020 and 2022 were read", read)
	}
	if n := h.get("/archives/2021-03-15"); n != 1 {
		t.Errorf("an archive page was read %d times", n)
	}
	c, err := st.FrontierCounts(context.Background())
	if err != nil || c[store.StatePending] != 365+12*2 {
		t.Errorf("frontier = %v (%v), want %d pending", c, err, 365+24)
	}
	fe, err := st.FrontierURL(context.Background(), srv.URL+"/actu/2021-03-15-les-agences-se-mobilisent-encore")
	if err != nil || fe.OutletID != "press" || fe.SourceID == 0 {
		t.Errorf("archive link = %+v, %v", fe, err)
	}
	// Done is done: a third run reads nothing.
	before := h.get("/sitemap-index.xml")
	if _, err := b.Walk(context.Background(), nil); err != nil || h.get("/sitemap-index.xml") != before {
		t.Errorf("a finished backfill read again (%v)", err)
	}
}
