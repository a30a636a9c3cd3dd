package crawler

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"

	"github.com/cner/veille/internal/charset"
)

// Entry is an article announced by a feed or a sitemap.
type Entry struct {
	URL         string
	Title       string
	Description string
	Published   time.Time
	LastMod     time.Time
}

// Feed is a parsed feed.
type Feed struct {
	Title   string
	Type    string // rss, atom, json
	Entries []Entry
	// TTL is how long the feed says it may be cached (RSS <ttl>, or the
	// syndication module's updatePeriod / updateFrequency); zero if silent.
	TTL time.Duration
}

// ParseFeed reads an RSS (0.9x, 1.0, 2.0), Atom or JSON feed. Relative links
// are resolved against feedURL. body is the raw bytes; contentType (may be
// empty) is the response's header: the charset is taken from the BOM, the
// header, then the XML declaration, so that a feed in ISO-8859-1 or
// Windows-1252 comes out right whichever of them says so.
func ParseFeed(body []byte, contentType, feedURL string) (*Feed, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, &FetchError{Kind: ErrKindParse, URL: feedURL, Msg: "empty feed"}
	}
	if looksLikeHTML(trimmed) {
		return nil, &FetchError{Kind: ErrKindParse, URL: feedURL, Msg: "an HTML page where a feed was expected"}
	}
	utf8Body, err := xmlToUTF8(body, contentType)
	if err != nil {
		return nil, &FetchError{Kind: ErrKindParse, URL: feedURL, Msg: "undecodable feed", Err: err}
	}
	fp := gofeed.NewParser()
	fp.KeepOriginalFeed = true
	f, err := fp.Parse(bytes.NewReader(utf8Body))
	if err != nil {
		return nil, &FetchError{Kind: ErrKindParse, URL: feedURL, Msg: "not a readable feed", Err: err}
	}
	out := &Feed{Title: strings.TrimSpace(f.Title), Type: f.FeedType, TTL: feedTTL(f)}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		link := strings.TrimSpace(it.Link)
		if link == "" && len(it.Links) > 0 {
			link = strings.TrimSpace(it.Links[0])
		}
		if link == "" && strings.HasPrefix(it.GUID, "http") {
			link = it.GUID
		}
		if link == "" {
			continue
		}
		abs, err := Resolve(feedURL, link)
		if err != nil {
			continue // one bad link does not spoil the feed
		}
		e := Entry{URL: abs, Title: strings.TrimSpace(it.Title), Description: strings.TrimSpace(it.Description)}
		if it.PublishedParsed != nil {
			e.Published = it.PublishedParsed.UTC()
		} else if it.UpdatedParsed != nil {
			e.Published = it.UpdatedParsed.UTC()
		}
		if it.UpdatedParsed != nil {
			e.LastMod = it.UpdatedParsed.UTC()
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// feedTTL reads RSS <ttl> (minutes) and the syndication module
// (sy:updatePeriod, sy:updateFrequency).
func feedTTL(f *gofeed.Feed) time.Duration {
	if r, ok := f.OriginalFeed().(*rss.Feed); ok {
		if m, err := strconv.Atoi(strings.TrimSpace(r.TTL)); err == nil && m > 0 {
			return time.Duration(m) * time.Minute
		}
	}
	sy := f.Extensions["sy"]
	if sy == nil {
		return 0
	}
	first := func(name string) string {
		if v := sy[name]; len(v) > 0 {
			return strings.ToLower(strings.TrimSpace(v[0].Value))
		}
		return ""
	}
	var period time.Duration
	switch first("updatePeriod") {
	case "hourly":
		period = time.Hour
	case "daily":
		period = 24 * time.Hour
	case "weekly":
		period = 7 * 24 * time.Hour
	case "monthly":
		period = 30 * 24 * time.Hour
	case "yearly":
		period = 365 * 24 * time.Hour
	default:
		return 0
	}
	freq, err := strconv.Atoi(first("updateFrequency"))
	if err != nil || freq < 1 {
		freq = 1
	}
	return period / time.Duration(freq)
}

var xmlDeclEncoding = regexp.MustCompile(`^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([^"']*)(["'])`)

// xmlToUTF8 decodes an XML (or JSON) document to UTF-8 by its BOM, the
// header's charset or its declaration, and rewrites the declaration to say
// UTF-8, so that the parser does not decode it a second time.
func xmlToUTF8(body []byte, contentType string) ([]byte, error) {
	out, _, err := charset.ToUTF8(body, contentType)
	if err != nil {
		return nil, err
	}
	if loc := xmlDeclEncoding.FindSubmatchIndex(out); loc != nil {
		if !strings.EqualFold(string(out[loc[4]:loc[5]]), "utf-8") {
			fixed := make([]byte, 0, len(out))
			fixed = append(fixed, out[:loc[4]]...)
			fixed = append(fixed, "utf-8"...)
			fixed = append(fixed, out[loc[5]:]...)
			out = fixed
		}
	}
	return out, nil
}

func looksLikeHTML(b []byte) bool {
	head := b
	if len(head) > 512 {
		head = head[:512]
	}
	h := strings.ToLower(string(head))
	return strings.HasPrefix(h, "<!doctype html") || strings.HasPrefix(h, "<html") ||
		(strings.Contains(h, "<html") && !strings.Contains(h, "<rss") && !strings.Contains(h, "<feed") &&
			!strings.Contains(h, "<rdf") && !strings.Contains(h, "<urlset") && !strings.Contains(h, "<sitemapindex"))
}

// String describes the feed for logs.
func (f *Feed) String() string {
	return fmt.Sprintf("%s feed %q (%d entries)", f.Type, f.Title, len(f.Entries))
}
