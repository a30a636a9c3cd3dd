package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/store"
)

// The words that must survive every charset: é, è, ’ and « ».
const frenchTitle = "Été : l’économie « locale » résiste, dit l’élu de Sète"

func cp1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBomb(t testing.TB, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 64<<10)
	for n := 0; n < size; n += len(zero) {
		zw.Write(zero)
	}
	zw.Close()
	return buf.Bytes()
}

func articleHTML(title, body string) string {
	return `<!DOCTYPE html><html lang="fr"><head><title>` + title + `</title></head><body><article><h1>` + title +
		`</h1><p>` + body + `</p></article></body></html>`
}

func rssOf(base string, items ...string) string {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>Flux</title>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s/%s</link></item>`, it, base, it)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// hostilePress serves everything the press does wrong. stop ends the
// handlers that never finish on their own.
func hostilePress(t *testing.T) *httptest.Server {
	t.Helper()
	stop := make(chan struct{})
	mux := http.NewServeMux()
	var srv *httptest.Server
	wait := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /prive/\n")
	})
	// Headers that never come.
	mux.HandleFunc("/slow-headers", func(w http.ResponseWriter, r *http.Request) { wait(r) })
	// A body that trickles forever, a byte at a time.
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fl := w.(http.Flusher)
		fmt.Fprint(w, "<rss>")
		for {
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				w.Write([]byte(" "))
				fl.Flush()
			}
		}
	})
	// Bodies over max_body_bytes (256 KiB in tests).
	huge := bytes.Repeat([]byte("<p>bla bla</p>"), (1<<20)/14)
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(huge)
	})
	// Gzip bombs: 64 MiB of zeros in about 64 KiB, announced three ways.
	bomb := gzipBomb(t, 64<<20)
	mux.HandleFunc("/bomb-encoding", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/bomb-type", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/sitemap-bomb.xml.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(bomb)
	})
	// Redirects: a loop, and a chain of 12.
	mux.HandleFunc("/loop-a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-b", http.StatusFound) })
	mux.HandleFunc("/loop-b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-a", http.StatusFound) })
	mux.HandleFunc("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n >= 12 {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, articleHTML("Enfin", "arrivé"))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusMovedPermanently)
	})
	// Feeds and pages in ISO-8859-1 / Windows-1252, the charset said by
	// the header only, the XML declaration only, or <meta charset> only.
	mux.HandleFunc("/latin1-header.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=ISO-8859-1")
		w.Write(cp1252(t, `<rss version="2.0"><channel><title>Flux</title><item><title>`+frenchTitle+
			`</title><link>`+srv.URL+`/latin1-meta.html</link></item></channel></rss>`))
	})
	mux.HandleFunc("/cp1252-decl.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write(cp1252(t, `<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Flux</title><item><title>`+
			frenchTitle+`</title><link>`+srv.URL+`/latin1-header.html</link></item></channel></rss>`))
	})
	mux.HandleFunc("/latin1-header.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.Write(cp1252(t, articleHTML(frenchTitle, "Texte.")))
	})
	mux.HandleFunc("/latin1-meta.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(cp1252(t, `<!DOCTYPE html><html><head><meta charset="windows-1252"><title>`+frenchTitle+
			`</title></head><body><p>`+frenchTitle+`</p></body></html>`))
	})
	mux.HandleFunc("/bom.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=windows-1252") // the BOM wins
		w.Write(append([]byte("\xef\xbb\xbf"), articleHTML(frenchTitle, "Texte.")...))
	})
	// Not feeds.
	mux.HandleFunc("/html-feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>Nos flux RSS</h1></body></html>")
	})
	mux.HandleFunc("/malformed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Flux</title><item><title>Coupé</ti`)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	mux.HandleFunc("/prive/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("robots.txt disallows %s, yet it was fetched", r.URL)
	})
	mux.HandleFunc("/prive/article", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("robots.txt disallows %s, yet it was fetched", r.URL)
	})
	mux.HandleFunc("/document.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4"))
	})
	mux.HandleFunc("/ok.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rssOf(srv.URL, "un", "deux"))
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(stop)
		srv.Close()
	})
	return srv
}

