package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/pipeline"
	"github.com/cner/veille/internal/store"
)

// collector is the store, the crawler and a pipeline without the search
// index: what `add`, `backfill` and `sources` need, so that they run beside
// `veille run` (which holds the index). The index catches up from the
// store in the daemon, or when any command next opens it.
type collector struct {
	cfg *config.Config
	st  *store.Store
	cr  *crawler.Crawler
	pl  *pipeline.Pipeline
}

func (a *app) openCollector(ctx context.Context) (*collector, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("dossier de données %s : %w", cfg.DataDir, err)
	}
	st, err := store.Open(ctx, storePath(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	cr := crawler.New(cfg, st, crawler.NewClient(cfg.Crawler, crawler.Options{}), a.logger)
	pl, err := pipeline.New(cfg, st, nil, cr, a.logger)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &collector{cfg: cfg, st: st, cr: cr, pl: pl}, nil
}

func (c *collector) Close() error { return c.st.Close() }

// parseDayFlag reads a date flag written YYYY-MM-DD (or DD/MM/YYYY) in loc.
func parseDayFlag(flag, v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--%s %q : date attendue au format AAAA-MM-JJ (par exemple 2021-01-31)", flag, v)
}

// frenchError explains the crawler's and the pipeline's errors in French.
func frenchError(err error) string {
	var fe *crawler.FetchError
	switch {
	case errors.Is(err, pipeline.ErrRefusedAddress):
		return "adresse refusée : elle mène à un réseau privé, local ou réservé (crawler.allow_private l'autorise)"
	case errors.As(err, &fe):
		switch fe.Kind {
		case crawler.ErrKindTimeout:
			return "le site n'a pas répondu à temps"
		case crawler.ErrKindNetwork:
			return "le site est injoignable (" + fe.Error() + ")"
		case crawler.ErrKindStatus:
			switch fe.Status {
			case 404, 410:
				return fmt.Sprintf("la page n'existe pas ou plus (HTTP %d)", fe.Status)
			case 401, 403:
				return fmt.Sprintf("le site refuse l'accès (HTTP %d)", fe.Status)
			case 429, 503:
				return fmt.Sprintf("le site demande de patienter (HTTP %d), réessayez plus tard", fe.Status)
			}
			return fmt.Sprintf("le site a répondu HTTP %d", fe.Status)
		case crawler.ErrKindTooLarge:
			return "la page dépasse crawler.max_body_bytes"
		case crawler.ErrKindRedirects:
			return "trop de redirections, ou une boucle de redirections"
		case crawler.ErrKindRobots:
			return "robots.txt du site interdit cette adresse"
		case crawler.ErrKindNotHTML:
			return "ce n'est pas une page web (" + fe.Msg + ")"
		case crawler.ErrKindParse:
			return "contenu illisible (" + fe.Msg + ")"
		case crawler.ErrKindInvalid:
			return "adresse invalide"
		}
	}
	return err.Error()
}
