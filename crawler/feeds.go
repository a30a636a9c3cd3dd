package crawler

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
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
}

// ParseFeed reads an RSS (0.9x, 1.0, 2.0), Atom or JSON feed. Relative links
// are resolved against feedURL. body must be the raw bytes: the XML decoder
// honours the document's declared encoding.
func ParseFeed(body []byte, feedURL string) (*Feed, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, &FetchError{Kind: ErrKindParse, URL: feedURL, Msg: "empty feed"}
	}
	if looksLikeHTML(trimmed) {
		return nil, &FetchError{Kind: ErrKindParse, URL: feedURL, Msg: "an HTML page where a feed was expected"}
	}
	fp := gofeed.NewParser()
	f, err := fp.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, &FetchError{Kind: ErrKindParse, URL: feedURL, Msg: "not a readable feed", Err: err}
	}
	out := &Feed{Title: strings.TrimSpace(f.Title), Type: f.FeedType}
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
