package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/store"
)

// Crawler polls sources into the frontier and fetches the frontier's
// articles. The frontier and each source's schedule and health live in the
// store, so a restart resumes where the last run stopped.
type Crawler struct {
	cfg    *config.Config
	st     *store.Store
	client *Client
	log    *slog.Logger
	hosts  map[string]string // host → outlet id
	now    func() time.Time
}

// New builds a crawler over the configured outlets.
func New(cfg *config.Config, st *store.Store, client *Client, log *slog.Logger) *Crawler {
	hosts := map[string]string{}
	for _, o := range cfg.Outlets {
		for _, d := range o.Domains {
			hosts[strings.ToLower(strings.TrimSpace(d))] = o.ID
		}
	}
	return &Crawler{cfg: cfg, st: st, client: client, log: log.With("component", "crawler"), hosts: hosts, now: time.Now}
}

// Client returns the crawler's HTTP client.
func (c *Crawler) Client() *Client { return c.client }

// OutletFor returns the outlet whose domains hold u's host (the host itself,
// with or without its port, or a parent domain).
func (c *Crawler) OutletFor(u string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", false
	}
	host := strings.ToLower(pu.Host)
	if id, ok := c.hosts[host]; ok {
		return id, true
	}
	h := strings.ToLower(pu.Hostname())
	for h != "" {
		if id, ok := c.hosts[h]; ok {
			return id, true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return "", false
}

// Stats counts what a pass did.
type Stats struct {
	Sources       int `json:"sources"`
	SourceErrors  int `json:"source_errors"`
	NotModified   int `json:"not_modified"`
	Discovered    int `json:"discovered"`
	Fetched       int `json:"fetched"`
	FetchErrors   int `json:"fetch_errors"`
	ArticlesSaved int `json:"articles_saved"`
}

// PollSources polls the given sources, at most cfg.Crawler.Concurrency at
// once, recording discoveries and each source's outcome.
func (c *Crawler) PollSources(ctx context.Context, sources []store.Source) (Stats, error) {
	var (
		st  Stats
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, c.cfg.Crawler.Concurrency)
	)
	for _, src := range sources {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return st, fmt.Errorf("crawler: %w", ctx.Err())
		}
		wg.Add(1)
		go func(src store.Source) {
			defer wg.Done()
			defer func() { <-sem }()
			res := c.pollSource(ctx, src)
			mu.Lock()
			defer mu.Unlock()
			st.Sources++
			st.Discovered += res.discovered
			if res.notModified {
				st.NotModified++
			}
			if res.err != nil {
				st.SourceErrors++
			}
		}(src)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("crawler: %w", err)
	}
	return st, nil
}

type pollResult struct {
	discovered  int
	notModified bool
	err         error
}

func (c *Crawler) pollSource(ctx context.Context, src store.Source) pollResult {
	log := c.log.With("source_id", src.ID, "outlet", src.OutletID, "kind", src.Kind, "url", src.URL)
	start := c.now()
	var (
		res   pollResult
		check = store.Check{At: start}
	)
	switch src.Kind {
	case store.SourceFeed:
		res, check = c.pollFeed(ctx, src, check)
	case store.SourceSitemap:
		res, check = c.pollSitemap(ctx, src, check)
	case store.SourceCrawl:
		res, check = c.pollCrawl(ctx, src, check)
	default:
		res.err = fmt.Errorf("crawler: source kind %q is not polled", src.Kind)
	}
	if errors.Is(res.err, context.Canceled) && ctx.Err() != nil {
		return res // shutting down: the source stays due
	}
	check.Err = res.err
	check.NextCheckAt = c.nextCheck(src, res.err, start)
	if err := c.st.SourceChecked(context.WithoutCancel(ctx), src.ID, check); err != nil {
		log.Error("recording source check", "err", err)
		if res.err == nil {
			res.err = err
		}
	}
	if res.err != nil {
		log.Warn("source failed", "err", res.err, "consecutive_failures", src.ConsecutiveFailures+1)
	} else {
		log.Debug("source polled", "discovered", res.discovered, "not_modified", res.notModified)
	}
	return res
}

