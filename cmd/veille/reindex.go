package main

import (
	"context"
	"fmt"

	"github.com/cner/veille/index"
)

func reindexCmd() command {
	return command{
		name:    "reindex",
		summary: "reconstruit l'index de recherche à partir du stock",
		usage:   "reindex",
		run:     runReindex,
	}
}

func runReindex(ctx context.Context, a *app, args []string) error {
	fs := a.flags("reindex")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	// The index is derived: remove it, mark every article unindexed, and let
	// opening catch up from the store.
	if err := index.Remove(indexPath(cfg.DataDir)); err != nil {
		return err
	}
	e, err := a.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.st.ResetIndexed(ctx); err != nil {
		return err
	}
	n, err := e.pl.SyncIndex(ctx)
	if err != nil {
		return err
	}
	docs, err := e.ix.DocCount()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Index reconstruit : %d articles relus, %d retombées indexées.\n", n, docs)
	return nil
}
