package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/internal/model"
)

func openIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := Open(filepath.Join(t.TempDir(), "index.bleve"), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func clip(id int64, outlet, scope, title, text string, date time.Time, entities ...string) *model.Clipping {
	c := &model.Clipping{ID: id, URL: "https://example.fr/" + title, OutletID: outlet, OutletName: strings.ToUpper(outlet),
		Scope: model.Scope(scope), Title: title, Text: text, Published: date, FirstSeen: date}
	for _, e := range entities {
		c.Mentions = append(c.Mentions, model.Mention{EntityID: e, EntityKind: model.KindFederation})
	}
	return c
}

func TestSearchFrenchFolding(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	d := time.Date(2021, 5, 1, 0, 0, 0, 0, time.UTC)
	err := ix.Apply(ctx, []*model.Clipping{
		clip(1, "echo", "national", "Le développement des agences", "L'agence de développement économique accompagne les entreprises.", d, "cner"),
		clip(2, "est", "regional", "Forum à Nancy", "Le forum DEV&CO22 se tient à Nancy avec l'Aderly.", d.AddDate(1, 0, 0), "devco"),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		"developpement": 1, // accents folded
		"agences":       1, // stemming
		"aderly":        1, // elision l'
		"nancy":         1,
	} {
		res, err := ix.Search(ctx, Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if int(res.Total) != want {
			t.Errorf("%q: %d hits, want %d", q, res.Total, want)
		}
	}
	res, err := ix.Search(ctx, Query{Text: "forum", Outlet: "est", Facets: true})
	if err != nil || res.Total != 1 || res.Hits[0].ID != 2 {
		t.Fatalf("filtered search = %+v, %v", res, err)
	}
	if len(res.Hits[0].Fragments) == 0 || !strings.Contains(strings.Join(res.Hits[0].Fragments, ""), "<mark>") {
		t.Errorf("no highlight: %+v", res.Hits[0])
	}
	if res.Hits[0].OutletName != "EST" || res.Hits[0].Date.IsZero() {
		t.Errorf("stored fields missing: %+v", res.Hits[0])
	}
	// Removing a document.
	if err := ix.Apply(ctx, nil, []int64{2}); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(); n != 1 {
		t.Errorf("doc count after delete = %d", n)
	}
	if ok, _ := ix.Has(2); ok {
		t.Error("deleted document still there")
	}
}

func TestDateRangeAndSort(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	var cs []*model.Clipping
	for i := 0; i < 5; i++ {
		cs = append(cs, clip(int64(i+1), "echo", "national", "article", "le cner", time.Date(2019+i, 6, 1, 0, 0, 0, 0, time.UTC), "cner"))
	}
	if err := ix.Apply(ctx, cs, nil); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, Query{Text: "cner", From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || res.Hits[0].ID != 3 || res.Hits[1].ID != 2 {
		t.Errorf("range/sort: total %d hits %+v", res.Total, res.Hits)
	}
}

func TestReopenKeepsDocuments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	ix.Apply(context.Background(), []*model.Clipping{clip(1, "echo", "national", "t", "x", time.Now())}, nil)
	ix.Close()
	ix, err = Open(path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, _ := ix.DocCount(); n != 1 {
		t.Errorf("after reopen: %d docs", n)
	}
}

// A second opener (another veille process, or here another open of the same
// directory) gets ErrInUse after LockWait instead of waiting for ever; the
// first one's documents are untouched and the index opens once released.
func TestOpenWhileHeldIsInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply(context.Background(), []*model.Clipping{clip(1, "echo", "national", "t", "x", time.Now())}, nil); err != nil {
		t.Fatal(err)
	}
	second, err := Open(path, time.UTC)
	if !errors.Is(err, ErrInUse) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second open: got %v, want ErrInUse", err)
	}
	if n, _ := ix.DocCount(); n != 1 {
		t.Errorf("holder sees %d docs, want 1", n)
	}
	ix.Close()
	again, err := Open(path, time.UTC)
	if err != nil {
		t.Fatalf("open after release: %v", err)
	}
	defer again.Close()
	if n, _ := again.DocCount(); n != 1 {
		t.Errorf("after release: %d docs, want 1", n)
	}
}

// What a crash can leave at the index path: a directory with no metadata
// (killed while an older veille created or removed the index), or an empty
// metadata file (power lost before bleve's unsynced write reached the
// disk). Open reports ErrBroken; Remove then Open rebuilds an empty index.
func TestOpenBrokenIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(path string) error
	}{
		{"metadata missing", func(path string) error { return os.Remove(filepath.Join(path, "index_meta.json")) }},
		{"metadata empty", func(path string) error { return os.Truncate(filepath.Join(path, "index_meta.json"), 0) }},
		{"store only", func(path string) error {
			if err := os.RemoveAll(path); err != nil {
				return err
			}
			return os.MkdirAll(filepath.Join(path, "store"), 0o700)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.bleve")
			ix, err := Open(path, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if err := ix.Apply(context.Background(), []*model.Clipping{clip(1, "echo", "national", "t", "x", time.Now())}, nil); err != nil {
				t.Fatal(err)
			}
			gen, err := ix.Generation()
			if err != nil {
				t.Fatal(err)
			}
			ix.Close()
			if err := tc.damage(path); err != nil {
				t.Fatal(err)
			}
			if broken, err := Open(path, time.UTC); !errors.Is(err, ErrBroken) {
				if broken != nil {
					broken.Close()
				}
				t.Fatalf("open: got %v, want ErrBroken", err)
			}
			if err := Remove(path); err != nil {
				t.Fatal(err)
			}
			ix, err = Open(path, time.UTC)
			if err != nil {
				t.Fatalf("open after remove: %v", err)
			}
			defer ix.Close()
			if n, _ := ix.DocCount(); n != 0 {
				t.Errorf("rebuilt index holds %d docs, want 0 (the store re-indexes)", n)
			}
			if again, _ := ix.Generation(); again == gen {
				t.Errorf("rebuilt index kept generation %s: the store would not re-index", gen)
			}
		})
	}
}

// Builds and removals interrupted by a kill leave directories beside the
// index (path.new-PID, path.old), never a partial index at path: the next
// creation deletes them, and a stale one never passes for the index.
func TestLeftoversOfInterruptedBuilds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.bleve")
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{path + asideInfix + "999999", path + trashSuffix} {
		if err := os.MkdirAll(filepath.Join(p, "store"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := Open(path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "index.bleve" {
		t.Errorf("beside the new index: %v, want only index.bleve", names)
	}
	// Reset removes through path.old and builds through path.new-PID:
	// neither remains.
	if err := ix.Apply(context.Background(), []*model.Clipping{clip(1, "echo", "national", "t", "x", time.Now())}, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Reset(); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(); n != 0 {
		t.Errorf("after reset: %d docs", n)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after reset, %d entries beside the index", len(entries))
	}
}
