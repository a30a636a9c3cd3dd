package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/store"
)

func backupCmd() command {
	return command{
		name:    "backup",
		summary: "copie cohérente du stock, même pendant que veille tourne",
		usage:   "backup FICHIER",
		run:     runBackup,
	}
}

func restoreCmd() command {
	return command{
		name:    "restore",
		summary: "remplace le stock par une sauvegarde (veille doit être arrêté)",
		usage:   "restore FICHIER",
		run:     runRestore,
	}
}

func runBackup(ctx context.Context, a *app, args []string) error {
	fs := a.flags("backup")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("backup : un fichier de destination est attendu")
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	dst, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s existe déjà : choisissez un autre nom", dst)
	}
	// The store alone is the source of truth; the index is rebuilt from it.
	st, err := store.Open(ctx, storePath(cfg.DataDir))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, dst); err != nil {
		return err
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Sauvegarde écrite dans %s (%d articles dont %d retombées, %.1f Mo).\n",
		dst, stats.Articles, stats.Clippings, float64(fi.Size())/1e6)
	return nil
}

func runRestore(ctx context.Context, a *app, args []string) error {
	fs := a.flags("restore")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("restore : le fichier de sauvegarde est attendu")
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	kept, err := store.Restore(ctx, pos[0], storePath(cfg.DataDir), "avant-restauration-"+time.Now().Format("20060102-150405"))
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("le stock est ouvert par un autre processus veille (run, serve…) : arrêtez-le avant de restaurer")
	}
	if err != nil {
		return err
	}
	if err := index.Remove(indexPath(cfg.DataDir)); err != nil {
		return err
	}
	// Opening rebuilds the index from the restored store: the new index's
	// generation is not the one the store recorded.
	e, err := a.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	stats, err := e.st.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Stock restauré depuis %s : %d articles dont %d retombées ; index reconstruit.\n", pos[0], stats.Articles, stats.Clippings)
	if kept != "" {
		fmt.Fprintf(a.stdout, "L'ancien stock est conservé dans %s.\n", kept)
	}
	return nil
}
