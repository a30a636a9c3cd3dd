package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cner/veille/config"
	"github.com/cner/veille/crawler"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/pipeline"
	"github.com/cner/veille/internal/samplepress"
	"github.com/cner/veille/internal/store"
)

// Test users. Their hashes use bcrypt's minimum cost to keep tests fast.
const (
	testUser     = "camille"
	testPassword = "motdepasse-de-test"
)

// fixture is the whole stack over real components: the sample press and a
// hostile press served on 127.0.0.1, crawled by the real pipeline into a
// SQLite store and a bleve index in a temporary directory, and the web UI
// served by an httptest server.
type fixture struct {
	t       *testing.T
	cfg     *config.Config
	loc     *time.Location
	st      *store.Store
	ix      *index.Index
	pl      *pipeline.Pipeline
	srv     *Server
	ts      *httptest.Server
	press   *samplepress.Press
	hostile *httptest.Server
	logs    *syncBuffer
	log     *slog.Logger
}

// syncBuffer collects the server's logs for assertions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// hostilePress serves testdata/hostile: a feed whose titles hold <script>
// and <img onerror>, and pages full of scripts.
func hostilePress(t *testing.T) *httptest.Server {
	t.Helper()
	var base string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var file, ct string
		switch {
		case r.URL.Path == "/rss.xml":
			file, ct = "rss.xml", "application/rss+xml; charset=utf-8"
		case strings.HasPrefix(r.URL.Path, "/article/"):
			file, ct = filepath.Base(r.URL.Path)+".html", "text/html; charset=utf-8"
		case r.URL.Path == "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "User-agent: *\nAllow: /\n")
			return
		default:
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", file))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Write(bytes.ReplaceAll(b, []byte("{{BASE}}"), []byte(base)))
	}))
	base = ts.URL
	t.Cleanup(ts.Close)
	return ts
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	press, err := samplepress.Start(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(press.Close)
	hostile := hostilePress(t)

	base, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	base.DataDir = t.TempDir()
	cfg := press.Config(base)
	cfg.Outlets = append(cfg.Outlets, config.Outlet{
		ID: "gazette-piegee", Name: "La Gazette <b>Piégée</b> & Cie", Scope: "regional",
		Domains: []string{strings.TrimPrefix(hostile.URL, "http://")}, Feeds: []string{hostile.URL + "/rss.xml", hostile.URL + "/disparu.xml"},
	})
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Web.Users = []config.WebUser{{Name: testUser, PasswordHash: string(hash)}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}

	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := store.Open(ctx, filepath.Join(cfg.DataDir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := index.Open(filepath.Join(cfg.DataDir, "index.bleve"), loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cr := crawler.New(cfg, st, crawler.NewClient(cfg.Crawler, crawler.Options{}), logger)
	pl, err := pipeline.New(cfg, st, ix, cr, logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pl.CrawlOnce(ctx, nil); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Config: cfg, Store: st, Index: ix, Pipeline: pl, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	// A loaded test machine must not make the pages go without facets.
	srv.facetWait = time.Minute
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{t: t, cfg: cfg, loc: loc, st: st, ix: ix, pl: pl, srv: srv, ts: ts, press: press,
		hostile: hostile, logs: logs, log: logger}
}

// client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects (tests look at them), and sends the Sec-Fetch-Site header a
// browser sends for a form of the same site.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (f *fixture) client() *client { return f.clientOf(f.ts) }

// clientOf is a client of another server of the same data (a server built
// with other options, such as a fake clock).
func (f *fixture) clientOf(ts *httptest.Server) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return &client{t: f.t, base: ts.URL, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{Response: resp, body: string(b)}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form as a page of the same site does.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.base)
	return c.do(req)
}

// login logs the client in and fails the test if that does not work.
func (c *client) login() {
	c.t.Helper()
	r := c.post("/login", url.Values{"name": {testUser}, "password": {testPassword}, "next": {"/"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		c.t.Fatalf("login: %d %s\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
}

// clippingByURLPart finds the id of a stored article whose URL contains part.
func (f *fixture) clippingID(part string) int64 {
	f.t.Helper()
	res, err := f.ix.Search(context.Background(), index.Query{Size: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, h := range res.Hits {
		if strings.Contains(h.URL, part) {
			return h.ID
		}
	}
	f.t.Fatalf("no indexed clipping has %q in its URL", part)
	return 0
}
