package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

// TestMonthlyTotalsFollowEveryWrite drives the store through the writes the
// pipeline, rematch, exclusion and reclassification make, in random order,
// and checks after each round that the monthly totals agree with the
// clippings themselves for every breakdown, filter and period shape.
func TestMonthlyTotalsFollowEveryWrite(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	outlets := []config.Outlet{
		{ID: "echo", Name: "L'Écho", Scope: "national", Domains: []string{"echo.fr"}},
		{ID: "est", Name: "L'Est", Scope: "regional", Domains: []string{"est.fr"}},
		{ID: "pro", Name: "La Lettre", Scope: "trade", Domains: []string{"pro.fr"}},
	}
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, paris)
	if err := s.SyncOutlets(ctx, outlets, paris, now); err != nil {
		t.Fatal(err)
	}
	// Some articles exist before the totals are first built.
	rng := rand.New(rand.NewPCG(7, 7))
	entities := []struct{ id, kind string }{{"cner", "federation"}, {"devco", "event"}, {"aderly", "member"},
		{"lorr-up", "member"}, {"dejouy", "person"}}
	mentions := func() []model.Mention {
		var ms []model.Mention
		for _, e := range entities {
			if rng.IntN(3) == 0 {
				ms = append(ms, model.Mention{EntityID: e.id, EntityKind: model.EntityKind(e.kind), Alias: e.id,
					Matched: e.id, Field: model.FieldBody, Snippet: e.id, HLEnd: len(e.id), Count: 1})
			}
		}
		return ms
	}
	// Dates cluster around month and year boundaries in Paris, where UTC
	// and local months differ.
	date := func() time.Time {
		y := 2020 + rng.IntN(4)
		m := time.Month(1 + rng.IntN(12))
		base := time.Date(y, m, 1, 0, 0, 0, 0, paris)
		return base.Add(time.Duration(rng.IntN(6*60)-3*60) * time.Minute)
	}
	var ids []int64
	saveOne := func(i int) {
		url := fmt.Sprintf("https://%s.fr/a/%d", outlets[i%3].ID, i)
		res, err := s.SaveArticle(ctx, ArticleInput{URL: url, OutletID: outlets[i%3].ID,
			Article:   &model.Article{Title: fmt.Sprint("Titre ", i), Text: "texte", Published: date()},
			FetchedAt: now, Mentions: mentions()})
		if err != nil {
			t.Fatal(err)
		}
		if res.Created {
			ids = append(ids, res.ID)
		}
	}
	for i := 0; i < 40; i++ {
		saveOne(i)
	}
	if err := s.EnsureCounts(ctx, paris); err != nil {
		t.Fatal(err)
	}
	check := func(round int) {
		t.Helper()
		if drifts, err := s.CountsCheck(ctx, paris); err != nil || len(drifts) > 0 {
			t.Fatalf("round %d: drifts %v %v", round, drifts, err)
		}
		periods := [][2]time.Time{
			{},
			{time.Date(2021, 1, 1, 0, 0, 0, 0, paris), time.Date(2022, 1, 1, 0, 0, 0, 0, paris)},
			{time.Date(2021, 3, 1, 0, 0, 0, 0, paris), time.Date(2021, 4, 1, 0, 0, 0, 0, paris)},
			{time.Date(2020, 6, 15, 0, 0, 0, 0, paris), time.Date(2023, 2, 10, 0, 0, 0, 0, paris)},
			{time.Date(2021, 5, 3, 0, 0, 0, 0, paris), time.Date(2021, 5, 20, 0, 0, 0, 0, paris)},
			{time.Date(2022, 1, 1, 0, 0, 0, 0, paris), {}},
			{{}, time.Date(2021, 7, 1, 0, 0, 0, 0, paris)},
		}
		filters := []CountFilter{{}, {Scope: "national"}, {OutletID: "est"}, {EntityID: "devco"},
			{Kind: "member"}, {EntityID: "aderly", Kind: "member"}, {EntityID: "cner", Kind: "member"},
			{Scope: "regional", Kind: "member"}}
		for _, p := range periods {
			for _, f := range filters {
				f.From, f.To = p[0], p[1]
				for _, by := range []string{"", ByOutlet, ByScope, ByEntity, ByKind, ByMonth, ByYear} {
					if by == ByMonth && (f.From.IsZero() || f.To.IsZero()) {
						continue
					}
					want, err := s.CountDirect(ctx, f, by, paris)
					if err != nil {
						t.Fatal(err)
					}
					var got []Group
					if by == "" {
						n, err := s.Count(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						got = []Group{{Count: n}}
					} else if got, err = s.CountBy(ctx, f, by, paris); err != nil {
						t.Fatal(err)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("round %d, %+v by %q:\nmonthly %v\ndirect  %v", round, f, by, got, want)
					}
				}
			}
		}
	}
	check(0)
	for round := 1; round <= 6; round++ {
		for op := 0; op < 25; op++ {
			id := ids[rng.IntN(len(ids))]
			switch rng.IntN(6) {
			case 0: // a new article
				saveOne(1000*round + op)
			case 1: // the same URL fetched again, edited: new date, new mentions
				c, err := s.Clipping(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.SaveArticle(ctx, ArticleInput{URL: c.URL, OutletID: c.OutletID,
					Article:   &model.Article{Title: c.Title + " (mis à jour)", Text: "autre", Published: date()},
					FetchedAt: now, Mentions: mentions()}); err != nil {
					t.Fatal(err)
				}
			case 2: // a rematch
				if _, err := s.ReplaceMentions(ctx, id, mentions(), now); err != nil {
					t.Fatal(err)
				}
			case 3:
				if err := s.Exclude(ctx, id, "faux positif", now); err != nil {
					t.Fatal(err)
				}
			case 4:
				if err := s.Restore(ctx, id); err != nil {
					t.Fatal(err)
				}
			case 5: // a deletion (none of veille's commands deletes yet)
				if _, err := s.db.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id); err != nil {
					t.Fatal(err)
				}
				for i, v := range ids {
					if v == id {
						ids = append(ids[:i], ids[i+1:]...)
						break
					}
				}
			}
		}
		// A reclassification: the outlet's scope changes from a date on.
		if round == 3 {
			outlets[1].Scope = "national"
			outlets[1].ScopeHistory = []config.ScopeChange{{Scope: "regional", Until: "2022-01-01"}}
			if err := s.SyncOutlets(ctx, outlets, paris, now); err != nil {
				t.Fatal(err)
			}
		}
		check(round)
	}
	// Another zone rebuilds the totals.
	if err := s.EnsureCounts(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	y := CountFilter{From: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}
	got, _ := s.CountBy(ctx, y, ByMonth, time.UTC)
	want, _ := s.CountDirect(ctx, y, ByMonth, time.UTC)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("UTC months: %v, want %v", got, want)
	}
}

