package crawler

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// robotsCache fetches and keeps each host's robots.txt.
type robotsCache struct {
	c  *Client
	mu sync.Mutex
	m  map[string]*robotsEntry
}

type robotsEntry struct {
	once    chan struct{} // closed when data is ready
	data    *robotstxt.RobotsData
	expires time.Time
}

const (
	robotsTTL      = 24 * time.Hour
	robotsErrorTTL = time.Hour
)

func newRobotsCache(c *Client) *robotsCache {
	return &robotsCache{c: c, m: map[string]*robotsEntry{}}
}

func (r *robotsCache) entry(ctx context.Context, u *url.URL) (*robotsEntry, error) {
	key := u.Scheme + "://" + u.Host
	for {
		r.mu.Lock()
		e, ok := r.m[key]
		if ok && e.ready() && time.Now().After(e.expires) {
			ok = false
		}
		if !ok {
			e = &robotsEntry{once: make(chan struct{})}
			r.m[key] = e
			r.mu.Unlock()
			r.load(ctx, u, e)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return e, nil
		}
		r.mu.Unlock()
		select {
		case <-e.once:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if time.Now().After(e.expires) {
			continue // its loader was canceled: load it again
		}
		return e, nil
	}
}

// ready reports whether the entry is loaded.
func (e *robotsEntry) ready() bool {
	select {
	case <-e.once:
		return true
	default:
		return false
	}
}

func (r *robotsCache) load(ctx context.Context, u *url.URL, e *robotsEntry) {
	defer close(e.once)
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	resp, err := r.c.Get(withoutRobots(ctx), ru.String(), Conditional{})
	var fe *FetchError
	switch {
	case err == nil:
		data, perr := robotstxt.FromStatusAndBytes(resp.Status, resp.Body)
		if perr == nil {
			e.data = data
			e.expires = time.Now().Add(robotsTTL)
			return
		}
	case errors.As(err, &fe) && fe.Kind == ErrKindStatus && fe.Status >= 400 && fe.Status < 500:
		// No robots.txt: everything is allowed.
		e.data, _ = robotstxt.FromStatusAndBytes(fe.Status, nil)
		e.expires = time.Now().Add(robotsTTL)
		return
	}
	e.data = nil
	if ctx.Err() != nil {
		e.expires = time.Now().Add(-time.Second) // canceled: the next request loads it again
		return
	}
	// Unreachable or unreadable robots.txt: allow, and look again soon.
	e.expires = time.Now().Add(robotsErrorTTL)
}

func (r *robotsCache) allowed(ctx context.Context, u *url.URL, ua string) (bool, error) {
	e, err := r.entry(ctx, u)
	if err != nil {
		return false, &FetchError{Kind: ErrKindCanceled, URL: u.String(), Msg: "canceled", Err: err}
	}
	if e.data == nil {
		return true, nil
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.data.TestAgent(path, ua), nil
}

// sitemaps returns the Sitemap: lines of the robots.txt of u's site
// (fetching it if needed).
func (r *robotsCache) sitemaps(ctx context.Context, u *url.URL) ([]string, error) {
	e, err := r.entry(ctx, u)
	if err != nil {
		return nil, err
	}
	if e.data == nil {
		return nil, nil
	}
	return append([]string(nil), e.data.Sitemaps...), nil
}

// delay returns the host's robots.txt crawl-delay, when known.
func (r *robotsCache) delay(host string) time.Duration {
	if !r.c.guard.useRobots {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var d time.Duration
	for _, scheme := range []string{"https://", "http://"} {
		e, ok := r.m[scheme+host]
		if !ok {
			continue
		}
		select {
		case <-e.once:
		default:
			continue
		}
		if e.data == nil {
			continue
		}
		if g := e.data.FindGroup(r.c.ua); g != nil && g.CrawlDelay > d {
			d = g.CrawlDelay
		}
	}
	return d
}
