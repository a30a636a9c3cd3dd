// Package crawler collects articles: one HTTP client for all fetching
// (timeouts, body cap, charset, robots.txt, per-host politeness), feeds
// (gofeed), sitemaps, site crawls (colly), URL canonicalisation, and the
// loop that polls sources and fetches the frontier kept in the store.
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
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/charset"
)

// MaxRedirects is how many redirects a fetch follows.
const MaxRedirects = 10

// Client fetches pages politely. It is safe for concurrent use. Every
// request it makes, and every request of the colly collectors built on it,
// passes through its guard: robots.txt, per-host politeness, body cap.
type Client struct {
	http    *http.Client
	ua      string
	maxBody int64
	timeout time.Duration
	guard   *guard
}

// Options tune a Client beyond the configuration.
type Options struct {
	// DialContext replaces the dialer (the SSRF guard of manual fetches).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Transport replaces the whole transport (tests).
	Transport http.RoundTripper
}

// NewClient builds the client from the crawler configuration.
func NewClient(cfg config.Crawler, opt Options) *Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout.D(),
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   max(cfg.PerHostConcurrency, 2),
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	if opt.DialContext != nil {
		tr.DialContext = opt.DialContext
	}
	var rt http.RoundTripper = tr
	if opt.Transport != nil {
		rt = opt.Transport
	}
	c := &Client{
		ua:      cfg.UserAgent,
		maxBody: cfg.MaxBodyBytes,
		timeout: cfg.Timeout.D(),
	}
	c.guard = &guard{
		base:      rt,
		polite:    newPoliteness(cfg.PerHostDelay.D(), cfg.PerHostConcurrency),
		useRobots: cfg.RespectRobots,
		ua:        cfg.UserAgent,
		maxBody:   cfg.MaxBodyBytes,
	}
	c.http = &http.Client{
		Transport: c.guard,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
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
		},
	}
	c.guard.robots = newRobotsCache(c)
	return c
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
}

// UTF8 returns the body decoded to UTF-8 (header, BOM, <meta charset>).
func (r *Response) UTF8() ([]byte, error) {
	b, _, err := charset.ToUTF8(r.Body, r.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("crawler: %s: %w", r.URL, err)
	}
	return b, nil
}

// Get fetches u, waiting its turn on the host, after checking robots.txt.
// A 304 is a success with NotModified set. Other non-2xx statuses are
// returned as *FetchError.
func (c *Client) Get(ctx context.Context, u string, cond Conditional) (*Response, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, &FetchError{Kind: ErrKindInvalid, URL: u, Msg: "not an http(s) address"}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
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

// HTTPClient returns the underlying client, for colly.
func (c *Client) HTTPClient() *http.Client { return c.http }

// UserAgent returns the configured User-Agent.
func (c *Client) UserAgent() string { return c.ua }

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Error kinds, recorded on sources and frontier URLs.
const (
	ErrKindInvalid   = "invalid"   // not a fetchable address
	ErrKindTimeout   = "timeout"   // connect, header or body timeout
	ErrKindNetwork   = "network"   // refused, reset, DNS…
	ErrKindStatus    = "status"    // non-2xx answer
	ErrKindTooLarge  = "too_large" // over max_body_bytes
	ErrKindRedirects = "redirects" // loop or too many
	ErrKindRobots    = "robots"    // disallowed by robots.txt
	ErrKindParse     = "parse"     // not a feed / sitemap / page
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
// address, too large).
func (e *FetchError) Permanent() bool {
	switch e.Kind {
	case ErrKindInvalid, ErrKindRobots, ErrKindTooLarge, ErrKindForbidden, ErrKindRedirects:
		return true
	case ErrKindStatus:
		return e.Status == 404 || e.Status == 410 || e.Status == 401 || e.Status == 403 || e.Status == 400
	}
	return false
}

func classify(u string, err error) error {
	var fe *FetchError
	if errors.As(err, &fe) {
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
