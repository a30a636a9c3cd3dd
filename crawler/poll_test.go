package crawler

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
	"github.com/cner/veille/internal/store"
)

// hits counts requests per path.
type hits struct {
	mu sync.Mutex
	m  map[string]int
}

func (h *hits) add(p string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]int{}
	}
	h.m[p]++
}

func (h *hits) get(p string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[p]
}

// TestConditionalGetAndSchedule: a feed answering 304 to its ETag is a
// success counted as "not modified"; the next check follows the feed's
// TTL, Cache-Control or Expires within [min_interval, max_interval].
func TestConditionalGetAndSchedule(t *testing.T) {
	var h hits
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/etag.xml", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, rssOf(srv.URL, "a", "b"))
	})
	mux.HandleFunc("/lastmod.xml", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		lm := "Tue, 15 Jun 2021 09:00:00 GMT"
		w.Header().Set("Last-Modified", lm)
		if r.Header.Get("If-Modified-Since") == lm {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, rssOf(srv.URL, "c"))
	})
	mux.HandleFunc("/ttl.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>T</title><ttl>120</ttl></channel></rss>`)
	})
	mux.HandleFunc("/sy.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title>
<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>8</sy:updateFrequency></channel></rss>`)
	})
	mux.HandleFunc("/short-cache.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=30")
		fmt.Fprint(w, rssOf(srv.URL))
	})
	mux.HandleFunc("/long-cache.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=86400")
		fmt.Fprint(w, rssOf(srv.URL))
	})
	mux.HandleFunc("/expires.xml", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UTC()
		w.Header().Set("Date", now.Format(http.TimeFormat))
		w.Header().Set("Expires", now.Add(time.Hour).Format(http.TimeFormat))
		fmt.Fprint(w, rssOf(srv.URL))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	o := outletOf("cond", srv)
	for _, p := range []string{"/etag.xml", "/lastmod.xml", "/ttl.xml", "/sy.xml", "/short-cache.xml", "/long-cache.xml", "/expires.xml"} {
		o.Feeds = append(o.Feeds, srv.URL+p)
	}
	cr, st := testCrawler(t, testConfig(t, o))
	ctx := context.Background()
	for pass := 0; pass < 2; pass++ {
		sources, _ := st.Sources(ctx, false)
		stats, err := cr.PollSources(ctx, sources, nil)
		if err != nil || stats.SourceErrors != 0 {
			t.Fatalf("pass %d: %+v, %v", pass, stats, err)
		}
		if pass == 1 && stats.NotModified != 2 {
			t.Errorf("second pass: %d not modified, want 2", stats.NotModified)
		}
	}
	for _, p := range []string{"/etag.xml", "/lastmod.xml"} {
		src := sourceByURL(t, st, srv.URL+p)
		if src.Checks != 2 || src.NotModified != 1 || src.ConsecutiveFailures != 0 || h.get(p) != 2 {
			t.Errorf("%s: %d checks, %d not modified, %d failures, %d hits", p, src.Checks, src.NotModified,
				src.ConsecutiveFailures, h.get(p))
		}
	}
	health, err := st.SourcesHealth(ctx, time.Now().Add(-time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, hs := range health {
		if strings.HasSuffix(hs.URL, "/etag.xml") {
			if hs.WindowChecks != 2 || hs.NotModifiedShare() != 0.5 || hs.Seen != 2 {
				t.Errorf("etag feed health: %d checks, share %.2f, seen %d", hs.WindowChecks, hs.NotModifiedShare(), hs.Seen)
			}
		}
	}
	for p, want := range map[string]time.Duration{
		"/ttl.xml":         2 * time.Hour,    // <ttl>120</ttl>
		"/sy.xml":          3 * time.Hour,    // daily, 8 times
		"/short-cache.xml": 15 * time.Minute, // max-age 30 s, below min_interval
		"/long-cache.xml":  6 * time.Hour,    // a day, above max_interval
		"/expires.xml":     time.Hour,
		"/etag.xml":        15 * time.Minute, // silent
	} {
		src := sourceByURL(t, st, srv.URL+p)
		if d := src.NextCheckAt.Sub(src.LastCheckAt); d < want-time.Minute || d > want+time.Minute {
			t.Errorf("%s: next check in %s, want %s", p, d, want)
		}
	}
}

// TestSitemapIndexChildren: children of a sitemap index are read with
// their own conditional GET; a child whose lastmod has not moved is not
// read again; an index answering 304 still gets its lastmod-less children
// checked.
func TestSitemapIndexChildren(t *testing.T) {
	var (
		h        hits
		mu       sync.Mutex
		lastmodB = "2021-05-01"
		srv      *httptest.Server
	)
	urlset := func(paths ...string) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for _, p := range paths {
			fmt.Fprintf(&b, "<url><loc>%s%s</loc></url>", srv.URL, p)
		}
		b.WriteString("</urlset>")
		return b.String()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/index.xml", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		mu.Lock()
		lm := lastmodB
		mu.Unlock()
		etag := `"` + lm + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprintf(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>%[1]s/a.xml</loc><lastmod>2021-01-01</lastmod></sitemap>
<sitemap><loc>%[1]s/b.xml</loc><lastmod>%[2]s</lastmod></sitemap>
<sitemap><loc>%[1]s/c.xml</loc></sitemap></sitemapindex>`, srv.URL, lm)
	})
	mux.HandleFunc("/a.xml", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		fmt.Fprint(w, urlset("/art/a1"))
	})
	mux.HandleFunc("/b.xml", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		mu.Lock()
		defer mu.Unlock()
		if lastmodB == "2021-05-01" {
			fmt.Fprint(w, urlset("/art/b1"))
		} else {
			fmt.Fprint(w, urlset("/art/b1", "/art/b2"))
		}
	})
	mux.HandleFunc("/c.xml", func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		w.Header().Set("ETag", `"c1"`)
		if r.Header.Get("If-None-Match") == `"c1"` {
			h.add("c-304")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, urlset("/art/c1"))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	o := outletOf("sm", srv)
	o.Sitemaps = []string{srv.URL + "/index.xml"}
	cr, st := testCrawler(t, testConfig(t, o))
	ctx := context.Background()
	poll := func() PollResult {
		t.Helper()
		res := cr.PollSource(ctx, sourceByURL(t, st, srv.URL+"/index.xml"))
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res
	}
	if res := poll(); res.Discovered != 3 {
		t.Errorf("first poll discovered %d, want 3", res.Discovered)
	}
	// Second poll: the index is unchanged (304); a and b keep their
	// lastmod and are not read; c (no lastmod) is checked: 304.
	if res := poll(); !res.NotModified || res.Discovered != 0 {
		t.Errorf("second poll = %+v", res)
	}
	if h.get("/a.xml") != 1 || h.get("/b.xml") != 1 || h.get("/c.xml") != 2 || h.get("c-304") != 1 {
		t.Errorf("hits after 2 polls = %v", h.m)
	}
	// b changes, and the index says so.
	mu.Lock()
	lastmodB = "2021-06-01"
	mu.Unlock()
	if res := poll(); res.NotModified || res.Discovered != 1 {
		t.Errorf("third poll = %+v, want b2 discovered", res)
	}
	if h.get("/a.xml") != 1 || h.get("/b.xml") != 2 {
		t.Errorf("hits after 3 polls = %v", h.m)
	}
	children, err := st.SitemapChildren(ctx, sourceByURL(t, st, srv.URL+"/index.xml").ID)
	if err != nil || len(children) != 3 || children[srv.URL+"/c.xml"].ETag != `"c1"` ||
		!children[srv.URL+"/b.xml"].LastMod.Equal(time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("children = %+v, %v", children, err)
	}
}

// TestFetchPendingPoliteness: per-host and global concurrency limits and
// the per-host delay hold while several hosts are fetched at once, and a
// slow host does not hold the others back.
func TestFetchPendingPoliteness(t *testing.T) {
	type hostStats struct {
		mu       sync.Mutex
		cur, max int
	}
	var global, globalMax atomic.Int32
	newHost := func(slow time.Duration) (*httptest.Server, *hostStats) {
		hs := &hostStats{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				http.NotFound(w, r)
				return
			}
			g := global.Add(1)
			for {
				m := globalMax.Load()
				if g <= m || globalMax.CompareAndSwap(m, g) {
					break
				}
			}
			hs.mu.Lock()
			hs.cur++
			hs.max = max(hs.max, hs.cur)
			hs.mu.Unlock()
			time.Sleep(slow)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, articleHTML("Titre", "Corps"))
			hs.mu.Lock()
			hs.cur--
			hs.mu.Unlock()
			global.Add(-1)
		}))
		t.Cleanup(srv.Close)
		return srv, hs
	}
	slowSrv, slow := newHost(300 * time.Millisecond)
	fastSrv, fast := newHost(0)
	cfg := testConfig(t, outletOf("slow", slowSrv), outletOf("fast", fastSrv))
	cfg.Crawler.PerHostConcurrency = 2
	cfg.Crawler.Concurrency = 3
	cfg.Crawler.PerHostDelay = config.Duration(40 * time.Millisecond)
	cr, st := testCrawler(t, cfg)
	rec := &startRecorder{base: http.DefaultTransport, starts: map[string][]time.Time{}}
	cr.client = NewClient(cfg.Crawler, Options{Transport: rec})
	var items []store.Discovered
	for i := 0; i < 8; i++ {
		items = append(items, store.Discovered{URL: fmt.Sprintf("%s/a/%d", slowSrv.URL, i), OutletID: "slow"},
			store.Discovered{URL: fmt.Sprintf("%s/a/%d", fastSrv.URL, i), OutletID: "fast"})
	}
	ctx := context.Background()
	if _, err := st.Discover(ctx, items, time.Now()); err != nil {
		t.Fatal(err)
	}
	var (
		got      pages
		mu       sync.Mutex
		fastDone time.Time
		order    []string
	)
	stats, err := cr.FetchPending(ctx, func(ctx context.Context, p *Page) (int64, error) {
		mu.Lock()
		order = append(order, p.Item.OutletID)
		if p.Item.OutletID == "fast" {
			fastDone = time.Now()
		}
		mu.Unlock()
		return got.proc(ctx, p)
	}, nil)
	end := time.Now()
	if err != nil || stats.Fetched != 16 {
		t.Fatalf("stats = %+v, %v", stats, err)
	}
	if slow.max > 2 || fast.max > 2 {
		t.Errorf("per-host concurrency: slow %d, fast %d, want ≤ 2", slow.max, fast.max)
	}
	if m := globalMax.Load(); m > 3 {
		t.Errorf("global concurrency reached %d, want ≤ 3", m)
	}
	// Requests leave the client spaced by the delay: their turns are 40ms
	// apart (TestPolitenessGate); on a busy machine the scheduler may shift
	// one, not the average.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for host, starts := range rec.starts {
		n := len(starts)
		if avg := starts[n-1].Sub(starts[0]) / time.Duration(n-1); avg < 37*time.Millisecond {
			t.Errorf("%s: requests %s apart on average, want ≥ 40ms", host, avg)
		}
	}
	if !fastDone.Before(end.Add(-300 * time.Millisecond)) {
		t.Errorf("the fast host finished at the end (%s before): the slow one held it back", end.Sub(fastDone))
	}
}

// TestRobotsCrawlDelay: a robots.txt crawl-delay spaces requests to its
// host; one beyond MaxCrawlDelay is capped.
func TestRobotsCrawlDelay(t *testing.T) {
	var (
		mu     sync.Mutex
		starts []time.Time
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 0.4\n")
			return
		}
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, articleHTML("T", "x"))
	}))
	defer srv.Close()
	cfg := testConfig(t, outletOf("cd", srv))
	c := NewClient(cfg.Crawler, Options{})
	for i := 0; i < 3; i++ {
		if _, err := c.Get(context.Background(), fmt.Sprintf("%s/a/%d", srv.URL, i), Conditional{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 300*time.Millisecond {
			t.Errorf("requests %s apart despite Crawl-delay: 0.4", gap)
		}
	}
	p := newPoliteness(time.Second, 1)
	if d := p.hostDelay(24 * time.Hour); d != MaxCrawlDelay {
		t.Errorf("crawl-delay of a day gives %s, want the cap %s", d, MaxCrawlDelay)
	}
	if d := p.hostDelay(0); d != time.Second {
		t.Errorf("no crawl-delay gives %s, want per_host_delay", d)
	}
}

// TestCrawlSource: colly walks the configured sections, keeps links that
// match crawl.allow, stays on the outlet, and a gzip bomb on a section
// page stops at the cap.
func TestCrawlSource(t *testing.T) {
	bomb := gzipBomb(t, 32<<20)
	var srv *httptest.Server
	mux := http.NewServeMux()
	page := func(links ...string) string {
		var b strings.Builder
		b.WriteString("<html><body>")
		for _, l := range links {
			fmt.Fprintf(&b, `<a href="%s">lien</a> `, l)
		}
		b.WriteString("</body></html>")
		return b.String()
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("/rubrique/eco", "/rubrique/bombe", "/article/un-titre", "https://ailleurs.example/article/x",
			"/article/un-titre?utm_source=home#top"))
	})
	mux.HandleFunc("/rubrique/eco", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("/article/deux-titre", "/article/trois-titre/amp", "/rubrique/eco/page-2"))
	})
	mux.HandleFunc("/rubrique/eco/page-2", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("/article/trop-profond"))
	})
	mux.HandleFunc("/rubrique/bombe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(bomb)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	o := outletOf("crawl", srv)
	o.Crawl = config.Crawl{Seeds: []string{srv.URL + "/"}, Allow: []string{`/article/[a-z-]+$`}, MaxDepth: 1}
	cr, st := testCrawler(t, testConfig(t, o))
	var res PollResult
	within(t, 15*time.Second, "crawl", func() {
		res = cr.PollSource(context.Background(), sourceByURL(t, st, srv.URL+"/"))
	})
	if res.Discovered != 3 {
		t.Errorf("discovered %d, want 3 (un, deux, trois)", res.Discovered)
	}
	if ErrorKind(res.Err) != ErrKindTooLarge {
		t.Errorf("err = %v, want the bomb's too_large", res.Err)
	}
	for _, slug := range []string{"un-titre", "deux-titre", "trois-titre"} {
		if _, err := st.FrontierURL(context.Background(), srv.URL+"/article/"+slug); err != nil {
			t.Errorf("%s: %v", slug, err)
		}
	}
	if _, err := st.FrontierURL(context.Background(), srv.URL+"/article/trop-profond"); err == nil {
		t.Error("a page beyond max_depth was followed")
	}
}

// TestFeedDiscovery reads <link rel="alternate"> feeds from a home page.
func TestFeedDiscovery(t *testing.T) {
	page := `<!DOCTYPE html><html><head><base href="https://www.exemple.fr/info/">
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="À la une" href="/rss/une.xml">
<link rel="alternate" type="application/atom+xml" href="atom.xml">
<link rel="Alternate" type="application/feed+json" href="https://www.exemple.fr/feed.json">
<link rel="alternate" type="application/rss+xml" title="Commentaires" href="/rss/comments.xml">
<link rel="alternate" hreflang="en" href="https://www.exemple.fr/en/">
<link rel="alternate" type="application/rss+xml" href="/rss/une.xml">
</head><body><link rel="alternate" type="application/rss+xml" href="/in-body.xml"></body></html>`
	got := FindFeedLinks([]byte(page), "https://www.exemple.fr/")
	want := []string{"https://www.exemple.fr/rss/une.xml", "https://www.exemple.fr/info/atom.xml", "https://www.exemple.fr/feed.json"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("feeds = %v, want %v", got, want)
	}
	for in, want := range map[string]string{
		"www.lemonde.fr": "https://www.lemonde.fr/",
		"127.0.0.5:8080": "http://127.0.0.5:8080/",
		"127.0.0.5":      "http://127.0.0.5/",
		"http://x.fr/":   "http://x.fr/",
		"lesechos.fr/":   "https://lesechos.fr/",
	} {
		if got := HomePage(in); got != want {
			t.Errorf("HomePage(%q) = %q, want %q", in, got, want)
		}
	}
}

// startRecorder notes when each request leaves the client, per host.
type startRecorder struct {
	base   http.RoundTripper
	mu     sync.Mutex
	starts map[string][]time.Time
}

func (r *startRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != "/robots.txt" {
		r.mu.Lock()
		r.starts[req.URL.Host] = append(r.starts[req.URL.Host], time.Now())
		r.mu.Unlock()
	}
	return r.base.RoundTrip(req)
}

// TestPolitenessGate: turns on a host are reserved delay apart, at most
// perHost at once; a Retry-After pause makes requests fail at once.
func TestPolitenessGate(t *testing.T) {
	p := newPoliteness(40*time.Millisecond, 2)
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	var last atomic.Int64
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := p.acquire(ctx, "h", 0)
			if err != nil {
				t.Error(err)
				return
			}
			last.Store(max(last.Load(), int64(time.Since(start))))
			release()
		}()
	}
	wg.Wait()
	// Four turns: at 0, 40, 80 and 120 ms at the earliest.
	if d := time.Duration(last.Load()); d < 120*time.Millisecond {
		t.Errorf("the fourth turn came after %s, want ≥ 120ms", d)
	}
	if next := p.readyAt("h"); next.Sub(start) < 160*time.Millisecond {
		t.Errorf("next turn at +%s, want +160ms", next.Sub(start))
	}
	// Two slots: a third holder waits for a release.
	r1, _ := p.acquire(ctx, "k", 0)
	r2, _ := p.acquire(ctx, "k", 0)
	cctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, err := p.acquire(cctx, "k", 0); err == nil {
		t.Error("a third request ran with per_host_concurrency 2")
	}
	r1()
	r2()
	p.pause("k", time.Hour)
	_, err := p.acquire(ctx, "k", 0)
	var paused errPaused
	if !errors.As(err, &paused) || paused.left < 59*time.Minute {
		t.Errorf("acquire on a paused host: %v", err)
	}
}
