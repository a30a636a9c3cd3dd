package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cner/veille/internal/report"
	"github.com/cner/veille/internal/samplepress"
	"github.com/cner/veille/internal/store"
)

func demoCmd() command {
	return command{
		name:    "demo",
		summary: "démonstration hors ligne : une presse d'exemple, la vraie chaîne, les totaux",
		usage:   "demo [--once] [--data DOSSIER]",
		run:     runDemo,
	}
}

func runDemo(ctx context.Context, a *app, args []string) error {
	fs := a.flags("demo")
	once := fs.Bool("once", false, "s'arrête après avoir affiché les totaux")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	base, err := a.config()
	if err != nil {
		return err
	}
	if a.dataDir == "" {
		dir, err := os.MkdirTemp("", "veille-demo-")
		if err != nil {
			return fmt.Errorf("dossier temporaire : %w", err)
		}
		base.DataDir = dir
	}
	loc := base.Location()
	press, err := samplepress.Start(ctx, loc)
	if err != nil {
		return err
	}
	defer press.Close()
	cfg := press.Config(base)
	if err := cfg.Validate(); err != nil {
		return err
	}
	arts := press.Articles()
	fmt.Fprintf(a.stdout, "Presse d'exemple : %d titres servis sur 127.0.0.1, %d articles de 2019 à 2025.\n",
		len(press.SampleOutlets()), len(arts))
	fmt.Fprintf(a.stdout, "Données : %s\n\n", cfg.DataDir)

	e, err := a.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	defer e.shareIndex(ctx)() // other commands search through this process
	pr := newProgress(a.stderr)
	stats, err := e.pl.CrawlOnce(ctx, pr.update)
	if err != nil {
		return err
	}
	st, err := e.st.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Collecte : %d sources, %d articles stockés, %d retombées (%d adresses écartées ou en erreur).\n\n",
		stats.Sources, st.Articles, st.Clippings, stats.FetchErrors)
	if err := printYearTotals(ctx, a, e, loc); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nPour aller plus loin :\n  veille --data %s count --year 2021 --by entity\n  veille --data %s search \"Dev&co\"\n",
		cfg.DataDir, cfg.DataDir)
	if *once {
		return nil
	}
	return serveDemoWeb(ctx, a, e)
}

// printYearTotals prints, for every year holding clippings, the total and
// the activity-report sentence.
func printYearTotals(ctx context.Context, a *app, e *engine, loc *time.Location) error {
	years, err := e.st.CountBy(ctx, store.CountFilter{}, "year", loc)
	if err != nil {
		return err
	}
	names, err := e.names(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "Retombées par année :")
	total := 0
	for _, y := range years {
		var year int
		fmt.Sscan(y.Key, &year)
		f := store.CountFilter{From: time.Date(year, 1, 1, 0, 0, 0, 0, loc), To: time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)}
		outlets, err := e.st.CountBy(ctx, f, "outlet", loc)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "  %s : %s\n", y.Key, report.Sentence(y.Count, "", report.Period(f.From, f.To, loc),
			names.named("outlet", outlets)))
		total += y.Count
	}
	fmt.Fprintf(a.stdout, "  Total : %s.\n", report.Retombees(total))
	return nil
}
