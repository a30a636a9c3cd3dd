package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/internal/samplepress"
	"github.com/cner/veille/internal/store"
)

// run calls the CLI as main does and returns what it printed.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, args...)
	if err != nil {
		t.Fatalf("veille %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// slugOf finds the sample article a stored URL belongs to.
func slugOf(url string, arts []samplepress.Article) (samplepress.Article, bool) {
	for _, a := range arts {
		if strings.Contains(url, a.Slug) {
			return a, true
		}
	}
	return samplepress.Article{}, false
}

// TestDemoEndToEnd runs the demo's real pipeline on the sample press and
// checks the result against the truth written into press.yaml: which
// articles are clippings, which entities each is credited with, and the
// totals per year, outlet and scope.
func TestDemoEndToEnd(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	outlets, arts, err := samplepress.Load(paris)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := mustRun(t, "demo", "--once", "--data", dir)

	// Totals per year, as printed.
	wantYear := map[int]int{}
	total := 0
	for _, a := range arts {
		if a.Clipping() {
			wantYear[a.Date.Year()]++
			total++
		}
	}
	if total < 20 {
		t.Fatalf("the sample press holds only %d clippings", total)
	}
	re := regexp.MustCompile(`(?m)^  (\d{4}) : (\d+) retombée`)
	got := map[int]int{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		var y, n int
		fmt.Sscan(m[1], &y)
		fmt.Sscan(m[2], &n)
		got[y] = n
	}
	if fmt.Sprint(got) != fmt.Sprint(wantYear) {
		t.Errorf("totals per year = %v, want %v\n%s", got, wantYear, out)
	}
	if !strings.Contains(out, fmt.Sprintf("Total : %d retombées.", total)) {
		t.Errorf("overall total missing (want %d):\n%s", total, out)
	}

	// Every article: stored once, credited with exactly the expected entities.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids, err := st.ClippingIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		c, err := st.Clipping(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := slugOf(c.URL, arts)
		if !ok {
			t.Errorf("clipping %s is no sample article", c.URL)
			continue
		}
		if seen[a.Slug] {
			t.Errorf("%s stored twice", a.Slug)
		}
		seen[a.Slug] = true
		gotE := c.EntityIDs()
		sort.Strings(gotE)
		wantE := append([]string(nil), a.Expect...)
		sort.Strings(wantE)
		if strings.Join(gotE, ",") != strings.Join(wantE, ",") {
			t.Errorf("%s: entities %v, want %v (%s)", a.Slug, gotE, wantE, a.Note)
		}
		// Some layouts give the day only: compare calendar days in Paris.
		if c.Published.In(paris).Format("2006-01-02") != a.Date.Format("2006-01-02") {
			t.Errorf("%s: published %v, want %v", a.Slug, c.Published.In(paris), a.Date)
		}
		if c.Title != a.Title {
			t.Errorf("%s: title %q, want %q", a.Slug, c.Title, a.Title)
		}
	}
	for _, a := range arts {
		if a.Clipping() && !seen[a.Slug] {
			t.Errorf("%s: expected clipping %v missing", a.Slug, a.Expect)
		}
	}
	stats, _ := st.Stats(ctx)
	stored := 0
	for _, a := range arts {
		if a.Robots == "" {
			stored++
		}
	}
	if stats.Articles != stored {
		t.Errorf("%d articles stored, want %d (every article once, none behind robots.txt)", stats.Articles, stored)
	}

	// count --json for 2021 in the national press.
	var cr countResult
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "count", "--year", "2021", "--scope", "national", "--json")), &cr); err != nil {
		t.Fatal(err)
	}
	scope := map[string]string{}
	names := map[string]string{}
	for _, o := range outlets {
		scope[o.ID], names[o.ID] = o.Scope, o.Name
	}
	wantOutlet := map[string]int{}
	wantNat := 0
	for _, a := range arts {
		if a.Clipping() && a.Date.Year() == 2021 && scope[a.Outlet] == "national" {
			wantOutlet[a.Outlet]++
			wantNat++
		}
	}
	gotOutlet := map[string]int{}
	for _, g := range cr.Groups {
		gotOutlet[g.Key] = g.Count
		if g.Name != names[g.Key] {
			t.Errorf("group %s named %q", g.Key, g.Name)
		}
	}
	if cr.Total != wantNat || cr.Year != 2021 || fmt.Sprint(gotOutlet) != fmt.Sprint(wantOutlet) {
		t.Errorf("count 2021 national = %+v, want total %d by outlet %v", cr, wantNat, wantOutlet)
	}
	if !strings.HasPrefix(cr.Sentence, fmt.Sprintf("%d retombées dans la presse nationale en 2021 : ", wantNat)) {
		t.Errorf("sentence = %q", cr.Sentence)
	}

	// search --json finds the Lorraine agency, typographic apostrophe or not.
	var sr searchResult
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "50", "nancy")), &sr); err != nil {
		t.Fatal(err)
	}
	if sr.Total == 0 || len(sr.Hits) == 0 || sr.Hits[0].URL == "" || sr.Hits[0].Title == "" || sr.Hits[0].OutletName == "" {
		t.Fatalf("search nancy = %+v", sr)
	}
	for _, h := range sr.Hits {
		if !strings.Contains(strings.ToLower(h.Title+h.Snippet), "nancy") {
			t.Errorf("hit without the word: %+v", h)
		}
	}
	var ent searchResult
	json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--entity", "lorr-up", "--limit", "50")), &ent)
	wantLorr := 0
	for _, a := range arts {
		for _, e := range a.Expect {
			if e == "lorr-up" {
				wantLorr++
			}
		}
	}
	if int(ent.Total) != wantLorr {
		t.Errorf("search --entity lorr-up: %d hits, want %d", ent.Total, wantLorr)
	}
}

