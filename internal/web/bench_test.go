package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/corpus"
	"github.com/cner/veille/internal/pipeline"
	"github.com/cner/veille/internal/store"
)

// benchEnv is the web UI over the benchmark corpus of the index issue
// (internal/corpus: 100,000 clippings, 60 outlets, 7 years by default),
// built once into $VEILLE_BENCH_DIR (default: a directory under the system's
// temporary directory) and reused by later runs. VEILLE_BENCH_N changes the
// size.
type benchEnv struct {
	srv    *Server
	st     *store.Store
	ix     *index.Index
	cookie *http.Cookie
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	n := 100000
	if v := os.Getenv("VEILLE_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("VEILLE_BENCH_N=%q", v)
		}
	}
	dir := os.Getenv("VEILLE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "veille-bench-web")
	}
	dir = filepath.Join(dir, fmt.Sprintf("corpus-%d", n))
	c, err := corpus.New(corpus.Options{N: n})
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Default()
	if err != nil {
		b.Fatal(err)
	}
	cfg.DataDir = dir
	cfg.Outlets = c.Outlets()
	cfg.Web.Users = []config.WebUser{{Name: testUser, PasswordHash: "$2a$04$" + "x"}}
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.Logf("building the corpus of %d clippings into %s (once)", n, dir)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ixPath := filepath.Join(dir, "index.bleve")
	ix, err := index.Open(ixPath, c.Location())
	if errors.Is(err, index.ErrStale) {
		// Built by an older mapping: rebuild the index from the store.
		b.Logf("rebuilding the stale index of %s", dir)
		if err = index.Remove(ixPath); err == nil {
			if err = st.ResetIndexed(ctx); err == nil {
				ix, err = index.Open(ixPath, c.Location())
			}
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	logger := slog.New(slog.DiscardHandler)
	pl, err := pipeline.New(cfg, st, ix, nil, logger)
	if err != nil {
		b.Fatal(err)
	}
	if n, err := pl.SyncIndex(ctx); err != nil {
		b.Fatal(err)
	} else if n > 0 {
		b.Logf("%d entries indexed", n)
	}
	if _, err := os.Stat(done); err != nil {
		start := time.Now()
		if err := corpus.Load(ctx, st, c, nil); err != nil {
			b.Fatal(err)
		}
		b.Logf("stored in %v", time.Since(start).Round(time.Second))
		start = time.Now()
		if _, err := pl.SyncIndex(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed in %v", time.Since(start).Round(time.Second))
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	srv, err := New(Options{Config: cfg, Store: st, Index: ix, Pipeline: pl, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	token, err := newToken()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if err := st.CreateWebSession(ctx, store.WebSession{TokenHash: hashToken(token), User: testUser,
		PasswordFP: passwordFingerprint(cfg.Web.Users[0].PasswordHash), CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	return &benchEnv{srv: srv, st: st, ix: ix, cookie: &http.Cookie{Name: cookieName, Value: token}}
}

// latencies records each iteration's time and reports the median and the
// 95th percentile in milliseconds, and the process's CPU time per
// iteration (less sensitive than wall time to the other processes of a
// shared machine).
type latencies []time.Duration

func (l latencies) report(b *testing.B, cpuStart time.Duration) {
	if len(l) == 0 {
		return
	}
	b.ReportMetric(float64((cpuTime()-cpuStart).Microseconds())/1000/float64(len(l)), "cpu-ms/op")
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(l[len(l)/2]), "p50-ms")
	b.ReportMetric(ms(l[min(len(l)-1, len(l)*95/100)]), "p95-ms")
}

// BenchmarkPages measures the pages over the corpus, each next to the bare
// work of the library underneath in the same run (the index's search with
// the same query and facets, and the same with bleve's own facet builders;
// the store's counts of the totals page), so that the ratio shows what the
// page adds.
//
//	go test ./internal/web -run '^$' -bench Pages -benchtime 40x
func BenchmarkPages(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	// page measures a page as people get it: its facet counts come from the
	// cache after the first load (paging, re-sorting, coming back). cold
	// measures it with the cache off: every load counts the facets.
	var page func(path string) func(b *testing.B)
	cold := func(path string) func(b *testing.B) {
		return func(b *testing.B) {
			env.srv.facetCache.off = true
			defer func() { env.srv.facetCache.off = false }()
			page(path)(b)
		}
	}
	page = func(path string) func(b *testing.B) {
		return func(b *testing.B) {
			var l latencies
			cpu := cpuTime()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(env.cookie)
				rec := httptest.NewRecorder()
				start := time.Now()
				env.srv.Handler().ServeHTTP(rec, req)
				l = append(l, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d\n%.500s", path, rec.Code, rec.Body.String())
				}
			}
			l.report(b, cpu)
		}
	}
	bareSearch := func(q index.Query) func(b *testing.B) {
		return func(b *testing.B) {
			var l latencies
			cpu := cpuTime()
			q.Size, q.Facets = pageSize, true
			for b.Loop() {
				start := time.Now()
				if _, err := env.ix.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
				l = append(l, time.Since(start))
			}
			l.report(b, cpu)
		}
	}
	// bleveFacets is the same search with bleve's own facet builders
	// counting the facets (what the index did before its facet table).
	bleveFacets := func(q index.Query) func(b *testing.B) {
		return func(b *testing.B) {
			var l latencies
			cpu := cpuTime()
			q.Size = pageSize
			for b.Loop() {
				start := time.Now()
				if _, err := env.ix.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
				if _, _, err := env.ix.CountsByBleve(ctx, q); err != nil {
					b.Fatal(err)
				}
				l = append(l, time.Since(start))
			}
			l.report(b, cpu)
		}
	}
	loc := env.srv.loc
	y2021 := func(q index.Query) index.Query {
		q.From, q.To = time.Date(2021, 1, 1, 0, 0, 0, 0, loc), time.Date(2022, 1, 1, 0, 0, 0, 0, loc)
		return q
	}
	id, err := env.st.ClippingIDs(ctx)
	if err != nil || len(id) == 0 {
		b.Fatalf("no clipping (%v)", err)
	}
	mid := id[len(id)/2]

	b.Run("home/page", page("/"))
	b.Run("home/page-cold", cold("/"))
	b.Run("home/bare", bareSearch(index.Query{}))
	b.Run("home/bleve-facets", bleveFacets(index.Query{}))
	b.Run("home/bare-nofacets", func(b *testing.B) {
		var l latencies
		cpu := cpuTime()
		for b.Loop() {
			start := time.Now()
			if _, err := env.ix.Search(ctx, index.Query{Size: pageSize}); err != nil {
				b.Fatal(err)
			}
			l = append(l, time.Since(start))
		}
		l.report(b, cpu)
	})
	b.Run("word/page", page("/search?q=agence"))
	b.Run("word/page-cold", cold("/search?q=agence"))
	b.Run("word/bare", bareSearch(index.Query{Text: "agence"}))
	b.Run("word/bleve-facets", bleveFacets(index.Query{Text: "agence"}))
	b.Run("phrase/page", page("/search?q=%22agence+de+d%C3%A9veloppement%22"))
	b.Run("phrase/page-cold", cold("/search?q=%22agence+de+d%C3%A9veloppement%22"))
	b.Run("phrase/bare", bareSearch(index.Query{Text: `"agence de développement"`}))
	b.Run("phrase/bleve-facets", bleveFacets(index.Query{Text: `"agence de développement"`}))
	b.Run("filtered/page", page("/search?q=cner&scope=regional&year=2021&sort=relevance"))
	b.Run("filtered/page-cold", cold("/search?q=cner&scope=regional&year=2021&sort=relevance"))
	b.Run("filtered/bare", bareSearch(y2021(index.Query{Text: "cner", Scope: "regional", Sort: "relevance"})))
	b.Run("page10/page", page("/search?q=agence&page=10"))
	b.Run("clipping/page", page(fmt.Sprintf("/clippings/%d", mid)))
	b.Run("totals/page", page("/totals?year=2021"))
	b.Run("totals/bare", func(b *testing.B) {
		var l latencies
		cpu := cpuTime()
		for b.Loop() {
			start := time.Now()
			if _, err := env.srv.computeTotals(ctx, 2021, "", false); err != nil {
				b.Fatal(err)
			}
			l = append(l, time.Since(start))
		}
		l.report(b, cpu)
	})
	b.Run("totals-regional/page", page("/totals?year=2021&scope=regional"))
	b.Run("sources/page", page("/sources"))
}
