//go:build slow

package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/samplepress"
	"github.com/cner/veille/internal/store"
)

const crashArticles = 240

// TestCrashResume kills (SIGKILL) a crawl half-way, in another process,
// then starts again on the same data directory: every article is stored
// exactly once, none stored before the crash is fetched again, no
// discovered URL is forgotten, and the index catches up with the store.
func TestCrashResume(t *testing.T) {
	var (
		mu   sync.Mutex
		hits = map[string]int{}
		srv  *httptest.Server
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel><title>F</title>`)
		for i := 0; i < crashArticles; i++ {
			fmt.Fprintf(&b, `<item><title>Article %d</title><link>%s/eco/article-%d</link></item>`, i, srv.URL, i)
		}
		b.WriteString(`</channel></rss>`)
		fmt.Fprint(w, b.String())
	})
	mux.HandleFunc("/eco/{slug}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		time.Sleep(15 * time.Millisecond)
		var n int
		fmt.Sscanf(r.PathValue("slug"), "article-%d", &n)
		fmt.Fprint(w, samplepress.GeneratedPage(1, n, srv.URL+r.URL.Path))
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), "VEILLE_CRASH_HELPER=1", "VEILLE_CRASH_DIR="+dir, "VEILLE_CRASH_PRESS="+srv.URL)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a third of the articles have been fetched.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(hits)
		mu.Unlock()
		if n >= crashArticles/3 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the crawl fetched %d articles in 60 s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	mu.Lock()
	before := map[string]int{}
	for k, v := range hits {
		before[k] = v
	}
	mu.Unlock()

	cfg := crashConfig(t, dir, srv.URL)
	env := newEnv(t, cfg)
	ctx := context.Background()
	storedBefore := map[string]bool{}
	for p := range before {
		if _, ok, _ := env.st.ArticleIDByURL(ctx, srv.URL+p); ok {
			storedBefore[p] = true
		}
	}
	counts, _ := env.st.FrontierCounts(ctx)
	t.Logf("killed after %d fetches, %d stored; frontier %v", len(before), len(storedBefore), counts)
	if counts[store.StatePending]+counts[store.StateFetched] != crashArticles {
		t.Errorf("frontier after the crash = %v, want all %d URLs", counts, crashArticles)
	}
	if _, err := env.pl.SyncIndex(ctx); err != nil { // what engine.open does at start-up
		t.Fatal(err)
	}
	if _, err := env.pl.CrawlOnce(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st, _ := env.st.Stats(ctx)
	if st.Articles != crashArticles {
		t.Errorf("%d articles after the restart, want %d", st.Articles, crashArticles)
	}
	mu.Lock()
	defer mu.Unlock()
	refetched := 0
	for p, n := range hits {
		if storedBefore[p] && n != before[p] {
			t.Errorf("%s was stored before the crash, yet fetched again", p)
		}
		if n > 1 {
			refetched++
		}
	}
	if refetched > cfg.Crawler.Concurrency {
		t.Errorf("%d articles fetched twice: more than were in flight at the crash", refetched)
	}
	docs, _ := env.ix.DocCount()
	if int(docs) != st.Clippings {
		t.Errorf("index holds %d documents, the store %d clippings", docs, st.Clippings)
	}
}

func crashConfig(t testing.TB, dir, press string) *config.Config {
	cfg := baseConfig(t, config.Outlet{ID: "crash", Name: "Crash", Scope: "regional",
		Domains: []string{strings.TrimPrefix(press, "http://")}, Feeds: []string{press + "/rss.xml"}})
	cfg.DataDir = dir
	cfg.Crawler.Concurrency = 4
	return cfg
}

// TestCrashHelper is the process TestCrashResume kills.
func TestCrashHelper(t *testing.T) {
	if os.Getenv("VEILLE_CRASH_HELPER") != "1" {
		t.Skip("run by TestCrashResume in a process of its own")
	}
	dir, press := os.Getenv("VEILLE_CRASH_DIR"), os.Getenv("VEILLE_CRASH_PRESS")
	env := newEnv(t, crashConfig(t, dir, press))
	for {
		if _, err := env.pl.CrawlOnce(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
}
