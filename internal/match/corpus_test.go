package match_test

import (
	"context"
	"sort"
	"testing"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/evaluate"
	"github.com/cner/veille/internal/match"
)

// TestCorpus scores the matcher with the built-in watch list on the
// labelled corpus in testdata/corpus: precision 1.00 and recall ≥ 0.98,
// overall and for every entity kind.
func TestCorpus(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evaluate.Match(context.Background(), "testdata/corpus", cfg.Entities())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases < 150 {
		t.Errorf("corpus has %d cases, want at least 150", rep.Cases)
	}
	for _, e := range rep.Errors {
		t.Logf("%s:%d %s %s %s %q: %s", e.File, e.Line, e.Case, e.Type, e.Entity, e.Matched, e.Why)
	}
	kinds := make([]string, 0, len(rep.PerKind))
	for k := range rep.PerKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	check := func(name string, s evaluate.MatchScore) {
		t.Logf("%-10s P=%.3f R=%.3f F1=%.3f (tp %d, fp %d, fn %d)", name, s.Precision, s.Recall, s.F1, s.TP, s.FP, s.FN)
		if s.Precision < 1 {
			t.Errorf("%s: precision %.3f, want 1.00", name, s.Precision)
		}
		if s.Recall < 0.98 {
			t.Errorf("%s: recall %.3f, want ≥ 0.98", name, s.Recall)
		}
	}
	t.Logf("%d cases (%d without any mention)", rep.Cases, rep.Negative)
	check("overall", rep.Overall)
	for _, k := range kinds {
		check(k, rep.PerKind[k])
	}
}

// TestCorpusOffsets checks every mention of the corpus against its texts.
func TestCorpusOffsets(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := match.New(cfg.Entities())
	if err != nil {
		t.Fatal(err)
	}
	cases, err := evaluate.ReadMatchCorpusDir("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, mm := range m.Match(c.Doc) {
			if err := match.CheckMention(c.Doc, mm); err != nil {
				t.Errorf("%s: %v", c.ID, err)
			}
		}
	}
}
