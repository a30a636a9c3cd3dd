package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cner/veille/internal/evaluate"
)

func evalCmd() command {
	return command{
		name:    "eval",
		summary: "mesure l'extraction (texte, dates) sur les jeux d'évaluation",
		usage: `eval extract [DOSSIER] [--extractor NOM | --all] [--worst N] [--limit N] [--json]
       veille eval dates [DOSSIER] [--extractor NOM | --all] [--errors] [--limit N] [--json]
       veille eval match [DOSSIER] [--errors] [--json]

DOSSIER est le jeu article-extraction (extract) ou dates (dates), ou le dossier
qui les contient ; par défaut $VEILLE_EVAL_DIR, sinon ../shared/eval.
Pour match, DOSSIER est un corpus étiqueté ; par défaut internal/match/testdata/corpus.`,
		run: runEval,
	}
}

func runEval(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "eval", args, []subcommand{
		{"extract", evalExtract},
		{"dates", evalDates},
		{"match", evalMatch},
	})
}

// evalDataDir resolves the data folder of one set: the argument (the set
// itself or the folder holding it), else the evaluation folder's sub.
func evalDataDir(a *app, pos []string, sub string) (string, error) {
	dir := ""
	if len(pos) > 0 {
		dir = pos[0]
	} else if root := evaluate.EvalDir(a.lookupEnv); root != "" {
		dir = root
	} else {
		return "", usagef("eval : donnez le dossier du jeu d'évaluation (ou définissez %s)", evaluate.EvalDirEnv)
	}
	if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
		dir = filepath.Join(dir, sub)
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("eval : dossier introuvable : %w", err)
	}
	return dir, nil
}

