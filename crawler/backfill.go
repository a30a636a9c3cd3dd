package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/store"
)

// backfillAttempts is how many runs retry a backfill page that fails
// transiently before it is given up (listed in the run's summary).
const backfillAttempts = 3

// Backfill walks the sitemaps and dated archive pages of a period into
// the frontier. Its queue lives in the store (crawler_backfill), keyed by
// the period, so that an interrupted backfill resumes where it stopped.
type Backfill struct {
	c      *Crawler
	Period Period
	Key    string // the period as stored: "2021-01-01..2021-12-31"
	Outlet string // one outlet, or all when empty
}

// NewBackfill prepares a backfill of [from, to] (days, in the configured
// timezone) for one outlet or all.
func (c *Crawler) NewBackfill(p Period, outletID string) *Backfill {
	return &Backfill{c: c, Period: p, Key: p.From.Format("2006-01-02") + ".." + p.To.Format("2006-01-02"), Outlet: outletID}
}

// BackfillStats counts what a backfill walk did.
type BackfillStats struct {
	Pages       int `json:"pages"`        // sitemaps and archive pages walked in this run
	PageErrors  int `json:"page_errors"`  // of which failed
	Discovered  int `json:"discovered"`   // URLs new to the frontier
	PagesTotal  int `json:"pages_total"`  // pages of the period, all runs
	PagesFailed int `json:"pages_failed"` // given up, all runs
}

// Plan queues the period's starting pages: every sitemap of the outlets
// (configured, and those their robots.txt lists) and every dated archive
// page. Pages already queued by an earlier run keep their state. It
// returns how many pages were new.
func (b *Backfill) Plan(ctx context.Context, outlets []config.Outlet, sources []store.Source) (int, error) {
	c := b.c
	srcID := map[[2]string]int64{}
	for _, s := range sources {
		srcID[[2]string{s.Kind, s.URL}] = s.ID
	}
	now := c.now()
	var pages []store.BackfillPage
	for _, o := range outlets {
		if b.Outlet != "" && o.ID != b.Outlet {
			continue
		}
		sitemaps := append([]string(nil), o.Sitemaps...)
		for _, home := range b.homes(o) {
			hu, err := url.Parse(home)
			if err != nil {
				continue
			}
			more, err := c.client.guard.robots.sitemaps(ctx, hu)
			if err != nil {
				return 0, fmt.Errorf("crawler: backfill: %w", err)
			}
			sitemaps = append(sitemaps, more...)
		}
		seen := map[string]bool{}
		for _, sm := range sitemaps {
			if seen[sm] {
				continue
			}
			seen[sm] = true
			pages = append(pages, store.BackfillPage{Period: b.Key, URL: sm, OutletID: o.ID,
				SourceID: srcID[[2]string{store.SourceSitemap, sm}], Kind: store.SourceSitemap})
		}
		for _, tpl := range o.Archives {
			for _, p := range ArchivePages(tpl, b.Period) {
				pages = append(pages, store.BackfillPage{Period: b.Key, URL: p, OutletID: o.ID,
					SourceID: srcID[[2]string{store.SourceArchive, tpl}], Kind: store.SourceArchive})
			}
		}
	}
	return c.st.AddBackfillPages(ctx, pages, now)
}

// homes returns the sites whose robots.txt may list sitemaps: the origins
// of the outlet's configured sitemaps, feeds and seeds, or its first domain.
func (b *Backfill) homes(o config.Outlet) []string {
	var out []string
	seen := map[string]bool{}
	for _, list := range [][]string{o.Sitemaps, o.Feeds, o.Crawl.Seeds} {
		for _, u := range list {
			if og := origin(u); og != "" && !seen[og] && b.c.sameOutlet(u, o.ID) {
				seen[og] = true
				out = append(out, og+"/")
			}
		}
	}
	if len(out) == 0 && len(o.Domains) > 0 {
		out = append(out, HomePage(o.Domains[0]))
	}
	return out
}

