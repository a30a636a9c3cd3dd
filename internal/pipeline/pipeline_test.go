package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/store"
)

// TestOneArticleManyPaths: an article found by its feed (with tracking
// parameters), its sitemap, and a crawl (its AMP variant) is one clipping;
// a headline edited after publication, which changes the slug, does not
// make a second one.
func TestOneArticleManyPaths(t *testing.T) {
	var (
		srv    *httptest.Server
		edited atomic.Bool
		hits   sync.Map
	)
	count := func(p string) {
		n, _ := hits.LoadOrStore(p, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		slug, title := "forum-des-agences-a-lyon-4242", "Forum des agences à Lyon"
		if edited.Load() {
			slug, title = "le-forum-des-agences-fait-le-plein-a-lyon-4242", "Le forum des agences fait le plein à Lyon"
		}
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Flux</title>
<item><title>Le Cner réunit les agences</title><link>%[1]s/eco/le-cner-reunit-les-agences?utm_source=rss&amp;xtor=RSS-1</link></item>
<item><title>%[3]s</title><link>%[1]s/eco/%[2]s</link></item></channel></rss>`, srv.URL, slug, title)
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/eco/le-cner-reunit-les-agences</loc></url></urlset>`, srv.URL)
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><a href="/eco/le-cner-reunit-les-agences/amp">AMP</a></body></html>`)
	})
	mux.HandleFunc("/eco/le-cner-reunit-les-agences", func(w http.ResponseWriter, r *http.Request) {
		count(r.URL.Path)
		fmt.Fprint(w, articlePage(srv.URL+"/eco/le-cner-reunit-les-agences", "Le Cner réunit les agences",
			"2021-06-15T10:00:00+02:00", longText("la relance", 0)...))
	})
	mux.HandleFunc("/eco/le-cner-reunit-les-agences/amp", func(w http.ResponseWriter, r *http.Request) {
		count(r.URL.Path)
		fmt.Fprint(w, articlePage(srv.URL+"/eco/le-cner-reunit-les-agences", "Le Cner réunit les agences",
			"2021-06-15T10:00:00+02:00", longText("la relance", 0)...))
	})
	forum := func(title string) string {
		return articlePage("", title, "2021-06-16T09:00:00+02:00", longText("leur forum annuel", 1)...)
	}
	mux.HandleFunc("/eco/forum-des-agences-a-lyon-4242", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, forum("Forum des agences à Lyon"))
	})
	mux.HandleFunc("/eco/le-forum-des-agences-fait-le-plein-a-lyon-4242", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, forum("Le forum des agences fait le plein à Lyon"))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	o := outletOf("lyon", srv)
	o.Feeds = []string{srv.URL + "/rss.xml"}
	o.Sitemaps = []string{srv.URL + "/sitemap.xml"}
	o.Crawl = config.Crawl{Seeds: []string{srv.URL + "/"}, Allow: []string{`/eco/`}}
	env := newEnv(t, baseConfig(t, o))
	ctx := context.Background()
	if _, err := env.pl.CrawlOnce(ctx, nil); err != nil {
		t.Fatal(err)
	}
	stats, _ := env.st.Stats(ctx)
	if stats.Articles != 2 || stats.Clippings != 2 {
		t.Errorf("after the first pass: %+v, want 2 articles", stats)
	}
	n, _ := hits.Load("/eco/le-cner-reunit-les-agences")
	if got := n.(*atomic.Int32).Load(); got != 1 {
		t.Errorf("the article was fetched %d times", got)
	}
	// The headline is edited: the feed now lists the new slug.
	edited.Store(true)
	if _, err := env.pl.CrawlOnce(ctx, nil); err != nil {
		t.Fatal(err)
	}
	stats, _ = env.st.Stats(ctx)
	if stats.Articles != 2 {
		t.Errorf("after the headline edit: %d articles, want 2", stats.Articles)
	}
	oldID, ok1, _ := env.st.ArticleIDByURL(ctx, srv.URL+"/eco/forum-des-agences-a-lyon-4242")
	newID, ok2, _ := env.st.ArticleIDByURL(ctx, srv.URL+"/eco/le-forum-des-agences-fait-le-plein-a-lyon-4242")
	if !ok1 || !ok2 || oldID != newID {
		t.Fatalf("old and new addresses: %d (%v), %d (%v)", oldID, ok1, newID, ok2)
	}
	c, err := env.st.Clipping(ctx, oldID)
	if err != nil || c.Title != "Le forum des agences fait le plein à Lyon" {
		t.Errorf("clipping title = %q (%v), want the edited headline", c.Title, err)
	}
	// A different article of the same days stays apart: texts differ.
	if sameText(strings.Join(longText("la relance", 0), " "), strings.Join(longText("la relance", 1), " ")) {
		t.Error("two different articles were taken for one")
	}
}

// TestAdd: an article added by hand is fetched, stored, indexed and
// recorded in the frontier; addresses on private networks are refused
// unless allowed, configured outlets are trusted, and the errors tell
// their cause.
func TestAdd(t *testing.T) {
	page := articlePage("", "Le Cner à Lyon", "2021-06-15T10:00:00+02:00", longText("la relance", 0)...)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nDisallow: /\n") // a person's request does not read it
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	press := httptest.NewServer(handler)
	defer press.Close()
	elsewhere := httptest.NewServer(handler) // a host no outlet has, on 127.0.0.1
	defer elsewhere.Close()
	cfg := baseConfig(t, outletOf("local", press), config.Outlet{ID: "autre", Name: "Autre", Scope: "national",
		Domains: []string{"autre.example"}})
	env := newEnv(t, cfg)
	ctx := context.Background()

	res, err := env.pl.Add(ctx, AddRequest{URL: press.URL + "/eco/le-cner-a-lyon?utm_source=mail"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.OutletID != "local" || len(res.Mentions) == 0 || res.URL != press.URL+"/eco/le-cner-a-lyon" {
		t.Errorf("add = %+v", res)
	}
	if ok, err := env.ix.Has(res.ID); !ok || err != nil {
		t.Errorf("not indexed: %v", err)
	}
	fe, err := env.st.FrontierURL(ctx, res.URL)
	if err != nil || fe.State != store.StateFetched || fe.ArticleID != res.ID {
		t.Errorf("frontier = %+v, %v", fe, err)
	}
	// Again, with a date: the same article, its date set by hand.
	res2, err := env.pl.Add(ctx, AddRequest{URL: press.URL + "/eco/le-cner-a-lyon",
		Published: time.Date(2021, 6, 14, 0, 0, 0, 0, cfg.Location())})
	if err != nil || res2.Created || res2.ID != res.ID || res2.Article.DateSource != "manual" {
		t.Errorf("second add = %+v, %v", res2, err)
	}
	c, _ := env.st.Clipping(ctx, res.ID)
	if c == nil || !c.Published.Equal(time.Date(2021, 6, 14, 0, 0, 0, 0, cfg.Location())) {
		t.Errorf("published = %v", c.Published)
	}

	for _, tc := range []struct {
		req  AddRequest
		want error
	}{
		{AddRequest{URL: elsewhere.URL + "/a"}, ErrNoOutlet},
		{AddRequest{URL: elsewhere.URL + "/a", OutletID: "autre"}, ErrRefusedAddress},
		{AddRequest{URL: "http://169.254.169.254/latest/meta-data/", OutletID: "autre"}, ErrRefusedAddress},
		{AddRequest{URL: "http://localhost:1/admin", OutletID: "autre"}, ErrRefusedAddress},
		{AddRequest{URL: press.URL + "/a", OutletID: "inconnu"}, ErrUnknownOutlet},
		{AddRequest{URL: "ftp://x.fr/a"}, ErrInvalidURL},
		{AddRequest{URL: "/eco/relative"}, ErrInvalidURL},
	} {
		_, err := env.pl.Add(ctx, tc.req)
		if !errors.Is(err, tc.want) {
			t.Errorf("Add(%+v) = %v, want %v", tc.req, err, tc.want)
		}
	}
	// Allowed by the configuration, the private address is fetched.
	cfg2 := baseConfig(t, outletOf("local", press), config.Outlet{ID: "autre", Name: "Autre", Scope: "national",
		Domains: []string{"autre.example"}})
	cfg2.Crawler.AllowPrivate = true
	env2 := newEnv(t, cfg2)
	res3, err := env2.pl.Add(ctx, AddRequest{URL: elsewhere.URL + "/eco/repere-ailleurs", OutletID: "autre"})
	if err != nil || res3.OutletID != "autre" {
		t.Errorf("allow_private: %+v, %v", res3, err)
	}
}

// TestRun: the daemon polls due sources, fetches and indexes what they
// announce, schedules each source by its feed's TTL, and stops within
// seconds when its context ends.
func TestRun(t *testing.T) {
	var srv *httptest.Server
	var feedHits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		feedHits.Add(1)
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>F</title><ttl>90</ttl>
<item><title>Un</title><link>%[1]s/eco/un</link></item><item><title>Deux</title><link>%[1]s/eco/deux</link></item>
<item><title>Trois</title><link>%[1]s/eco/trois</link></item></channel></rss>`, srv.URL)
	})
	mux.HandleFunc("/eco/{slug}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, articlePage("", "Article "+r.PathValue("slug"), "2024-03-01T10:00:00+01:00", longText(r.PathValue("slug"), map[string]int{"un": 0, "deux": 1, "trois": 2}[r.PathValue("slug")])...))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	o := outletOf("daemon", srv)
	o.Feeds = []string{srv.URL + "/rss.xml"}
	env := newEnv(t, baseConfig(t, o))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var polls atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- env.pl.Run(ctx, RunOptions{OnPoll: func(store.Source, crawler.PollResult) { polls.Add(1) }})
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, _ := env.ix.DocCount()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s, %d documents indexed", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop within 10 s")
	}
	t.Logf("stopped in %s", time.Since(stop).Round(time.Millisecond))
	if polls.Load() != 1 || feedHits.Load() != 1 {
		t.Errorf("%d polls, %d feed hits: the feed is due again only after its TTL", polls.Load(), feedHits.Load())
	}
	src, _ := env.st.Sources(context.Background(), false)
	if d := src[0].NextCheckAt.Sub(src[0].LastCheckAt); d != 90*time.Minute {
		t.Errorf("next check in %s, want the TTL (90m)", d)
	}
}

