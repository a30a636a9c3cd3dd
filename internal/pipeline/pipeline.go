// Package pipeline ties the stages together: a fetched page is extracted,
// matched against the watch list, stored (the source of truth), then
// indexed. The index always trails the store and catches up from it.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/crawler"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/extract"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/simhash"
	"github.com/cner/veille/internal/store"
)

// Pipeline processes pages into clippings.
type Pipeline struct {
	cfg     *config.Config
	loc     *time.Location
	st      *store.Store
	ix      *index.Index
	matcher *match.Matcher
	crawler *crawler.Crawler
	log     *slog.Logger
	now     func() time.Time

	indexMu       sync.Mutex // one index catch-up at a time
	indexProgress func(done int)

	manualOnce sync.Once
	manual     *crawler.Client // fetches manual adds (see Add)
}

// New builds a pipeline. The matcher is compiled from cfg's watch list.
func New(cfg *config.Config, st *store.Store, ix *index.Index, cr *crawler.Crawler, log *slog.Logger) (*Pipeline, error) {
	m, err := match.New(cfg.Entities())
	if err != nil {
		return nil, fmt.Errorf("pipeline: watch list: %w", err)
	}
	return &Pipeline{cfg: cfg, loc: cfg.Location(), st: st, ix: ix, matcher: m, crawler: cr,
		log: log.With("component", "pipeline"), now: time.Now}, nil
}

// Matcher returns the compiled watch list.
func (p *Pipeline) Matcher() *match.Matcher { return p.matcher }

// Result is what ingesting one page produced.
type Result struct {
	store.SaveResult
	URL      string
	OutletID string
	Article  *model.Article
	Mentions []model.Mention
}

// Input is a page to ingest.
type Input struct {
	URL         string // where it was fetched (after redirects)
	FoundAt     string // the address it was discovered under, if different
	OutletID    string // from the frontier; re-derived from the canonical URL when possible
	HTML        []byte // UTF-8
	FetchedAt   time.Time
	Title       string // the feed's or sitemap's title, a fallback
	Description string // the feed's summary, kept for paywalled teasers
	Published   time.Time
	// ForcePublished, when set, is the publication date whatever the page
	// says (a manual add with --published).
	ForcePublished time.Time
}

