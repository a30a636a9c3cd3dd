package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/corpus"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// corpusDir is a data directory holding a generated corpus in the store
// (not yet indexed: the first command indexes it, as after a crash between
// the store and the index). It returns the corpus's items, the truth.
func corpusDir(t *testing.T, n int) (string, []corpus.Item) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c, err := corpus.New(corpus.Options{N: n, Seed: 42, Syndicated: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := corpus.Load(ctx, st, c, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var items []corpus.Item
	if err := c.Each(func(it corpus.Item) error { items = append(items, it); return nil }); err != nil {
		t.Fatal(err)
	}
	return dir, items
}

func countJSON(t *testing.T, dir string, args ...string) countResult {
	t.Helper()
	var cr countResult
	out := mustRun(t, append([]string{"--data", dir, "count", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &cr); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return cr
}

// TestCountAgainstTheCorpus checks veille count against the generator's
// truth: totals per year, scope (with versioned scopes), outlet, entity,
// kind and month; CSV; errors.
func TestCountAgainstTheCorpus(t *testing.T) {
	dir, items := corpusDir(t, 800)
	paris, _ := time.LoadLocation("Europe/Paris")
	type key struct{ year, by, k string }
	truth := map[key]int{}
	for _, it := range items {
		c := it.Clipping
		y := fmt.Sprint(c.Date().In(paris).Year())
		truth[key{y, "total", ""}]++
		truth[key{y, "outlet", c.OutletID}]++
		truth[key{y, "scope", string(c.Scope)}]++
		truth[key{y, "month", c.Date().In(paris).Format("2006-01")}]++
		kinds := map[string]bool{}
		for _, m := range c.Mentions {
			truth[key{y, "entity", m.EntityID}]++
			kinds[string(m.EntityKind)] = true
		}
		for k := range kinds {
			truth[key{y, "kind", k}]++
		}
	}
	for _, y := range []string{"2019", "2021", "2025"} {
		for _, by := range []string{"outlet", "scope", "month", "entity", "kind"} {
			cr := countJSON(t, dir, "--year", y, "--by", by)
			if cr.Total != truth[key{y, "total", ""}] {
				t.Errorf("%s: total %d, want %d", y, cr.Total, truth[key{y, "total", ""}])
			}
			for _, g := range cr.Groups {
				if want := truth[key{y, by, g.Key}]; g.Count != want {
					t.Errorf("%s by %s: %s = %d, want %d", y, by, g.Key, g.Count, want)
				}
			}
			if by == "month" && len(cr.Groups) != 12 {
				t.Errorf("%s: %d months", y, len(cr.Groups))
			}
		}
	}
	// A scope is the outlet's scope at the clipping's date: the corpus's
	// reclassified outlets were regional until 2024.
	cr := countJSON(t, dir, "--year", "2021", "--scope", "national")
	if cr.Total != truth[key{"2021", "scope", "national"}] || !strings.HasPrefix(cr.Sentence,
		fmt.Sprintf("%d retombées dans la presse nationale en 2021 : ", cr.Total)) {
		t.Errorf("national 2021: %d, want %d: %s", cr.Total, truth[key{"2021", "scope", "national"}], cr.Sentence)
	}
	if cr.Previous == nil || cr.Previous.Total != countJSON(t, dir, "--year", "2020", "--scope", "national").Total {
		t.Errorf("previous year: %+v", cr.Previous)
	}
	// Filters combine: an entity in a period, a kind in a scope.
	cr = countJSON(t, dir, "--from", "2021-03-01", "--to", "2021-06-15", "--entity", "devco")
	want := 0
	from, to := time.Date(2021, 3, 1, 0, 0, 0, 0, paris), time.Date(2021, 6, 16, 0, 0, 0, 0, paris)
	for _, it := range items {
		c := it.Clipping
		if d := c.Date(); !d.Before(from) && d.Before(to) && slicesContains(c.EntityIDs(), "devco") {
			want++
		}
	}
	if cr.Total != want || cr.From != "2021-03-01" || cr.To != "2021-06-15" {
		t.Errorf("devco spring 2021: %+v, want %d", cr, want)
	}
	// CSV: one line per group and the total.
	out := mustRun(t, "--data", dir, "count", "--year", "2021", "--by", "scope", "--csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || rows[0][0] != "scope" || rows[len(rows)-1][0] != "total" ||
		rows[len(rows)-1][2] != fmt.Sprint(truth[key{"2021", "total", ""}]) {
		t.Errorf("csv: %v %v", rows, err)
	}
	// Bad input: a clear message, exit code 2.
	for _, args := range [][]string{
		{"--year", "21"}, {"--year", "2021", "--from", "2021-01-01"}, {"--from", "2021-02-30"},
		{"--from", "2022-01-01", "--to", "2021-01-01"}, {"--by", "week"}, {"--by", "month"}, {"--scope", "locale"},
		{"--kind", "ville"}, {"--entity", "inconnue"}, {"--outlet", "inconnu", "--year", "2021"},
		{"--json", "--csv"},
	} {
		_, _, err := run(t, append([]string{"--data", dir, "count"}, args...)...)
		var u *usageError
		if !errors.As(err, &u) {
			t.Errorf("count %v: %v, want a usage error", args, err)
		}
	}
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestReclassificationKeepsPastCounts: an outlet reclassified today keeps
// its old scope for 2021, so the 2021 report run again gives the same
// number, and the reclassification shows from today on.
func TestReclassificationKeepsPastCounts(t *testing.T) {
	dir, _ := corpusDir(t, 600)
	before := countJSON(t, dir, "--year", "2021", "--scope", "regional")
	if before.Total == 0 {
		t.Fatal("no regional clipping in 2021")
	}
	// The crawler syncs the configured outlets at each pass: one regional
	// outlet is now national.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := corpus.New(corpus.Options{N: 600, Seed: 42})
	outlets := c.Outlets()
	moved := ""
	for i, o := range outlets {
		if o.Scope == "regional" && len(o.ScopeHistory) == 0 && before.Groups[0].Key == o.ID {
			outlets[i].Scope, moved = "national", o.ID
		}
	}
	if moved == "" {
		t.Fatalf("no outlet to move among %v", before.Groups)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if err := st.SyncOutlets(ctx, outlets, paris, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A clipping of today in that outlet.
	_, err = st.SaveArticle(ctx, store.ArticleInput{URL: "https://" + moved + ".example.fr/today", OutletID: moved,
		Article:   &model.Article{Title: "Le CNER aujourd'hui", Text: "Le CNER.", Published: time.Now().Add(-time.Minute)},
		FetchedAt: time.Now(), Mentions: []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation, Alias: "CNER", Matched: "CNER"}}})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	after := countJSON(t, dir, "--year", "2021", "--scope", "regional")
	if after.Total != before.Total || after.Sentence != before.Sentence {
		t.Errorf("2021 regional changed after a reclassification: %q → %q", before.Sentence, after.Sentence)
	}
	year := fmt.Sprint(time.Now().In(paris).Year())
	now := countJSON(t, dir, "--year", year, "--scope", "national", "--outlet", moved)
	if now.Total != 1 {
		t.Errorf("today's clipping of %s is not national: %+v", moved, now)
	}
	// The search index agrees: the same count from the index's facets.
	idx := mustRun(t, "--data", dir, "search", "--json", "--limit", "1", "--scope", "regional", "year:2021")
	var sr searchResult
	if err := json.Unmarshal([]byte(idx), &sr); err != nil || int(sr.Total) != before.Total {
		t.Errorf("index: %d regional hits in 2021, want %d (%v)", sr.Total, before.Total, err)
	}
}

// TestStoreAndIndexAgree: where both can answer, the store's counts and the
// index's facets give the same numbers.
func TestStoreAndIndexAgree(t *testing.T) {
	dir, _ := corpusDir(t, 600)
	mustRun(t, "--data", dir, "check") // indexes the corpus and checks
	a := &app{stdout: os.Stdout, stderr: os.Stderr, lookupEnv: func(string) (string, bool) { return "", false }, dataDir: dir}
	a.logger = discardLogger()
	ctx := context.Background()
	e, err := a.openFromFlags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	loc := e.cfg.Location()
	filters := []store.CountFilter{{}, {Scope: "national"}, {EntityID: "devco"}, {Kind: "member"}, {OutletID: "titre-02"},
		{EntityID: "cner", Scope: "regional"}}
	for _, y := range []int{0, 2020, 2023} {
		for _, f := range filters {
			q := index.Query{Scope: f.Scope, Entity: f.EntityID, Kind: f.Kind, Outlet: f.OutletID}
			if y != 0 {
				f.From, f.To = time.Date(y, 1, 1, 0, 0, 0, 0, loc), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
				q.From, q.To = f.From, f.To
			}
			total, facets, err := e.ix.Counts(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			n, err := e.st.Count(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(n) != total {
				t.Errorf("%d %+v: store %d, index %d", y, f, n, total)
			}
			for _, by := range []string{"outlet", "scope", "year"} {
				groups, err := e.st.CountBy(ctx, f, by, loc)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				for _, fc := range facets[by] {
					got[fc.Key] = fc.Count
				}
				for _, g := range groups {
					if got[g.Key] != g.Count {
						t.Errorf("%d %+v by %s: %s store %d, index %d", y, f, by, g.Key, g.Count, got[g.Key])
					}
				}
			}
			// Entities and kinds: with a filter on an entity or a kind, the
			// store's breakdown keeps that entity or kind only; the index's
			// facets count every entity of the clippings found.
			if f.EntityID == "" && f.Kind == "" {
				for _, by := range []string{"entity", "kind"} {
					groups, _ := e.st.CountBy(ctx, f, by, loc)
					got := map[string]int{}
					for _, fc := range facets[by] {
						got[fc.Key] = fc.Count
					}
					for _, g := range groups {
						if got[g.Key] != g.Count {
							t.Errorf("%d %+v by %s: %s store %d, index %d", y, f, by, g.Key, g.Count, got[g.Key])
						}
					}
				}
			}
		}
	}
}

// TestUniqueStories: syndicated copies count once; never more stories than
// clippings, never fewer than the corpus's true stories minus the copies
// the threshold misses.
func TestUniqueStories(t *testing.T) {
	dir, items := corpusDir(t, 800)
	paris, _ := time.LoadLocation("Europe/Paris")
	stories, clippings := map[int]bool{}, 0
	for _, it := range items {
		if it.Clipping.Date().In(paris).Year() == 2022 {
			stories[it.Story] = true
			clippings++
		}
	}
	cr := countJSON(t, dir, "--year", "2022", "--unique-stories")
	if cr.Clippings != clippings || cr.Total > clippings || cr.Total < len(stories) || !cr.UniqueStories {
		t.Errorf("2022: %d stories of %d clippings; the corpus has %d stories", cr.Total, cr.Clippings, len(stories))
	}
	if cr.Total == clippings {
		t.Errorf("no copy found among %d clippings (%d stories)", clippings, len(stories))
	}
	if !strings.Contains(cr.Sentence, fmt.Sprintf("%d sujets distincts (%d retombées)", cr.Total, clippings)) {
		t.Errorf("sentence: %s", cr.Sentence)
	}
	sum := 0
	for _, g := range cr.Outlets {
		sum += g.Count
	}
	if sum != cr.Total {
		t.Errorf("outlets add up to %d, not %d: each story counts once, for its first outlet", sum, cr.Total)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
