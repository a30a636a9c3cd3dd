// Package crawler collects articles: one HTTP client for all fetching
// (timeouts, body cap, charset, robots.txt, per-host politeness, a global
// concurrency limit, a private-address guard), feeds (gofeed), sitemaps,
// site crawls (colly), dated archive pages, URL canonicalisation, and the
// loops that poll sources and fetch the frontier kept in the store.
package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/charset"
)

// MaxRedirects is how many redirects a fetch follows.
const MaxRedirects = 10

// maxDialTimeout bounds the TCP connect (and TLS handshake) whatever the
// request timeout.
const maxDialTimeout = 10 * time.Second

// Client fetches pages politely. It is safe for concurrent use. Every
// request it makes, and every request of the colly collectors built on it,
// passes through its guard: robots.txt, per-host politeness, the global
// concurrency limit, body cap (also after decompression).
type Client struct {
	http    *http.Client
	ua      string
	maxBody int64
	timeout time.Duration
	guard   *guard

	// Private-address policy: when denyPrivate is set, a dial to a
	// private, loopback, link-local or metadata address is refused unless
	// the host is trusted (a configured outlet's domain).
	denyPrivate atomic.Bool
	trusted     atomic.Pointer[Hosts]
}

// Options tune a Client beyond the configuration.
type Options struct {
	// DenyPrivate refuses private, loopback, link-local and metadata
	// addresses (checked at dial time, after DNS resolution) for hosts
	// that are not Trusted, unless the configuration allows them
	// (crawler.allow_private). crawler.New turns it on for the crawler's
	// client with the configured outlets as trusted hosts.
	DenyPrivate bool
	// Trusted hosts are dialled wherever they point.
	Trusted *Hosts
	// Transport replaces the whole transport (tests).
	Transport http.RoundTripper
}

// NewClient builds the client from the crawler configuration.
func NewClient(cfg config.Crawler, opt Options) *Client {
	c := &Client{
		ua:      cfg.UserAgent,
		maxBody: cfg.MaxBodyBytes,
		timeout: cfg.Timeout.D(),
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	dialTimeout := min(maxDialTimeout, c.timeout)
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           c.dialer(dialer, cfg.AllowPrivate),
		TLSHandshakeTimeout:   dialTimeout,
		ResponseHeaderTimeout: c.timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   max(cfg.PerHostConcurrency, 2),
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	if opt.DenyPrivate && !cfg.AllowPrivate {
		// A proxy would dial for us, past the address check.
		tr.Proxy = nil
	}
	c.denyPrivate.Store(opt.DenyPrivate)
	if opt.Trusted != nil {
		c.trusted.Store(opt.Trusted)
	}
	var rt http.RoundTripper = tr
	if opt.Transport != nil {
		rt = opt.Transport
	}
	c.guard = &guard{
		base:      rt,
		polite:    newPoliteness(cfg.PerHostDelay.D(), cfg.PerHostConcurrency),
		global:    make(chan struct{}, max(cfg.Concurrency, 1)),
		useRobots: cfg.RespectRobots,
		ua:        cfg.UserAgent,
		maxBody:   cfg.MaxBodyBytes,
		timeout:   c.timeout,
	}
	c.http = c.newHTTPClient()
	c.guard.robots = newRobotsCache(c)
	return c
}

// guardPrivate turns on the private-address guard with the given trusted
// hosts (the configured outlets). crawler.New calls it.
func (c *Client) guardPrivate(trusted *Hosts) {
	if c.trusted.Load() == nil {
		c.trusted.Store(trusted)
	}
	c.denyPrivate.Store(true)
}

// newHTTPClient returns an http.Client over the guard. Each colly
// collector gets its own, since colly may set the client's fields. The
// guard applies the timeout to each request once its turn has come.
func (c *Client) newHTTPClient() *http.Client {
	return &http.Client{Transport: c.guard, CheckRedirect: checkRedirect}
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return &FetchError{Kind: ErrKindRedirects, URL: via[0].URL.String(),
			Msg: fmt.Sprintf("more than %d redirects", MaxRedirects)}
	}
	for _, prev := range via {
		if prev.URL.String() == req.URL.String() {
			return &FetchError{Kind: ErrKindRedirects, URL: via[0].URL.String(), Msg: "redirect loop"}
		}
	}
	return nil
}

// Conditional holds the validators of a conditional GET.
type Conditional struct {
	ETag         string
	LastModified string
}

// Response is a fetched resource.
type Response struct {
	URL          string // after redirects
	Status       int
	Header       http.Header
	Body         []byte // as received (decompressed, capped)
	NotModified  bool   // a 304 to a conditional GET
	ETag         string
	LastModified string
	FetchedAt    time.Time
}