// Ingest extracts, matches and stores one page. The index is updated later
// by SyncIndex, from the store.
func (p *Pipeline) Ingest(ctx context.Context, in Input) (*Result, error) {
	var sel config.Selectors
	if o, ok := p.cfg.Outlet(in.OutletID); ok {
		sel = o.Selectors
	}
	art, err := extract.Extract(in.HTML, in.URL, extract.Options{
		Location: p.loc, Now: p.now(), Selectors: sel,
		FeedDescription: in.Description, FeedPublished: in.Published,
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: extract %s: %w", in.URL, err)
	}
	if art.Title == "" {
		art.Title = in.Title
	}
	if art.Description == "" {
		art.Description = in.Description
	}
	if art.Published.IsZero() && !in.Published.IsZero() && !in.Published.After(p.now()) {
		art.Published = in.Published
		art.DateSource = "feed"
	}
	if !in.ForcePublished.IsZero() {
		art.Published = in.ForcePublished
		art.DateSource = "manual"
	}

	canonical := in.URL
	if art.CanonicalURL != "" {
		canonical = art.CanonicalURL
	}
	cu, err := crawler.Canonicalize(canonical)
	if err != nil {
		if cu, err = crawler.Canonicalize(in.URL); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
	}
	outlet := in.OutletID
	if p.crawler != nil {
		if id, ok := p.crawler.OutletFor(cu); ok {
			outlet = id
		} else if id, ok := p.crawler.OutletFor(in.URL); ok && outlet == "" {
			outlet = id
		}
	}
	if outlet == "" {
		return nil, fmt.Errorf("pipeline: %s: no configured outlet has this domain", cu)
	}
	var alts []string
	for _, u := range []string{in.URL, in.FoundAt} {
		if u == "" {
			continue
		}
		if c, err := crawler.Canonicalize(u); err == nil && c != cu {
			alts = append(alts, c)
		}
	}

	sh := simhash.Of(art.Title + "\n" + art.Text)
	// The same article under a new address (a headline edited after
	// publication changes the slug) stays one article.
	if same, err := p.sameArticle(ctx, outlet, append([]string{cu}, alts...), art, sh); err != nil {
		return nil, err
	} else if same != "" {
		alts = append(alts, cu)
		cu = same
	}
	mentions := p.matcher.Match(match.Doc{Title: art.Title, Lead: art.Lead, Body: art.Text, Published: art.Published})
	res, err := p.st.SaveArticle(ctx, store.ArticleInput{
		URL: cu, AltURLs: alts, OutletID: outlet, Article: art, HTML: in.HTML,
		FetchedAt: in.FetchedAt, Simhash: sh, Mentions: mentions,
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return &Result{SaveResult: res, URL: cu, OutletID: outlet, Article: art, Mentions: mentions}, nil
}

// Process is the crawler's Processor: it ingests a fetched frontier page.
func (p *Pipeline) Process(ctx context.Context, page *crawler.Page) (int64, error) {
	res, err := p.Ingest(ctx, Input{
		URL: page.URL, FoundAt: page.Item.URL, OutletID: page.Item.OutletID, HTML: page.HTML,
		FetchedAt: page.FetchedAt, Title: page.Item.Title, Description: page.Item.Description,
		Published: page.Item.Published,
	})
	if err != nil {
		return 0, err
	}
	if len(res.Mentions) > 0 {
		p.log.Info("clipping", "url", res.URL, "outlet", res.OutletID, "mentions", len(res.Mentions), "created", res.Created)
	}
	return res.ID, nil
}

// SyncIndex brings the index up to the store: every article whose index
// entry is behind is indexed (or removed), in batches. It returns how many
// entries were written. It runs at start-up too, so that a crash between a
// store write and the index write is repaired.
func (p *Pipeline) SyncIndex(ctx context.Context) (int, error) {
	p.indexMu.Lock()
	defer p.indexMu.Unlock()
	// An index created anew (first start, rebuild, a lost directory) has a
	// generation the store has not indexed into: everything is indexed
	// again. Marking the store first makes a crash at any point harmless.
	gen, err := p.ix.Generation()
	if err != nil {
		return 0, fmt.Errorf("pipeline: index sync: %w", err)
	}
	stored, ok, err := p.st.Meta(ctx, indexGenerationKey)
	if err != nil {
		return 0, fmt.Errorf("pipeline: index sync: %w", err)
	}
	if !ok || stored != gen {
		if ok {
			p.log.Info("the index was created anew: indexing every clipping again", "generation", gen)
		}
		if err := p.st.ResetIndexed(ctx); err != nil {
			return 0, fmt.Errorf("pipeline: index sync: %w", err)
		}
		if err := p.st.SetMeta(ctx, indexGenerationKey, gen); err != nil {
			return 0, fmt.Errorf("pipeline: index sync: %w", err)
		}
	}
	total := 0
	for {
		items, err := p.st.PendingIndex(ctx, indexBatch)
		if err != nil {
			return total, fmt.Errorf("pipeline: index sync: %w", err)
		}
		if len(items) == 0 {
			return total, nil
		}
		var (
			put []*model.Clipping
			del []int64
		)
		for _, it := range items {
			if it.Clipping != nil {
				put = append(put, it.Clipping)
			} else {
				del = append(del, it.ID)
			}
		}
		if err := p.ix.Apply(ctx, put, del); err != nil {
			return total, fmt.Errorf("pipeline: index sync: %w", err)
		}
		if err := p.st.MarkIndexed(ctx, items); err != nil {
			return total, fmt.Errorf("pipeline: index sync: %w", err)
		}
		total += len(items)
		if p.indexProgress != nil {
			p.indexProgress(total)
		}
	}
}

// indexGenerationKey is the store's meta key of the index generation it
// indexed into.
const indexGenerationKey = "index_generation"

// indexBatch is how many articles an index batch holds.
const indexBatch = 1000

// SetIndexProgress sets a function told how many entries SyncIndex wrote
// so far (a rebuild of a large store takes minutes).
func (p *Pipeline) SetIndexProgress(fn func(done int)) {
	p.indexMu.Lock()
	defer p.indexMu.Unlock()
	p.indexProgress = fn
}

// Progress reports a pass's advance.
type Progress func(stage string, done, total int)

// CrawlOnce runs one pass over every configured source: poll feeds,
// sitemaps, crawl seeds and today's archive pages, fetch every pending
// article, index.
func (p *Pipeline) CrawlOnce(ctx context.Context, progress Progress) (crawler.Stats, error) {
	if p.crawler == nil {
		return crawler.Stats{}, errors.New("pipeline: no crawler")
	}
	if err := p.SyncSources(ctx); err != nil {
		return crawler.Stats{}, err
	}
	sources, err := p.st.Sources(ctx, false)
	if err != nil {
		return crawler.Stats{}, err
	}
	stage := func(name string) func(done, total int) {
		if progress == nil {
			return nil
		}
		return func(done, total int) { progress(name, done, total) }
	}
	if progress != nil {
		progress("sources", 0, len(sources))
	}
	st, err := p.crawler.PollSources(ctx, sources, stage("sources"))
	if err != nil {
		return st, err
	}
	fst, err := p.crawler.FetchPending(ctx, p.Process, stage("articles"))
	st.Fetched, st.FetchErrors, st.ArticlesSaved = fst.Fetched, fst.FetchErrors, fst.ArticlesSaved
	if err != nil {
		return st, err
	}
	if err := p.syncIndexIfOpen(ctx); err != nil {
		return st, err
	}
	return st, nil
}

// Rematch applies the current watch list to every stored article dated from
// `from` on (all when zero). It returns how many articles' mentions changed.
func (p *Pipeline) Rematch(ctx context.Context, from time.Time) (int, error) {
	changed := 0
	err := p.st.EachArticle(ctx, from, func(a store.StoredText) error {
		ms := p.matcher.Match(match.Doc{Title: a.Title, Lead: a.Lead, Body: a.Text, Published: a.Published})
		ok, err := p.st.ReplaceMentions(ctx, a.ID, ms, p.now())
		if err != nil {
			return err
		}
		if ok {
			changed++
		}
		return nil
	})
	if err != nil {
		return changed, fmt.Errorf("pipeline: rematch: %w", err)
	}
	if _, err := p.SyncIndex(ctx); err != nil {
		return changed, err
	}
	return changed, nil
}