func TestExtractJSONOnSavedPage(t *testing.T) {
	out := mustRun(t, "extract", "--json", "testdata/article-ouest.html")
	var r extractResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Title != "Saint-Brieuc : les agences bretonnes au forum Dev&Co" {
		t.Errorf("title = %q", r.Title)
	}
	if r.Published != "2022-10-11T07:30:00+02:00" {
		t.Errorf("published = %q", r.Published)
	}
	if len(r.Authors) != 1 || r.Authors[0] != "Gwenaëlle Le Bihan" {
		t.Errorf("authors = %q", r.Authors)
	}
	if r.CanonicalURL != "https://www.lepetitbreton.example/economie/agences-bretonnes-forum-devco-12345.html" || r.Lang != "fr" {
		t.Errorf("canonical %q lang %q", r.CanonicalURL, r.Lang)
	}
	if !strings.Contains(r.Text, "rendez-vous annuel organisé par le Cner") || strings.Contains(r.Text, "Lorr'Up") || strings.Contains(r.Text, "Dossier") {
		t.Errorf("text = %q", r.Text)
	}
	got := map[string]bool{}
	for _, m := range r.Mentions {
		got[m.Entity] = true
		if m.Snippet == "" {
			t.Errorf("mention without snippet: %+v", m)
		}
	}
	if !got["cner"] || !got["devco"] || got["lorr-up"] || len(got) != 2 {
		t.Errorf("mentions = %+v, want cner and devco only (Lorr'Up is in the sidebar)", r.Mentions)
	}
}

func TestCLIErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, "commande inconnue"},
		{[]string{"count", "--year", "2021", "--from", "2021-01-01"}, "s'excluent"},
		{[]string{"count", "--by", "color"}, "--by"},
		{[]string{"count", "--scope", "nationale"}, "--scope"},
		{[]string{"crawl"}, "--once"},
		{[]string{"extract"}, "fichier"},
		{[]string{"search", "x", "--limit", "0"}, "--limit"},
	} {
		_, _, err := run(t, append(c.args, "--data", t.TempDir())...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("veille %v: err = %v, want %q", c.args, err, c.want)
		}
	}
	if _, _, err := run(t, "count", "--config"); err == nil || !strings.Contains(err.Error(), "attend une valeur") {
		t.Errorf("--config without value: err = %v", err)
	}
	if _, _, err := run(t, "--config", filepath.Join(t.TempDir(), "absent.yaml"), "count"); err == nil {
		t.Error("a missing config file was accepted")
	}
	out, _, err := run(t, "count", "--help")
	if err != nil || out != "" {
		t.Errorf("count --help: err %v", err)
	}
}