// UTF8 returns the body decoded to UTF-8 (BOM, header, <meta charset>).
func (r *Response) UTF8() ([]byte, error) {
	b, _, err := charset.ToUTF8(r.Body, r.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("crawler: %s: %w", r.URL, err)
	}
	return b, nil
}

// Get fetches u, waiting its turn on the host, after checking robots.txt.
// The timeout applies to each request (and redirect) from its turn on. A
// 304 is a success with NotModified set. Other non-2xx statuses are
// returned as *FetchError.
func (c *Client) Get(ctx context.Context, u string, cond Conditional) (*Response, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, &FetchError{Kind: ErrKindInvalid, URL: u, Msg: "not an http(s) address"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pu.String(), nil)
	if err != nil {
		return nil, &FetchError{Kind: ErrKindInvalid, URL: u, Msg: "bad request", Err: err}
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,application/atom+xml,application/json;q=0.8,*/*;q=0.5")
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")
	if cond.ETag != "" {
		req.Header.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		req.Header.Set("If-Modified-Since", cond.LastModified)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, classify(u, err)
	}
	defer resp.Body.Close()
	out := &Response{
		URL:          resp.Request.URL.String(),
		Status:       resp.StatusCode,
		Header:       resp.Header,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FetchedAt:    time.Now(),
	}
	if resp.StatusCode == http.StatusNotModified {
		out.NotModified = true
		return out, nil
	}
	if err := statusError(u, resp); err != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, classify(u, err)
	}
	out.Body = body
	return out, nil
}

// statusError turns a non-2xx, non-304 answer into a *FetchError.
func statusError(u string, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	fe := &FetchError{Kind: ErrKindStatus, URL: u, Status: resp.StatusCode, Msg: resp.Status}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		fe.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return fe
}

// UserAgent returns the configured User-Agent.
func (c *Client) UserAgent() string { return c.ua }

// Timeout returns the per-request timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// maxRetryAfter bounds a Retry-After: a site asking for a week of silence
// is checked again after a day.
const maxRetryAfter = 24 * time.Hour

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return min(time.Duration(secs)*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// Error kinds, recorded on sources and frontier URLs.
const (
	ErrKindInvalid   = "invalid"   // not a fetchable address
	ErrKindTimeout   = "timeout"   // connect, header or body timeout
	ErrKindNetwork   = "network"   // refused, reset, DNS…
	ErrKindStatus    = "status"    // non-2xx answer
	ErrKindTooLarge  = "too_large" // over max_body_bytes (also after decompression)
	ErrKindRedirects = "redirects" // loop or too many
	ErrKindRobots    = "robots"    // disallowed by robots.txt
	ErrKindParse     = "parse"     // not a feed / sitemap / page
	ErrKindNotHTML   = "not_html"  // an article address serving a PDF, an image…
	ErrKindPaused    = "paused"    // the host asked for a pause (429/503 Retry-After) not over yet
	ErrKindCanceled  = "canceled"
	ErrKindForbidden = "forbidden" // address refused (private network)
)

// FetchError is a classified fetch failure.
type FetchError struct {
	Kind       string
	URL        string
	Status     int
	Msg        string
	RetryAfter time.Duration
	Err        error
}

func (e *FetchError) Error() string {
	s := "crawler: " + e.Kind + ": " + e.URL + ": " + e.Msg
	if e.Err != nil && !strings.Contains(e.Msg, e.Err.Error()) {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FetchError) Unwrap() error { return e.Err }

// Permanent reports whether retrying is pointless (404, 410, robots, bad
// address, too large, not a page).
func (e *FetchError) Permanent() bool {
	switch e.Kind {
	case ErrKindInvalid, ErrKindRobots, ErrKindTooLarge, ErrKindForbidden, ErrKindRedirects, ErrKindNotHTML:
		return true
	case ErrKindStatus:
		return e.Status == 404 || e.Status == 410 || e.Status == 401 || e.Status == 403 || e.Status == 400
	}
	return false
}

// ErrorKind returns the kind of a fetch error ("" when err is not one).
func ErrorKind(err error) string {
	var fe *FetchError
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return ""
}

func classify(u string, err error) error {
	var fe *FetchError
	if errors.As(err, &fe) {
		if !strings.Contains(fe.URL, "://") { // raised at dial time, with host:port
			cp := *fe
			cp.URL = u
			return &cp
		}
		return fe
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return &FetchError{Kind: ErrKindCanceled, URL: u, Msg: "canceled", Err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &FetchError{Kind: ErrKindTimeout, URL: u, Msg: "timed out", Err: err}
	}
	return &FetchError{Kind: ErrKindNetwork, URL: u, Msg: "network error", Err: err}
}
