package index

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Query is a search over clippings.
type Query struct {
	Text     string    // the user's query (empty: every clipping)
	From, To time.Time // [From, To) on the clipping's date
	Outlet   string
	Scope    string
	Entity   string
	Kind     string
	Sort     string // "date" (newest first, the default) or "relevance"
	Size     int    // hits per page (default 20, at most 1000; negative: none, for counts)
	Offset   int
	Facets   bool // compute facet counts by outlet, scope, entity, kind, year
}

// Hit is one clipping found.
type Hit struct {
	ID         int64     `json:"id"`
	Score      float64   `json:"score"`
	Title      string    `json:"title"`
	URL        string    `json:"url"`
	Outlet     string    `json:"outlet"`
	OutletName string    `json:"outlet_name"`
	Scope      string    `json:"scope"`
	Date       time.Time `json:"date"`
	Entities   []string  `json:"entities"`
	// Fragments are highlighted extracts: HTML-escaped text with the
	// matched words between <mark> and </mark>.
	Fragments []string `json:"fragments"`
}

// FacetCount is one value of a facet.
type FacetCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Results is a page of hits.
type Results struct {
	Total uint64 `json:"total"`
	// TotalCapped says Total is a lower bound: more hits than CountCap
	// (date-sorted searches without facets stop counting there).
	TotalCapped bool                    `json:"total_capped,omitempty"`
	Hits        []Hit                   `json:"hits"`
	Facets      map[string][]FacetCount `json:"facets,omitempty"`
	Took        time.Duration           `json:"took_ns"`
}

