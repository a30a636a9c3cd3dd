package crawler

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// guard is the RoundTripper under every request: it checks robots.txt,
// waits for the host's turn (holding the host's slot until the body is
// closed), pauses a host after 429/503 with Retry-After, and fails a body
// that grows past maxBody (after decompression: a gzip bomb stops there).
type guard struct {
	base      http.RoundTripper
	polite    *politeness
	robots    *robotsCache
	useRobots bool
	ua        string
	maxBody   int64
}

type skipRobotsKey struct{}

func withoutRobots(ctx context.Context) context.Context {
	return context.WithValue(ctx, skipRobotsKey{}, true)
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	u := req.URL.String()
	if g.useRobots && ctx.Value(skipRobotsKey{}) == nil {
		ok, err := g.robots.allowed(ctx, req.URL, g.ua)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &FetchError{Kind: ErrKindRobots, URL: u, Msg: "disallowed by robots.txt"}
		}
	}
	release, err := g.polite.acquire(ctx, req.URL.Host, g.robots.delay(req.URL.Host))
	if err != nil {
		return nil, &FetchError{Kind: ErrKindCanceled, URL: u, Msg: "canceled", Err: err}
	}
	resp, err := g.base.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			g.polite.pause(req.URL.Host, d)
		}
	}
	resp.Body = &cappedBody{rc: resp.Body, left: g.maxBody, max: g.maxBody, url: u, release: release}
	return resp, nil
}

// cappedBody fails a read past max bytes and releases the host's slot on
// Close.
type cappedBody struct {
	rc      io.ReadCloser
	left    int64
	max     int64
	url     string
	once    sync.Once
	release func()
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a larger one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, &FetchError{Kind: ErrKindTooLarge, URL: b.url, Msg: fmt.Sprintf("body over %d bytes", b.max)}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.release)
	return err
}
