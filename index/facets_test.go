package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cner/veille/internal/model"
)

// bleveFacets counts q's facets with bleve's own facet builders: the
// reference countFacets must agree with.
func bleveFacets(t *testing.T, ix *Index, q Query) (uint64, map[string]map[string]int) {
	t.Helper()
	total, facets, err := ix.CountsByBleve(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int{}
	for name, list := range facets {
		out[name] = map[string]int{}
		for _, fc := range list {
			out[name][fc.Key] = fc.Count
		}
	}
	return total, out
}

// randomClippings are n clippings over 12 outlets, 3 scopes, 7 years and
// up to three of 9 entities of 3 kinds each, from a fixed seed.
func randomClippings(n, firstID int, r *rand.Rand) []*model.Clipping {
	words := []string{"agence", "développement", "forum", "hydrogène", "friche", "emploi", "usine", "territoire", "CNER"}
	kinds := []model.EntityKind{model.KindFederation, model.KindMember, model.KindEvent}
	var out []*model.Clipping
	for i := range n {
		id := int64(firstID + i)
		o := r.IntN(12)
		text := ""
		for range 8 + r.IntN(8) {
			text += words[r.IntN(len(words))] + " "
		}
		c := &model.Clipping{ID: id, URL: fmt.Sprintf("https://ex.fr/%d", id), OutletID: fmt.Sprintf("titre-%02d", o),
			OutletName: fmt.Sprintf("Titre %d", o), Scope: model.Scope([]string{"national", "regional", "trade"}[o%3]),
			Title: words[r.IntN(len(words))], Text: text,
			Published: time.Date(2019+r.IntN(7), time.Month(1+r.IntN(12)), 1+r.IntN(28), 9, 0, 0, 0, time.UTC)}
		c.FirstSeen = c.Published
		seen := map[int]bool{}
		for range r.IntN(4) {
			e := r.IntN(9)
			if !seen[e] {
				seen[e] = true
				c.Mentions = append(c.Mentions, model.Mention{EntityID: fmt.Sprintf("ent-%d", e), EntityKind: kinds[e%3]})
			}
		}
		out = append(out, c)
	}
	return out
}

// TestFacetsAgreeWithBleve: the facet table gives bleve's own facet counts
// for every query, across several batches (segments), updates and
// deletions (holes in the document numbers), and follows each write.
func TestFacetsAgreeWithBleve(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	r := rand.New(rand.NewPCG(7, 11))
	queries := []Query{
		{}, {Text: "agence"}, {Text: `"agence développement"`}, {Text: "hydrogene -friche"},
		{Outlet: "titre-03"}, {Scope: "regional"}, {Entity: "ent-4"}, {Kind: "event"},
		{Text: "usine OR cner", From: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Text: "year:2022 kind:member"}, {Text: "nothingmatchesthis"},
	}
	check := func(step string) {
		t.Helper()
		for _, q := range queries {
			want, wantFacets := bleveFacets(t, ix, q)
			got, facets, err := ix.Counts(ctx, q)
			if err != nil {
				t.Fatalf("%s %+v: %v", step, q, err)
			}
			if got != want {
				t.Errorf("%s %+v: total %d, bleve %d", step, q, got, want)
			}
			for _, f := range FacetFields() {
				seen := 0
				for i, fc := range facets[f] {
					if wantFacets[f][fc.Key] != fc.Count {
						t.Errorf("%s %+v: %s %q = %d, bleve %d", step, q, f, fc.Key, fc.Count, wantFacets[f][fc.Key])
					}
					if i > 0 && (facets[f][i-1].Count < fc.Count || facets[f][i-1].Count == fc.Count && facets[f][i-1].Key > fc.Key) {
						t.Errorf("%s %+v: %s not sorted by count then key: %v", step, q, f, facets[f])
					}
					seen++
				}
				if seen != len(wantFacets[f]) {
					t.Errorf("%s %+v: %s has %d values, bleve %d", step, q, f, seen, len(wantFacets[f]))
				}
			}
		}
	}
	for b := range 4 { // four batches: several segments
		if err := ix.Apply(ctx, randomClippings(300, 1+300*b, r), nil); err != nil {
			t.Fatal(err)
		}
	}
	check("after four batches")
	// Updates (new entities, another outlet) and deletions.
	changed := randomClippings(150, 1, r)
	var del []int64
	for id := int64(500); id < 700; id += 3 {
		del = append(del, id)
	}
	if err := ix.Apply(ctx, changed, del); err != nil {
		t.Fatal(err)
	}
	check("after updates and deletions")
	before, _, err := ix.Counts(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply(ctx, randomClippings(10, 5000, r), nil); err != nil {
		t.Fatal(err)
	}
	after, facets, err := ix.Counts(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if after != before+10 {
		t.Errorf("after 10 more: %d, want %d", after, before+10)
	}
	sum := 0
	for _, fc := range facets["scope"] {
		sum += fc.Count
	}
	if uint64(sum) != after {
		t.Errorf("scopes add up to %d, total %d", sum, after)
	}
	check("after a last batch")
	if err := ix.Reset(); err != nil {
		t.Fatal(err)
	}
	if n, facets, err := ix.Counts(ctx, Query{}); err != nil || n != 0 || len(facets["outlet"]) != 0 {
		t.Errorf("after Reset: %d %v %v", n, facets, err)
	}
}

// BenchmarkFacets: the facet counts of every clipping and of a common word,
// by the facet table and by bleve's facet builders, on 30,000 clippings.
//
//	go test -run '^$' -bench Facets -benchtime 20x ./index/
func BenchmarkFacets(b *testing.B) {
	ctx := context.Background()
	ix := openIndex(b)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 30 {
		if err := ix.Apply(ctx, randomClippings(1000, 1+1000*i, r), nil); err != nil {
			b.Fatal(err)
		}
	}
	for _, text := range []string{"", "agence"} {
		name := text
		if name == "" {
			name = "all"
		}
		b.Run(name+"/table", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := ix.Counts(ctx, Query{Text: text}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/bleve", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := ix.CountsByBleve(ctx, Query{Text: text}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFacetsWhileWriting: counts taken while batches land never fail and
// are each some state of the index (totals only grow here); once the
// writes stop, the counts are the final state's.
func TestFacetsWhileWriting(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	r := rand.New(rand.NewPCG(3, 5))
	batches := make([][]*model.Clipping, 20)
	for i := range batches {
		batches[i] = randomClippings(100, 1+100*i, r)
	}
	done := make(chan error, 1)
	go func() {
		for _, b := range batches {
			if err := ix.Apply(ctx, b, nil); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var last uint64
	for writing := true; writing; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			writing = false
		default:
		}
		n, _, err := ix.Counts(ctx, Query{})
		if err != nil {
			t.Fatal(err)
		}
		if n < last || n%100 != 0 {
			t.Fatalf("count %d after %d: not a state of the index", n, last)
		}
		last = n
	}
	n, facets, err := ix.Counts(ctx, Query{})
	if err != nil || n != 2000 {
		t.Fatalf("final: %d, %v", n, err)
	}
	want, wantFacets := bleveFacets(t, ix, Query{})
	if want != n {
		t.Errorf("bleve %d, table %d", want, n)
	}
	for _, fc := range facets["outlet"] {
		if wantFacets["outlet"][fc.Key] != fc.Count {
			t.Errorf("outlet %s: %d, bleve %d", fc.Key, fc.Count, wantFacets["outlet"][fc.Key])
		}
	}
}