// TestFeedDiscovery: an outlet configured without feeds gets those its
// home page announces; they stay its sources through a manual add, and
// the home page is not read again before a week.
func TestFeedDiscovery(t *testing.T) {
	var (
		srv       *httptest.Server
		homeReads atomic.Int32
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		homeReads.Add(1)
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" title="Actualités" href="/flux/actu.xml"></head><body></body></html>`)
	})
	mux.HandleFunc("/flux/actu.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>F</title><item><title>Un</title><link>%s/eco/un</link></item></channel></rss>`, srv.URL)
	})
	mux.HandleFunc("/eco/{slug}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, articlePage("", "Article "+r.PathValue("slug"), "2024-03-01T10:00:00+01:00", longText(r.PathValue("slug"), 0)...))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	env := newEnv(t, baseConfig(t, outletOf("sansflux", srv)))
	ctx := context.Background()
	if _, err := env.pl.CrawlOnce(ctx, nil); err != nil {
		t.Fatal(err)
	}
	sources, _ := env.st.Sources(ctx, false)
	if len(sources) != 1 || sources[0].URL != srv.URL+"/flux/actu.xml" || sources[0].Kind != store.SourceFeed {
		t.Fatalf("sources = %+v", sources)
	}
	if st, _ := env.st.Stats(ctx); st.Articles != 1 {
		t.Errorf("%d articles, want the feed's one", st.Articles)
	}
	if _, err := env.pl.Add(ctx, AddRequest{URL: srv.URL + "/eco/deux"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.pl.CrawlOnce(ctx, nil); err != nil {
		t.Fatal(err)
	}
	sources, _ = env.st.Sources(ctx, false)
	if len(sources) != 1 || homeReads.Load() != 1 {
		t.Errorf("after an add and a second pass: %d active sources, home read %d times", len(sources), homeReads.Load())
	}
}
