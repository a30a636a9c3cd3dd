package crawler

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cacheHint returns how long a response says it stays fresh: Cache-Control
// s-maxage or max-age, else Expires minus Date (or now). no-cache and
// no-store say nothing (zero).
func cacheHint(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	cc := strings.ToLower(h.Get("Cache-Control"))
	if cc != "" {
		var maxAge, sMaxAge time.Duration = -1, -1
		for _, part := range strings.Split(cc, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.TrimSpace(k) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
					maxAge = time.Duration(n) * time.Second
				}
			case "s-maxage":
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
					sMaxAge = time.Duration(n) * time.Second
				}
			}
		}
		if sMaxAge >= 0 {
			return sMaxAge
		}
		if maxAge >= 0 {
			return maxAge
		}
	}
	if exp := h.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0 // "0" or garbage: already expired
		}
		ref := now
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			ref = d
		}
		if t.After(ref) {
			return t.Sub(ref)
		}
	}
	return 0
}

// Interval is when a successfully polled source is next due: the longest
// of what the feed (TTL) and the response (Cache-Control, Expires) ask,
// kept within [minI, maxI]; minI when they are silent.
func Interval(minI, maxI time.Duration, hints ...time.Duration) time.Duration {
	d := minI
	for _, h := range hints {
		d = max(d, h)
	}
	if maxI > 0 {
		d = min(d, maxI)
	}
	return d
}

// Backoff is when a failing source is next due: minI doubled for each
// consecutive failure before this one, capped at maxI, and never before
// the server's Retry-After.
func Backoff(minI, maxI time.Duration, failuresBefore int, retryAfter time.Duration) time.Duration {
	d := minI
	for i := 0; i < failuresBefore && d < maxI; i++ {
		d *= 2
	}
	if maxI > 0 {
		d = min(d, maxI)
	}
	return max(d, retryAfter)
}
