package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cner/veille/config"
	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// rediscoverAfter is how often the home page of an outlet configured
// without feeds is read again for <link rel="alternate"> feeds.
const rediscoverAfter = 7 * 24 * time.Hour

// maxDiscoveredFeeds bounds the feeds taken from one home page.
const maxDiscoveredFeeds = 5

// SyncSources records the configured outlets and their sources in the
// store, with the feeds discovered on the home page of outlets configured
// without feeds (looked for again weekly). A failed discovery is recorded
// and logged; it does not stop the pass.
func (p *Pipeline) SyncSources(ctx context.Context) error {
	return p.syncSources(ctx, true)
}

// syncSources records the outlets and their sources; look says whether
// feed discovery may read home pages now (else the feeds found before are
// used).
func (p *Pipeline) syncSources(ctx context.Context, look bool) error {
	outlets, err := p.outletsWithDiscoveredFeeds(ctx, look)
	if err != nil {
		return err
	}
	return p.st.SyncOutlets(ctx, outlets, p.loc, p.now())
}

// outletsWithDiscoveredFeeds returns the configured outlets, those without
// feeds given the feeds found on their home page (looked for now when look
// is set and the last look is a week old).
func (p *Pipeline) outletsWithDiscoveredFeeds(ctx context.Context, look bool) ([]config.Outlet, error) {
	found, err := p.st.FeedDiscoveries(ctx)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	if p.crawler != nil && look {
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			sem = make(chan struct{}, max(p.cfg.Crawler.Concurrency, 1))
		)
		var todo []config.Outlet
		for _, o := range p.cfg.Outlets {
			if len(o.Feeds) > 0 || len(o.Domains) == 0 {
				continue
			}
			if d, ok := found[o.ID]; ok && p.now().Sub(d.CheckedAt) < rediscoverAfter {
				continue
			}
			todo = append(todo, o)
		}
		for _, o := range todo {
			wg.Add(1)
			sem <- struct{}{}
			go func(o config.Outlet) {
				defer wg.Done()
				defer func() { <-sem }()
				d := p.discoverFeeds(ctx, o)
				if ctx.Err() != nil {
					return
				}
				if err := p.st.SaveFeedDiscovery(ctx, d); err != nil {
					p.log.Error("recording feed discovery", "outlet", o.ID, "err", err)
					return
				}
				mu.Lock()
				if d.Error == "" || len(found[o.ID].Feeds) == 0 {
					found[o.ID] = d
				}
				mu.Unlock()
			}(o)
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
	}
	out := make([]config.Outlet, len(p.cfg.Outlets))
	copy(out, p.cfg.Outlets)
	for i := range out {
		if len(out[i].Feeds) == 0 {
			out[i].Feeds = found[out[i].ID].Feeds
		}
	}
	return out, nil
}

// discoverFeeds reads an outlet's home page (its first crawl seed's site,
// else its first domain) for announced feeds.
func (p *Pipeline) discoverFeeds(ctx context.Context, o config.Outlet) store.FeedDiscovery {
	home := crawler.HomePage(o.Domains[0])
	if len(o.Crawl.Seeds) > 0 {
		if u, err := crawler.Resolve(o.Crawl.Seeds[0], "/"); err == nil {
			home = u
		}
	}
	d := store.FeedDiscovery{OutletID: o.ID, CheckedAt: p.now(), PageURL: home}
	feeds, err := p.crawler.Client().DiscoverFeeds(ctx, home)
	if err != nil {
		d.Error = err.Error()
		if ctx.Err() == nil {
			p.log.Warn("feed discovery failed", "outlet", o.ID, "url", home, "err", err)
		}
		return d
	}
	for _, f := range feeds {
		if len(d.Feeds) == maxDiscoveredFeeds {
			break
		}
		d.Feeds = append(d.Feeds, f)
	}
	p.log.Info("feeds discovered", "outlet", o.ID, "url", home, "feeds", strings.Join(d.Feeds, " "))
	return d
}

// sameArticle looks, for an article whose addresses are all new, for the
// article of the same outlet published within two days whose text is
// nearly the same: the one whose headline (hence slug) was edited. It
// returns that article's URL, or "".
func (p *Pipeline) sameArticle(ctx context.Context, outlet string, urls []string, art *model.Article, sh uint64) (string, error) {
	if art.Published.IsZero() || utf8.RuneCountInString(art.Text) < minSameTextRunes {
		return "", nil
	}
	if known, err := p.st.KnownArticleURL(ctx, urls); err != nil {
		return "", fmt.Errorf("pipeline: %w", err)
	} else if known {
		return "", nil // SaveArticle updates it
	}
	cands, err := p.st.SimilarArticle(ctx, outlet, art.Published, 48*time.Hour, sh, 12)
	if err != nil {
		return "", fmt.Errorf("pipeline: %w", err)
	}
	for _, c := range cands {
		if sameText(art.Text, c.Text) {
			return c.URL, nil
		}
	}
	return "", nil
}

// minSameTextRunes: shorter texts (teasers, paywall notices) are too alike
// across articles to prove two addresses are one article.
const minSameTextRunes = 300

// sameText reports whether two texts share at least 80% of their word
// 4-grams (Jaccard), i.e. are one article, lightly edited.
func sameText(a, b string) bool {
	if utf8.RuneCountInString(b) < minSameTextRunes {
		return false
	}
	sa, sb := shingles(a), shingles(b)
	if len(sa) == 0 || len(sb) == 0 {
		return false
	}
	inter := 0
	for k := range sa {
		if sb[k] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	return float64(inter) >= 0.8*float64(union)
}

func shingles(s string) map[string]bool {
	w := strings.Fields(strings.ToLower(s))
	out := map[string]bool{}
	for i := 0; i+4 <= len(w); i++ {
		out[strings.Join(w[i:i+4], " ")] = true
	}
	return out
}

// syncIndexIfOpen brings the index up to the store when the pipeline has
// one. Commands that run beside the daemon (add, backfill, sources) open
// the store only: the index catches up in the daemon, or when any command
// next opens it.
func (p *Pipeline) syncIndexIfOpen(ctx context.Context) error {
	if p.ix == nil {
		return nil
	}
	_, err := p.SyncIndex(ctx)
	return err
}

// HasIndex reports whether the pipeline writes the search index itself.
func (p *Pipeline) HasIndex() bool { return p.ix != nil }
