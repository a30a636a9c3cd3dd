package crawler

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
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
// most maxBytes are decompressed (a gzip bomb stops there). contentType
// (may be empty) is the response's header, for its charset.
func ParseSitemap(body []byte, contentType, sitemapURL string, maxBytes int64) (*Sitemap, error) {
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
		contentType = "" // the header described the gzip file
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "empty sitemap"}
	}
	if looksLikeHTML(trimmed) {
		return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "an HTML page where a sitemap was expected"}
	}
	utf8Body, err := xmlToUTF8(body, contentType)
	if err != nil {
		return nil, &FetchError{Kind: ErrKindParse, URL: sitemapURL, Msg: "undecodable sitemap", Err: err}
	}
	var sm xmlSitemap
	dec := xml.NewDecoder(bytes.NewReader(utf8Body))
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

// Period is a closed range of days, [From, To], To's whole day included.
type Period struct {
	From, To time.Time // To is the start of the last day
}

// end is the first instant after the period.
func (p Period) end() time.Time { return p.To.AddDate(0, 0, 1) }

// overlaps reports whether [from, to) meets the period.
func (p Period) overlaps(from, to time.Time) bool {
	return from.Before(p.end()) && to.After(p.From)
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.end())
}

var (
	urlDay   = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{2})[-/_.]?(0[1-9]|1[0-2])[-/_.]?(0[1-9]|[12][0-9]|3[01])(?:[^0-9]|$)`)
	urlMonth = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{2})[-/_.](0[1-9]|1[0-2])(?:[^0-9]|$)`)
	urlYear  = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{2})(?:[^0-9]|$)`)
)

// URLDateRange reads a date written in a URL (…/2021/06/15/…,
// sitemap-2021-06.xml, /sitemaps/2019.xml.gz) and returns the span it
// covers: a day, a month or, when yearToo is set, a year. Only the path
// and query are read, in loc.
func URLDateRange(u string, yearToo bool, loc *time.Location) (from, to time.Time, ok bool) {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			return time.Time{}, time.Time{}, false
		}
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := urlDay.FindStringSubmatch(u); m != nil {
		from = time.Date(atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3]), 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 0, 1), true
	}
	if m := urlMonth.FindStringSubmatch(u); m != nil {
		from = time.Date(atoi(m[1]), time.Month(atoi(m[2])), 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 1, 0), true
	}
	if yearToo {
		if m := urlYear.FindStringSubmatch(u); m != nil {
			from = time.Date(atoi(m[1]), 1, 1, 0, 0, 0, 0, loc)
			return from, from.AddDate(1, 0, 0), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// childInPeriod decides whether a child of a sitemap index may hold
// articles of the period: not when its lastmod is before the period (it
// has not changed since), nor when its URL names a day, month or year
// outside it.
func childInPeriod(child Entry, p Period, loc *time.Location) bool {
	if !child.LastMod.IsZero() && child.LastMod.Before(p.From) {
		return false
	}
	if from, to, ok := URLDateRange(child.URL, true, loc); ok && !p.overlaps(from, to) {
		return false
	}
	return true
}

// entryInPeriod decides whether a sitemap page may be an article of the
// period: by its Google News publication date when given; else not when
// its lastmod is before the period (published ≤ modified); else by a day
// or month in its URL; kept when nothing tells.
func entryInPeriod(e Entry, p Period, loc *time.Location) bool {
	if !e.Published.IsZero() {
		return p.Contains(e.Published)
	}
	if !e.LastMod.IsZero() && e.LastMod.Before(p.From) {
		return false
	}
	if from, to, ok := URLDateRange(e.URL, false, loc); ok {
		return p.overlaps(from, to)
	}
	return true
}
