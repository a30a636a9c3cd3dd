package index

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Facet counts without bleve's facet builders.
//
// bleve counts a facet by visiting the doc values of every hit and counting
// their terms in maps: about 2 µs per hit for our five fields, 200 ms for a
// search matching 100,000 clippings. The facet values of a document do not
// change between writes, so they are read once per snapshot of the index
// into a table of small integers indexed by document number; counting the
// facets of a search is then one pass over its hits (no scores) adding
// integers. The table is rebuilt after any write (Apply, Reset), on the
// next count: one visit of every document, the cost of a single bleve
// facet count over the whole index.

// facetState counts the writes to an Index (a facet table records the
// count it was built at and is stale once it differs) and holds the table.
type facetState struct {
	writes atomic.Uint64
	mu     sync.Mutex // serialises building and using the table
	table  *facetTable
}

// facetTable holds, for one index snapshot, the facet values of every
// document: for field f and document number d, the codes
// vals[f][start[f][d]:start[f][d+1]] index terms[f].
type facetTable struct {
	writes uint64
	reader bindex.IndexReader
	terms  [][]string
	start  [][]uint32
	vals   [][]uint32
}

// close releases the table's snapshot.
func (t *facetTable) close() error {
	if t == nil || t.reader == nil {
		return nil
	}
	return t.reader.Close()
}

// wrote records a write: tables built before it are stale. A stale table
// is released at once unless a count is using it (which then releases it):
// it holds a snapshot of the index, whose merged-away segment files stay on
// disk while it is open.
func (ix *Index) wrote() error {
	ix.facets.writes.Add(1)
	if !ix.facets.mu.TryLock() {
		return nil
	}
	defer ix.facets.mu.Unlock()
	return ix.releaseStale()
}

// releaseStale closes the table if the index was written since it was
// built. Call with facets.mu held.
func (ix *Index) releaseStale() error {
	t := ix.facets.table
	if t == nil || t.writes == ix.facets.writes.Load() {
		return nil
	}
	ix.facets.table = nil
	if err := t.close(); err != nil {
		return fmt.Errorf("index: facets: releasing a snapshot: %w", err)
	}
	return nil
}

// closeFacets releases the facet table (before the index closes).
func (ix *Index) closeFacets() error {
	ix.facets.mu.Lock()
	defer ix.facets.mu.Unlock()
	err := ix.facets.table.close()
	ix.facets.table = nil
	return err
}

// currentTable returns a table of the index as it is now, building it when
// the index was written to since the last one. Call with facets.mu held.
func (ix *Index) currentTable(ctx context.Context) (*facetTable, error) {
	w := ix.facets.writes.Load()
	if t := ix.facets.table; t != nil && t.writes == w {
		return t, nil
	}
	if err := ix.facets.table.close(); err != nil {
		return nil, fmt.Errorf("index: facets: %w", err)
	}
	ix.facets.table = nil
	t, err := ix.buildTable(ctx, w)
	if err != nil {
		return nil, err
	}
	ix.facets.table = t
	return t, nil
}

func (ix *Index) buildTable(ctx context.Context, writes uint64) (*facetTable, error) {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("index: facets: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("index: facets: %w", err)
	}
	t := &facetTable{writes: writes, reader: r}
	fields := FacetFields()
	n := len(fields)
	t.terms, t.start, t.vals = make([][]string, n), make([][]uint32, n), make([][]uint32, n)
	codes := make([]map[string]uint32, n)
	for i := range codes {
		codes[i] = map[string]uint32{}
	}
	fieldIndex := make(map[string]int, n)
	for i, f := range fields {
		fieldIndex[f] = i
	}
	dvr, err := r.DocValueReader(fields)
	if err != nil {
		t.close()
		return nil, fmt.Errorf("index: facets: %w", err)
	}
	visit := func(field string, term []byte) {
		f, ok := fieldIndex[field]
		if !ok {
			return
		}
		c, ok := codes[f][string(term)]
		if !ok {
			c = uint32(len(t.terms[f]))
			codes[f][string(term)] = c
			t.terms[f] = append(t.terms[f], string(term))
		}
		t.vals[f] = append(t.vals[f], c)
	}
	err = ix.eachMatch(ctx, r, bleve.NewMatchAllQuery(), func(num uint64, id bindex.IndexInternalID) error {
		for f := range t.start {
			for uint64(len(t.start[f])) <= num {
				t.start[f] = append(t.start[f], uint32(len(t.vals[f])))
			}
		}
		return dvr.VisitDocValues(id, visit)
	})
	if err != nil {
		t.close()
		return nil, fmt.Errorf("index: facets: %w", err)
	}
	for f := range t.start {
		t.start[f] = append(t.start[f], uint32(len(t.vals[f])))
	}
	return t, nil
}

