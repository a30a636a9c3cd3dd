package crawler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/cner/veille/internal/store"
)

// maxSitemapDepth bounds nested sitemap indexes.
const maxSitemapDepth = 4

// Re-reading children of a sitemap index that give no lastmod: those whose
// content changed within recentChange, or whose URL names a date within
// recentChange, are read again (conditionally) at each poll, at most
// maxRecheck of them; the others are read once.
const (
	recentChange = 30 * 24 * time.Hour
	maxRecheck   = 20
)

// pollSitemap reads a sitemap (or sitemap index) with a conditional GET,
// then walks the index's children: a child whose lastmod has not moved
// since it was last read is skipped, others are read with their own
// conditional GET. The index answering 304 does not stop the walk: a
// child without lastmod may have grown while the index stayed the same.
func (c *Crawler) pollSitemap(ctx context.Context, src store.Source, check store.Check, log *slog.Logger) (PollResult, store.Check) {
	resp, err := c.client.Get(ctx, src.URL, Conditional{ETag: src.ETag, LastModified: src.LastModified})
	if err != nil {
		return PollResult{Err: err}, check
	}
	check.ETag, check.LastModified = resp.ETag, resp.LastModified
	res := PollResult{freshFor: cacheHint(resp.Header, resp.FetchedAt)}
	known, err := c.st.SitemapChildren(ctx, src.ID)
	if err != nil {
		return PollResult{Err: err}, check
	}
	var children []Entry
	if resp.NotModified {
		check.NotModified = true
		res.NotModified = true
		for _, k := range known {
			children = append(children, Entry{URL: k.URL, LastMod: k.LastMod})
		}
		sort.Slice(children, func(i, j int) bool { return children[i].URL < children[j].URL })
	} else {
		sm, err := ParseSitemap(resp.Body, resp.Header.Get("Content-Type"), resp.URL, c.client.maxBody)
		if err != nil {
			return PollResult{Err: err}, check
		}
		n, err := c.discover(ctx, src, sm.Entries, 0)
		res.Discovered += n
		if err != nil {
			res.Err = err
			return res, check
		}
		children = sm.Children
	}
	w := &sitemapWalk{c: c, src: src, known: known, seen: map[string]bool{src.URL: true}, log: log}
	w.walk(ctx, children, 1)
	res.Discovered += w.discovered
	res.Err = errors.Join(w.errs...)
	return res, check
}

type sitemapWalk struct {
	c          *Crawler
	src        store.Source
	known      map[string]store.SitemapChild
	seen       map[string]bool
	rechecks   int
	discovered int
	errs       []error
	log        *slog.Logger
}

func (w *sitemapWalk) walk(ctx context.Context, children []Entry, depth int) {
	if depth > maxSitemapDepth {
		return
	}
	now := w.c.now()
	// Children that changed most recently first, so that the recheck
	// budget goes to those most likely to have changed again.
	sort.SliceStable(children, func(i, j int) bool {
		return w.known[children[i].URL].ChangedAt.After(w.known[children[j].URL].ChangedAt)
	})
	for _, ch := range children {
		if ctx.Err() != nil {
			w.errs = append(w.errs, ctx.Err())
			return
		}
		if w.seen[ch.URL] {
			continue
		}
		w.seen[ch.URL] = true
		k, found := w.known[ch.URL]
		if !w.shouldRead(ch, k, found, now) {
			continue
		}
		w.read(ctx, ch, k, found, depth)
	}
}

// shouldRead applies the rules of pollSitemap's comment.
func (w *sitemapWalk) shouldRead(ch Entry, k store.SitemapChild, found bool, now time.Time) bool {
	if !found || k.OKAt.IsZero() || k.Error != "" {
		return true // never read, or its last read failed
	}
	if !ch.LastMod.IsZero() {
		return !ch.LastMod.Equal(k.LastMod)
	}
	recent := !k.ChangedAt.IsZero() && now.Sub(k.ChangedAt) < recentChange
	if !recent {
		if from, to, ok := URLDateRange(ch.URL, true, w.c.loc); ok {
			recent = to.After(now.Add(-recentChange)) && from.Before(now.Add(24*time.Hour))
		}
	}
	if !recent || w.rechecks >= maxRecheck {
		return false
	}
	w.rechecks++
	return true
}

