package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/store"
)

// BackfillRequest asks for the articles of a past period.
type BackfillRequest struct {
	From, To time.Time // days, To included
	OutletID string    // one outlet, or all when empty
}

// BackfillResult is what a backfill run did.
type BackfillResult struct {
	Period string `json:"period"`
	crawler.BackfillStats
	Fetched       int                  `json:"fetched"`
	FetchErrors   int                  `json:"fetch_errors"`
	ArticlesSaved int                  `json:"articles_saved"`
	Failures      []store.BackfillPage `json:"-"` // pages given up, all runs
}

// Backfill collects a past period: it walks the outlets' sitemap indexes
// (configured, and those their robots.txt lists) and dated archive pages
// for the period into the frontier, then fetches, extracts, matches,
// stores and indexes the articles found. Its work list lives in the
// store: an interrupted backfill run again with the same period resumes
// where it stopped. Progress comes in two stages, "pages" then "articles".
func (p *Pipeline) Backfill(ctx context.Context, req BackfillRequest, progress Progress) (BackfillResult, error) {
	var res BackfillResult
	if p.crawler == nil {
		return res, errors.New("pipeline: no crawler")
	}
	from, to := crawler.DayStart(req.From, p.loc), crawler.DayStart(req.To, p.loc)
	if to.Before(from) {
		return res, fmt.Errorf("pipeline: backfill: the period ends (%s) before it starts (%s)",
			to.Format("2006-01-02"), from.Format("2006-01-02"))
	}
	if req.OutletID != "" {
		if _, ok := p.cfg.Outlet(req.OutletID); !ok {
			return res, fmt.Errorf("%w: %q", ErrUnknownOutlet, req.OutletID)
		}
	}
	if err := p.SyncSources(ctx); err != nil {
		return res, err
	}
	sources, err := p.st.Sources(ctx, false)
	if err != nil {
		return res, err
	}
	b := p.crawler.NewBackfill(crawler.Period{From: from, To: to}, req.OutletID)
	res.Period = b.Key
	if _, err := b.Plan(ctx, p.cfg.Outlets, sources); err != nil {
		return res, err
	}
	stage := func(name string) func(done, total int) {
		if progress == nil {
			return nil
		}
		return func(done, total int) { progress(name, done, total) }
	}
	bst, err := b.Walk(ctx, stage("pages"))
	res.BackfillStats = bst
	if err != nil {
		return res, err
	}
	fst, err := p.crawler.FetchPendingOf(ctx, req.OutletID, p.Process, stage("articles"))
	res.Fetched, res.FetchErrors, res.ArticlesSaved = fst.Fetched, fst.FetchErrors, fst.ArticlesSaved
	if err != nil {
		return res, err
	}
	if err := p.syncIndexIfOpen(ctx); err != nil {
		return res, err
	}
	if res.Failures, err = p.st.BackfillFailures(ctx, b.Key, req.OutletID); err != nil {
		return res, err
	}
	return res, nil
}
