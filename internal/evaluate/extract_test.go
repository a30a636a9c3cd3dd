package evaluate

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestShinglePR(t *testing.T) {
	truth := "one two three four five six"
	cases := []struct {
		pred string
		p, r float64
	}{
		{truth, 1, 1},
		{"", 0, 0},
		{"one two three four", 1, 1.0 / 3}, // 1 of 3 shingles, nothing extra
		{"One, two; three four five six. seven", 2.0 / 4, 2.0 / 3},     // case-sensitive tokens: "One" differs
		{"zero one two three four five six", 3.0 / 4, 1},               // one extra shingle
		{"one two three four five six one two three four", 3.0 / 7, 1}, // a repeated shingle counts once
	}
	for _, c := range cases {
		p, r := ShinglePR(truth, c.pred)
		if math.Abs(p-c.p) > 1e-9 || math.Abs(r-c.r) > 1e-9 {
			t.Errorf("ShinglePR(%q) = %.3f, %.3f; want %.3f, %.3f", c.pred, p, r, c.p, c.r)
		}
	}
	if p, r := ShinglePR("", ""); p != 1 || r != 1 {
		t.Errorf("two empty texts: %v %v", p, r)
	}
	if got := wordTokens("L'agence — développe_ment, 2024!"); len(got) != 4 || got[1] != "agence" || got[2] != "développe_ment" {
		t.Errorf("wordTokens = %q", got)
	}
}

// evalDir returns the evaluation data folder or skips the test.
func evalDir(t *testing.T, sub string) string {
	t.Helper()
	root := EvalDir(nil)
	if root == "" {
		t.Skipf("no evaluation data (%s unset, ../shared/eval absent)", EvalDirEnv)
	}
	dir := filepath.Join(root, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no %s: %v", dir, err)
	}
	return dir
}

// The measure reproduces the benchmark's published score of go-trafilatura
// (F1 0.960, precision 0.940, recall 0.980) from its reference output.
func TestReferenceScoreReproducesPublished(t *testing.T) {
	dir := evalDir(t, "article-extraction")
	rep, err := ReferenceScore(context.Background(), dir, "go_trafilatura")
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.F1-0.960) > 0.0015 || math.Abs(rep.Precision-0.940) > 0.0015 || math.Abs(rep.Recall-0.980) > 0.0015 {
		t.Errorf("go_trafilatura rescored %+v, published F1 0.960 P 0.940 R 0.980", rep)
	}
}

func TestExtractionSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := evalDir(t, "article-extraction")
	rep, err := Extraction(context.Background(), dir, nil, ExtractionOptions{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pages != 20 || rep.F1 < 0.9 || rep.CPURatio <= 0 {
		t.Errorf("report %+v", rep)
	}
	if _, err := Extraction(context.Background(), dir, nil, ExtractionOptions{Extractor: "nope"}); err == nil {
		t.Error("unknown extractor accepted")
	}
}
