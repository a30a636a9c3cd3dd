package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/report"
	"github.com/cner/veille/internal/store"
)

// latencies summarises repeated timings.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

func (l latencies) row(name string, extra string) string {
	return fmt.Sprintf("| %s | %s | %s | %s | %d | %s |", name, ms(l.pct(0.5)), ms(l.pct(0.95)), ms(l.pct(1)), len(l), extra)
}

// queries measures yearly totals and searches on a built corpus.
func queries(ctx context.Context, dir string, runs int, stdout, stderr io.Writer, log *slog.Logger) error {
	loc := paris()
	start := time.Now()
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	ix, err := index.Open(filepath.Join(dir, "index.bleve"), loc)
	if err != nil {
		return err
	}
	defer ix.Close()
	opened := time.Since(start)
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	docs, err := ix.DocCount()
	if err != nil {
		return err
	}
	if err := st.EnsureCounts(ctx, loc); err != nil {
		return err
	}
	cfg, err := config.Default()
	if err != nil {
		return err
	}
	rep := report.New(st, cfg.Entities(), loc)
	years := []int{2019, 2020, 2021, 2022, 2023, 2024, 2025}

	fmt.Fprintf(stdout, "## Requêtes sur %d retombées (%d documents indexés) — %s\n\n", stats.Clippings, docs, dir)
	fmt.Fprintf(stdout, "Ouverture du stock et de l'index : %s. Chaque mesure est répétée %d fois (années 2019 à 2025 en alternance).\n\n",
		ms(opened), runs)
	fmt.Fprintln(stdout, "### Totaux d'une année")
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "| mesure | p50 | p95 | max | n | |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---|")
	type countCase struct {
		name string
		slow bool // fewer runs
		run  func(y int) (int, error)
	}
	var total2021 [3]int
	cases := []countCase{
		{"`count --year` (veille : total, titres, phrase, année précédente, couverture)", false, func(y int) (int, error) {
			t, err := rep.Totals(ctx, report.Year(y, loc), report.Options{By: []string{report.ByOutlet}, Previous: true, Coverage: true})
			if err != nil {
				return 0, err
			}
			if y == 2021 {
				total2021[0] = t.Total
			}
			return t.Total, nil
		}},
		{"`count --year --scope national --by entity`", false, func(y int) (int, error) {
			f := report.Year(y, loc)
			f.Scope = "national"
			t, err := rep.Totals(ctx, f, report.Options{By: []string{report.ByEntity}, Previous: true, Coverage: true})
			if err != nil {
				return 0, err
			}
			return t.Total, nil
		}},
		{"page des totaux (titres, entités, mois, portées, types, année précédente, couverture)", false, func(y int) (int, error) {
			t, err := rep.Totals(ctx, report.Year(y, loc), report.Options{Previous: true, Coverage: true})
			if err != nil {
				return 0, err
			}
			return t.Total, nil
		}},
		{"référence SQL : `COUNT(*) … GROUP BY outlet_id` sur les articles de l'année (sans totaux mensuels)", false, func(y int) (int, error) {
			f := report.Year(y, loc)
			g, err := st.CountDirect(ctx, store.CountFilter{From: f.From, To: f.To}, store.ByOutlet, loc)
			if err != nil {
				return 0, err
			}
			n := 0
			for _, x := range g {
				n += x.Count
			}
			if y == 2021 {
				total2021[1] = n
			}
			return n, nil
		}},
		{"facettes bleve : total et titres de l'année (`year:` + facettes)", false, func(y int) (int, error) {
			f := report.Year(y, loc)
			n, _, err := ix.Counts(ctx, index.Query{From: f.From, To: f.To})
			if y == 2021 {
				total2021[2] = int(n)
			}
			return int(n), err
		}},
		{"`count --year --unique-stories` (regroupement des reprises)", true, func(y int) (int, error) {
			f := report.Year(y, loc)
			f.UniqueStories = true
			t, err := rep.Totals(ctx, f, report.Options{By: []string{report.ByOutlet}})
			if err != nil {
				return 0, err
			}
			return t.Total, nil
		}},
	}
	for _, c := range cases {
		var l latencies
		n := runs
		if c.slow {
			n = max(runs/5, 7)
		}
		for i := 0; i < n; i++ {
			y := years[i%len(years)]
			s := time.Now()
			if _, err := c.run(y); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			l = append(l, time.Since(s))
		}
		fmt.Fprintln(stdout, l.row(c.name, ""))
	}
	fmt.Fprintf(stdout, "\nTotal 2021 : %d (veille), %d (référence SQL), %d (facettes bleve).\n\n", total2021[0], total2021[1], total2021[2])

	fmt.Fprintln(stdout, "### Recherche (20 résultats, surlignage, tri par date sauf mention)")
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "| requêtes | p50 | p95 | max | n | résultats (médiane) |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---|")
	classes := []struct {
		name    string
		queries []string
		sort    string
	}{
		{"mots seuls", []string{"réindustrialisation", "hydrogène", "nancy", "friche", "agences", "cner", "emplois",
			"semi-conducteurs", "developpement", "tiers-lieu"}, "date"},
		{"mots seuls, tri par pertinence", []string{"réindustrialisation", "hydrogène", "nancy", "friche", "agences"}, "relevance"},
		{"expressions", []string{`"agences de développement"`, `"zone d'activités"`, `"friches industrielles"`,
			`"plan de relance"`, `"chambre de commerce"`}, "date"},
		{"alias", []string{"DEV&CO", "Dév&co", "Lorr'Up", "AD'OCC"}, "date"},
		{"filtrées", []string{"cner outlet:titre-03", "friche year:2021", "entity:devco scope:regional",
			"hydrogène kind:member", `"agences de développement" date:2022-01..2022-06`, "cner -nancy year:2023",
			"(hydrogène OR batteries) AND scope:national"}, "date"},
	}
	var cold latencies
	for _, cl := range classes {
		// Each query once first: the first search of a word after opening
		// the index reads its postings from disk. Reported apart.
		for _, q := range cl.queries {
			s := time.Now()
			if _, err := ix.Search(ctx, index.Query{Text: q, Sort: cl.sort, Size: 20}); err != nil {
				return fmt.Errorf("%q: %w", q, err)
			}
			cold = append(cold, time.Since(s))
		}
		var l latencies
		var totals []int
		for i := 0; i < runs; i++ {
			q := cl.queries[i%len(cl.queries)]
			s := time.Now()
			res, err := ix.Search(ctx, index.Query{Text: q, Sort: cl.sort, Size: 20})
			if err != nil {
				return fmt.Errorf("%q: %w", q, err)
			}
			l = append(l, time.Since(s))
			totals = append(totals, int(res.Total))
		}
		slices.Sort(totals)
		fmt.Fprintln(stdout, l.row(cl.name, fmt.Sprint(totals[len(totals)/2])))
	}
	fmt.Fprintln(stdout, cold.row("première exécution de chacune (index tout juste ouvert, hors mesures ci-dessus)", ""))
	if err := facetQueries(ctx, ix, runs, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nMémoire résidente maximale du processus de mesure : %s. Index : %s, stock : %s.\n\n",
		mib(peakRSS()), mib(dirSize(filepath.Join(dir, "index.bleve"))), mib(dirSize(filepath.Join(dir, "veille.db"))))
	return nil
}

