package extract

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/internal/model"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from the current extraction")

// goldenNow is the extraction's "now" in the golden tests, so that they do
// not depend on the day they run.
var goldenNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// goldenCases are pages written in the layouts of French outlets, each
// beside its expected extraction testdata/<name>.json.
var goldenCases = []struct {
	name string
	url  string
	opt  Options
}{
	{"sidebar-related", "https://www.courrier-eco.fr/economie/2024/10/08/agences-lyon.html", Options{}},
	{"paywall-teaser", "https://www.gazette-regions.fr/eco/attractivite-sieges-sociaux", Options{
		FeedDescription: "Les agences d'attractivité multiplient les missions de prospection.",
	}},
	{"live-blog", "https://www.inforegions.fr/direct/forum-territoires-ouverture?utm_source=rss", Options{}},
	{"french-text-date", "https://www.echo-bocage.fr/economie/agence-antenne-bruxelles", Options{}},
	{"jsonld-visible-disagree", "https://www.journal-eco.fr/industrie/reindustrialisation-bilan", Options{}},
}

func extractGolden(t *testing.T, name, url string, opt Options) *model.Article {
	t.Helper()
	page, err := os.ReadFile(filepath.Join("testdata", name+".html"))
	if err != nil {
		t.Fatal(err)
	}
	opt.Now = goldenNow
	a, err := Extract(page, url, opt)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return a
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			got := extractGolden(t, c.name, c.url, c.opt)
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			gotJSON = append(gotJSON, '\n')
			path := filepath.Join("testdata", c.name+".json")
			if *update {
				if err := os.WriteFile(path, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != string(gotJSON) {
				t.Errorf("extraction differs from %s\ngot:\n%s\nwant:\n%s", path, gotJSON, want)
			}
		})
	}
}

// The golden files could be rewritten wrong with -update: these checks
// state what each case is about, independently of them.
func TestGoldenProperties(t *testing.T) {
	paris := paris()
	opts := map[string]Options{}
	urls := map[string]string{}
	for _, c := range goldenCases {
		opts[c.name], urls[c.name] = c.opt, c.url
	}
	get := func(name string) *model.Article { return extractGolden(t, name, urls[name], opts[name]) }

	t.Run("sidebar mention is not body text", func(t *testing.T) {
		a := get("sidebar-related")
		for _, bad := range []string{"CNER", "DEV&CO", "À lire aussi", "cookies", "Commentaires", "Très bon article", "Recevez notre lettre", "Facebook", "Réindustrialisation : les villes"} {
			if strings.Contains(a.Title+a.Lead+a.Text, bad) {
				t.Errorf("furniture %q in the article: %q", bad, a.Text)
			}
		}
		if !strings.Contains(a.Text, "table ronde") || !strings.Contains(a.Text, "Un réseau qui s'étoffe") {
			t.Errorf("body paragraphs or subheading lost: %q", a.Text)
		}
		if !strings.HasPrefix(a.Lead, "Pendant deux jours") || strings.Contains(a.Text, "Pendant deux jours") {
			t.Errorf("lead %q not told apart from text", a.Lead)
		}
		if n := strings.Count(a.Text, "\n\n"); n != 4 {
			t.Errorf("want 5 paragraphs, got %d separators", n)
		}
		if a.Published.Format(time.RFC3339) != "2024-10-08T07:30:00+02:00" || a.DateSource != SourceJSONLD {
			t.Errorf("published %v from %s", a.Published, a.DateSource)
		}
		if len(a.Authors) != 1 || a.Authors[0] != "Claire Moreau" {
			t.Errorf("authors %q", a.Authors)
		}
		if a.CanonicalURL != "https://www.courrier-eco.fr/economie/2024/10/08/agences-lyon.html" || a.Lang != "fr" {
			t.Errorf("canonical %q lang %q", a.CanonicalURL, a.Lang)
		}
	})
	t.Run("paywalled teaser is flagged and keeps the feed description", func(t *testing.T) {
		a := get("paywall-teaser")
		if !a.Paywalled {
			t.Error("not flagged as paywalled")
		}
		if a.Description != opts["paywall-teaser"].FeedDescription {
			t.Errorf("description %q", a.Description)
		}
		if !strings.Contains(a.Text, "carte de l'Europe") || strings.Contains(a.Text, "Il vous reste") || strings.Contains(a.Text, "abonnés") {
			t.Errorf("teaser text %q", a.Text)
		}
	})
	t.Run("live blog keeps every post", func(t *testing.T) {
		a := get("live-blog")
		for _, want := range []string{"bilan des ateliers", "Table ronde sur le foncier", "ouvre les débats", "Bienvenue dans ce direct"} {
			if !strings.Contains(a.Text, want) {
				t.Errorf("post %q missing from %q", want, a.Text)
			}
		}
		if strings.Contains(a.Text, "CNER") || strings.Contains(a.Text, "cookies") || strings.Contains(a.Text, "Partager") {
			t.Errorf("furniture in live blog text: %q", a.Text)
		}
		if !a.Published.Equal(time.Date(2025, 6, 11, 8, 0, 0, 0, paris)) {
			t.Errorf("published %v, want the coverage start", a.Published)
		}
	})
	t.Run("French text date only", func(t *testing.T) {
		a := get("french-text-date")
		if !a.Published.Equal(time.Date(2019, 9, 26, 10, 15, 0, 0, paris)) || a.DateSource != SourceText {
			t.Errorf("published %v from %q", a.Published, a.DateSource)
		}
		if !a.Modified.Equal(time.Date(2019, 9, 27, 8, 2, 0, 0, paris)) {
			t.Errorf("modified %v", a.Modified)
		}
		if strings.Contains(a.Text, "Publié le") || strings.Contains(a.Text, "Foire agricole") || strings.Contains(a.Text, "Publicité") {
			t.Errorf("text %q", a.Text)
		}
	})
	t.Run("JSON-LD wins over a disagreeing visible date", func(t *testing.T) {
		a := get("jsonld-visible-disagree")
		if a.Published.Format(time.RFC3339) != "2023-05-04T09:00:00+02:00" || a.DateSource != SourceJSONLD {
			t.Errorf("published %v from %q", a.Published, a.DateSource)
		}
		if a.Modified.Format(time.DateOnly) != "2024-02-01" {
			t.Errorf("modified %v", a.Modified)
		}
		if len(a.Authors) != 2 || a.SiteName != "Le Journal de l'Éco" {
			t.Errorf("authors %q site %q", a.Authors, a.SiteName)
		}
		if strings.Contains(a.Text, "Publié le") {
			t.Errorf("date line in text: %q", a.Text)
		}
	})
}
