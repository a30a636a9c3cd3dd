package crawler

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/store"
)

// testConfig is the built-in configuration with the given outlets and a
// crawler tuned for tests: no per-host delay, short timeouts, a small body
// cap.
func testConfig(t *testing.T, outlets ...config.Outlet) *config.Config {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Outlets = outlets
	cfg.Crawler.PerHostDelay = 0
	cfg.Crawler.PerHostConcurrency = 2
	cfg.Crawler.Concurrency = 8
	cfg.Crawler.Timeout = config.Duration(time.Second)
	cfg.Crawler.MaxBodyBytes = 256 << 10
	cfg.Crawler.MinInterval = config.Duration(15 * time.Minute)
	cfg.Crawler.MaxInterval = config.Duration(6 * time.Hour)
	cfg.Crawler.MaxRetries = 3
	return cfg
}

// outletOf is an outlet whose domain is the test server's host.
func outletOf(id string, srv *httptest.Server) config.Outlet {
	return config.Outlet{ID: id, Name: strings.ToUpper(id), Scope: "national",
		Domains: []string{strings.TrimPrefix(srv.URL, "http://")}}
}

// testCrawler opens a store in a temporary directory, records the
// configured outlets and their sources, and builds a crawler.
func testCrawler(t *testing.T, cfg *config.Config) (*Crawler, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.SyncOutlets(context.Background(), cfg.Outlets, cfg.Location(), time.Now()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return New(cfg, st, NewClient(cfg.Crawler, Options{}), log), st
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// within runs fn and fails the test if it has not returned after d: no
// misbehaving server may stall the crawl.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: still running after %s", what, d)
	}
}

// pages records what a Processor was handed.
type pages struct {
	mu sync.Mutex
	m  map[string]*Page // by frontier URL
	n  int64
}

func (p *pages) proc(ctx context.Context, pg *Page) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]*Page{}
	}
	p.m[pg.Item.URL] = pg
	p.n++
	return p.n, nil
}

func (p *pages) get(u string) *Page {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[u]
}

// sourceByURL returns the stored source polling u (of kind, when given).
func sourceByURL(t *testing.T, st *store.Store, u string, kind ...string) store.Source {
	t.Helper()
	list, err := st.Sources(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.URL == u && (len(kind) == 0 || s.Kind == kind[0]) {
			return s
		}
	}
	t.Fatalf("no source %s", u)
	return store.Source{}
}