// nextCheck schedules a source: min_interval after a success, and
// exponential backoff (capped at max_interval) after failures, never
// before a Retry-After.
func (c *Crawler) nextCheck(src store.Source, err error, now time.Time) time.Time {
	minI, maxI := c.cfg.Crawler.MinInterval.D(), c.cfg.Crawler.MaxInterval.D()
	if err == nil {
		return now.Add(minI)
	}
	backoff := time.Duration(float64(minI) * math.Pow(2, float64(min(src.ConsecutiveFailures, 20))))
	backoff = min(backoff, maxI)
	var fe *FetchError
	if errors.As(err, &fe) && fe.RetryAfter > backoff {
		backoff = fe.RetryAfter
	}
	return now.Add(backoff)
}

func (c *Crawler) discover(ctx context.Context, src store.Source, entries []Entry, depth int) (int, error) {
	items := make([]store.Discovered, 0, len(entries))
	for _, e := range entries {
		cu, err := Canonicalize(e.URL)
		if err != nil {
			continue
		}
		outlet, ok := c.OutletFor(cu)
		if !ok {
			outlet = src.OutletID // a feed may point to another host of the same outlet
		}
		items = append(items, store.Discovered{URL: cu, OutletID: outlet, SourceID: src.ID, Depth: depth,
			Title: e.Title, Description: e.Description, Published: e.Published, LastMod: e.LastMod})
	}
	n, err := c.st.Discover(ctx, items, c.now())
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (c *Crawler) pollFeed(ctx context.Context, src store.Source, check store.Check) (pollResult, store.Check) {
	resp, err := c.client.Get(ctx, src.URL, Conditional{ETag: src.ETag, LastModified: src.LastModified})
	if err != nil {
		return pollResult{err: err}, check
	}
	check.ETag, check.LastModified = resp.ETag, resp.LastModified
	if resp.NotModified {
		check.NotModified = true
		return pollResult{notModified: true}, check
	}
	feed, err := ParseFeed(resp.Body, resp.URL)
	if err != nil {
		return pollResult{err: err}, check
	}
	n, err := c.discover(ctx, src, feed.Entries, 0)
	return pollResult{discovered: n, err: err}, check
}

// maxSitemapDepth bounds nested sitemap indexes.
const maxSitemapDepth = 4

func (c *Crawler) pollSitemap(ctx context.Context, src store.Source, check store.Check) (pollResult, store.Check) {
	resp, err := c.client.Get(ctx, src.URL, Conditional{ETag: src.ETag, LastModified: src.LastModified})
	if err != nil {
		return pollResult{err: err}, check
	}
	check.ETag, check.LastModified = resp.ETag, resp.LastModified
	if resp.NotModified {
		check.NotModified = true
		return pollResult{notModified: true}, check
	}
	total := 0
	seen := map[string]bool{src.URL: true}
	var walk func(body []byte, u string, depth int) error
	walk = func(body []byte, u string, depth int) error {
		sm, err := ParseSitemap(body, u, c.cfg.Crawler.MaxBodyBytes)
		if err != nil {
			return err
		}
		n, err := c.discover(ctx, src, sm.Entries, 0)
		if err != nil {
			return err
		}
		total += n
		if depth >= maxSitemapDepth {
			return nil
		}
		var errs []error
		for _, child := range sm.Children {
			if seen[child.URL] {
				continue
			}
			seen[child.URL] = true
			r, err := c.client.Get(ctx, child.URL, Conditional{})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if err := walk(r.Body, r.URL, depth+1); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	err = walk(resp.Body, resp.URL, 0)
	return pollResult{discovered: total, err: err}, check
}

// pollCrawl walks an outlet's sections from a seed with colly: links that
// match crawl.allow become frontier URLs; pages are followed to max_depth.
func (c *Crawler) pollCrawl(ctx context.Context, src store.Source, check store.Check) (pollResult, store.Check) {
	outlet, ok := c.cfg.Outlet(src.OutletID)
	if !ok {
		return pollResult{err: fmt.Errorf("crawler: outlet %q is no longer configured", src.OutletID)}, check
	}
	allow, err := compileAllow(outlet.Crawl.Allow)
	if err != nil {
		return pollResult{err: err}, check
	}
	col := c.collector(ctx)
	col.MaxDepth = outlet.Crawl.MaxDepth + 1
	var (
		mu      sync.Mutex
		entries []Entry
		errs    []error
	)
	col.OnHTML("a[href]", func(e *colly.HTMLElement) {
		link := e.Request.AbsoluteURL(e.Attr("href"))
		if link == "" {
			return
		}
		cu, err := Canonicalize(link)
		if err != nil {
			return
		}
		if _, same := c.OutletFor(cu); !same || c.hostsOutlet(cu) != src.OutletID {
			return
		}
		if allow.match(cu) {
			mu.Lock()
			entries = append(entries, Entry{URL: cu, Title: strings.TrimSpace(e.Text)})
			mu.Unlock()
			return
		}
		if e.Request.Depth < col.MaxDepth {
			_ = e.Request.Visit(cu) // errors: already visited, too deep, canceled
		}
	})
	col.OnError(func(r *colly.Response, err error) {
		mu.Lock()
		defer mu.Unlock()
		if r != nil && r.StatusCode != 0 && err != nil {
			errs = append(errs, &FetchError{Kind: ErrKindStatus, URL: r.Request.URL.String(), Status: r.StatusCode,
				Msg: http.StatusText(r.StatusCode), Err: err})
			return
		}
		errs = append(errs, classify(src.URL, err))
	})
	if err := col.Visit(src.URL); err != nil {
		errs = append(errs, classify(src.URL, err))
	}
	col.Wait()
	n, derr := c.discover(ctx, src, dedupeEntries(entries), 1)
	if derr != nil {
		errs = append(errs, derr)
	}
	return pollResult{discovered: n, err: errors.Join(errs...)}, check
}

func (c *Crawler) hostsOutlet(u string) string {
	id, _ := c.OutletFor(u)
	return id
}

func dedupeEntries(in []Entry) []Entry {
	seen := map[string]bool{}
	out := in[:0]
	for _, e := range in {
		if !seen[e.URL] {
			seen[e.URL] = true
			out = append(out, e)
		}
	}
	return out
}

// collector returns a colly collector that fetches through the client's
// guard (robots.txt, politeness, body cap) and stops with ctx.
func (c *Crawler) collector(ctx context.Context) *colly.Collector {
	col := colly.NewCollector(
		colly.StdlibContext(ctx),
		colly.UserAgent(c.client.UserAgent()),
		colly.IgnoreRobotsTxt(), // the guard checks robots.txt on every request
		colly.MaxBodySize(0),    // the guard caps bodies, and fails instead of truncating
	)
	col.SetClient(c.client.HTTPClient())
	col.SetRequestTimeout(c.cfg.Crawler.Timeout.D())
	return col
}

// Page is a fetched article page handed to the pipeline.
type Page struct {
	Item      store.FrontierItem
	URL       string // after redirects
	HTML      []byte // UTF-8
	Header    http.Header
	FetchedAt time.Time
}

// Processor turns a fetched page into a stored article and returns its id.
type Processor func(ctx context.Context, p *Page) (int64, error)

// FetchArticle fetches one article page with colly through the guard.
func (c *Crawler) FetchArticle(ctx context.Context, u string) (*Response, error) {
	col := c.collector(ctx)
	col.AllowURLRevisit = true
	col.ParseHTTPErrorResponse = true
	var (
		out  *Response
		ferr error
	)
	col.OnResponse(func(r *colly.Response) {
		resp := &Response{URL: r.Request.URL.String(), Status: r.StatusCode, Header: cloneHeader(r.Headers), Body: r.Body}
		if r.StatusCode < 200 || r.StatusCode > 299 {
			ferr = statusError(u, &http.Response{StatusCode: r.StatusCode, Status: fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode)), Header: resp.Header})
			return
		}
		out = resp
	})
	col.OnError(func(r *colly.Response, err error) {
		if ferr != nil {
			return
		}
		if r != nil && r.StatusCode >= 300 {
			ferr = statusError(u, &http.Response{StatusCode: r.StatusCode, Status: fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode)), Header: cloneHeader(r.Headers)})
			return
		}
		ferr = classify(u, err)
	})
	if err := col.Visit(u); err != nil && ferr == nil {
		ferr = classify(u, err)
	}
	if ferr != nil {
		return nil, ferr
	}
	if out == nil {
		return nil, &FetchError{Kind: ErrKindNetwork, URL: u, Msg: "no response"}
	}
	if len(strings.TrimSpace(string(out.Body))) == 0 {
		return nil, &FetchError{Kind: ErrKindParse, URL: u, Msg: "empty page"}
	}
	return out, nil
}

