package corpus

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/simhash"
	"github.com/cner/veille/internal/store"
)

func generate(t *testing.T, opt Options) []Item {
	t.Helper()
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	var items []Item
	if err := c.Each(func(it Item) error { items = append(items, it); return nil }); err != nil {
		t.Fatal(err)
	}
	return items
}

// TestDeterministic: the same seed gives the same corpus, another seed
// another one.
func TestDeterministic(t *testing.T) {
	a := generate(t, Options{N: 300, Seed: 5})
	b := generate(t, Options{N: 300, Seed: 5})
	c := generate(t, Options{N: 300, Seed: 6})
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave two corpora")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("two seeds gave the same corpus")
	}
}

// TestShape: outlets of every scope, seven years, mentions that the real
// matcher finds, syndicated copies close to their story.
func TestShape(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	c, err := New(Options{N: 3000, Loc: paris})
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string]int{}
	for _, o := range c.Outlets() {
		scopes[o.Scope]++
	}
	if len(c.Outlets()) != 60 || len(scopes) != 5 {
		t.Errorf("outlets: %d, scopes %v", len(c.Outlets()), scopes)
	}
	cfg, _ := config.Default()
	m, err := match.New(cfg.Entities())
	if err != nil {
		t.Fatal(err)
	}
	years := map[int]int{}
	outlets := map[string]bool{}
	found, expected, copies, near := 0, 0, 0, 0
	originals := map[int]uint64{}
	for _, it := range generate(t, Options{N: 3000, Loc: paris}) {
		cl := it.Clipping
		years[cl.Date().In(paris).Year()]++
		outlets[cl.OutletID] = true
		if len(cl.Mentions) == 0 || cl.Text == "" || cl.Title == "" || !strings.HasPrefix(cl.URL, "https://") {
			t.Fatalf("clipping %d: %+v", cl.ID, cl)
		}
		if it.Story == int(cl.ID) {
			originals[it.Story] = cl.Simhash
		} else {
			copies++
			if simhash.Distance(originals[it.Story], cl.Simhash) <= 12 {
				near++
			}
		}
		// The matcher finds most generated mentions (context rules veto a few).
		if cl.ID%10 == 0 {
			got := map[string]bool{}
			for _, mm := range m.Match(match.Doc{Title: cl.Title, Lead: it.Lead, Body: cl.Text, Published: cl.Published}) {
				got[mm.EntityID] = true
			}
			for _, e := range cl.EntityIDs() {
				expected++
				if got[e] {
					found++
				}
			}
		}
	}
	if len(years) != 7 || years[2019] < 300 || years[2025] < 300 {
		t.Errorf("years: %v", years)
	}
	if len(outlets) < 55 {
		t.Errorf("%d outlets used", len(outlets))
	}
	if found*10 < expected*8 {
		t.Errorf("the matcher finds %d of %d generated mentions", found, expected)
	}
	if copies < 150 || near*10 < copies*8 {
		t.Errorf("%d copies, %d within 12 bits of their story", copies, near)
	}
}

// TestLoad: the store holds the corpus under the items' numbers.
func TestLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, _ := New(Options{N: 1200})
	if err := Load(ctx, st, c, nil); err != nil {
		t.Fatal(err)
	}
	items := generate(t, Options{N: 1200})
	for _, i := range []int{0, 777, 1199} {
		got, err := st.Clipping(ctx, items[i].Clipping.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := items[i].Clipping
		if got.URL != want.URL || got.Text != want.Text || got.Scope != want.Scope || !got.Date().Equal(want.Date()) ||
			len(got.Mentions) != len(want.Mentions) {
			t.Errorf("item %d: stored %+v, want %+v", i, got, want)
		}
	}
	if n, _ := st.Count(ctx, store.CountFilter{}); n != 1200 {
		t.Errorf("%d clippings", n)
	}
	if err := Load(ctx, st, c, nil); err == nil {
		t.Error("loaded twice into the same store")
	}
}