// Walk walks the period's pending pages until none is left: a sitemap
// index queues its children that may hold the period (lastmod, date in the
// name), a sitemap adds its pages of the period to the frontier, an
// archive page its article links. progress, if set, is called after each
// page with the period's done and total pages.
func (b *Backfill) Walk(ctx context.Context, progress func(done, total int)) (BackfillStats, error) {
	c := b.c
	var (
		st BackfillStats
		mu sync.Mutex
	)
	report := func() error {
		counts, err := c.st.BackfillCounts(context.WithoutCancel(ctx), b.Key, b.Outlet)
		if err != nil {
			return err
		}
		total := counts[store.BackfillPending] + counts[store.BackfillDone] + counts[store.BackfillFailed]
		st.PagesTotal, st.PagesFailed = total, counts[store.BackfillFailed]
		if progress != nil {
			progress(total-counts[store.BackfillPending], total)
		}
		return nil
	}
	if err := report(); err != nil {
		return st, err
	}
	tried := map[string]bool{}
	for {
		pending, err := c.st.PendingBackfillPages(ctx, b.Key, b.Outlet, 200)
		if err != nil {
			return st, err
		}
		var batch []store.BackfillPage
		for _, p := range pending {
			if !tried[p.URL] {
				tried[p.URL] = true
				batch = append(batch, p)
			}
		}
		if len(batch) == 0 {
			return st, report()
		}
		var (
			wg   sync.WaitGroup
			sem  = make(chan struct{}, max(c.cfg.Crawler.Concurrency, 1))
			errs []error
		)
		for _, p := range batch {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			wg.Add(1)
			go func(p store.BackfillPage) {
				defer wg.Done()
				defer func() { <-sem }()
				n, err := b.walkPage(ctx, p)
				if ctx.Err() != nil {
					return // interrupted: the page stays pending
				}
				permanent := false
				var fe *FetchError
				if errors.As(err, &fe) {
					permanent = fe.Permanent()
				}
				if err != nil {
					c.log.Warn("backfill page failed", "outlet", p.OutletID, "kind", p.Kind, "url", p.URL,
						"source_id", p.SourceID, "err", err)
				}
				derr := c.st.BackfillPageDone(context.WithoutCancel(ctx), b.Key, p.URL, n, err, permanent,
					backfillAttempts, c.now())
				mu.Lock()
				defer mu.Unlock()
				st.Pages++
				st.Discovered += n
				if err != nil {
					st.PageErrors++
				}
				if derr != nil {
					errs = append(errs, derr)
					return
				}
				if rerr := report(); rerr != nil {
					errs = append(errs, rerr)
				}
			}(p)
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("crawler: backfill: %w", err)
		}
		if err := errors.Join(errs...); err != nil {
			return st, err
		}
	}
}

// walkPage walks one backfill page and returns how many URLs were new.
func (b *Backfill) walkPage(ctx context.Context, p store.BackfillPage) (int, error) {
	c := b.c
	src := store.Source{ID: p.SourceID, OutletID: p.OutletID, Kind: p.Kind, URL: p.URL}
	if p.Kind == store.SourceArchive {
		entries, err := c.ArchiveLinks(ctx, p.OutletID, p.URL)
		if err != nil {
			return 0, err
		}
		return c.discover(ctx, src, entries, 1)
	}
	resp, err := c.client.Get(ctx, p.URL, Conditional{})
	if err != nil {
		return 0, err
	}
	sm, err := ParseSitemap(resp.Body, resp.Header.Get("Content-Type"), resp.URL, c.client.maxBody)
	if err != nil {
		return 0, err
	}
	var entries []Entry
	for _, e := range sm.Entries {
		if entryInPeriod(e, b.Period, c.loc) {
			entries = append(entries, e)
		}
	}
	n, err := c.discover(ctx, src, entries, 0)
	if err != nil {
		return n, err
	}
	if p.Depth >= maxSitemapDepth {
		return n, nil
	}
	var children []store.BackfillPage
	for _, ch := range sm.Children {
		if childInPeriod(ch, b.Period, c.loc) {
			children = append(children, store.BackfillPage{Period: b.Key, URL: ch.URL, OutletID: p.OutletID,
				SourceID: p.SourceID, Kind: store.SourceSitemap, Depth: p.Depth + 1})
		}
	}
	if _, err := c.st.AddBackfillPages(ctx, children, c.now()); err != nil {
		return n, err
	}
	return n, nil
}
