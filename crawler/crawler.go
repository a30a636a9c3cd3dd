package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

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
	hosts  *Hosts
	loc    *time.Location
	now    func() time.Time
}

// New builds a crawler over the configured outlets. The client's
// private-address guard is turned on, with the outlets' domains trusted
// wherever they point (crawler.allow_private lifts the guard).
func New(cfg *config.Config, st *store.Store, client *Client, log *slog.Logger) *Crawler {
	domains := map[string]string{}
	for _, o := range cfg.Outlets {
		for _, d := range o.Domains {
			domains[d] = o.ID
		}
	}
	hosts := NewHosts(domains)
	client.guardPrivate(hosts)
	return &Crawler{cfg: cfg, st: st, client: client, log: log.With("component", "crawler"), hosts: hosts,
		loc: cfg.Location(), now: time.Now}
}

// Client returns the crawler's HTTP client.
func (c *Crawler) Client() *Client { return c.client }

// Hosts returns the configured outlets' domains.
func (c *Crawler) Hosts() *Hosts { return c.hosts }

// OutletFor returns the outlet whose domains hold u's host (the host itself,
// with or without its port, or a parent domain).
func (c *Crawler) OutletFor(u string) (string, bool) { return c.hosts.LookupURL(u) }

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

// Add sums two passes' counts.
func (s *Stats) Add(o Stats) {
	s.Sources += o.Sources
	s.SourceErrors += o.SourceErrors
	s.NotModified += o.NotModified
	s.Discovered += o.Discovered
	s.Fetched += o.Fetched
	s.FetchErrors += o.FetchErrors
	s.ArticlesSaved += o.ArticlesSaved
}

// PollSources polls the given sources, at most cfg.Crawler.Concurrency at
// once, recording discoveries and each source's outcome. progress, if set,
// is called after each source.
func (c *Crawler) PollSources(ctx context.Context, sources []store.Source, progress func(done, total int)) (Stats, error) {
	var (
		st   Stats
		mu   sync.Mutex
		wg   sync.WaitGroup
		sem  = make(chan struct{}, max(c.cfg.Crawler.Concurrency, 1))
		done int
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
			res := c.PollSource(ctx, src)
			mu.Lock()
			defer mu.Unlock()
			st.Sources++
			st.Discovered += res.Discovered
			if res.NotModified {
				st.NotModified++
			}
			if res.Err != nil {
				st.SourceErrors++
			}
			done++
			if progress != nil {
				progress(done, len(sources))
			}
		}(src)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("crawler: %w", err)
	}
	return st, nil
}

// PollResult is the outcome of polling one source.
type PollResult struct {
	Discovered  int
	NotModified bool
	Err         error
	// freshFor is how long the source says it stays fresh (feed TTL,
	// Cache-Control, Expires).
	freshFor time.Duration
}

// PollSource polls one source and records the outcome on it (health,
// history, next check). A poll cut short by ctx is not recorded: the
// source stays due.
func (c *Crawler) PollSource(ctx context.Context, src store.Source) PollResult {
	log := c.log.With("source_id", src.ID, "outlet", src.OutletID, "kind", src.Kind, "url", src.URL)
	start := c.now()
	var (
		res   PollResult
		check = store.Check{At: start}
	)
	switch src.Kind {
	case store.SourceFeed:
		res, check = c.pollFeed(ctx, src, check)
	case store.SourceSitemap:
		res, check = c.pollSitemap(ctx, src, check, log)
	case store.SourceCrawl:
		res = c.pollCrawl(ctx, src)
	case store.SourceArchive:
		res = c.pollArchive(ctx, src, log)
	default:
		res.Err = fmt.Errorf("crawler: source kind %q is not polled", src.Kind)
	}
	if ctx.Err() != nil {
		return res // shutting down: the source stays due
	}
	check.Err = res.Err
	check.Discovered = res.Discovered
	check.NextCheckAt = start.Add(c.nextInterval(src, res))
	if err := c.st.SourceChecked(context.WithoutCancel(ctx), src.ID, check); err != nil {
		log.Error("recording source check", "err", err)
		if res.Err == nil {
			res.Err = err
		}
	}
	if res.Err != nil {
		log.Warn("source failed", "err", res.Err, "consecutive_failures", src.ConsecutiveFailures+1,
			"next_check_at", check.NextCheckAt)
	} else {
		log.Debug("source polled", "discovered", res.Discovered, "not_modified", res.NotModified,
			"next_check_at", check.NextCheckAt)
	}
	return res
}

