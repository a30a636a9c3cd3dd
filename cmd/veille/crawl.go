package main

import (
	"context"
	"fmt"
)

func crawlCmd() command {
	return command{
		name:    "crawl",
		summary: "collecte les articles de toutes les sources configurées",
		usage:   "crawl --once [--json]",
		run:     runCrawl,
	}
}

func runCrawl(ctx context.Context, a *app, args []string) error {
	fs := a.flags("crawl")
	once := fs.Bool("once", false, "un seul passage sur toutes les sources, puis s'arrête")
	asJSON := fs.Bool("json", false, "bilan en JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if !*once {
		return usagef("crawl : précisez --once (la collecte continue est faite par veille run)")
	}
	e, err := a.openFromFlags(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	pr := newProgress(a.stderr)
	stats, err := e.pl.CrawlOnce(ctx, pr.update)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, stats)
	}
	fmt.Fprintf(a.stdout, "Collecte terminée : %d sources interrogées (%d en erreur, %d inchangées), %d nouvelles adresses, %d articles récupérés (%d en erreur).\n",
		stats.Sources, stats.SourceErrors, stats.NotModified, stats.Discovered, stats.Fetched, stats.FetchErrors)
	if stats.SourceErrors > 0 {
		fmt.Fprintln(a.stdout, "veille sources détaille les sources en erreur.")
	}
	return nil
}
