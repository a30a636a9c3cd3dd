package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// TestReportHTMLAndCSV writes the 2021 press report of a corpus with a
// hostile clipping in it, and checks the page: the sentence, the chart,
// every clipping with title, author and date, everything escaped.
func TestReportHTMLAndCSV(t *testing.T) {
	dir, _ := corpusDir(t, 500)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	evil := `<script>alert("x")</script> Le CNER & "les agences"`
	if _, err := st.SaveArticle(ctx, store.ArticleInput{URL: "https://titre-01.example.fr/evil", OutletID: "titre-01",
		Article:   &model.Article{Title: evil, Text: "Le CNER " + evil, Published: time.Date(2021, 7, 14, 9, 0, 0, 0, paris)},
		FetchedAt: time.Date(2021, 7, 14, 10, 0, 0, 0, paris),
		Mentions: []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation, Alias: "CNER", Matched: "CNER",
			Snippet: "Le CNER " + evil, HLStart: 3, HLEnd: 7}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cr := countJSON(t, dir, "--year", "2021", "--scope", "national")
	out := filepath.Join(t.TempDir(), "revue-2021.html")
	csvPath := filepath.Join(t.TempDir(), "revue-2021.csv")
	stdout := mustRun(t, "--data", dir, "report", "--year", "2021", "--scope", "national", "--out", out, "--csv", csvPath)
	if !strings.Contains(stdout, cr.Sentence) || !strings.Contains(stdout, out) {
		t.Errorf("report output: %s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		`<html lang="fr">`, "Revue de presse 2021 — presse nationale", html.EscapeString(cr.Sentence),
		`<svg class="chart"`, "janv.", "déc.", "Par titre", "Par entité", "Par mois", "Revue de presse</h2>",
		"Centre français d'exploitation du droit de",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
		t.Error("a title from the press is not escaped")
	}
	// One entry per clipping, each with its title, a date and an author line.
	entries := regexp.MustCompile(`(?s)<li id="c(\d+)">(.*?)</li>`).FindAllStringSubmatch(page, -1)
	if len(entries) != cr.Total {
		t.Errorf("%d entries, want %d", len(entries), cr.Total)
	}
	dateRe := regexp.MustCompile(`(1er|\d{1,2}) (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) 2021`)
	for _, e := range entries {
		body := e[2]
		if !strings.Contains(body, `class="entry-title"`) || !dateRe.MatchString(body) || !strings.Contains(body, `class="byline"`) {
			t.Errorf("entry %s lacks title, date or byline: %s", e[1], body)
			break
		}
	}
	if !strings.Contains(page, "auteur non indiqué") {
		t.Error("no entry says its author is unknown (the corpus has unsigned clippings)")
	}
	// The bars add up to the total.
	sum := 0
	for _, m := range regexp.MustCompile(`<title>[^<]+ : (\d+)</title>`).FindAllStringSubmatch(page, -1) {
		var n int
		fmt.Sscan(m[1], &n)
		sum += n
	}
	if sum != cr.Total {
		t.Errorf("chart bars add up to %d, want %d", sum, cr.Total)
	}
	// The CSV: a header and one line per clipping.
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != cr.Total+1 || rows[0][0] != "date" || rows[0][3] != "titre" {
		t.Errorf("csv: %d rows (%v), want %d", len(rows), err, cr.Total+1)
	}
	// An existing file is kept unless --force.
	_, _, err = run(t, "--data", dir, "report", "--year", "2021", "--out", out)
	var u *usageError
	if !errors.As(err, &u) {
		t.Errorf("overwrote %s without --force: %v", out, err)
	}
	mustRun(t, "--data", dir, "report", "--year", "2021", "--out", out, "--force")
	for _, args := range [][]string{{}, {"--year", "2021", "--out", "/nonexistent/dir/r.html"}, {"--scope", "x", "--year", "2021"}} {
		if _, _, err := run(t, append([]string{"--data", dir, "report"}, args...)...); !errors.As(err, &u) {
			t.Errorf("report %v: %v, want a usage error", args, err)
		}
	}
}

// TestSearchCommand: the query language from the command line, aliases as
// written, and a clear refusal of a broken query.
func TestSearchCommand(t *testing.T) {
	dir, items := corpusDir(t, 400)
	devco := 0
	for _, it := range items {
		if slicesContains(it.Clipping.EntityIDs(), "devco") {
			devco++
		}
	}
	for _, q := range []string{"DEV&CO", "Dév&co", "dev&co"} {
		var sr searchResult
		if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "5", q)), &sr); err != nil {
			t.Fatal(err)
		}
		if int(sr.Total) != devco {
			t.Errorf("%q: %d hits, want the %d clippings of DEV&CO", q, sr.Total, devco)
		}
	}
	var sr searchResult
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", `"agences de développement" AND scope:national`)), &sr); err != nil {
		t.Fatal(err)
	}
	for _, h := range sr.Hits {
		if h.Scope != "national" || !strings.Contains(strings.ToLower(html.UnescapeString(h.Snippet)), "<mark>") {
			t.Errorf("hit %+v", h)
		}
	}
	out := mustRun(t, "--data", dir, "search", "hydrogène", "--limit", "3")
	if !strings.Contains(out, "retombées trouvées") || !strings.Contains(out, "hydrogène**") {
		t.Errorf("text output:\n%s", out)
	}
	for _, q := range []string{`"non fermé`, `(cner`, `foo:bar`, `cner AND`} {
		_, _, err := run(t, "--data", dir, "search", q)
		var u *usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "caractère") {
			t.Errorf("%q: %v, want a usage error naming the position", q, err)
		}
	}
}

