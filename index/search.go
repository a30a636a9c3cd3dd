package index

import (
	"context"
	"fmt"
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
	Size     int    // hits per page (default 20)
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
	Total  uint64                  `json:"total"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets,omitempty"`
	Took   time.Duration           `json:"took_ns"`
}

// Search runs q.
func (ix *Index) Search(ctx context.Context, q Query) (*Results, error) {
	req, err := ix.request(q)
	if err != nil {
		return nil, err
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
		out.Facets = map[string][]FacetCount{}
		for name, f := range res.Facets {
			var counts []FacetCount
			if f.Terms != nil {
				for _, t := range f.Terms.Terms() {
					counts = append(counts, FacetCount{Key: t.Term, Count: t.Count})
				}
			}
			out.Facets[name] = counts
		}
	}
	return out, nil
}

func (ix *Index) request(q Query) (*bleve.SearchRequest, error) {
	var must []query.Query
	if strings.TrimSpace(q.Text) == "" {
		must = append(must, bleve.NewMatchAllQuery())
	} else {
		tq, err := ParseQuery(q.Text)
		if err != nil {
			return nil, err
		}
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
		incl, excl := true, false
		dr := bleve.NewDateRangeInclusiveQuery(q.From, q.To, &incl, &excl)
		dr.SetField("date")
		must = append(must, dr)
	}
	size := q.Size
	if size <= 0 {
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
		return nil, fmt.Errorf("index: sort %q: not date or relevance", q.Sort)
	}
	if q.Facets {
		for _, f := range []string{"outlet", "scope", "entity", "kind", "year"} {
			req.AddFacet(f, bleve.NewFacetRequest(f, 100))
		}
	}
	return req, nil
}

// ParseQuery turns the user's query into a bleve query.
func ParseQuery(s string) (query.Query, error) {
	return bleve.NewQueryStringQuery(s), nil
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
	for _, f := range []string{"text", "title"} {
		hit.Fragments = append(hit.Fragments, h.Fragments[f]...)
	}
	return hit
}
