package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cner/veille/config"
	"github.com/cner/veille/crawler"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/pipeline"
	"github.com/cner/veille/internal/store"
)

// engine is the opened data directory: the store, the index derived from
// it, the crawler and the pipeline.
type engine struct {
	cfg *config.Config
	st  *store.Store
	ix  *index.Index
	cr  *crawler.Crawler
	pl  *pipeline.Pipeline
	log *slog.Logger
}

func storePath(dataDir string) string { return filepath.Join(dataDir, "veille.db") }
func indexPath(dataDir string) string { return filepath.Join(dataDir, "index.bleve") }

// open opens the data directory of cfg (creating it, mode 0700), brings
// the index up to the store (repairing what a crash left behind) and wires
// the crawler and pipeline.
func (a *app) open(ctx context.Context, cfg *config.Config) (*engine, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("dossier de données %s : %w", cfg.DataDir, err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("dossier de données %s : %w", cfg.DataDir, err)
	}
	st, err := store.Open(ctx, storePath(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	ix, discarded, err := index.OpenOrRebuild(indexPath(cfg.DataDir), cfg.Location())
	if discarded != nil {
		a.logger.Warn("index unusable: rebuilding it from the store", "err", discarded)
	}
	if errors.Is(err, index.ErrInUse) {
		st.Close()
		return nil, indexBusyError{cfg.DataDir}
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	client := crawler.NewClient(cfg.Crawler, crawler.Options{})
	cr := crawler.New(cfg, st, client, a.logger)
	pl, err := pipeline.New(cfg, st, ix, cr, a.logger)
	if err != nil {
		ix.Close()
		st.Close()
		return nil, err
	}
	e := &engine{cfg: cfg, st: st, ix: ix, cr: cr, pl: pl, log: a.logger}
	if n, err := pl.SyncIndex(ctx); err != nil {
		e.Close()
		return nil, err
	} else if n > 0 {
		a.logger.Info("index caught up with the store", "entries", n)
	}
	return e, nil
}

// openStore opens the store of cfg's data directory alone (no index, no
// crawler, no pipeline): what counts and reports read, so that they run
// beside the process that holds the index.
func (a *app) openStore(ctx context.Context, cfg *config.Config) (*engine, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("dossier de données %s : %w", cfg.DataDir, err)
	}
	st, err := store.Open(ctx, storePath(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	return &engine{cfg: cfg, st: st, log: a.logger}, nil
}

// Close closes the index (when open), then the store.
func (e *engine) Close() error {
	var err error
	if e.ix != nil {
		err = e.ix.Close()
	}
	return errors.Join(err, e.st.Close())
}

// openFromFlags loads the configuration and opens its data directory.
func (a *app) openFromFlags(ctx context.Context) (*engine, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	return a.open(ctx, cfg)
}

// followStore indexes, every few seconds, what other processes store beside
// this one, until the returned stop is called (before the index closes).
func (e *engine) followStore(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.pl.FollowStore(ctx, 0)
	}()
	return func() {
		cancel()
		<-done
	}
}

// knownOutlet refuses an --outlet the store has never heard of ("" passes).
func (e *engine) knownOutlet(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	names, err := e.st.OutletNames(ctx)
	if err != nil {
		return err
	}
	if _, ok := names[id]; !ok {
		return usagef("--outlet %q : titre inconnu (veille sources les liste)", id)
	}
	return nil
}