func cloneHeader(h *http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h.Clone()
}

// FetchPending fetches due frontier URLs (until none is due) with
// cfg.Crawler.Concurrency workers and hands each page to proc. progress, if
// set, is called after each URL with the counts so far.
func (c *Crawler) FetchPending(ctx context.Context, proc Processor, progress func(done, total int)) (Stats, error) {
	var (
		st       Stats
		done     atomic.Int64
		total    int
		inflight = map[string]bool{}
	)
	for {
		items, err := c.st.Due(ctx, 500, c.now())
		if err != nil {
			return st, err
		}
		var batch []store.FrontierItem
		for _, it := range items {
			if !inflight[it.URL] {
				inflight[it.URL] = true
				batch = append(batch, it)
			}
		}
		if len(batch) == 0 {
			return st, nil
		}
		total += len(batch)
		var (
			mu sync.Mutex
			wg sync.WaitGroup
		)
		work := make(chan store.FrontierItem)
		for i := 0; i < c.cfg.Crawler.Concurrency; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for it := range work {
					saved, err := c.fetchOne(ctx, it, proc)
					mu.Lock()
					if err != nil {
						st.FetchErrors++
					} else {
						st.Fetched++
						if saved {
							st.ArticlesSaved++
						}
					}
					mu.Unlock()
					n := done.Add(1)
					if progress != nil {
						progress(int(n), total)
					}
				}
			}()
		}
	feed:
		for _, it := range batch {
			select {
			case work <- it:
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("crawler: %w", err)
		}
	}
}

