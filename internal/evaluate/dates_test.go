package evaluate

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDatesSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := evalDir(t, "dates")
	rep, err := Dates(context.Background(), dir, nil, DatesOptions{Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pages != 60 || rep.TP+rep.FP+rep.FN != 60 || rep.Accuracy < 0.8 {
		t.Errorf("report %+v", rep)
	}
	if rep.Accuracy != float64(rep.TP)/60 {
		t.Errorf("accuracy %v is not tp/pages", rep.Accuracy)
	}
	pages := 0
	for _, s := range rep.Subsets {
		pages += s.Pages
	}
	if pages != 60 {
		t.Errorf("subsets %+v do not add up to the pages", rep.Subsets)
	}
}

// writeDatesSet writes a dates set in the shape of htmldate's: two files
// naming gzipped pages, one of them with a NaN date.
func writeDatesSet(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	page := func(body string) string {
		return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Article</title></head><body><article><h1>Un article</h1>` +
			body + `<p>Les agences de développement économique accompagnent les entreprises qui s'implantent sur le territoire.</p></article></body></html>`
	}
	files := map[string]string{
		"a.html": page(`<p class="date">Publié le 26/09/2019 à 10h15</p>`),
		"b.html": page(`<p class="date">Publié le 12 janvier 2021</p>`),
		"c.html": page(`<p>Sans date.</p>`),
		"d.html": page(`<p class="date">3 mars 2020</p>`),
	}
	for name, body := range files {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		sub := "test_set"
		if name == "d.html" {
			sub = "eval"
		}
		if err := os.MkdirAll(filepath.Join(dir, "tests", sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tests", sub, name+".gz"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, "tests", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("eval_default.json", `{
 "https://www.exemple.fr/a": {"file": "a.html", "date": "2019-09-26"},
 "https://www.exemple.fr/b": {"file": "b.html", "date": "2021-01-13"},
 "https://www.exemple.fr/c": {"file": "c.html", "date": "2020-01-01"}
}`)
	write("eval_mediacloud_2020.json", `{"https://www.exemple.fr/d": {"file": "d.html", "date": NaN}}`)
	return dir
}

func TestDatesScoresEachSubset(t *testing.T) {
	dir := writeDatesSet(t)
	var out strings.Builder
	rep, err := Dates(context.Background(), dir, &out, DatesOptions{Errors: true, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	// a: right; b: a wrong day; c: no date; d: labelled NaN, so a date
	// found there is wrong.
	if rep.Pages != 4 || rep.TP != 1 || rep.FP != 2 || rep.FN != 1 || rep.Accuracy != 0.25 {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Subsets) != 2 {
		t.Fatalf("subsets %+v", rep.Subsets)
	}
	def, mc := rep.Subsets[0], rep.Subsets[1]
	if def.Name != "eval_default.json" || def.Pages != 3 || def.TP != 1 || def.FP != 1 || def.FN != 1 {
		t.Errorf("default subset %+v", def)
	}
	if mc.Name != "eval_mediacloud_2020.json" || mc.Pages != 1 || mc.FP != 1 || mc.Accuracy != 0 {
		t.Errorf("mediacloud subset %+v", mc)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("error list:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "https://www.exemple.fr/b\twant=2021-01-13\tgot=2021-01-12\tsource=text\tset=eval_default.json") {
		t.Errorf("error list lacks the wrong day with its source:\n%s", out.String())
	}
	if rep.ParseCPU < 0 || rep.CPUSeconds < 0 || rep.Seconds <= 0 {
		t.Errorf("speed %+v", rep)
	}
}

func TestTimeAgainstParseRunsEveryPageOnce(t *testing.T) {
	pages := make([][]byte, 2*timeBlock+3)
	for i := range pages {
		pages[i] = []byte("<html><body><p>page</p></body></html>")
	}
	seen := make([]int, len(pages))
	tm, err := timeAgainstParse(context.Background(), pages, func(i int) { seen[i]++ })
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("page %d run %d times", i, n)
		}
	}
	if tm.wall < 0 || tm.cpu < 0 || tm.parseCPU < 0 {
		t.Errorf("timing %+v", tm)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := timeAgainstParse(ctx, pages, func(int) {}); err == nil {
		t.Error("a cancelled context is not reported")
	}
}