// eachMatch calls fn with the document number of every match of q in r,
// in increasing order, without scoring.
func (ix *Index) eachMatch(ctx context.Context, r bindex.IndexReader, q query.Query, fn func(num uint64, id bindex.IndexInternalID) error) error {
	s, err := q.Searcher(ctx, r, ix.idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return err
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	for i := 0; ; i++ {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return err
		}
		if dm == nil {
			return nil
		}
		if err := fn(dm.IndexInternalID.Value(), dm.IndexInternalID); err != nil {
			return err
		}
		sctx.DocumentMatchPool.Put(dm)
	}
}

// countFacets is the number of matches of q and their counts by each of
// FacetFields, most frequent first (then by key), at most 1,000 per field.
func (ix *Index) countFacets(ctx context.Context, q query.Query) (total uint64, facets map[string][]FacetCount, err error) {
	ix.facets.mu.Lock()
	defer ix.facets.mu.Unlock()
	defer func() { // written to meanwhile: let go of the snapshot
		if rerr := ix.releaseStale(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	t, err := ix.currentTable(ctx)
	if err != nil {
		return 0, nil, err
	}
	counts := make([][]int, len(t.terms))
	for f := range counts {
		counts[f] = make([]int, len(t.terms[f]))
	}
	err = ix.eachMatch(ctx, t.reader, q, func(num uint64, _ bindex.IndexInternalID) error {
		total++
		for f, start := range t.start {
			if num+1 >= uint64(len(start)) {
				continue
			}
			for _, c := range t.vals[f][start[num]:start[num+1]] {
				counts[f][c]++
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("index: facets: %w", err)
	}
	out := make(map[string][]FacetCount, len(t.terms))
	for f, name := range FacetFields() {
		list := []FacetCount{}
		for c, n := range counts[f] {
			if n > 0 {
				list = append(list, FacetCount{Key: t.terms[f][c], Count: n})
			}
		}
		slices.SortFunc(list, func(a, b FacetCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key))
		})
		if len(list) > maxFacetTerms {
			list = list[:maxFacetTerms]
		}
		out[name] = list
	}
	return total, out, nil
}

// maxFacetTerms is how many values of a facet are kept, most frequent first.
const maxFacetTerms = 1000

// CountsByBleve is what Counts answers, counted by bleve's own facet
// builders: the reference that tests and benchmarks compare the facet
// table with (several times slower on large results).
func (ix *Index) CountsByBleve(ctx context.Context, q Query) (uint64, map[string][]FacetCount, error) {
	q.Size, q.Offset = -1, 0
	req, err := ix.request(q)
	if err != nil {
		return 0, nil, err
	}
	req.Score = "none"
	req.Fields, req.Highlight = nil, nil
	req.SortBy([]string{"_score"}) // no hits asked: nothing to sort by date
	for _, f := range FacetFields() {
		req.AddFacet(f, bleve.NewFacetRequest(f, maxFacetTerms))
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return 0, nil, fmt.Errorf("index: search: %w", err)
	}
	out := map[string][]FacetCount{}
	for name, f := range res.Facets {
		counts := []FacetCount{}
		if f.Terms != nil {
			for _, tf := range f.Terms.Terms() {
				counts = append(counts, FacetCount{Key: tf.Term, Count: tf.Count})
			}
		}
		out[name] = counts
	}
	return res.Total, out, nil
}
