package main

import (
	"context"
	"fmt"
	"time"
)

func rematchCmd() command {
	return command{
		name:    "rematch",
		summary: "applique la liste de veille actuelle aux articles déjà stockés",
		usage:   "rematch [--from DATE]",
		run:     runRematch,
	}
}

func runRematch(ctx context.Context, a *app, args []string) error {
	fs := a.flags("rematch")
	fromS := fs.String("from", "", "seulement les articles datés de ce jour ou après (AAAA-MM-JJ)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	var from time.Time
	if *fromS != "" {
		if from, err = parseDay(*fromS, cfg.Location()); err != nil {
			return usagef("--from : %v", err)
		}
	}
	e, err := a.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	before, err := e.st.Stats(ctx)
	if err != nil {
		return err
	}
	changed, err := e.pl.Rematch(ctx, from)
	if err != nil {
		return err
	}
	after, err := e.st.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d articles relus : %d ont changé de mentions. Retombées : %d avant, %d après.\n",
		before.Articles, changed, before.Clippings, after.Clippings)
	return nil
}
