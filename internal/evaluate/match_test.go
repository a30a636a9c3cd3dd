package evaluate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cner/veille/config"
)

func TestReadMatchCorpus(t *testing.T) {
	src := `# a comment
=== one
date: 2024-01-02
title: Le CNER
lead: Un chapô
expect: cner, devco
sidebar: Lire aussi
body:
Première ligne.

# not a comment inside a body
=== two
expect: -
body: Rien.
`
	cases, err := ReadMatchCorpus(strings.NewReader(src), "t.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("%d cases", len(cases))
	}
	c := cases[0]
	if c.ID != "one" || c.Doc.Title != "Le CNER" || c.Doc.Lead != "Un chapô" || c.Published.Year() != 2024 ||
		strings.Join(c.Expect, " ") != "cner devco" || c.Sidebar != "Lire aussi" || c.Line != 2 {
		t.Errorf("case one: %+v", c)
	}
	if c.Doc.Body != "Première ligne.\n\n# not a comment inside a body" {
		t.Errorf("body %q", c.Doc.Body)
	}
	if cases[1].Doc.Body != "Rien." || len(cases[1].Expect) != 0 {
		t.Errorf("case two: %+v", cases[1])
	}
	for _, bad := range []string{
		"title: orphan\n",
		"=== x\ntitle: t\nbody:\nno expect\n",
		"=== x\nexpect: -\ncolour: blue\n",
		"=== x\nexpect: -\ndate: 2024-13-01\n",
	} {
		if _, err := ReadMatchCorpus(strings.NewReader(bad), "bad.txt"); err == nil || !strings.HasPrefix(err.Error(), "evaluate: bad.txt:") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}

func TestMatchScores(t *testing.T) {
	dir := t.TempDir()
	corpus := `=== hit
expect: cner
body:
Le CNER publie.
=== miss
expect: cner
body:
La fédération publie.
=== extra
expect: -
body:
Le CNER, encore.
=== clean
expect: -
body:
Rien ici.
`
	if err := os.WriteFile(filepath.Join(dir, "c.txt"), []byte(corpus), 0o644); err != nil {
		t.Fatal(err)
	}
	entities := []config.Entity{{ID: "cner", Name: "CNER", Kind: "federation", Aliases: []config.Alias{{Text: "CNER"}}}}
	rep, err := Match(context.Background(), dir, entities)
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Overall
	if rep.Cases != 4 || rep.Negative != 2 || o.TP != 1 || o.FP != 1 || o.FN != 1 || o.Precision != 0.5 || o.Recall != 0.5 {
		t.Errorf("report: %+v", rep)
	}
	if k := rep.PerKind["federation"]; k != o {
		t.Errorf("per kind: %+v", rep.PerKind)
	}
	if len(rep.Errors) != 2 || rep.Errors[0].Case != "miss" || rep.Errors[1].Type != "fp" {
		t.Errorf("errors: %+v", rep.Errors)
	}
	// An unknown entity id in the labels is a mistake in the corpus.
	if err := os.WriteFile(filepath.Join(dir, "d.txt"), []byte("=== bad\nexpect: nobody\nbody:\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Match(context.Background(), dir, entities); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("unknown entity: %v", err)
	}
}
