package evaluate

import (
	"bytes"
	"sort"
	"time"

	"github.com/markusmobius/go-htmldate"

	"github.com/cner/veille/internal/extract"
)

// dateExtractor is one way of finding a page's publication day
// (YYYY-MM-DD, "" when none) and the source it came from (for the error
// list; "" when the extractor does not say).
type dateExtractor struct {
	summary string
	day     func(html []byte, pageURL string, now time.Time) (day, source string)
}

// dateExtractors are the options compared on the dates set.
var dateExtractors = map[string]dateExtractor{
	"veille": {
		summary: "veille's extractor (internal/extract): Article.Published",
		day: func(html []byte, pageURL string, now time.Time) (string, string) {
			a, err := extract.Extract(html, pageURL, extract.Options{Now: now})
			if err != nil || a.Published.IsZero() {
				return "", ""
			}
			return a.Published.Format(time.DateOnly), a.DateSource
		},
	},
	"htmldate-fast": {
		summary: "go-htmldate, fast mode, original date",
		day: func(html []byte, pageURL string, now time.Time) (string, string) {
			return htmldateDay(html, pageURL, now, true), ""
		},
	},
	"htmldate-extensive": {
		summary: "go-htmldate, extensive mode, original date",
		day: func(html []byte, pageURL string, now time.Time) (string, string) {
			return htmldateDay(html, pageURL, now, false), ""
		},
	},
}

func htmldateDay(html []byte, pageURL string, now time.Time, fast bool) string {
	res, err := htmldate.FromReader(bytes.NewReader(html), htmldate.Options{
		URL:                 pageURL,
		UseOriginalDate:     true,
		SkipExtensiveSearch: fast,
		MaxDate:             now,
	})
	if err != nil || res.IsZero() {
		return ""
	}
	return res.DateTime.Format(time.DateOnly)
}

// DateExtractorNames lists the extractors Dates can score.
func DateExtractorNames() []string {
	names := make([]string, 0, len(dateExtractors))
	for n := range dateExtractors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DateExtractorSummary describes a date extractor in one line.
func DateExtractorSummary(name string) string { return dateExtractors[name].summary }
