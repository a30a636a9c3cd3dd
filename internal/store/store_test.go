package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

var paris = mustLoc("Europe/Paris")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testOutlets() []config.Outlet {
	return []config.Outlet{
		{ID: "echo", Name: "L'Écho", Scope: "national", Domains: []string{"echo.fr"}, Feeds: []string{"https://echo.fr/rss.xml"}},
		{ID: "est", Name: "Le Courrier de l'Est", Scope: "regional", Domains: []string{"est.fr"}, Sitemaps: []string{"https://est.fr/sitemap.xml"}},
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, paris) }

func save(t *testing.T, s *Store, url, outlet, title string, published time.Time, entities ...string) SaveResult {
	t.Helper()
	var ms []model.Mention
	for _, e := range entities {
		ms = append(ms, model.Mention{EntityID: e, EntityKind: model.KindFederation, Alias: e, Matched: e,
			Field: model.FieldBody, Snippet: "… " + e + " …", HLStart: 4, HLEnd: 4 + len(e), Count: 1})
	}
	res, err := s.SaveArticle(context.Background(), ArticleInput{URL: url, OutletID: outlet,
		Article: &model.Article{Title: title, Text: "Texte de " + title, Published: published, Authors: []string{"A. Auteur"}},
		HTML:    []byte("<html>" + title + "</html>"), FetchedAt: published.Add(time.Hour), Mentions: ms})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMigrationsAreIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "veille.db")
	for i := 0; i < 2; i++ {
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		s.Close()
	}
}

func TestUnknownMigrationIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "veille.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO schema_migrations(name, applied_at) VALUES ('9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(context.Background(), path); err == nil {
		t.Fatal("a database from a newer veille was opened")
	}
}

