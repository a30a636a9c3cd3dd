package evaluate

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/markusmobius/go-trafilatura"

	"github.com/cner/veille/internal/extract"
)

// extractor is one way of getting the main text of a page.
type extractor struct {
	summary string
	text    func(html []byte, pageURL string) (string, error)
}

// extractors are the options compared on the benchmark.
var extractors = map[string]extractor{
	"veille": {
		summary: "veille's extractor (internal/extract): lead + text",
		text: func(html []byte, pageURL string) (string, error) {
			a, err := extract.Extract(html, pageURL, extract.Options{})
			if err != nil {
				return "", err
			}
			return extract.FullText(a), nil
		},
	},
	"veille-body": {
		summary: "veille's extractor, Text only (without the lead)",
		text: func(html []byte, pageURL string) (string, error) {
			a, err := extract.Extract(html, pageURL, extract.Options{})
			if err != nil {
				return "", err
			}
			return a.Text, nil
		},
	},
	"trafilatura": {
		summary: "go-trafilatura, default options, no fallback, dates from metadata only",
		text: func(html []byte, pageURL string) (string, error) {
			return trafilaturaText(html, pageURL, false)
		},
	},
	"trafilatura-fallback": {
		summary: "go-trafilatura with its readability and dom-distiller fallbacks",
		text: func(html []byte, pageURL string) (string, error) {
			return trafilaturaText(html, pageURL, true)
		},
	},
	"readability": {
		summary: "codeberg.org/readeck/go-readability/v2",
		text: func(html []byte, pageURL string) (string, error) {
			u, _ := url.Parse(pageURL)
			p := readability.NewParser()
			art, err := p.Parse(bytes.NewReader(html), u)
			if err != nil {
				return "", err
			}
			if art.Node == nil {
				return "", nil
			}
			var b strings.Builder
			if err := art.RenderText(&b); err != nil {
				return "", err
			}
			return b.String(), nil
		},
	},
}

func trafilaturaText(html []byte, pageURL string, fallback bool) (string, error) {
	opts := trafilatura.Options{
		ExcludeComments: true,
		EnableFallback:  fallback,
		HtmlDateMode:    trafilatura.Disabled,
	}
	if u, err := url.Parse(pageURL); err == nil && u.IsAbs() {
		opts.OriginalURL = u
	}
	res, err := trafilatura.Extract(bytes.NewReader(html), opts)
	if err != nil {
		return "", fmt.Errorf("trafilatura: %w", err)
	}
	return res.ContentText, nil
}

func lookupExtractor(name string) (extractor, bool) {
	e, ok := extractors[name]
	return e, ok
}

// ExtractorNames lists the extractors Extraction can score.
func ExtractorNames() []string {
	names := make([]string, 0, len(extractors))
	for n := range extractors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ExtractorSummary describes an extractor in one line.
func ExtractorSummary(name string) string { return extractors[name].summary }
