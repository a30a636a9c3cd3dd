package crawler

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MaxCrawlDelay bounds a robots.txt crawl-delay: a site asking for more is
// still visited, once a minute.
const MaxCrawlDelay = time.Minute

// maxPause bounds how long a Retry-After holds a host.
const maxPause = maxRetryAfter

// politeness spaces requests to each host: at most perHost at once, starts
// at least delay apart, none before a Retry-After pause has passed.
type politeness struct {
	delay   time.Duration
	perHost int

	mu    sync.Mutex
	hosts map[string]*hostGate
}

type hostGate struct {
	slots       chan struct{}
	mu          sync.Mutex
	nextStart   time.Time
	pausedUntil time.Time // a 429 or 503 Retry-After
}

// errPaused is returned by acquire while a host is paused by its
// Retry-After: requests fail at once (to be retried after the pause)
// rather than wait for hours.
type errPaused struct{ left time.Duration }

func (e errPaused) Error() string {
	return fmt.Sprintf("host paused by its Retry-After for %s more", e.left.Round(time.Second))
}

func newPoliteness(delay time.Duration, perHost int) *politeness {
	return &politeness{delay: max(delay, 0), perHost: max(perHost, 1), hosts: map[string]*hostGate{}}
}

func (p *politeness) gate(host string) *hostGate {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.hosts[host]
	if !ok {
		g = &hostGate{slots: make(chan struct{}, p.perHost)}
		p.hosts[host] = g
	}
	return g
}

// acquire waits for a slot on host and for the host's next start time. The
// extra delay (robots.txt crawl-delay, capped at MaxCrawlDelay) applies
// when longer than the configured one. The returned func releases the slot.
func (p *politeness) acquire(ctx context.Context, host string, extra time.Duration) (func(), error) {
	g := p.gate(host)
	g.mu.Lock()
	paused := time.Until(g.pausedUntil)
	g.mu.Unlock()
	if paused > 0 {
		return nil, errPaused{left: paused}
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	delay := p.hostDelay(extra)
	g.mu.Lock()
	now := time.Now()
	start := g.nextStart
	if start.Before(now) {
		start = now
	}
	g.nextStart = start.Add(delay)
	g.mu.Unlock()
	if wait := time.Until(start); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-g.slots
			return nil, ctx.Err()
		}
	}
	return func() { <-g.slots }, nil
}

// hostDelay is the spacing between two requests to a host: the configured
// delay, or the robots.txt crawl-delay (capped at MaxCrawlDelay) when
// longer.
func (p *politeness) hostDelay(crawlDelay time.Duration) time.Duration {
	return max(p.delay, min(crawlDelay, MaxCrawlDelay))
}

// readyAt returns when host may next start a request (zero: now), for
// schedulers that would rather serve another host than wait.
func (p *politeness) readyAt(host string) time.Time {
	p.mu.Lock()
	g, ok := p.hosts[host]
	p.mu.Unlock()
	if !ok {
		return time.Time{}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nextStart
}

// pause holds every request to host for d (a 429 or 503 Retry-After).
func (p *politeness) pause(host string, d time.Duration) {
	if d <= 0 {
		return
	}
	d = min(d, maxPause)
	g := p.gate(host)
	g.mu.Lock()
	if until := time.Now().Add(d); until.After(g.pausedUntil) {
		g.pausedUntil = until
	}
	if g.pausedUntil.After(g.nextStart) {
		g.nextStart = g.pausedUntil
	}
	g.mu.Unlock()
}