// Search runs q.
//
// Sorted by date (the default), the first pages are read in windows of
// time going back from the newest clipping, sized by how many hits the
// query has: sorting a few days' hits by date is cheap, sorting all the
// hits of a common word in a million clippings is not. The total (and the
// facets) come from one count over the hits, without scores.
func (ix *Index) Search(ctx context.Context, q Query) (*Results, error) {
	req, period, err := ix.requestPeriod(q)
	if err != nil {
		return nil, err
	}
	if (q.Sort == "" || q.Sort == "date") && req.Size > 0 && req.From+req.Size <= slicedDepth {
		return ix.searchByWindows(ctx, q, req, period)
	}
	if req.Size == 0 && q.Facets { // counts only: one pass over the hits
		start := time.Now()
		total, facets, err := ix.countFacets(ctx, req.Query)
		if err != nil {
			return nil, err
		}
		return &Results{Total: total, Facets: facets, Took: time.Since(start)}, nil
	}
	if q.Sort == "" || q.Sort == "date" {
		req.Score = "none"
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	out := &Results{Total: res.Total, Took: res.Took}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, toHit(h))
	}
	if q.Facets {
		if _, out.Facets, err = ix.countFacets(ctx, req.Query); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// slicedDepth is how deep (offset + size) date-sorted pages are read window
// by window; deeper pages sort every hit.
const slicedDepth = 500

// slicedWindows is how many windows (twice as long each time) are searched
// before the rest of the period is searched at once.
const slicedWindows = 8

// searchByWindows answers a date-sorted page: the count (and facets) over the
// hits, then hits from the newest windows of time until the page is full.
func (ix *Index) searchByWindows(ctx context.Context, q Query, req *bleve.SearchRequest, period Period) (*Results, error) {
	start := time.Now()
	out := &Results{}
	if q.Facets {
		var err error
		if out.Total, out.Facets, err = ix.countFacets(ctx, req.Query); err != nil {
			return nil, err
		}
	} else {
		n, capped, err := ix.countUpTo(ctx, req.Query, CountCap)
		if err != nil {
			return nil, err
		}
		out.Total, out.TotalCapped = n, capped
	}
	need := req.From + req.Size
	if out.Total == 0 {
		out.Took = time.Since(start)
		return out, nil
	}
	// Windows go back in time from the end of the newest month holding
	// clippings (or the end of the query's period), down to the oldest.
	oldest, newest, err := ix.monthSpan()
	if err != nil {
		return nil, err
	}
	if newest.IsZero() {
		out.Took = time.Since(start)
		return out, nil
	}
	if !period.To.IsZero() && period.To.Before(newest) {
		newest = period.To
	}
	if !period.From.IsZero() && period.From.After(oldest) {
		oldest = period.From
	}
	var hits []*search.DocumentMatch
	page := func(window query.Query) error {
		r := *req
		r.Query = bleve.NewConjunctionQuery(req.Query, window)
		r.From, r.Size = 0, need-len(hits)
		r.Score = "none"
		res, err := ix.idx.SearchInContext(ctx, &r)
		if err != nil {
			return fmt.Errorf("index: search: %w", err)
		}
		hits = append(hits, res.Hits...)
		return nil
	}
	t := newest
	// The first window should hold about three pages: a common word's
	// (more than CountCap hits) a day; a rarer one's as many days as its
	// density over the years covered asks. Each next window is twice as long.
	days := 1
	if !out.TotalCapped {
		span := t.Sub(oldest).Hours() / 24
		if perDay := float64(out.Total) / max(span, 1); perDay > 0 {
			days = max(1, int(3*float64(need)/perDay))
		}
	}
	for n := 0; len(hits) < need && (out.TotalCapped || uint64(len(hits)) < out.Total); n++ {
		if !t.After(oldest) {
			break
		}
		from := t.AddDate(0, 0, -days)
		if n == slicedWindows || !from.After(oldest) {
			from = time.Time{} // the rest at once
		}
		if err := page(ix.window(from, t)); err != nil {
			return nil, err
		}
		if from.IsZero() {
			break
		}
		t, days = from, 2*days
	}
	if len(hits) > need {
		hits = hits[:need]
	}
	for i := req.From; i < len(hits); i++ {
		out.Hits = append(out.Hits, toHit(hits[i]))
	}
	out.Took = time.Since(start)
	return out, nil
}

// CountCap is how many hits a date-sorted search counts when no facets are
// asked for: beyond it the total is "more than CountCap" (Results.
// TotalCapped). Counting every hit of a common phrase in a million
// clippings takes seconds; exact totals come from the store's counts, or
// from a search with facets.
const CountCap = 1000

// countUpTo counts the hits of q, stopping at limit.
func (ix *Index) countUpTo(ctx context.Context, q query.Query, limit int) (uint64, bool, error) {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return 0, false, fmt.Errorf("index: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return 0, false, fmt.Errorf("index: reader: %w", err)
	}
	defer r.Close()
	s, err := q.Searcher(ctx, r, ix.idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return 0, false, fmt.Errorf("index: search: %w", err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	var n uint64
	for {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return n, false, fmt.Errorf("index: search: %w", err)
			}
		}
		if n >= uint64(limit) {
			// One more tells whether there is more.
			dm, err := s.Next(sctx)
			if err != nil {
				return n, false, fmt.Errorf("index: search: %w", err)
			}
			return n, dm != nil, nil
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return n, false, fmt.Errorf("index: search: %w", err)
		}
		if dm == nil {
			return n, false, nil
		}
		n++
		sctx.DocumentMatchPool.Put(dm)
	}
}

// monthSpan returns the start of the oldest month and the end of the
// newest month holding clippings (zeros for an empty index).
func (ix *Index) monthSpan() (oldest, newest time.Time, err error) {
	d, err := ix.idx.FieldDict("month")
	if err != nil {
		return oldest, newest, fmt.Errorf("index: months: %w", err)
	}
	defer d.Close()
	var first, last string
	for {
		e, err := d.Next()
		if err != nil {
			return oldest, newest, fmt.Errorf("index: months: %w", err)
		}
		if e == nil {
			break
		}
		if e.Count == 0 {
			continue
		}
		if first == "" {
			first = e.Term
		}
		last = e.Term
	}
	if first == "" {
		return oldest, newest, nil
	}
	o, err1 := time.ParseInLocation("2006-01", first, ix.loc)
	n, err2 := time.ParseInLocation("2006-01", last, ix.loc)
	if err1 != nil || err2 != nil {
		return oldest, newest, fmt.Errorf("index: months %q, %q: not YYYY-MM", first, last)
	}
	return o, n.AddDate(0, 1, 0), nil
}

// window is the query of [from, to).
func (ix *Index) window(from, to time.Time) query.Query { return periodQuery(from, to, ix.loc) }

func (ix *Index) request(q Query) (*bleve.SearchRequest, error) {
	req, _, err := ix.requestPeriod(q)
	return req, err
}

// requestPeriod builds the search request of q and the period its hits
// fall in (Query.From/To and the query's own date clauses).
func (ix *Index) requestPeriod(q Query) (*bleve.SearchRequest, Period, error) {
	period := Period{From: q.From, To: q.To}
	var must []query.Query
	if strings.TrimSpace(q.Text) == "" {
		must = append(must, bleve.NewMatchAllQuery())
	} else {
		tq, qp, err := parseQueryPeriod(q.Text, ix.loc, ix.analyzer)
		if err != nil {
			return nil, period, err
		}
		period = period.intersect(qp)
		must = append(must, tq)
	}
	term := func(field, value string) {
		if value == "" {
			return
		}
		t := bleve.NewTermQuery(value)
		t.SetField(field)
		must = append(must, t)
	}
	term("outlet", q.Outlet)
	term("scope", q.Scope)
	term("entity", q.Entity)
	term("kind", q.Kind)
	if !q.From.IsZero() || !q.To.IsZero() {
		must = append(must, periodQuery(q.From, q.To, ix.loc))
	}
	size := q.Size
	switch {
	case size < 0: // counts only
		size = 0
	case size == 0:
		size = 20
	}
	if size > 1000 {
		size = 1000
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), size, max(q.Offset, 0), false)
	req.Fields = []string{"title", "url", "outlet", "outlet_name", "scope", "date", "entity"}
	if strings.TrimSpace(q.Text) != "" {
		req.Highlight = bleve.NewHighlightWithStyle(html.Name)
		req.Highlight.AddField("title")
		req.Highlight.AddField("text")
	}
	switch q.Sort {
	case "relevance", "pertinence":
		req.SortBy([]string{"-_score", "-date"})
	case "", "date":
		req.SortBy([]string{"-date", "_id"})
	default:
		return nil, period, fmt.Errorf("index: sort %q: not date or relevance", q.Sort)
	}
	return req, period, nil
}