// facetQueries measures the facet counts of the web UI's search page (total
// and counts by outlet, scope, entity, kind and year over every hit): the
// facet table against bleve's own facet builders on the same queries,
// interleaved, and checks that both give the same numbers.
func facetQueries(ctx context.Context, ix *index.Index, runs int, stdout io.Writer) error {
	fmt.Fprintln(stdout, "\n### Facettes de la page de recherche (total + titres, portées, entités, types, années sur tous les résultats)")
	fmt.Fprintln(stdout)
	s := time.Now()
	if _, _, err := ix.Counts(ctx, index.Query{}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Construction de la table des facettes (une fois par état de l'index) : %s.\n\n", ms(time.Since(s)))
	fmt.Fprintln(stdout, "| requête | résultats | table p50 | table p95 | bleve p50 | bleve p95 | rapport p50 |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---:|---:|")
	for _, text := range []string{"", "agences", `"agences de développement"`, "hydrogène", "cner year:2021", "entity:devco scope:regional"} {
		var table, ref latencies
		var total uint64
		for i := 0; i < max(runs/3, 5); i++ {
			s := time.Now()
			n, got, err := ix.Counts(ctx, index.Query{Text: text})
			if err != nil {
				return fmt.Errorf("%q: %w", text, err)
			}
			table = append(table, time.Since(s))
			s = time.Now()
			m, want, err := ix.CountsByBleve(ctx, index.Query{Text: text})
			if err != nil {
				return fmt.Errorf("%q: %w", text, err)
			}
			ref = append(ref, time.Since(s))
			if n != m || !sameFacets(got, want) {
				return fmt.Errorf("%q: the facet table (%d) and bleve's facets (%d) disagree", text, n, m)
			}
			total = n
		}
		shown := text
		if shown == "" {
			shown = "(toutes les retombées)"
		}
		fmt.Fprintf(stdout, "| `%s` | %d | %s | %s | %s | %s | %.1f× |\n", shown, total, ms(table.pct(0.5)), ms(table.pct(0.95)),
			ms(ref.pct(0.5)), ms(ref.pct(0.95)), float64(ref.pct(0.5))/float64(max(table.pct(0.5), 1)))
	}
	fmt.Fprintln(stdout, "\nMêmes totaux et mêmes comptes par valeur pour chaque requête et chaque mesure.")
	return nil
}

func sameFacets(a, b map[string][]index.FacetCount) bool {
	for _, f := range index.FacetFields() {
		if len(a[f]) != len(b[f]) {
			return false
		}
		m := map[string]int{}
		for _, fc := range b[f] {
			m[fc.Key] = fc.Count
		}
		for _, fc := range a[f] {
			if m[fc.Key] != fc.Count {
				return false
			}
		}
	}
	return true
}
