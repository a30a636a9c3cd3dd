package corpus

import (
	"context"
	"fmt"
	"time"

	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// Article is the extracted article an item stands for.
func (it Item) Article() *model.Article {
	c := it.Clipping
	a := &model.Article{URL: c.URL, Title: c.Title, Lead: it.Lead, Text: c.Text, Authors: c.Authors,
		Lang: c.Lang, Published: c.Published, SiteName: c.OutletName}
	if !c.Published.IsZero() {
		a.DateSource = "json-ld"
	}
	return a
}

// Input is the store's input for the item.
func (it Item) Input() store.ArticleInput {
	cl := it.Clipping
	return store.ArticleInput{URL: cl.URL, OutletID: cl.OutletID, Article: it.Article(),
		FetchedAt: cl.FirstSeen, Simhash: cl.Simhash, Mentions: cl.Mentions}
}

// Load writes the corpus into an empty store (so that clipping ids are the
// items' numbers), after syncing its outlets, in transactions of 1,000
// (store.ImportArticles). progress, if not nil, is called after each.
func Load(ctx context.Context, st *store.Store, c *Corpus, progress func(done int)) error {
	if err := st.SyncOutlets(ctx, c.Outlets(), c.Location(), time.Now()); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	var batch []store.ArticleInput
	first := int64(1)
	flush := func() error {
		ids, err := st.ImportArticles(ctx, batch)
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		if len(ids) > 0 && ids[0] != first {
			return fmt.Errorf("corpus: clipping %d stored as %d: load into an empty store", first, ids[0])
		}
		first += int64(len(ids))
		batch = batch[:0]
		if progress != nil {
			progress(int(first - 1))
		}
		return nil
	}
	err := c.Each(func(it Item) error {
		batch = append(batch, it.Input())
		if len(batch) == 1000 {
			return flush()
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}