func TestSaveArticleIdentity(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SyncOutlets(ctx, testOutlets(), paris, time.Now()); err != nil {
		t.Fatal(err)
	}
	first := save(t, s, "https://echo.fr/a", "echo", "Titre", day(2021, 3, 1), "cner")
	if !first.Created {
		t.Fatal("first save did not create")
	}
	// Found again under another address, with an edited headline.
	res, err := s.SaveArticle(ctx, ArticleInput{URL: "https://echo.fr/a-amp", AltURLs: []string{"https://echo.fr/a"},
		OutletID: "echo", Article: &model.Article{Title: "Titre corrigé", Text: "Texte"}, FetchedAt: day(2021, 3, 5),
		Mentions: []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation, Alias: "CNER", Field: "body", Count: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || res.ID != first.ID || !res.Changed {
		t.Fatalf("second save = %+v, want an update of %d", res, first.ID)
	}
	c, err := s.Clipping(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Titre corrigé" || !c.FirstSeen.Equal(day(2021, 3, 1).Add(time.Hour).Truncate(time.Second).UTC()) {
		t.Errorf("clipping = %q first seen %v", c.Title, c.FirstSeen)
	}
	if !c.Published.Equal(day(2021, 3, 1).UTC()) {
		t.Errorf("a page without date lost the known date: %v", c.Published)
	}
	if id, ok, _ := s.ArticleIDByURL(ctx, "https://echo.fr/a-amp"); !ok || id != first.ID {
		t.Errorf("new address not recorded: %d %v", id, ok)
	}
	st, _ := s.Stats(ctx)
	if st.Articles != 1 || st.Clippings != 1 {
		t.Errorf("stats = %+v", st)
	}
	html, err := s.ArticleHTML(ctx, first.ID)
	if err != nil || string(html) != "<html>Titre</html>" {
		t.Errorf("html = %q, %v", html, err)
	}
}

func TestSaveUnknownOutletFails(t *testing.T) {
	s := openTest(t)
	_, err := s.SaveArticle(context.Background(), ArticleInput{URL: "https://x.fr/a", OutletID: "x",
		Article: &model.Article{Title: "t"}, FetchedAt: time.Now()})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestCountsAndVersionedScopes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	outlets := testOutlets()
	if err := s.SyncOutlets(ctx, outlets, paris, day(2020, 1, 1)); err != nil {
		t.Fatal(err)
	}
	save(t, s, "https://echo.fr/1", "echo", "un", day(2021, 1, 10), "cner")
	save(t, s, "https://echo.fr/2", "echo", "deux", day(2021, 6, 10), "cner", "devco")
	save(t, s, "https://est.fr/3", "est", "trois", day(2021, 12, 31), "devco")
	save(t, s, "https://est.fr/4", "est", "quatre", day(2022, 1, 1), "cner")
	save(t, s, "https://est.fr/5", "est", "cinq", day(2021, 5, 5)) // no mention: not a clipping

	y2021 := CountFilter{From: time.Date(2021, 1, 1, 0, 0, 0, 0, paris), To: time.Date(2022, 1, 1, 0, 0, 0, 0, paris)}
	if n, _ := s.Count(ctx, y2021); n != 3 {
		t.Errorf("2021 total = %d, want 3", n)
	}
	nat := y2021
	nat.Scope = "national"
	if n, _ := s.Count(ctx, nat); n != 2 {
		t.Errorf("2021 national = %d, want 2", n)
	}
	byEntity, err := s.CountBy(ctx, y2021, "entity", paris)
	if err != nil {
		t.Fatal(err)
	}
	if len(byEntity) != 2 || byEntity[0].Count != 2 || byEntity[1].Count != 2 {
		t.Errorf("by entity = %+v", byEntity)
	}
	months, err := s.CountBy(ctx, y2021, "month", paris)
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 12 || months[0].Count != 1 || months[5].Count != 1 || months[11].Count != 1 {
		t.Errorf("by month = %+v", months)
	}
	years, _ := s.CountBy(ctx, CountFilter{}, "year", paris)
	if len(years) != 2 || years[0] != (Group{"2021", 3}) || years[1] != (Group{"2022", 1}) {
		t.Errorf("by year = %+v", years)
	}

	// The outlet "est" becomes national in 2024: its 2021 clippings stay regional.
	outlets[1].Scope = "national"
	if err := s.SyncOutlets(ctx, outlets, paris, day(2024, 2, 1)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, nat); n != 2 {
		t.Errorf("after reclassification, 2021 national = %d, want still 2", n)
	}
	save(t, s, "https://est.fr/6", "est", "six", day(2024, 3, 1), "cner")
	if sc, _ := s.ScopeAt(ctx, "est", day(2024, 3, 1)); sc != "national" {
		t.Errorf("scope in 2024 = %q", sc)
	}
	if sc, _ := s.ScopeAt(ctx, "est", day(2021, 3, 1)); sc != "regional" {
		t.Errorf("scope in 2021 = %q", sc)
	}
	// An explicit history in the configuration rewrites the timeline.
	outlets[1].ScopeHistory = []config.ScopeChange{{Scope: "trade", Until: "2022-01-01"}}
	if err := s.SyncOutlets(ctx, outlets, paris, day(2024, 4, 1)); err != nil {
		t.Fatal(err)
	}
	trade := y2021
	trade.Scope = "trade"
	if n, _ := s.Count(ctx, trade); n != 1 {
		t.Errorf("2021 trade after history = %d, want 1", n)
	}
}

func TestIndexBookkeeping(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.SyncOutlets(ctx, testOutlets(), paris, time.Now())
	a := save(t, s, "https://echo.fr/1", "echo", "un", day(2021, 1, 10), "cner")
	b := save(t, s, "https://echo.fr/2", "echo", "deux", day(2021, 1, 11))
	items, err := s.Unindexed(ctx, 10)
	if err != nil || len(items) != 2 {
		t.Fatalf("unindexed = %v, %v", items, err)
	}
	if items[0].Clipping == nil || items[1].Clipping != nil {
		t.Errorf("clipping/non-clipping mixed up: %+v", items)
	}
	if err := s.MarkIndexed(ctx, items); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.IndexBacklog(ctx); n != 0 {
		t.Errorf("backlog = %d after marking", n)
	}
	// Excluding a clipping queues its removal from the index.
	if err := s.Exclude(ctx, a.ID, "faux positif", time.Now()); err != nil {
		t.Fatal(err)
	}
	items, _ = s.Unindexed(ctx, 10)
	if len(items) != 1 || items[0].ID != a.ID || items[0].Clipping != nil {
		t.Errorf("after exclude: %+v", items)
	}
	// A rematch that finds a mention makes b a clipping.
	changed, err := s.ReplaceMentions(ctx, b.ID, []model.Mention{{EntityID: "devco", EntityKind: model.KindEvent, Alias: "DEV&CO", Field: "title", Count: 1}}, time.Now())
	if err != nil || !changed {
		t.Fatalf("replace mentions: %v %v", changed, err)
	}
	if changed, _ := s.ReplaceMentions(ctx, b.ID, []model.Mention{{EntityID: "devco", EntityKind: model.KindEvent, Alias: "DEV&CO", Field: "title", Count: 1}}, time.Now()); changed {
		t.Error("same mentions reported as a change")
	}
	// Saving an excluded article again keeps it excluded.
	res := save(t, s, "https://echo.fr/1", "echo", "un bis", day(2021, 1, 10), "cner")
	if !res.Excluded {
		t.Error("an excluded article came back")
	}
	ids, _ := s.ClippingIDs(ctx)
	if len(ids) != 1 || ids[0] != b.ID {
		t.Errorf("clippings = %v, want [%d]", ids, b.ID)
	}
}

func TestFrontier(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.SyncOutlets(ctx, testOutlets(), paris, time.Now())
	now := time.Now()
	n, err := s.Discover(ctx, []Discovered{
		{URL: "https://echo.fr/a", OutletID: "echo", Title: "A"},
		{URL: "https://echo.fr/b", OutletID: "echo"},
	}, now)
	if err != nil || n != 2 {
		t.Fatalf("discover = %d, %v", n, err)
	}
	if n, _ := s.Discover(ctx, []Discovered{{URL: "https://echo.fr/a", OutletID: "echo"}}, now); n != 0 {
		t.Errorf("rediscovery counted as new")
	}
	due, _ := s.DueFair(ctx, now, 10, 10, "")
	if len(due) != 2 || due[0].Title != "A" {
		t.Fatalf("due = %+v", due)
	}
	res := save(t, s, "https://echo.fr/a", "echo", "A", day(2021, 1, 1), "cner")
	if err := s.Fetched(ctx, "https://echo.fr/a", res.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Failed(ctx, "https://echo.fr/b", "timeout", StatePending, now.Add(time.Hour), 3); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueFair(ctx, now, 10, 10, ""); len(due) != 0 {
		t.Errorf("due after fetch/failure = %+v", due)
	}
	if due, _ := s.DueFair(ctx, now.Add(2*time.Hour), 10, 10, ""); len(due) != 1 || due[0].Attempts != 1 {
		t.Errorf("retry not due later: %+v", due)
	}
	s.Failed(ctx, "https://echo.fr/b", "timeout", StatePending, now, 3)
	s.Failed(ctx, "https://echo.fr/b", "timeout", StatePending, now, 3)
	counts, _ := s.FrontierCounts(ctx)
	if counts[StateFailed] != 1 || counts[StateFetched] != 1 {
		t.Errorf("counts = %v", counts)
	}
	// A URL already stored under another address is not fetched again.
	if n, _ := s.Discover(ctx, []Discovered{{URL: "https://echo.fr/a", OutletID: "echo"}}, now); n != 0 {
		t.Error("known article rediscovered")
	}
	// A sitemap lastmod after the fetch asks for a refetch.
	s.Discover(ctx, []Discovered{{URL: "https://echo.fr/a", OutletID: "echo", LastMod: now.Add(48 * time.Hour)}}, now)
	if due, _ := s.DueFair(ctx, now, 10, 10, ""); len(due) != 1 || due[0].URL != "https://echo.fr/a" {
		t.Errorf("lastmod did not requeue: %+v", due)
	}
}

func TestSourcesHealth(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	outlets := testOutlets()
	s.SyncOutlets(ctx, outlets, paris, time.Now())
	srcs, err := s.Sources(ctx, false)
	if err != nil || len(srcs) != 2 {
		t.Fatalf("sources = %+v %v", srcs, err)
	}
	now := time.Now().Truncate(time.Second)
	id := srcs[0].ID
	s.SourceChecked(ctx, id, Check{At: now, Err: errors.New("crawler: timeout"), NextCheckAt: now.Add(time.Hour)})
	s.SourceChecked(ctx, id, Check{At: now, Err: errors.New("crawler: timeout"), NextCheckAt: now.Add(2 * time.Hour)})
	srcs, _ = s.Sources(ctx, false)
	if srcs[0].ConsecutiveFailures != 2 || srcs[0].LastError != "crawler: timeout" {
		t.Errorf("after failures: %+v", srcs[0])
	}
	s.SourceChecked(ctx, id, Check{At: now, ETag: `"v1"`, NextCheckAt: now.Add(time.Minute)})
	s.SourceChecked(ctx, id, Check{At: now, NotModified: true, NextCheckAt: now.Add(time.Minute)})
	srcs, _ = s.Sources(ctx, false)
	if srcs[0].ConsecutiveFailures != 0 || srcs[0].ETag != `"v1"` || srcs[0].NotModified != 1 || srcs[0].Checks != 4 {
		t.Errorf("after success: %+v", srcs[0])
	}
	if due, _ := s.DueSources(ctx, now); len(due) != 1 {
		t.Errorf("due sources = %d, want the unchecked one", len(due))
	}
	// A source removed from the configuration is deactivated, not deleted.
	outlets[0].Feeds = nil
	s.SyncOutlets(ctx, outlets, paris, time.Now())
	active, _ := s.Sources(ctx, false)
	all, _ := s.Sources(ctx, true)
	if len(active) != 1 || len(all) != 2 {
		t.Errorf("active %d / all %d", len(active), len(all))
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.SyncOutlets(ctx, testOutlets(), paris, time.Now())
	save(t, s, "https://echo.fr/1", "echo", "un", day(2021, 1, 10), "cner")
	dst := filepath.Join(t.TempDir(), "copie.db")
	if err := s.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dst); err == nil {
		t.Error("backup overwrote an existing file")
	}
	b, err := Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if st, _ := b.Stats(ctx); st.Clippings != 1 {
		t.Errorf("backup holds %+v", st)
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "veille.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.SyncOutlets(ctx, testOutlets(), paris, time.Now())
	save(t, s, "https://echo.fr/1", "echo", "un", day(2021, 1, 10), "cner")
	backup := filepath.Join(dir, "copie.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	save(t, s, "https://echo.fr/2", "echo", "deux", day(2021, 1, 11), "cner")
	if _, err := Restore(ctx, backup, path, "avant"); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore while open: err = %v, want ErrInUse", err)
	}
	s.Close()
	if _, err := Restore(ctx, filepath.Join(dir, "absent.db"), path, "avant"); err == nil {
		t.Fatal("restored from a missing file")
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("pas une base"), 0o600)
	if _, err := Restore(ctx, junk, path, "avant"); err == nil {
		t.Fatal("restored from a file that is no database")
	}
	kept, err := Restore(ctx, backup, path, "avant")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if st, _ := r.Stats(ctx); st.Clippings != 1 {
		t.Errorf("restored store holds %+v, want the backup's 1 clipping", st)
	}
	old, err := Open(ctx, kept)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if st, _ := old.Stats(ctx); st.Clippings != 2 {
		t.Errorf("the replaced store was not kept: %+v", st)
	}
}
