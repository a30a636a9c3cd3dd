//go:build unix

package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/cner/veille/internal/extract"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/samplepress"
)

// BenchmarkCrawl crawls a generated local press (50 hosts on distinct
// 127.0.0.x addresses, 10,000 articles; VEILLE_BENCH_ARTICLES changes the
// count) in the same run: the bare work, every page merely downloaded and
// parsed by goquery with the same concurrency, before and after (the mean
// is reported); and between them the whole pipeline, `crawl --once` on an empty data directory (poll the 50
// feeds, fetch through the polite client, extract, match, store, index),
// with no per-host delay. It reports pages per second and CPU time per
// page of both, and their ratio; then, on 1,000 of the pages, the CPU
// time of each stage alone (parse, extract, match), one page at a time.
//
//	go test -run '^$' -bench Crawl -benchtime 1x ./internal/pipeline/
func BenchmarkCrawl(b *testing.B) {
	articles := 10000
	if v, err := strconv.Atoi(os.Getenv("VEILLE_BENCH_ARTICLES")); err == nil && v > 0 {
		articles = v
	}
	ctx := context.Background()
	press, err := samplepress.StartBig(ctx, samplepress.BigOptions{Hosts: 50, Articles: articles})
	if err != nil {
		b.Fatal(err)
	}
	defer press.Close()
	if !press.Distinct() {
		b.Log("this system has no 127.0.0.x beside 127.0.0.1: the hosts share it, on distinct ports")
	}
	urls := press.ArticleURLs()
	const concurrency = 8
	var (
		sample                [][]byte
		bareWall, pipeWall    time.Duration
		bareCPU, pipeCPU      time.Duration
		extractCPU, matchCPU  time.Duration
		parseCPU              time.Duration
		clippings, pagesSaved int
	)
	for i := 0; i < b.N; i++ {
		// The bare work: download and parse, before and after the pipeline
		// (the machine is shared: its load drifts), both counted.
		var mu sync.Mutex
		bare := func() (time.Duration, time.Duration) {
			return measure(func() {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, MaxIdleConns: 200}}
				work := make(chan string)
				var wg sync.WaitGroup
				for w := 0; w < concurrency; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for u := range work {
							body, err := get(ctx, client, u)
							if err != nil {
								b.Error(err)
								continue
							}
							doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
							if err != nil || doc.Find("h1").Text() == "" {
								b.Errorf("%s: parse: %v", u, err)
							}
							mu.Lock()
							if len(sample) < 1000 {
								sample = append(sample, body)
							}
							mu.Unlock()
						}
					}()
				}
				for _, u := range urls {
					work <- u
				}
				close(work)
				wg.Wait()
				client.CloseIdleConnections()
			})
		}
		bareWall, bareCPU = bare()
		// The whole pipeline.
		cfg := baseConfig(b, press.Outlets()...)
		cfg.Crawler.Concurrency = concurrency
		cfg.Crawler.PerHostConcurrency = 2
		env := newEnv(b, cfg)
		pipeWall, pipeCPU = measure(func() {
			st, err := env.pl.CrawlOnce(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if st.SourceErrors > 0 || st.FetchErrors > 0 {
				b.Errorf("crawl: %+v", st)
			}
			pagesSaved = st.ArticlesSaved
		})
		w2, c2 := bare()
		bareWall, bareCPU = (bareWall+w2)/2, (bareCPU+c2)/2
		s, _ := env.st.Stats(ctx)
		clippings = s.Clippings
		if pagesSaved != len(urls) || s.Articles != len(urls) {
			b.Errorf("%d pages saved, %d articles stored, want %d", pagesSaved, s.Articles, len(urls))
		}
		if docs, _ := env.ix.DocCount(); int(docs) != clippings {
			b.Errorf("index holds %d documents, the store %d clippings", docs, clippings)
		}
		// Each stage alone, one page at a time.
		m, err := match.New(cfg.Entities())
		if err != nil {
			b.Fatal(err)
		}
		_, parseCPU = measure(func() {
			for _, p := range sample {
				if _, err := goquery.NewDocumentFromReader(bytes.NewReader(p)); err != nil {
					b.Fatal(err)
				}
			}
		})
		var arts []*extractResult
		_, extractCPU = measure(func() {
			for _, p := range sample {
				a, err := extract.Extract(p, "http://127.0.0.2/actualites/x.html", extract.Options{Location: cfg.Location(), Now: time.Now()})
				if err != nil {
					b.Fatal(err)
				}
				arts = append(arts, &extractResult{a.Title, a.Lead, a.Text})
			}
		})
		_, matchCPU = measure(func() {
			for _, a := range arts {
				m.Match(match.Doc{Title: a.title, Lead: a.lead, Body: a.text})
			}
		})
	}
	n := float64(len(urls))
	ns := float64(len(sample))
	b.ReportMetric(n/pipeWall.Seconds(), "pipeline_pages/s")
	b.ReportMetric(n/bareWall.Seconds(), "bare_pages/s")
	b.ReportMetric(bareWall.Seconds()/pipeWall.Seconds(), "pipeline/bare_rate")
	b.ReportMetric(float64(pipeCPU.Microseconds())/n/1000, "pipeline_cpu_ms/page")
	b.ReportMetric(float64(bareCPU.Microseconds())/n/1000, "bare_cpu_ms/page")
	b.ReportMetric(float64(parseCPU.Microseconds())/ns/1000, "goquery_parse_cpu_ms/page")
	b.ReportMetric(float64(extractCPU.Microseconds())/ns/1000, "extract_cpu_ms/page")
	b.ReportMetric(float64(matchCPU.Microseconds())/ns/1000, "match_cpu_ms/page")
	b.Logf("%d pages, %d clippings: pipeline %s (%.0f pages/s, CPU %s), bare download+goquery %s (%.0f pages/s, CPU %s)",
		len(urls), clippings, pipeWall.Round(time.Millisecond), n/pipeWall.Seconds(), pipeCPU.Round(time.Millisecond),
		bareWall.Round(time.Millisecond), n/bareWall.Seconds(), bareCPU.Round(time.Millisecond))
}

type extractResult struct{ title, lead, text string }

func get(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// measure returns the wall time and the process's CPU time (user and
// system, every goroutine: the local press's serving included) of fn.
func measure(fn func()) (wall, cpu time.Duration) {
	c0 := cpuTime()
	t0 := time.Now()
	fn()
	return time.Since(t0), cpuTime() - c0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