// FacetFields are the fields Search counts by when Query.Facets is set:
// the breakdowns of the store's counts but months (each facet costs a visit
// of every hit).
func FacetFields() []string { return []string{"outlet", "scope", "entity", "kind", "year"} }

// Counts is the total and the facet counts of q without hits: the index's
// answer to what the store's counts answer (tests and veille check prove
// they agree).
func (ix *Index) Counts(ctx context.Context, q Query) (uint64, map[string][]FacetCount, error) {
	q.Size, q.Offset, q.Facets = -1, 0, true
	res, err := ix.Search(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	return res.Total, res.Facets, nil
}

func toHit(h *search.DocumentMatch) Hit {
	id, _ := strconv.ParseInt(h.ID, 10, 64)
	hit := Hit{ID: id, Score: h.Score}
	str := func(k string) string {
		if v, ok := h.Fields[k].(string); ok {
			return v
		}
		return ""
	}
	hit.Title = str("title")
	hit.URL = str("url")
	hit.Outlet = str("outlet")
	hit.OutletName = str("outlet_name")
	hit.Scope = str("scope")
	if d := str("date"); d != "" {
		hit.Date, _ = time.Parse(time.RFC3339, d)
	}
	switch v := h.Fields["entity"].(type) {
	case string:
		hit.Entities = []string{v}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				hit.Entities = append(hit.Entities, s)
			}
		}
	}
	// Fragments with a match first, text before title.
	for _, marked := range []bool{true, false} {
		for _, f := range []string{"text", "title"} {
			for _, frag := range h.Fragments[f] {
				if strings.Contains(frag, "<mark>") == marked {
					hit.Fragments = append(hit.Fragments, joinMarks(wholeWords(frag)))
				}
			}
		}
	}
	return hit
}

// markGap is what may separate two marked words of one name: "DEV&CO22"
// is marked "<mark>DEV</mark>&amp;<mark>CO22</mark>" by the highlighter.
var markGap = regexp.MustCompile(`</mark>((?:&amp;|&#39;|[-’ \x{00a0}\x{202f}]){1,3})<mark>`)

// joinMarks marks adjacent matched words as one ("<mark>DEV&amp;CO22</mark>").
func joinMarks(f string) string { return markGap.ReplaceAllString(f, "$1") }

// ellipsis is what the highlighter puts where a fragment cuts the text.
const ellipsis = "…"

// wholeWords drops the partial words at the cut ends of a fragment
// ("…é général du CNER" → "…général du CNER"), never a mark or an escape.
func wholeWords(f string) string {
	const most = 24 // bytes: longer, it is no partial word
	if rest, ok := strings.CutPrefix(f, ellipsis); ok {
		if i := strings.IndexByte(rest, ' '); i > 0 && i < most && !strings.ContainsAny(rest[:i], "<>&") {
			f = ellipsis + rest[i+1:]
		}
	}
	if body, ok := strings.CutSuffix(f, ellipsis); ok {
		if i := strings.LastIndexByte(body, ' '); i >= 0 && len(body)-i < most && !strings.ContainsAny(body[i:], "<>&") {
			f = body[:i] + " " + ellipsis
		}
	}
	return f
}