func (w *sitemapWalk) read(ctx context.Context, ch Entry, k store.SitemapChild, found bool, depth int) {
	now := w.c.now()
	cond := Conditional{}
	if found {
		cond = Conditional{ETag: k.ETag, LastModified: k.LastModified}
	}
	state := store.SitemapChild{URL: ch.URL, SourceID: w.src.ID, ETag: k.ETag, LastModified: k.LastModified,
		LastMod: k.LastMod, Hash: k.Hash, CheckedAt: now, OKAt: k.OKAt, ChangedAt: k.ChangedAt}
	fail := func(err error) {
		if ctx.Err() != nil {
			w.errs = append(w.errs, err)
			return // not recorded: the next poll reads it again
		}
		w.log.Warn("child sitemap failed", "child_url", ch.URL, "err", err)
		w.errs = append(w.errs, err)
		state.Error = err.Error()
		if serr := w.c.st.SaveSitemapChild(context.WithoutCancel(ctx), state); serr != nil {
			w.errs = append(w.errs, serr)
		}
	}
	resp, err := w.c.client.Get(ctx, ch.URL, cond)
	if err != nil {
		fail(err)
		return
	}
	if resp.ETag != "" || resp.LastModified != "" {
		state.ETag, state.LastModified = resp.ETag, resp.LastModified
	}
	if resp.NotModified {
		state.OKAt = now
		state.LastMod = ch.LastMod
		if err := w.c.st.SaveSitemapChild(ctx, state); err != nil {
			w.errs = append(w.errs, err)
		}
		return
	}
	sum := sha256.Sum256(resp.Body)
	hash := hex.EncodeToString(sum[:16])
	if found && hash == k.Hash && k.Error == "" {
		state.OKAt = now
		state.LastMod = ch.LastMod
		if err := w.c.st.SaveSitemapChild(ctx, state); err != nil {
			w.errs = append(w.errs, err)
		}
		return
	}
	sm, err := ParseSitemap(resp.Body, resp.Header.Get("Content-Type"), resp.URL, w.c.client.maxBody)
	if err != nil {
		fail(err)
		return
	}
	n, err := w.c.discover(ctx, w.src, sm.Entries, 0)
	if err != nil {
		fail(err)
		return
	}
	w.discovered += n
	state.Hash, state.OKAt, state.ChangedAt, state.LastMod = hash, now, now, ch.LastMod
	if err := w.c.st.SaveSitemapChild(ctx, state); err != nil {
		w.errs = append(w.errs, err)
	}
	if len(sm.Children) > 0 {
		w.walk(ctx, sm.Children, depth+1)
	}
}

// pollCrawl walks an outlet's sections from a seed with colly: links that
// match crawl.allow become frontier URLs; other pages of the outlet are
// followed to crawl.max_depth.
func (c *Crawler) pollCrawl(ctx context.Context, src store.Source) PollResult {
	outlet, ok := c.cfg.Outlet(src.OutletID)
	if !ok {
		return PollResult{Err: fmt.Errorf("crawler: outlet %q is no longer configured", src.OutletID)}
	}
	allow, err := compileAllow(outlet.Crawl.Allow)
	if err != nil {
		return PollResult{Err: err}
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
		if err != nil || !c.sameOutlet(cu, src.OutletID) {
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
		u := src.URL
		if r != nil && r.Request != nil {
			u = r.Request.URL.String()
		}
		if r != nil && r.StatusCode >= 300 {
			errs = append(errs, &FetchError{Kind: ErrKindStatus, URL: u, Status: r.StatusCode,
				Msg: fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode))})
			return
		}
		errs = append(errs, classify(u, err))
	})
	if err := col.Visit(src.URL); err != nil && len(errs) == 0 {
		errs = append(errs, classify(src.URL, err))
	}
	col.Wait()
	n, derr := c.discover(ctx, src, dedupeEntries(entries), 1)
	if derr != nil {
		errs = append(errs, derr)
	}
	return PollResult{Discovered: n, Err: errors.Join(errs...)}
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
// guard (robots.txt, politeness, body cap, gzip) and stops with ctx.
func (c *Crawler) collector(ctx context.Context) *colly.Collector {
	col := colly.NewCollector(
		colly.StdlibContext(ctx),
		colly.UserAgent(c.client.UserAgent()),
		colly.IgnoreRobotsTxt(), // the guard checks robots.txt on every request
		colly.MaxBodySize(0),    // the guard caps bodies, and fails instead of truncating
	)
	col.SetClient(c.client.newHTTPClient())
	return col
}

// pollArchive reads an archive source's dated pages for yesterday and
// today: the daily watch over sites whose only listing is a dated archive.
func (c *Crawler) pollArchive(ctx context.Context, src store.Source, log *slog.Logger) PollResult {
	today := c.now().In(c.loc)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, c.loc)
	pages := ArchivePages(src.URL, Period{From: day.AddDate(0, 0, -1), To: day})
	var (
		res  PollResult
		errs []error
	)
	for _, p := range pages {
		entries, err := c.ArchiveLinks(ctx, src.OutletID, p)
		if err != nil {
			log.Warn("archive page failed", "page_url", p, "err", err)
			errs = append(errs, err)
			continue
		}
		n, err := c.discover(ctx, src, entries, 1)
		res.Discovered += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	res.Err = errors.Join(errs...)
	return res
}

// ArchiveLinks fetches a dated archive page of an outlet and returns the
// article links on it: those matching the outlet's crawl.allow patterns
// when it has some, else links of the outlet that look like articles.
func (c *Crawler) ArchiveLinks(ctx context.Context, outletID, pageURL string) ([]Entry, error) {
	resp, err := c.client.FetchPage(ctx, pageURL)
	if err != nil {
		return nil, err
	}
	page, err := resp.UTF8()
	if err != nil {
		return nil, err
	}
	var allow allowList
	if o, ok := c.cfg.Outlet(outletID); ok && len(o.Crawl.Allow) > 0 {
		if allow, err = compileAllow(o.Crawl.Allow); err != nil {
			return nil, err
		}
	}
	var out []Entry
	seen := map[string]bool{}
	self, _ := Canonicalize(resp.URL)
	for _, l := range PageLinks(page, resp.URL) {
		cu, err := Canonicalize(l.URL)
		if err != nil || seen[cu] || cu == self || !c.sameOutlet(cu, outletID) {
			continue
		}
		if allow != nil && !allow.match(cu) {
			continue
		}
		if allow == nil && !LooksLikeArticle(cu) {
			continue
		}
		seen[cu] = true
		out = append(out, Entry{URL: cu, Title: l.Text})
	}
	return out, nil
}
