package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cner/veille/internal/pipeline"
)

func backfillCmd() command {
	return command{
		name:    "backfill",
		summary: "collecte une période passée (sitemaps, pages d'archives) ; reprend là où elle s'était arrêtée",
		usage:   "backfill --from AAAA-MM-JJ --to AAAA-MM-JJ [--outlet ID] [--json]",
		run:     runBackfill,
	}
}

func runBackfill(ctx context.Context, a *app, args []string) error {
	fs := a.flags("backfill")
	fromS := fs.String("from", "", "premier jour de la période (AAAA-MM-JJ)")
	toS := fs.String("to", "", "dernier jour de la période, inclus (AAAA-MM-JJ)")
	outlet := fs.String("outlet", "", "un seul titre (id de la configuration)")
	asJSON := fs.Bool("json", false, "bilan en JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("backfill : argument inattendu %q", pos[0])
	}
	if *fromS == "" || *toS == "" {
		return usagef("backfill : précisez la période, par exemple --from 2021-01-01 --to 2021-12-31")
	}
	c, err := a.openCollector(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	loc := c.cfg.Location()
	from, err := parseDayFlag("from", *fromS, loc)
	if err != nil {
		return err
	}
	to, err := parseDayFlag("to", *toS, loc)
	if err != nil {
		return err
	}
	if to.Before(from) {
		return usagef("backfill : --to (%s) précède --from (%s)", *toS, *fromS)
	}
	if *outlet != "" {
		if _, ok := c.cfg.Outlet(*outlet); !ok {
			return usagef("backfill : le titre %q n'est pas dans la configuration (veille config show liste les titres)", *outlet)
		}
	}
	pr := newProgress(a.stderr)
	res, err := c.pl.Backfill(ctx, pipeline.BackfillRequest{From: from, To: to, OutletID: *outlet}, pr.update)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return fmt.Errorf("backfill interrompu : relancez la même commande pour reprendre là où il s'est arrêté")
		}
		return err
	}
	if *asJSON {
		type failure struct {
			Outlet string `json:"outlet"`
			URL    string `json:"url"`
			Error  string `json:"error"`
		}
		fails := []failure{}
		for _, f := range res.Failures {
			fails = append(fails, failure{f.OutletID, f.URL, f.Error})
		}
		return writeJSON(a.stdout, struct {
			pipeline.BackfillResult
			Failures []failure `json:"failures"`
		}{res, fails})
	}
	fmt.Fprintf(a.stdout, "Période %s : %d pages de sitemaps et d'archives parcourues (%d en erreur), %d nouvelles adresses, %d articles récupérés (%d en erreur).\n",
		res.Period, res.Pages, res.PageErrors, res.Discovered, res.Fetched, res.FetchErrors)
	if len(res.Failures) > 0 {
		fmt.Fprintf(a.stdout, "%d pages n'ont pas pu être lues ; la collecte de la période est incomplète pour :\n", len(res.Failures))
		for i, f := range res.Failures {
			if i == 20 {
				fmt.Fprintf(a.stdout, "  … et %d autres (--json les liste toutes)\n", len(res.Failures)-20)
				break
			}
			fmt.Fprintf(a.stdout, "  %s %s : %s\n", f.OutletID, f.URL, f.Error)
		}
	}
	if !c.pl.HasIndex() {
		fmt.Fprintln(a.stdout, "L'index de recherche se met à jour dans veille run, ou au prochain lancement de veille search.")
	}
	return nil
}
