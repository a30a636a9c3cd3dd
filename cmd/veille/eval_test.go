package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeEvalDates writes a two-page dates set in the shape of htmldate's
// (tests/eval_default.json, tests/eval_mediacloud_2020.json, gzipped pages).
func writeEvalDates(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tests", "test_set"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, date := range map[string]string{"a.html": "26/09/2019 à 10h15", "b.html": "12 janvier 2021"} {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		page := `<html lang="fr"><head><title>Article</title></head><body><article><h1>Un article</h1><p class="date">Publié le ` +
			date + `</p><p>Les agences de développement économique accompagnent les entreprises.</p></article></body></html>`
		if _, err := zw.Write([]byte(page)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tests", "test_set", name+".gz"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{
		"eval_default.json":         `{"https://www.exemple.fr/a": {"file": "a.html", "date": "2019-09-26"}}`,
		"eval_mediacloud_2020.json": `{"https://www.exemple.fr/b": {"file": "b.html", "date": "2021-01-13"}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, "tests", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvalDatesFlags(t *testing.T) {
	dir := writeEvalDates(t)

	out := mustRun(t, "eval", "dates", dir, "--errors")
	for _, want := range []string{
		"Dates de publication — veille : 2 pages (1 justes, 1 fausses, 0 sans date)",
		"eval_default.json : 1 pages, 1 justes, 0 fausses, 0 sans date, exactitude 1,000",
		"eval_mediacloud_2020.json : 1 pages, 0 justes, 1 fausses, 0 sans date, exactitude 0,000",
		"https://www.exemple.fr/b\twant=2021-01-13\tgot=2021-01-12\tsource=text",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out = mustRun(t, "eval", "dates", dir, "--all", "--limit", "1", "--json")
	var reports []struct {
		Extractor string `json:"extractor"`
		Pages     int    `json:"pages"`
		Subsets   []struct {
			Name  string `json:"name"`
			Pages int    `json:"pages"`
		} `json:"subsets"`
	}
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if len(reports) < 3 {
		t.Fatalf("--all measured %d extractors", len(reports))
	}
	for _, r := range reports {
		if r.Pages != 1 || len(r.Subsets) != 1 || r.Subsets[0].Pages != 1 {
			t.Errorf("--limit 1: %+v", r)
		}
	}

	out = mustRun(t, "eval", "dates", dir, "--extractor", "htmldate-fast", "--json")
	if !strings.Contains(out, `"extractor": "htmldate-fast"`) {
		t.Errorf("--extractor: %s", out)
	}

	// The French flag names are gone.
	for _, old := range []string{"--tous", "--erreurs", "--limite=1", "--extracteur=veille"} {
		if _, _, err := run(t, "eval", "dates", dir, old); err == nil {
			t.Errorf("%s accepted", old)
		}
	}
	if _, _, err := run(t, "eval", "dates", dir, "--extractor", "inconnu"); err == nil || !strings.Contains(err.Error(), "inconnu") {
		t.Errorf("unknown extractor: %v", err)
	}
}

func TestEvalExtractFlags(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "html"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := "Les agences de développement économique accompagnent les entreprises qui s'implantent sur le territoire. " +
		"Elles organisent des missions de prospection à l'étranger et suivent chaque projet jusqu'à son ouverture."
	page := `<html lang="fr"><head><title>Article</title></head><body><nav><a href="/">Accueil</a></nav><article><h1>Un article</h1><p>` +
		body + `</p></article></body></html>`
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(page)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "html", "p1.html.gz"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	truth, err := json.Marshal(map[string]map[string]string{"p1": {"articleBody": body, "url": "https://www.exemple.fr/p1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ground-truth.json"), truth, 0o644); err != nil {
		t.Fatal(err)
	}

	out := mustRun(t, "eval", "extract", dir, "--extractor", "veille-body", "--worst", "1", "--limit", "1")
	if !strings.Contains(out, "Texte principal — veille-body : 1 pages") || !strings.Contains(out, "p1\tP=1.000\tR=1.000") {
		t.Errorf("output:\n%s", out)
	}
	out = mustRun(t, "eval", "extract", dir, "--all", "--json")
	var reports []struct {
		Extractor string  `json:"extractor"`
		F1        float64 `json:"f1"`
	}
	if err := json.Unmarshal([]byte(out), &reports); err != nil || len(reports) < 3 {
		t.Fatalf("--all --json: %v\n%s", err, out)
	}
	for _, old := range []string{"--pires=3", "--tous", "--limite=1", "--extracteur=veille"} {
		if _, _, err := run(t, "eval", "extract", dir, old); err == nil {
			t.Errorf("%s accepted", old)
		}
	}
}
