package crawler

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Sitemap is a parsed sitemap: either a list of pages or an index of
// further sitemaps.
type Sitemap struct {
	Entries  []Entry // pages (with Google News title and date when present)
	Children []Entry // nested sitemaps, from a sitemap index
}

type xmlSitemap struct {
	XMLName xml.Name
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    struct {
			Title           string `xml:"title"`
			PublicationDate string `xml:"publication_date"`
		} `xml:"news"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

// ParseSitemap reads an XML sitemap or sitemap index, gzipped or not. At
// most maxBytes are decompressed (a gzip bomb stops there).
func ParseSitemap(body []byte, sitemapURL string, maxBytes int64) (*Sitemap, error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "bad gzip", Err: err}
		}
		plain, err := io.ReadAll(io.LimitReader(zr, maxBytes+1))
		if err != nil {
			return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "bad gzip", Err: err}
		}
		if int64(len(plain)) > maxBytes {
			return nil, &FetchError{Kind: ErrKindTooLarge, URL: sitemapURL,
				Msg: fmt.Sprintf("gzipped sitemap expands past %d bytes", maxBytes)}
		}
		body = plain
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "empty sitemap"}
	}
	if looksLikeHTML(trimmed) {
		return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "an HTML page where a sitemap was expected"}
	}
	var sm xmlSitemap
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charset.NewReaderLabel
	dec.Strict = false
	if err := dec.Decode(&sm); err != nil && !errors.Is(err, io.EOF) {
		return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "not a readable sitemap", Err: err}
	}
	switch sm.XMLName.Local {
	case "urlset", "sitemapindex":
	default:
		return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL,
			Msg: fmt.Sprintf("root element <%s> is not urlset or sitemapindex", sm.XMLName.Local)}
	}
	out := &Sitemap{}
	for _, u := range sm.URLs {
		loc, err := Resolve(sitemapURL, strings.TrimSpace(u.Loc))
		if err != nil || strings.TrimSpace(u.Loc) == "" {
			continue
		}
		e := Entry{URL: loc, Title: strings.TrimSpace(u.News.Title), LastMod: parseW3CDate(u.LastMod)}
		e.Published = parseW3CDate(u.News.PublicationDate)
		out.Entries = append(out.Entries, e)
	}
	for _, s := range sm.Sitemaps {
		loc, err := Resolve(sitemapURL, strings.TrimSpace(s.Loc))
		if err != nil || strings.TrimSpace(s.Loc) == "" {
			continue
		}
		out.Children = append(out.Children, Entry{URL: loc, LastMod: parseW3CDate(s.LastMod)})
	}
	return out, nil
}

// parseW3CDate reads sitemap dates (W3C datetime: YYYY, YYYY-MM-DD, with
// time and zone). Unreadable dates are zero.
func parseW3CDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05",
		"2006-01-02T15:04", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
