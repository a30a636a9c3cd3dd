package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cner/veille/internal/samplepress"
	"github.com/cner/veille/internal/store"
)

// TestBackfillSamplePress backfills 2020-2022 for one outlet of the
// sample press (a sitemap index of yearly sitemaps, even years gzipped):
// interrupted during the fetch, then run again, it ends with exactly that
// outlet's articles of those years, each stored once.
func TestBackfillSamplePress(t *testing.T) {
	ctx := context.Background()
	base := baseConfig(t)
	press, err := samplepress.Start(ctx, base.Location())
	if err != nil {
		t.Fatal(err)
	}
	defer press.Close()
	cfg := press.Config(base)
	cfg.DataDir = base.DataDir
	env := newEnv(t, cfg)
	loc := cfg.Location()
	want := map[string]bool{}
	for _, a := range press.Articles() {
		if a.Outlet == "courrier-est" && a.Date.Year() >= 2020 && a.Date.Year() <= 2022 && a.Robots == "" {
			want[a.URL] = true
		}
	}
	if len(want) < 2 {
		t.Fatalf("the sample press has %d articles of courrier-est in 2020-2022", len(want))
	}
	req := BackfillRequest{From: time.Date(2020, 1, 1, 0, 0, 0, 0, loc), To: time.Date(2022, 12, 31, 0, 0, 0, 0, loc),
		OutletID: "courrier-est"}
	cctx, cancel := context.WithCancel(ctx)
	_, err = env.pl.Backfill(cctx, req, func(stage string, done, total int) {
		if stage == "articles" && done >= 1 {
			cancel()
		}
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted backfill: %v", err)
	}
	res, err := env.pl.Backfill(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Period != "2020-01-01..2022-12-31" || res.PagesFailed != 0 || len(res.Failures) != 0 {
		t.Errorf("result = %+v", res)
	}
	st, _ := env.st.Stats(ctx)
	if st.Articles != len(want) {
		t.Errorf("%d articles stored, want %d", st.Articles, len(want))
	}
	for u := range want {
		if _, ok, err := env.st.ArticleIDByURL(ctx, u); !ok || err != nil {
			t.Errorf("%s not stored (%v)", u, err)
		}
	}
	counts, _ := env.st.FrontierCounts(ctx)
	if counts[store.StatePending] != 0 || counts[store.StateFetched] != len(want) {
		t.Errorf("frontier = %v", counts)
	}
	if _, err := env.pl.Backfill(ctx, BackfillRequest{From: req.From, To: req.To, OutletID: "nope"}, nil); !errors.Is(err, ErrUnknownOutlet) {
		t.Errorf("unknown outlet: %v", err)
	}
	if _, err := env.pl.Backfill(ctx, BackfillRequest{From: req.To, To: req.From}, nil); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
}