func evalExtract(ctx context.Context, a *app, args []string) error {
	fs := a.flags("eval")
	name := fs.String("extractor", "veille", "extracteur mesuré : "+strings.Join(evaluate.ExtractorNames(), ", "))
	all := fs.Bool("all", false, "mesure tous les extracteurs, côte à côte")
	worst := fs.Int("worst", 0, "liste les N pages les moins bien extraites")
	limit := fs.Int("limit", 0, "ne mesure que les N premières pages")
	asJSON := fs.Bool("json", false, "sortie JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	dir, err := evalDataDir(a, pos, "article-extraction")
	if err != nil {
		return err
	}
	names := []string{*name}
	if *all {
		names = evaluate.ExtractorNames()
	}
	var reports []evaluate.ExtractionReport
	for _, n := range names {
		var details io.Writer
		if !*asJSON {
			details = a.stdout
		}
		rep, err := evaluate.Extraction(ctx, dir, details, evaluate.ExtractionOptions{Extractor: n, Limit: *limit, Worst: *worst})
		if err != nil {
			return err
		}
		reports = append(reports, rep)
		if !*asJSON {
			printExtraction(a.stdout, rep)
		}
	}
	if *asJSON {
		if len(reports) == 1 {
			return writeJSON(a.stdout, reports[0])
		}
		return writeJSON(a.stdout, reports)
	}
	return nil
}

func printExtraction(w io.Writer, r evaluate.ExtractionReport) {
	fmt.Fprintf(w, "Texte principal — %s : %d pages", r.Extractor, r.Pages)
	if r.Errors > 0 {
		fmt.Fprintf(w, " (%d en erreur)", r.Errors)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  précision %s · rappel %s · F1 %s\n", frNum(r.Precision, 3), frNum(r.Recall, 3), frNum(r.F1, 3))
	fmt.Fprintf(w, "  vitesse : %s pages/s ; temps CPU %s s, soit %s × une simple analyse goquery des mêmes pages (%s s)\n",
		frNum(r.PagesPerSecond, 0), frNum(r.CPUSeconds, 2), frNum(r.CPURatio, 2), frNum(r.ParseCPU, 2))
}

func evalDates(ctx context.Context, a *app, args []string) error {
	fs := a.flags("eval")
	name := fs.String("extractor", "veille", "extracteur mesuré : "+strings.Join(evaluate.DateExtractorNames(), ", "))
	all := fs.Bool("all", false, "mesure tous les extracteurs, côte à côte")
	errs := fs.Bool("errors", false, "liste les pages dont la date manque ou est fausse")
	limit := fs.Int("limit", 0, "ne mesure que les N premières pages")
	asJSON := fs.Bool("json", false, "sortie JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	dir, err := evalDataDir(a, pos, "dates")
	if err != nil {
		return err
	}
	names := []string{*name}
	if *all {
		names = evaluate.DateExtractorNames()
	}
	var reports []evaluate.DatesReport
	for _, n := range names {
		var details io.Writer
		if !*asJSON {
			details = a.stdout
		}
		rep, err := evaluate.Dates(ctx, dir, details, evaluate.DatesOptions{Extractor: n, Limit: *limit, Errors: *errs})
		if err != nil {
			return err
		}
		reports = append(reports, rep)
		if !*asJSON {
			printDates(a.stdout, rep)
		}
	}
	if *asJSON {
		if len(reports) == 1 {
			return writeJSON(a.stdout, reports[0])
		}
		return writeJSON(a.stdout, reports)
	}
	return nil
}

func printDates(w io.Writer, r evaluate.DatesReport) {
	fmt.Fprintf(w, "Dates de publication — %s : %d pages (%d justes, %d fausses, %d sans date)\n", r.Extractor, r.Pages, r.TP, r.FP, r.FN)
	fmt.Fprintf(w, "  précision %s · rappel %s · exactitude %s · F %s\n", frNum(r.Precision, 3), frNum(r.Recall, 3), frNum(r.Accuracy, 3), frNum(r.F, 3))
	for _, s := range r.Subsets {
		fmt.Fprintf(w, "  %s : %d pages, %d justes, %d fausses, %d sans date, exactitude %s\n", s.Name, s.Pages, s.TP, s.FP, s.FN, frNum(s.Accuracy, 3))
	}
	fmt.Fprintf(w, "  vitesse : %s pages/s ; temps CPU %s s, soit %s × une simple analyse goquery des mêmes pages (%s s)\n",
		frNum(r.PagesPerSecond, 0), frNum(r.CPUSeconds, 2), frNum(r.CPURatio, 2), frNum(r.ParseCPU, 2))
}

// evalMatch scores the watch-list matcher on a labelled corpus (by
// default the one in internal/match/testdata/corpus) with the effective
// watch list.
func evalMatch(ctx context.Context, a *app, args []string) error {
	fs := a.flags("eval")
	errs := fs.Bool("errors", false, "liste les faux positifs et les mentions manquées")
	asJSON := fs.Bool("json", false, "sortie JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	dir := ""
	if len(pos) > 0 {
		dir = pos[0]
	} else if dir = defaultMatchCorpus(); dir == "" {
		return usagef("eval match : donnez le dossier du corpus (par défaut %s, introuvable d'ici)", matchCorpusPath)
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	rep, err := evaluate.Match(ctx, dir, cfg.Entities())
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, rep)
	}
	printMatch(a.stdout, rep, *errs)
	return nil
}

// matchCorpusPath is the matcher's labelled corpus, from the repository root.
const matchCorpusPath = "internal/match/testdata/corpus"

// defaultMatchCorpus finds the corpus from the working directory or one of
// its parents (the repository root, a package folder).
func defaultMatchCorpus() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, filepath.FromSlash(matchCorpusPath))
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var matchKindLabels = map[string]string{
	"federation": "fédération", "event": "événement", "brand": "marque", "person": "personne", "member": "adhérent",
}

func printMatch(w io.Writer, r evaluate.MatchReport, errs bool) {
	fmt.Fprintf(w, "Liste de veille — %s : %d textes (%d sans mention)\n", r.Dir, r.Cases, r.Negative)
	line := func(label string, s evaluate.MatchScore) {
		fmt.Fprintf(w, "  %-11s précision %s · rappel %s · F1 %s (%d trouvées, %d en trop, %d manquées)\n",
			label, frNum(s.Precision, 3), frNum(s.Recall, 3), frNum(s.F1, 3), s.TP, s.FP, s.FN)
	}
	line("ensemble", r.Overall)
	for _, k := range []string{"federation", "event", "brand", "person", "member"} {
		if s, ok := r.PerKind[k]; ok {
			line(matchKindLabels[k], s)
		}
	}
	fmt.Fprintf(w, "  vitesse : %s Mo par seconde de calcul\n", frNum(r.MBPerSecond, 1))
	if !errs || len(r.Errors) == 0 {
		return
	}
	fmt.Fprintln(w, "\nErreurs :")
	for _, e := range r.Errors {
		what := "manquée"
		if e.Type == "fp" {
			what = fmt.Sprintf("en trop (« %s »)", e.Matched)
		}
		fmt.Fprintf(w, "  %s:%d %s : %s %s — %s\n", e.File, e.Line, e.Case, e.Entity, what, e.Why)
	}
}

// frNum formats x with prec decimals and a decimal comma.
func frNum(x float64, prec int) string {
	return strings.Replace(strconv.FormatFloat(x, 'f', prec, 64), ".", ",", 1)
}