// TestCheckFindsAndRepairsDrift: veille check reports what differs between
// the store and what derives from it, fails, and --repair corrects it.
func TestCheckFindsAndRepairsDrift(t *testing.T) {
	dir, _ := corpusDir(t, 300)
	out := mustRun(t, "--data", dir, "check")
	if !strings.Contains(out, "[ok] index : 300 retombées dans le stock, 300 dans l'index") || !strings.Contains(out, "[ok] totaux") {
		t.Fatalf("check on a sound directory:\n%s", out)
	}
	// Drift: a document lost from the index, one the store no longer has,
	// a stray document, and a monthly total off by one.
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	ix, err := index.Open(filepath.Join(dir, "index.bleve"), paris)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply(ctx, []*model.Clipping{{ID: 99999, Title: "fantôme", OutletID: "titre-01", Published: time.Now()}},
		[]int64{7}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `UPDATE count_articles SET n = n + 1 WHERE rowid IN (SELECT rowid FROM count_articles LIMIT 1)`); err != nil {
		// WITHOUT ROWID: change the first row by its key.
		if _, err := st.DB().ExecContext(ctx, `UPDATE count_articles SET n = n + 1 WHERE (month, outlet_id, scope) =
			(SELECT month, outlet_id, scope FROM count_articles WHERE n > 0 LIMIT 1)`); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	out, _, err = run(t, "--data", dir, "check")
	if err == nil || !strings.Contains(out, "[ÉCHEC] index") || !strings.Contains(out, "retombée 7 absente de l'index") ||
		!strings.Contains(out, "document 99999 de l'index absent du stock") || !strings.Contains(out, "[ÉCHEC] totaux") {
		t.Fatalf("check missed the drift (%v):\n%s", err, out)
	}
	out = mustRun(t, "--data", dir, "check", "--repair")
	if !strings.Contains(out, "[corrigé] index") || !strings.Contains(out, "[corrigé] totaux") {
		t.Fatalf("repair:\n%s", out)
	}
	var results []checkResult
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "check", "--json")), &results); err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if !r.OK && !r.Warning {
			t.Errorf("after repair: %+v", r)
		}
	}
}

// TestIndexRebuiltFromTheStore: the store is the source of truth. A
// clipping stored but not indexed (a crash between the two) is indexed at
// the next start; a lost or broken index is rebuilt whole; veille reindex
// rebuilds.
func TestIndexRebuiltFromTheStore(t *testing.T) {
	dir, _ := corpusDir(t, 200)
	count := func() uint64 {
		var sr searchResult
		if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "1")), &sr); err != nil {
			t.Fatal(err)
		}
		return sr.Total
	}
	if n := count(); n != 200 {
		t.Fatalf("%d indexed at first start, want 200", n)
	}
	// Stored, not indexed.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveArticle(ctx, store.ArticleInput{URL: "https://titre-03.example.fr/crash", OutletID: "titre-03",
		Article:   &model.Article{Title: "Après la panne", Text: "Le CNER.", Published: time.Now()},
		FetchedAt: time.Now(), Mentions: []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if n := count(); n != 201 {
		t.Errorf("%d indexed after a crash between store and index, want 201", n)
	}
	// The index directory lost.
	if err := os.RemoveAll(filepath.Join(dir, "index.bleve")); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 201 {
		t.Errorf("%d indexed after losing the index, want 201", n)
	}
	// The index directory left without its metadata (a kill while an
	// index was created or removed): rebuilt at the next start.
	if err := os.Remove(filepath.Join(dir, "index.bleve", "index_meta.json")); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 201 {
		t.Errorf("%d indexed after the index lost its metadata, want 201", n)
	}
	out := mustRun(t, "--data", dir, "reindex")
	if !strings.Contains(out, "201 retombées indexées") {
		t.Errorf("reindex: %s", out)
	}
	if n := count(); n != 201 {
		t.Errorf("%d indexed after reindex, want 201", n)
	}
	if out := mustRun(t, "--data", dir, "check"); !strings.Contains(out, "[ok] index : 201 retombées dans le stock, 201 dans l'index") {
		t.Errorf("check after reindex:\n%s", out)
	}
}
