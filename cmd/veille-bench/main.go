// Command veille-bench measures the index and the counts on a generated
// corpus (internal/corpus): realistic French clippings, 60 outlets, 7
// years. It builds the corpus once into a directory and reuses it.
//
//	go run ./cmd/veille-bench build --dir /tmp/vb/100k --n 100000
//	go run ./cmd/veille-bench query --dir /tmp/vb/100k
//
// build loads the store (bulk import), indexes it through the pipeline's
// index sync (store → index, as veille does), and measures our indexing
// against bare bleve batch indexing of the same documents in the same run.
// query measures yearly totals and searches. Both print Markdown for
// BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "veille-bench : %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage : veille-bench build|query --dir DOSSIER [options]")
	}
	fset := flag.NewFlagSet("veille-bench "+args[0], flag.ContinueOnError)
	fset.SetOutput(stderr)
	dir := fset.String("dir", "", "dossier du corpus (créé au besoin, réutilisé ensuite)")
	n := fset.Int("n", 100000, "nombre de retombées générées (build)")
	seed := fset.Uint64("seed", 1, "graine du générateur (build)")
	ratioDocs := fset.Int("ratio-docs", 100000, "documents indexés deux fois, par veille et par bleve nu, pour le ratio (build)")
	runs := fset.Int("runs", 30, "répétitions de chaque requête (query)")
	if err := fset.Parse(args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--dir est requis")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	switch args[0] {
	case "build":
		return build(ctx, buildOptions{dir: *dir, n: *n, seed: *seed, ratioDocs: *ratioDocs}, stdout, stderr, log)
	case "query":
		return queries(ctx, *dir, *runs, stdout, stderr, log)
	}
	return fmt.Errorf("commande inconnue %q : build ou query", args[0])
}

// dirSize is the size of the files under path.
func dirSize(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// peakRSS is the process's peak resident memory.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

func mib(b int64) string { return fmt.Sprintf("%.0f Mio", float64(b)/(1<<20)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
