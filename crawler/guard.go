package crawler

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// guard is the RoundTripper under every request: it checks robots.txt,
// waits for a global slot and for the host's turn (holding both until the
// body is closed), pauses a host after 429/503 with Retry-After,
// decompresses gzip bodies itself (Content-Type gzip, .gz paths: colly
// would otherwise inflate them with no limit) and fails a body that grows
// past maxBody after decompression, so a gzip bomb stops there.
type guard struct {
	base      http.RoundTripper
	polite    *politeness
	global    chan struct{}
	robots    *robotsCache
	useRobots bool
	ua        string
	maxBody   int64
	timeout   time.Duration // per request, from its turn to the end of its body
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
	select {
	case g.global <- struct{}{}:
	case <-ctx.Done():
		return nil, &FetchError{Kind: ErrKindCanceled, URL: u, Msg: "canceled", Err: ctx.Err()}
	}
	releaseGlobal := func() { <-g.global }
	releaseHost, err := g.polite.acquire(ctx, req.URL.Host, g.robots.delay(req.URL.Host))
	if err != nil {
		releaseGlobal()
		var paused errPaused
		if errors.As(err, &paused) {
			return nil, &FetchError{Kind: ErrKindPaused, URL: u, Msg: paused.Error(), RetryAfter: paused.left}
		}
		return nil, &FetchError{Kind: ErrKindCanceled, URL: u, Msg: "canceled", Err: err}
	}
	// The timeout runs from here, once the request's turn has come: a
	// wait behind a slow request to the same host does not eat into it.
	// It covers connect, headers and the whole body, and ends when the
	// body is closed.
	hopCtx, cancel := context.WithTimeout(ctx, g.timeout)
	release := func() { cancel(); releaseHost(); releaseGlobal() }
	resp, err := g.base.RoundTrip(req.WithContext(hopCtx))
	if err != nil {
		release()
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			g.polite.pause(req.URL.Host, d)
		}
	}
	var body io.Reader = resp.Body
	if gzipped(resp) {
		br := bufio.NewReader(resp.Body)
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				resp.Body.Close()
				release()
				return nil, &FetchError{Kind: ErrKindParse, URL: u, Msg: "bad gzip body", Err: err}
			}
			body = zr
			resp.Header.Del("Content-Encoding")
			resp.Header.Del("Content-Length")
			resp.ContentLength = -1
			resp.Uncompressed = true
		} else {
			body = br
			if strings.Contains(strings.ToLower(resp.Header.Get("Content-Encoding")), "gzip") {
				resp.Header.Del("Content-Encoding")
			}
			resp.Uncompressed = true // what colly would inflate is not gzip: leave it
		}
	}
	resp.Body = &cappedBody{r: body, c: resp.Body, left: g.maxBody, max: g.maxBody, url: u, release: release}
	return resp, nil
}

// gzipped reports whether the body may still be gzip: the transport did
// not inflate it and the headers or path say gzip.
func gzipped(resp *http.Response) bool {
	if resp.Uncompressed {
		return false
	}
	if strings.Contains(strings.ToLower(resp.Header.Get("Content-Encoding")), "gzip") {
		return true
	}
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "gzip") {
		return true
	}
	return resp.Request != nil && strings.HasSuffix(strings.ToLower(resp.Request.URL.Path), ".gz")
}

// cappedBody fails a read past max bytes and releases the slots on Close.
type cappedBody struct {
	r       io.Reader
	c       io.Closer
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
		n, err := b.r.Read(one[:])
		if n > 0 {
			return 0, &FetchError{Kind: ErrKindTooLarge, URL: b.url, Msg: fmt.Sprintf("body over %d bytes", b.max)}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.c.Close()
	b.once.Do(b.release)
	return err
}