// TestHostileSources polls a feed or sitemap source for each misbehaviour:
// every poll ends within the timeout, the failure is recorded on the
// source (last error, consecutive failures), and nothing is lost.
func TestHostileSources(t *testing.T) {
	srv := hostilePress(t)
	refused := closedPort(t)
	o := outletOf("hostile", srv)
	cases := []struct {
		path    string
		sitemap bool
		kind    string // error kind, "" for success
		want    string // in the error message
	}{
		{"/slow-headers", false, ErrKindTimeout, ""},
		{"/trickle", false, ErrKindTimeout, ""},
		{"/huge", false, ErrKindTooLarge, "body over"},
		{"/bomb-encoding", false, ErrKindTooLarge, "body over"},
		{"/bomb-type", true, ErrKindTooLarge, "body over"},
		{"/sitemap-bomb.xml.gz", true, ErrKindTooLarge, "body over"},
		{"/loop-a", false, ErrKindRedirects, "redirect loop"},
		{"/chain/0", false, ErrKindRedirects, "more than 10 redirects"},
		{"/html-feed.xml", false, ErrKindParse, "HTML page where a feed"},
		{"/html-feed.xml", true, ErrKindParse, "HTML page where a sitemap"},
		{"/malformed.xml", false, ErrKindParse, "not a readable feed"},
		{"/malformed.xml", true, ErrKindParse, "not a readable sitemap"},
		{"/empty", false, ErrKindParse, "empty feed"},
		{"/missing.xml", false, ErrKindStatus, "404"},
		{"/gone", true, ErrKindStatus, "410"},
		{"/prive/feed.xml", false, ErrKindRobots, "robots.txt"},
		{"/ok.xml", false, "", ""},
		{"/latin1-header.xml", false, "", ""},
	}
	for _, c := range cases {
		if c.sitemap {
			o.Sitemaps = append(o.Sitemaps, srv.URL+c.path)
		} else {
			o.Feeds = append(o.Feeds, srv.URL+c.path)
		}
	}
	o.Feeds = append(o.Feeds, refused+"/rss.xml")
	o.Domains = append(o.Domains, strings.TrimPrefix(refused, "http://"))
	cfg := testConfig(t, o)
	cr, st := testCrawler(t, cfg)
	sources, err := st.Sources(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var stats Stats
	start := time.Now()
	within(t, 20*time.Second, "polling hostile sources", func() {
		stats, err = cr.PollSources(context.Background(), sources, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d sources polled in %s", stats.Sources, time.Since(start).Round(time.Millisecond))
	if stats.Sources != len(cases)+1 || stats.SourceErrors != len(cases)-2+1 {
		t.Errorf("stats = %+v, want %d sources, %d errors", stats, len(cases)+1, len(cases)-1)
	}
	for _, c := range cases {
		kind := "feed"
		if c.sitemap {
			kind = "sitemap"
		}
		t.Run(kind+c.path, func(t *testing.T) {
			src := sourceByURL(t, st, srv.URL+c.path, kind)
			if c.kind == "" {
				if src.LastError != "" || src.ConsecutiveFailures != 0 || src.LastSuccessAt.IsZero() {
					t.Errorf("source = %+v, want a success", src)
				}
				return
			}
			if src.ConsecutiveFailures != 1 || src.LastErrorAt.IsZero() || !src.LastSuccessAt.IsZero() {
				t.Errorf("source health = failures %d, error at %v, success at %v", src.ConsecutiveFailures,
					src.LastErrorAt, src.LastSuccessAt)
			}
			if !strings.Contains(src.LastError, "crawler: "+c.kind+":") || !strings.Contains(src.LastError, c.want) {
				t.Errorf("last error = %q, want kind %s and %q", src.LastError, c.kind, c.want)
			}
			// Backoff: the first failure waits min_interval.
			if d := src.NextCheckAt.Sub(src.LastCheckAt); d < 14*time.Minute || d > 16*time.Minute {
				t.Errorf("next check in %s, want min_interval", d)
			}
		})
	}
	src := sourceByURL(t, st, refused+"/rss.xml")
	if !strings.Contains(src.LastError, "crawler: network:") || !strings.Contains(src.LastError, "refused") {
		t.Errorf("connection refused: last error = %q", src.LastError)
	}
	// The history has one row per poll, failures included.
	checks, err := st.SourceChecks(context.Background(), src.ID, time.Time{}, 10)
	if err != nil || len(checks) != 1 || checks[0].OK || checks[0].Error == "" || checks[0].OutletID != "hostile" {
		t.Errorf("source checks = %+v, %v", checks, err)
	}
	// The Latin-1 feed's title came out right.
	u, _ := Canonicalize(srv.URL + "/latin1-meta.html")
	fe, err := st.FrontierURL(context.Background(), u)
	if err != nil || fe.Title != frenchTitle {
		t.Errorf("latin-1 feed title = %q (%v), want %q", fe.Title, err, frenchTitle)
	}
	// A second failure doubles the wait.
	failing := sourceByURL(t, st, srv.URL+"/empty", "feed")
	cr.PollSource(context.Background(), failing)
	failing = sourceByURL(t, st, srv.URL+"/empty", "feed")
	if d := failing.NextCheckAt.Sub(failing.LastCheckAt); failing.ConsecutiveFailures != 2 || d < 29*time.Minute || d > 31*time.Minute {
		t.Errorf("after 2 failures: %d failures, next check in %s (want 30m)", failing.ConsecutiveFailures, d)
	}
}

// closedPort returns the address of a port where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestHostileArticles fetches frontier URLs that misbehave: each ends in
// its proper state (gone, skipped, failed, or pending for a retry) with
// its error, the good pages come out in UTF-8 whatever their charset, and
// nothing stalls.
func TestHostileArticles(t *testing.T) {
	srv := hostilePress(t)
	cfg := testConfig(t, outletOf("hostile", srv))
	cr, st := testCrawler(t, cfg)
	cases := []struct {
		path  string
		state string
		want  string // in the error, or in the page for a success
	}{
		{"/slow-headers", store.StatePending, "crawler: timeout:"},
		{"/trickle", store.StatePending, "crawler: timeout:"},
		{"/huge", store.StateFailed, "crawler: too_large:"},
		{"/bomb-encoding", store.StateFailed, "crawler: too_large:"},
		{"/bomb-type", store.StateFailed, "crawler: too_large:"},
		{"/loop-a", store.StateFailed, "redirect loop"},
		{"/chain/0", store.StateFailed, "more than 10 redirects"},
		{"/chain/3", store.StateFetched, "arrivé"}, // 9 redirects are followed
		{"/empty", store.StatePending, "empty page"},
		{"/missing", store.StateGone, "404"},
		{"/gone", store.StateGone, "410"},
		{"/prive/article", store.StateSkipped, "robots.txt"},
		{"/document.pdf", store.StateSkipped, "not a web page"},
		{"/latin1-header.html", store.StateFetched, frenchTitle},
		{"/latin1-meta.html", store.StateFetched, frenchTitle},
		{"/bom.html", store.StateFetched, frenchTitle},
	}
	var items []store.Discovered
	for _, c := range cases {
		items = append(items, store.Discovered{URL: srv.URL + c.path, OutletID: "hostile"})
	}
	if _, err := st.Discover(context.Background(), items, time.Now()); err != nil {
		t.Fatal(err)
	}
	var (
		got   pages
		stats Stats
		err   error
	)
	within(t, 20*time.Second, "fetching hostile articles", func() {
		stats, err = cr.FetchPending(context.Background(), got.proc, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Fetched != 4 || stats.FetchErrors != len(cases)-4 {
		t.Errorf("stats = %+v", stats)
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			fe, err := st.FrontierURL(context.Background(), srv.URL+c.path)
			if err != nil {
				t.Fatal(err)
			}
			if fe.State != c.state {
				t.Errorf("state = %s (%s), want %s", fe.State, fe.LastError, c.state)
			}
			if c.state == store.StateFetched {
				p := got.get(srv.URL + c.path)
				if p == nil || !strings.Contains(string(p.HTML), c.want) {
					t.Errorf("page = %v, want it to contain %q", p, c.want)
				}
				return
			}
			if !strings.Contains(fe.LastError, c.want) || fe.Attempts != 1 {
				t.Errorf("error = %q after %d attempts, want %q", fe.LastError, fe.Attempts, c.want)
			}
		})
	}
	// A second pass fetches nothing: the failures wait for their retry.
	var again Stats
	within(t, 10*time.Second, "second pass", func() {
		again, err = cr.FetchPending(context.Background(), got.proc, nil)
	})
	if err != nil || again.Fetched+again.FetchErrors != 0 {
		t.Errorf("second pass = %+v, %v", again, err)
	}
}

// TestConnectTimeout dials a listener whose accept queue is full: the
// connection attempt hangs until the (short) connect timeout.
func TestConnectTimeout(t *testing.T) {
	addr := fullBacklog(t)
	cfg := testConfig(t)
	cfg.Crawler.Timeout = config.Duration(700 * time.Millisecond)
	c := NewClient(cfg.Crawler, Options{})
	start := time.Now()
	var err error
	within(t, 10*time.Second, "connect", func() {
		_, err = c.Get(context.Background(), "http://"+addr+"/rss.xml", Conditional{})
	})
	if ErrorKind(err) != ErrKindTimeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("connect timeout took %s", d)
	}
}

// TestRetryAfter: a 429 or 503 with Retry-After holds the source (and the
// host) until then, longer than the backoff would.
func TestRetryAfter(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/429.xml", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "7200")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/503.xml", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", time.Now().Add(3*time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, rssOf("http://"+r.Host, "a"))
	})
	busy := httptest.NewServer(mux)
	defer busy.Close()
	down := httptest.NewServer(mux)
	defer down.Close()
	free := httptest.NewServer(mux)
	defer free.Close()
	o1, o2 := outletOf("busy", busy), outletOf("down", down)
	o1.Feeds = []string{busy.URL + "/429.xml"}
	o2.Feeds = []string{down.URL + "/503.xml"}
	cr, st := testCrawler(t, testConfig(t, o1, o2, outletOf("free", free)))
	sources, _ := st.Sources(context.Background(), false)
	if _, err := cr.PollSources(context.Background(), sources, nil); err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]time.Duration{busy.URL + "/429.xml": 2 * time.Hour, down.URL + "/503.xml": 3 * time.Hour} {
		src := sourceByURL(t, st, u)
		d := src.NextCheckAt.Sub(src.LastCheckAt)
		if d < want-time.Minute || d > want+time.Minute {
			t.Errorf("%s: next check in %s, want %s", u, d, want)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	// The host is paused: another of its sources fails at once, without
	// reaching it, and is scheduled after the pause; other hosts are not
	// held back.
	o1.Feeds = append(o1.Feeds, busy.URL+"/rss.xml")
	cr2, st2 := testCrawler(t, testConfig(t, o1))
	cr2.client = cr.client // the same client: the same politeness state
	var res PollResult
	within(t, time.Second, "polling a paused host", func() {
		res = cr2.PollSource(context.Background(), sourceByURL(t, st2, busy.URL+"/rss.xml"))
	})
	var fe *FetchError
	if !errors.As(res.Err, &fe) || fe.Kind != ErrKindPaused || fe.RetryAfter < time.Hour || hits.Load() != 2 {
		t.Errorf("source on a paused host: err = %v, hits %d", res.Err, hits.Load())
	}
	if src := sourceByURL(t, st2, busy.URL+"/rss.xml"); src.NextCheckAt.Sub(src.LastCheckAt) < time.Hour+59*time.Minute {
		t.Errorf("source on a paused host: next check in %s", src.NextCheckAt.Sub(src.LastCheckAt))
	}
	if _, err := cr.Client().Get(context.Background(), free.URL+"/rss.xml", Conditional{}); err != nil {
		t.Errorf("another host was held back: %v", err)
	}
}
