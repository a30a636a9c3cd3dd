package web

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cner/veille/index"
)

const (
	// facetTTL bounds how stale cached facet counts may be: an entry is
	// dropped as soon as the index's document count changes (a clipping
	// added, excluded or removed), and after facetTTL in any case (an
	// article updated in place leaves the count unchanged).
	facetTTL       = 2 * time.Minute
	facetCacheSize = 256
)

// facetWait is how long a page waits, once its results are found, for
// facet counts that are not in the cache; past it the page is shown without
// them (they are still counted in the background, for the next load). The
// index counts the facets of 100,000 clippings in about 15 ms: what takes
// longer is a phrase verified in tens of thousands of clippings, whose page
// should not wait past the 100 ms a page may take.
const facetWait = 50 * time.Millisecond

// facetCache keeps the facet counts of recent searches. Counting facets
// visits every match of a search, the costliest part of a search page on
// a large index; the counts depend neither on the page shown nor on the
// sort, so paging through results and re-sorting them reuse them. Counts
// made stale by the crawler are still shown while fresh ones are counted
// in the background; the UI's own changes (exclude, restore, add) clear the
// cache so that their effect shows at once.
type facetCache struct {
	mu       sync.Mutex
	off      bool // benchmarks measure the pages without the cache too
	entries  map[string]facetEntry
	order    []string                 // oldest first
	inflight map[string]chan struct{} // counts under way, closed when done
}

type facetEntry struct {
	facets map[string][]index.FacetCount
	docs   uint64 // the index's document count when computed
	at     time.Time
}

func newFacetCache() *facetCache {
	return &facetCache{entries: map[string]facetEntry{}, inflight: map[string]chan struct{}{}}
}

// facetKey identifies what facet counts depend on: the query and filters,
// not the page or the sort.
func facetKey(q index.Query) string {
	return fmt.Sprintf("%q|%d|%d|%q|%q|%q|%q", q.Text, q.From.Unix(), q.To.Unix(), q.Outlet, q.Scope, q.Entity, q.Kind)
}

// get returns the cached counts of key; fresh is false when the index
// changed since, or when they are older than facetTTL.
func (c *facetCache) get(key string, docs uint64, now time.Time) (facets map[string][]index.FacetCount, fresh, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return nil, false, false
	}
	e, ok := c.entries[key]
	if !ok {
		return nil, false, false
	}
	return e.facets, e.docs == docs && now.Sub(e.at) <= facetTTL && !now.Before(e.at), true
}

func (c *facetCache) put(key string, facets map[string][]index.FacetCount, docs uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return
	}
	if _, ok := c.entries[key]; !ok {
		c.order = append(c.order, key)
	}
	c.entries[key] = facetEntry{facets: facets, docs: docs, at: now}
	for len(c.order) > facetCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// clear forgets every count (after a change made through the UI).
func (c *facetCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]facetEntry{}
	c.order = nil
}

// start registers a count of key under way; ok is false when one already
// is, and done is closed when it ends.
func (c *facetCache) start(key string) (done chan struct{}, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, busy := c.inflight[key]; busy {
		return ch, false
	}
	ch := make(chan struct{})
	c.inflight[key] = ch
	return ch, true
}

func (c *facetCache) finish(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.inflight[key]; ok {
		close(ch)
		delete(c.inflight, key)
	}
}

// countFacets counts the facets of q into the cache, unless a count of the
// same search is under way; it returns a channel closed when the count ends.
// The count runs apart from the request that asked for it, bounded by
// facetCountTimeout, so that it serves the next load if the page could not
// wait for it.
func (s *Server) countFacets(q index.Query, key string, docs uint64) <-chan struct{} {
	done, ok := s.facetCache.start(key)
	if !ok {
		return done
	}
	s.bgWait.Add(1)
	go func() {
		defer s.bgWait.Done()
		defer s.facetCache.finish(key)
		ctx, cancel := context.WithTimeout(s.bg, facetCountTimeout)
		defer cancel()
		if s.beforeCount != nil {
			s.beforeCount()
		}
		q.Facets, q.Size, q.Offset, q.Sort = true, 1, 0, "relevance"
		start := time.Now()
		res, err := s.ix.Search(ctx, q)
		if err != nil {
			level := slog.LevelWarn
			if isQueryError(err) || ctx.Err() != nil {
				level = slog.LevelDebug // the page says why; or shutting down
			}
			s.log.Log(ctx, level, "counting facets failed", "query", q.Text, "error", err)
			return
		}
		s.facetCache.put(key, res.Facets, docs, s.now())
		s.log.Debug("facets counted", "query", q.Text, "duration_ms", time.Since(start).Milliseconds())
	}()
	return done
}

const facetCountTimeout = 30 * time.Second

// searchWithFacets runs a search page with its facet counts: from the cache
// when it has them (stale ones are shown while fresh ones are counted), else
// counted, waiting facetWait at most. pending is true when the page goes
// without them.
func (s *Server) searchWithFacets(ctx context.Context, q index.Query) (res *index.Results, pending bool, err error) {
	docs, err := s.ix.DocCount()
	if err != nil {
		return nil, false, err
	}
	key := facetKey(q)
	q.Facets = false
	if s.facetCache.off {
		q.Facets = true
		res, err := s.ix.Search(ctx, q)
		return res, false, err
	}
	facets, fresh, ok := s.facetCache.get(key, docs, s.now())
	var done <-chan struct{}
	if !fresh {
		done = s.countFacets(q, key, docs)
	}
	if res, err = s.ix.Search(ctx, q); err != nil {
		return nil, false, err
	}
	if !ok {
		select {
		case <-done:
			facets, _, ok = s.facetCache.get(key, docs, s.now())
		case <-time.After(s.facetWait):
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	res.Facets = facets
	return res, !ok, nil
}

// warmFacets counts the home page's facets ahead of its first visit.
func (s *Server) warmFacets(ctx context.Context) {
	q := index.Query{Size: 1, Sort: "date"}
	docs, err := s.ix.DocCount()
	if err != nil {
		s.log.Warn("warming the home page's facets failed", "error", err)
		return
	}
	select {
	case <-s.countFacets(q, facetKey(q), docs):
	case <-ctx.Done():
	}
}
