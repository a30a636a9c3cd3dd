package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/cner/veille/config"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/corpus"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/pipeline"
	"github.com/cner/veille/internal/store"
)

type buildOptions struct {
	dir       string
	n         int
	seed      uint64
	ratioDocs int
}

func paris() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}

// build makes (or completes) the corpus in dir: the store, then the index,
// then measures indexing against bare bleve.
func build(ctx context.Context, o buildOptions, stdout, stderr io.Writer, log *slog.Logger) error {
	loc := paris()
	c, err := corpus.New(corpus.Options{N: o.n, Seed: o.seed, Loc: loc})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	st, err := store.Open(ctx, filepath.Join(o.dir, "veille.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "## Corpus de %d retombées (graine %d) dans %s\n\n", o.n, o.seed, o.dir)
	switch {
	case stats.Articles == 0:
		start := time.Now()
		err := corpus.Load(ctx, st, c, func(done int) {
			if done%50000 == 0 {
				fmt.Fprintf(stderr, "stock : %d/%d (%s)\n", done, o.n, time.Since(start).Round(time.Second))
			}
		})
		if err != nil {
			return err
		}
		d := time.Since(start)
		fmt.Fprintf(stdout, "- stock (import en lots de 1000, texte compressé) : %d articles en %s, %.0f articles/s\n",
			o.n, d.Round(time.Second), float64(o.n)/d.Seconds())
	case stats.Articles != o.n:
		return fmt.Errorf("%s holds %d articles, not %d: use another directory", o.dir, stats.Articles, o.n)
	default:
		fmt.Fprintf(stdout, "- stock : déjà construit (%d articles)\n", stats.Articles)
	}
	if stats, err = st.Stats(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := st.EnsureCounts(ctx, loc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "- totaux mensuels (construits une fois) : %s\n", time.Since(start).Round(time.Millisecond))

	// The index, through the pipeline's sync, as veille builds it.
	ix, discarded, err := index.OpenOrRebuild(filepath.Join(o.dir, "index.bleve"), loc)
	if discarded != nil {
		fmt.Fprintln(stdout, "- index d'une autre version ou incomplet : reconstruit")
	}
	if err != nil {
		return err
	}
	cfg, err := config.Default()
	if err != nil {
		ix.Close()
		return err
	}
	cfg.Outlets = c.Outlets()
	pl, err := pipeline.New(cfg, st, ix, nil, log)
	if err != nil {
		ix.Close()
		return err
	}
	// A new index: the sync indexes everything (see pipeline.SyncIndex).
	gen, err := ix.Generation()
	if err != nil {
		ix.Close()
		return err
	}
	backlog, err := st.IndexBacklog(ctx)
	if err != nil {
		ix.Close()
		return err
	}
	if g, ok, _ := st.Meta(ctx, "index_generation"); !ok || g != gen {
		backlog = stats.Articles
	}
	if backlog > 0 {
		start := time.Now()
		pl.SetIndexProgress(func(done int) {
			if done%50000 == 0 {
				fmt.Fprintf(stderr, "index : %d/%d (%s)\n", done, backlog, time.Since(start).Round(time.Second))
			}
		})
		n, err := pl.SyncIndex(ctx)
		if err != nil {
			ix.Close()
			return err
		}
		d := time.Since(start)
		fmt.Fprintf(stdout, "- index (stock → index par la synchronisation de veille, lots de 1000) : %d documents en %s, %.0f documents/s\n",
			n, d.Round(time.Second), float64(n)/d.Seconds())
	} else {
		fmt.Fprintln(stdout, "- index : déjà construit")
	}
	docs, err := ix.DocCount()
	ix.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "- taille : stock %s, index %s (%d documents)\n", mib(dirSize(filepath.Join(o.dir, "veille.db"))),
		mib(dirSize(filepath.Join(o.dir, "index.bleve"))), docs)
	fmt.Fprintf(stdout, "- mémoire résidente maximale de la construction : %s\n\n", mib(peakRSS()))
	if o.ratioDocs > 0 {
		return ratio(ctx, c, min(o.ratioDocs, o.n), loc, stdout, stderr)
	}
	return nil
}

// bareDoc is what bare bleve indexes of a clipping: the same text and
// fields, with bleve's default mapping (standard analyzer, dynamic fields).
type bareDoc struct {
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	Authors   []string  `json:"authors"`
	Outlet    string    `json:"outlet"`
	Scope     string    `json:"scope"`
	Entity    []string  `json:"entity"`
	Kind      []string  `json:"kind"`
	Published time.Time `json:"published"`
	URL       string    `json:"url"`
}

// ratio indexes the first n documents of the corpus twice, in batches of
// 1000, in fresh temporary indexes: by veille's index (Apply) and by bare
// bleve with its default mapping. Generation is outside the timing; the two
// alternate batch by batch so that both see the same machine load.
func ratio(ctx context.Context, c *corpus.Corpus, n int, loc *time.Location, stdout, stderr io.Writer) error {
	tmp, err := os.MkdirTemp("", "veille-bench-ratio-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ours, err := index.Open(filepath.Join(tmp, "ours.bleve"), loc)
	if err != nil {
		return err
	}
	bare, err := bleve.New(filepath.Join(tmp, "bare.bleve"), bleve.NewIndexMapping())
	if err != nil {
		ours.Close()
		return err
	}
	var (
		batch        []*model.Clipping
		tOurs, tBare time.Duration
		done         int
		errStop      = fmt.Errorf("enough")
		flush        func() error
	)
	flush = func() error {
		start := time.Now()
		if err := ours.Apply(ctx, batch, nil); err != nil {
			return err
		}
		tOurs += time.Since(start)
		start = time.Now()
		b := bare.NewBatch()
		for _, cl := range batch {
			d := bareDoc{Title: cl.Title, Text: cl.Text, Authors: cl.Authors, Outlet: cl.OutletID, Scope: string(cl.Scope),
				Entity: cl.EntityIDs(), Kind: cl.EntityKindsMentioned(), Published: cl.Date(), URL: cl.URL}
			if err := b.Index(strconv.FormatInt(cl.ID, 10), d); err != nil {
				return err
			}
		}
		if err := bare.Batch(b); err != nil {
			return err
		}
		tBare += time.Since(start)
		done += len(batch)
		batch = batch[:0]
		if done%20000 == 0 {
			fmt.Fprintf(stderr, "ratio : %d/%d\n", done, n)
		}
		return nil
	}
	err = c.Each(func(it corpus.Item) error {
		if done+len(batch) >= n {
			return errStop
		}
		batch = append(batch, it.Clipping)
		if len(batch) == 1000 {
			return flush()
		}
		return ctx.Err()
	})
	if err == nil || err == errStop {
		if len(batch) > 0 {
			err = flush()
		} else {
			err = nil
		}
	}
	if err != nil {
		ours.Close()
		bare.Close()
		return err
	}
	// Sizes once both have persisted everything.
	if err := ours.Close(); err != nil {
		return err
	}
	if err := bare.Close(); err != nil {
		return err
	}
	runtime.GC()
	fo, fb := float64(done)/tOurs.Seconds(), float64(done)/tBare.Seconds()
	fmt.Fprintf(stdout, "### Indexation : veille contre bleve nu, mêmes %d documents, même exécution\n\n", done)
	fmt.Fprintln(stdout, "| | documents/s | taille de l'index |")
	fmt.Fprintln(stdout, "|---|---:|---:|")
	fmt.Fprintf(stdout, "| veille (analyse française, accents repliés, alias, facettes) | %.0f | %s |\n", fo,
		mib(dirSize(filepath.Join(tmp, "ours.bleve"))))
	fmt.Fprintf(stdout, "| bleve nu (mapping par défaut) | %.0f | %s |\n", fb, mib(dirSize(filepath.Join(tmp, "bare.bleve"))))
	fmt.Fprintf(stdout, "| **ratio veille / bleve nu** | **%.2f** | |\n\n", fo/fb)
	return nil
}