// nextInterval schedules a source: after a success, what the source asks
// (feed TTL, Cache-Control, Expires) within [min_interval, max_interval];
// after failures, exponential backoff capped at max_interval, never before
// a Retry-After.
func (c *Crawler) nextInterval(src store.Source, res PollResult) time.Duration {
	minI, maxI := c.cfg.Crawler.MinInterval.D(), c.cfg.Crawler.MaxInterval.D()
	if res.Err == nil {
		return Interval(minI, maxI, res.freshFor)
	}
	var retryAfter time.Duration
	var fe *FetchError
	if errors.As(res.Err, &fe) {
		retryAfter = fe.RetryAfter
	}
	return Backoff(minI, maxI, src.ConsecutiveFailures, retryAfter)
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
	if len(items) == 0 {
		return 0, nil
	}
	return c.st.Discover(ctx, items, c.now())
}

func (c *Crawler) pollFeed(ctx context.Context, src store.Source, check store.Check) (PollResult, store.Check) {
	resp, err := c.client.Get(ctx, src.URL, Conditional{ETag: src.ETag, LastModified: src.LastModified})
	if err != nil {
		return PollResult{Err: err}, check
	}
	check.ETag, check.LastModified = resp.ETag, resp.LastModified
	fresh := cacheHint(resp.Header, resp.FetchedAt)
	if resp.NotModified {
		check.NotModified = true
		return PollResult{NotModified: true, freshFor: fresh}, check
	}
	feed, err := ParseFeed(resp.Body, resp.Header.Get("Content-Type"), resp.URL)
	if err != nil {
		return PollResult{Err: err}, check
	}
	n, err := c.discover(ctx, src, feed.Entries, 0)
	return PollResult{Discovered: n, Err: err, freshFor: max(fresh, feed.TTL)}, check
}

// FetchArticle fetches one article page. A page that is not HTML (a PDF,
// an image) or is empty is an error.
func (c *Crawler) FetchArticle(ctx context.Context, u string) (*Response, error) {
	return c.client.FetchPage(ctx, u)
}

// FetchPage fetches an HTML page: like Get, but a body that is not a page
// (PDF, image, archive…) or is empty is an error.
func (c *Client) FetchPage(ctx context.Context, u string) (*Response, error) {
	resp, err := c.Get(ctx, u, Conditional{})
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); !pageType(ct) {
		return nil, &FetchError{Kind: ErrKindNotHTML, URL: u, Msg: "not a web page (" + ct + ")"}
	}
	if len(strings.TrimSpace(string(resp.Body))) == 0 {
		return nil, &FetchError{Kind: ErrKindParse, URL: u, Msg: "empty page"}
	}
	return resp, nil
}