// TestImportArticles: the bulk path stores what SaveArticle stores.
func TestImportArticles(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SyncOutlets(ctx, testOutlets(), paris, day(2024, 1, 1)); err != nil {
		t.Fatal(err)
	}
	in := []ArticleInput{
		{URL: "https://echo.fr/1", OutletID: "echo", FetchedAt: day(2021, 3, 2),
			Article:  &model.Article{Title: "Un", Text: "texte un", Published: day(2021, 3, 1), Authors: []string{"A"}},
			Mentions: []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation, Alias: "CNER", Matched: "CNER"}}},
		{URL: "https://est.fr/2", OutletID: "est", FetchedAt: day(2021, 4, 2),
			Article: &model.Article{Title: "Deux", Text: "texte deux"}},
	}
	ids, err := s.ImportArticles(ctx, in)
	if err != nil || len(ids) != 2 {
		t.Fatalf("%v %v", ids, err)
	}
	c, err := s.Clipping(ctx, ids[0])
	if err != nil || c.Text != "texte un" || c.Scope != model.ScopeNational || len(c.Mentions) != 1 || c.Authors[0] != "A" {
		t.Fatalf("%+v %v", c, err)
	}
	if n, _ := s.Count(ctx, CountFilter{}); n != 1 {
		t.Errorf("count = %d, want 1 (the second has no mention)", n)
	}
	if backlog, _ := s.IndexBacklog(ctx); backlog != 2 {
		t.Errorf("backlog %d: imported articles must be queued for indexing", backlog)
	}
	// A duplicate or an unknown outlet fails the whole batch.
	if _, err := s.ImportArticles(ctx, []ArticleInput{{URL: "https://echo.fr/3", OutletID: "echo", FetchedAt: day(2021, 1, 1),
		Article: &model.Article{}}, in[0]}); err == nil {
		t.Error("a duplicate URL was imported")
	}
	if _, err := s.ImportArticles(ctx, []ArticleInput{{URL: "https://x.fr/3", OutletID: "x", FetchedAt: day(2021, 1, 1),
		Article: &model.Article{}}}); err == nil {
		t.Error("an unknown outlet was imported")
	}
	if st, _ := s.Stats(ctx); st.Articles != 2 {
		t.Errorf("%d articles after failed imports, want 2", st.Articles)
	}
}
