package crawler

import (
	"context"
	"sync"
	"time"
)

// politeness spaces requests to each host: at most perHost at once, starts
// at least delay apart, none before a Retry-After pause has passed.
type politeness struct {
	delay   time.Duration
	perHost int

	mu    sync.Mutex
	hosts map[string]*hostGate
}

type hostGate struct {
	slots     chan struct{}
	mu        sync.Mutex
	nextStart time.Time
}

func newPoliteness(delay time.Duration, perHost int) *politeness {
	return &politeness{delay: delay, perHost: max(perHost, 1), hosts: map[string]*hostGate{}}
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
// extra delay (robots.txt crawl-delay) applies when longer than the
// configured one. The returned func releases the slot.
func (p *politeness) acquire(ctx context.Context, host string, extra time.Duration) (func(), error) {
	g := p.gate(host)
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	delay := max(p.delay, extra)
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

// pause holds every request to host for d (a 429 or 503 Retry-After).
func (p *politeness) pause(host string, d time.Duration) {
	if d <= 0 {
		return
	}
	const maxPause = time.Hour
	d = min(d, maxPause)
	g := p.gate(host)
	g.mu.Lock()
	if until := time.Now().Add(d); until.After(g.nextStart) {
		g.nextStart = until
	}
	g.mu.Unlock()
}
