package main

import (
	"context"
	"fmt"
	"time"
)

func reindexCmd() command {
	return command{
		name:    "reindex",
		summary: "reconstruit l'index de recherche à partir du stock",
		usage:   "reindex",
		run:     runReindex,
	}
}

// runReindex replaces the index with an empty one and indexes every
// clipping of the store into it. The store is the source of truth: an
// interrupted rebuild resumes at the next start (the new index's generation
// tells the store it has everything to index again).
func runReindex(ctx context.Context, a *app, args []string) error {
	fs := a.flags("reindex")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	e, err := a.openFromFlags(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.ix.Reset(); err != nil {
		return err
	}
	start := time.Now()
	last := start
	e.pl.SetIndexProgress(func(done int) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			fmt.Fprintf(a.stderr, "\r%d articles relus…", done)
		}
	})
	n, err := e.pl.SyncIndex(ctx)
	e.pl.SetIndexProgress(nil)
	if time.Since(start) >= 2*time.Second {
		fmt.Fprintln(a.stderr)
	}
	if err != nil {
		return err
	}
	docs, err := e.ix.DocCount()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Index reconstruit : %d articles relus, %d retombées indexées (%s).\n", n, docs,
		time.Since(start).Round(time.Millisecond))
	return nil
}