// fetchOne fetches a frontier URL and processes it, recording the outcome
// on the frontier. Transient failures retry later with backoff.
func (c *Crawler) fetchOne(ctx context.Context, it store.FrontierItem, proc Processor) (bool, error) {
	log := c.log.With("url", it.URL, "outlet", it.OutletID)
	resp, err := c.FetchArticle(ctx, it.URL)
	if err == nil {
		var html []byte
		html, err = resp.UTF8()
		if err == nil {
			page := &Page{Item: it, URL: resp.URL, HTML: html, Header: resp.Header, FetchedAt: c.now()}
			var id int64
			id, err = proc(ctx, page)
			if err == nil {
				if ferr := c.st.Fetched(context.WithoutCancel(ctx), it.URL, id, c.now()); ferr != nil {
					log.Error("recording fetch", "err", ferr)
					return true, ferr
				}
				return true, nil
			}
		}
	}
	if ctx.Err() != nil {
		return false, err // shutting down: the URL stays pending
	}
	state := store.StatePending
	var fe *FetchError
	retry := c.now().Add(c.cfg.Crawler.MinInterval.D() * time.Duration(1<<min(it.Attempts, 8)))
	if errors.As(err, &fe) {
		switch {
		case fe.Kind == ErrKindStatus && (fe.Status == 404 || fe.Status == 410):
			state = store.StateGone
		case fe.Kind == ErrKindRobots:
			state = store.StateSkipped
		case fe.Permanent():
			state = store.StateFailed
		}
		if fe.RetryAfter > 0 {
			retry = c.now().Add(fe.RetryAfter)
		}
	}
	if state == store.StateSkipped || state == store.StateGone {
		log.Info("article not fetched", "err", err, "state", state)
	} else {
		log.Warn("article fetch failed", "err", err, "state", state)
	}
	if ferr := c.st.Failed(context.WithoutCancel(ctx), it.URL, err.Error(), state, retry, max(c.cfg.Crawler.MaxRetries, 1)); ferr != nil {
		return false, errors.Join(err, ferr)
	}
	return false, err
}
