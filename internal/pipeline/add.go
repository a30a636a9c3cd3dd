package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/store"
)

// Errors of Add that callers tell apart (errors.Is).
var (
	// ErrRefusedAddress: the address resolves to a private, loopback,
	// link-local or metadata address, and crawler.allow_private is off.
	ErrRefusedAddress = crawler.ErrRefusedAddress
	// ErrInvalidURL: not an absolute http(s) address.
	ErrInvalidURL = errors.New("pipeline: not an http(s) address")
	// ErrNoOutlet: the address's host is no configured outlet's and no
	// outlet was given.
	ErrNoOutlet = errors.New("pipeline: no configured outlet has this domain")
	// ErrUnknownOutlet: the outlet given is not in the configuration.
	ErrUnknownOutlet = errors.New("pipeline: unknown outlet")
)

// AddRequest is an article added by hand: a mention found elsewhere.
type AddRequest struct {
	URL       string
	OutletID  string    // required when the host is no configured outlet's
	Published time.Time // when set, the publication date whatever the page says
}

// Add fetches one article given by hand, then extracts, matches, stores
// and indexes it like a crawled one, and records it in the frontier so
// that no crawl fetches it again. Addresses that resolve to private,
// loopback, link-local or metadata addresses are refused (checked at dial
// time, after DNS resolution and on every redirect) unless
// crawler.allow_private is set; configured outlets' domains are trusted
// wherever they point. Being a person's request, the fetch does not
// consult robots.txt.
func (p *Pipeline) Add(ctx context.Context, req AddRequest) (*Result, error) {
	if p.crawler == nil {
		return nil, errors.New("pipeline: no crawler")
	}
	raw := strings.TrimSpace(req.URL)
	pu, err := url.Parse(raw)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("%w: %q", ErrInvalidURL, raw)
	}
	cu, err := crawler.Canonicalize(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrInvalidURL, raw)
	}
	outlet := req.OutletID
	if outlet != "" {
		if _, ok := p.cfg.Outlet(outlet); !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownOutlet, outlet)
		}
	} else if id, ok := p.crawler.OutletFor(cu); ok {
		outlet = id
	} else {
		return nil, fmt.Errorf("%w: %s", ErrNoOutlet, pu.Host)
	}
	if err := p.syncSources(ctx, false); err != nil {
		return nil, err
	}
	resp, err := p.manualClient().FetchPage(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("pipeline: add %s: %w", raw, err)
	}
	html, err := resp.UTF8()
	if err != nil {
		return nil, fmt.Errorf("pipeline: add %s: %w", raw, err)
	}
	res, err := p.Ingest(ctx, Input{URL: resp.URL, FoundAt: raw, OutletID: outlet, HTML: html,
		FetchedAt: p.now(), ForcePublished: req.Published})
	if err != nil {
		return nil, err
	}
	// Known to the frontier as fetched: no crawl fetches it again.
	items := []store.Discovered{{URL: res.URL, OutletID: res.OutletID}}
	if cu != res.URL {
		items = append(items, store.Discovered{URL: cu, OutletID: res.OutletID})
	}
	if _, err := p.st.Discover(ctx, items, p.now()); err != nil {
		return nil, fmt.Errorf("pipeline: add %s: %w", raw, err)
	}
	for _, it := range items {
		if err := p.st.Fetched(ctx, it.URL, res.ID, p.now()); err != nil {
			return nil, fmt.Errorf("pipeline: add %s: %w", raw, err)
		}
	}
	if err := p.syncIndexIfOpen(ctx); err != nil {
		return nil, err
	}
	p.log.Info("article added by hand", "url", res.URL, "outlet", res.OutletID, "mentions", len(res.Mentions),
		"created", res.Created)
	return res, nil
}

// manualClient is the client of manual adds: the crawler's settings, the
// private-address guard on, robots.txt not consulted. Built once.
func (p *Pipeline) manualClient() *crawler.Client {
	p.manualOnce.Do(func() {
		cc := p.cfg.Crawler
		cc.RespectRobots = false
		p.manual = crawler.NewClient(cc, crawler.Options{DenyPrivate: true, Trusted: p.crawler.Hosts()})
	})
	return p.manual
}
