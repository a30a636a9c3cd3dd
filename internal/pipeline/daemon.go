package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/store"
)

// Daemon timings.
const (
	// maxIdle is the longest the loops sleep without looking at the store
	// (a source added by another process, a URL added by hand).
	maxIdle = time.Minute
	// indexEvery is how often the index catches up with the store while
	// articles are being fetched.
	indexEvery = 10 * time.Second
	// resyncEvery is how often the configured outlets are synced again and
	// feed discovery is looked at.
	resyncEvery = 24 * time.Hour
	// errorPause is the wait after a store error before the loop retries.
	errorPause = 10 * time.Second
)

// RunOptions tune Run.
type RunOptions struct {
	// SourceWorkers poll due sources at once (default: half of
	// crawler.concurrency, at least 1).
	SourceWorkers int
	// OnPoll, if set, is called after each source poll (tests, logs).
	OnPoll func(src store.Source, res crawler.PollResult)
}

// Run is the crawler daemon: workers pull the sources whose next check is
// due, a fetcher fetches the frontier as it fills, and the index follows
// the store. It returns nil when ctx ends (within a few seconds: every
// fetch and wait stops with ctx; what was under way is left pending and
// resumed at the next start), or an error if the store cannot be opened
// for work at all.
func (p *Pipeline) Run(ctx context.Context, opt RunOptions) error {
	if p.crawler == nil {
		return errors.New("pipeline: no crawler")
	}
	log := p.log.With("loop", "daemon")
	if err := p.SyncSources(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	workers := opt.SourceWorkers
	if workers <= 0 {
		workers = max(p.cfg.Crawler.Concurrency/2, 1)
	}
	var (
		wg       sync.WaitGroup
		fetchNow = make(chan struct{}, 1) // wakes the fetcher
		due      = make(chan store.Source)
		mu       sync.Mutex
		inflight = map[int64]bool{}
	)
	wake := func() {
		select {
		case fetchNow <- struct{}{}:
		default:
		}
	}
	// Source workers.
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for src := range due {
				res := p.crawler.PollSource(ctx, src)
				mu.Lock()
				delete(inflight, src.ID)
				mu.Unlock()
				if opt.OnPoll != nil && ctx.Err() == nil {
					opt.OnPoll(src, res)
				}
				if res.Discovered > 0 {
					wake()
				}
			}
		}()
	}
	// Dispatcher: hands due sources to the workers.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(due)
		lastSync := p.now()
		for ctx.Err() == nil {
			if p.now().Sub(lastSync) >= resyncEvery {
				if err := p.SyncSources(ctx); err != nil && ctx.Err() == nil {
					log.Error("syncing sources", "err", err)
				}
				lastSync = p.now()
			}
			sources, err := p.st.DueSources(ctx, p.now())
			if err != nil {
				if ctx.Err() == nil {
					log.Error("listing due sources", "err", err)
					sleep(ctx, errorPause)
				}
				continue
			}
			handed := 0
			for _, src := range sources {
				mu.Lock()
				busy := inflight[src.ID]
				if !busy {
					inflight[src.ID] = true
				}
				mu.Unlock()
				if busy {
					continue
				}
				select {
				case due <- src:
					handed++
				case <-ctx.Done():
					return
				}
			}
			if handed > 0 {
				continue // more may have come due meanwhile
			}
			wait := maxIdle
			if next, ok, err := p.st.NextSourceCheck(ctx); err == nil && ok {
				wait = min(wait, max(time.Until(next), time.Second))
			}
			sleep(ctx, wait)
		}
	}()
	// Fetcher: fetches the due frontier, then waits for discoveries or for
	// the next retry.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			st, err := p.crawler.FetchPending(ctx, p.Process, nil)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				log.Error("fetching the frontier", "err", err)
				sleep(ctx, errorPause)
				continue
			}
			if st.Fetched+st.FetchErrors > 0 {
				log.Info("frontier fetched", "fetched", st.Fetched, "errors", st.FetchErrors, "saved", st.ArticlesSaved)
				if err := p.syncIndexIfOpen(ctx); err != nil && ctx.Err() == nil {
					log.Error("index sync", "err", err)
				}
			}
			wait := maxIdle
			if next, ok, err := p.st.NextAttempt(ctx); err == nil && ok {
				wait = min(wait, max(time.Until(next), time.Second))
			}
			t := time.NewTimer(wait)
			select {
			case <-fetchNow:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
	}()
	// Indexer: the index follows the store while a long fetch runs, and
	// what other processes store (veille add, backfill).
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.FollowStore(ctx, 0)
	}()
	log.Info("crawler started", "source_workers", workers, "concurrency", p.cfg.Crawler.Concurrency)
	<-ctx.Done()
	wg.Wait()
	log.Info("crawler stopped")
	return nil
}

// FollowStore keeps the index up to the store until ctx ends, every few
// seconds: what this process stores, and what other processes store beside
// it (veille add, backfill), which only the index's holder can index.
// every is the pause between two passes (0: 10 s).
func (p *Pipeline) FollowStore(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = indexEvery
	}
	for sleep(ctx, every) {
		if err := p.syncIndexIfOpen(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("index sync", "err", err)
		}
	}
}

// sleep waits d or until ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