// pageType reports whether a Content-Type may hold an article page
// (missing types are given the benefit of the doubt).
func pageType(ct string) bool {
	t := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	switch {
	case t == "", strings.HasPrefix(t, "text/"), t == "application/xhtml+xml", t == "application/xml":
		return true
	}
	return false
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

// fetchResult is one frontier URL's outcome.
type fetchResult struct {
	host  string
	saved bool
	err   error
}

// FetchPending fetches due frontier URLs until none is due, and hands each
// page to proc. At most cfg.Crawler.Concurrency fetches run at once and at
// most per_host_concurrency per host; a host still waiting out its delay
// is passed over for another, so one slow or large site does not hold the
// others back. progress, if set, is called after each URL with the counts
// so far. Each URL is tried at most once per call.
func (c *Crawler) FetchPending(ctx context.Context, proc Processor, progress func(done, total int)) (Stats, error) {
	return c.FetchPendingOf(ctx, "", proc, progress)
}

// FetchPendingOf is FetchPending for one outlet's URLs (all when outletID
// is empty).
func (c *Crawler) FetchPendingOf(ctx context.Context, outletID string, proc Processor, progress func(done, total int)) (Stats, error) {
	conc := max(c.cfg.Crawler.Concurrency, 1)
	perHost := max(c.cfg.Crawler.PerHostConcurrency, 1)
	total, err := c.st.PendingDue(ctx, c.now(), outletID)
	if err != nil {
		return Stats{}, err
	}
	var (
		st        Stats
		seen      = map[string]bool{}
		queues    = map[string][]store.FrontierItem{}
		order     []string // hosts with queued URLs, served in turn
		next      int      // where the next turn starts in order
		active    = map[string]int{}
		running   int
		queued    int
		done      int
		exhausted bool
		results   = make(chan fetchResult, conc)
	)
	refill := func() error {
		items, err := c.st.DueFair(ctx, c.now(), 1000, 100, outletID)
		if err != nil {
			return err
		}
		added := 0
		for _, it := range items {
			if seen[it.URL] {
				continue
			}
			seen[it.URL] = true
			h := Host(it.URL)
			if len(queues[h]) == 0 {
				order = append(order, h)
			}
			queues[h] = append(queues[h], it)
			added++
		}
		queued += added
		exhausted = added == 0
		total = max(total, done+running+queued)
		return nil
	}
	var loopErr error
	for {
		if ctx.Err() != nil {
			break
		}
		if queued < conc*4 && (!exhausted || (queued == 0 && running == 0)) {
			if err := refill(); err != nil {
				loopErr = err
				break
			}
			if queued == 0 && running == 0 {
				break // nothing more is due
			}
		}
		// Start what may start: hosts in turn, skipping those at their
		// limit or still waiting out their delay.
		now := time.Now()
		var wake time.Time
		for running < conc && len(order) > 0 {
			started := false
			for i := 0; i < len(order) && running < conc; i++ {
				h := order[(next+i)%len(order)]
				if len(queues[h]) == 0 || active[h] >= perHost {
					continue
				}
				if ready := c.client.guard.polite.readyAt(h); ready.After(now) {
					if wake.IsZero() || ready.Before(wake) {
						wake = ready
					}
					continue
				}
				it := queues[h][0]
				queues[h] = queues[h][1:]
				active[h]++
				running++
				queued--
				started = true
				next = (next + i + 1) % len(order)
				go func(h string, it store.FrontierItem) {
					saved, err := c.fetchOne(ctx, it, proc)
					results <- fetchResult{host: h, saved: saved, err: err}
				}(h, it)
			}
			// Drop hosts with nothing left to start.
			kept := order[:0]
			for _, h := range order {
				if len(queues[h]) > 0 {
					kept = append(kept, h)
				} else {
					delete(queues, h)
				}
			}
			order = kept
			if len(order) > 0 {
				next %= len(order)
			} else {
				next = 0
			}
			if !started {
				break
			}
		}
		if running == 0 && queued == 0 && exhausted {
			continue // one more look at the frontier, then stop
		}
		var timer *time.Timer
		var timerC <-chan time.Time
		if !wake.IsZero() && running < conc {
			timer = time.NewTimer(max(time.Until(wake), time.Millisecond))
			timerC = timer.C
		}
		select {
		case r := <-results:
			c.countResult(&st, r)
			active[r.host]--
			running--
			done++
			if progress != nil {
				progress(done, total)
			}
		case <-timerC:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
	}
	for running > 0 { // let the fetches under way finish (they stop with ctx)
		r := <-results
		c.countResult(&st, r)
		running--
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	if loopErr != nil {
		return st, loopErr
	}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("crawler: %w", err)
	}
	return st, nil
}

func (c *Crawler) countResult(st *Stats, r fetchResult) {
	if r.err != nil {
		st.FetchErrors++
		return
	}
	st.Fetched++
	if r.saved {
		st.ArticlesSaved++
	}
}

// fetchOne fetches a frontier URL and processes it, recording the outcome
// on the frontier. Transient failures retry later with backoff; 404 and
// 410 mark the URL gone, robots.txt skipped, other permanent failures
// failed.
func (c *Crawler) fetchOne(ctx context.Context, it store.FrontierItem, proc Processor) (bool, error) {
	log := c.log.With("url", it.URL, "outlet", it.OutletID, "source_id", it.SourceID)
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
	retry := c.now().Add(c.cfg.Crawler.MinInterval.D() * time.Duration(1<<min(it.Attempts, 8)))
	var fe *FetchError
	if errors.As(err, &fe) {
		switch {
		case fe.Kind == ErrKindStatus && (fe.Status == 404 || fe.Status == 410):
			state = store.StateGone
		case fe.Kind == ErrKindRobots || fe.Kind == ErrKindNotHTML:
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
		log.Warn("article fetch failed", "err", err, "state", state, "attempts", it.Attempts+1)
	}
	if ferr := c.st.Failed(context.WithoutCancel(ctx), it.URL, err.Error(), state, retry, max(c.cfg.Crawler.MaxRetries, 1)); ferr != nil {
		return false, errors.Join(err, ferr)
	}
	return false, err
}

// sameSite reports whether u belongs to the outlet.
func (c *Crawler) sameOutlet(u, outletID string) bool {
	id, ok := c.OutletFor(u)
	return ok && id == outletID
}

// origin returns scheme://host of u.
func origin(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return pu.Scheme + "://" + pu.Host
}
