package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cner/veille/internal/charset"
)

// DatesOptions tunes a date run.
type DatesOptions struct {
	// Extractor names the date extractor (see DateExtractorNames); empty
	// means "veille".
	Extractor string
	// Limit, when positive, scores only the first Limit pages (by URL).
	Limit int
	// Errors, when true, lists every page whose date is missing or wrong
	// on the writer, one a line: URL, want=, got=, source= (the rule
	// that gave the date, for veille) and set= (the subset's file).
	Errors bool
	// Now is the reference time (dates after it are refused); zero means
	// time.Now().
	Now time.Time
}

// DatesReport is the score of a date extractor on htmldate's set, with the
// speed measured against a bare goquery parse of the same pages in the same
// run.
type DatesReport struct {
	Extractor      string  `json:"extractor"`
	Pages          int     `json:"pages"`
	TP             int     `json:"tp"` // the right day
	FP             int     `json:"fp"` // a wrong day
	FN             int     `json:"fn"` // no date
	Precision      float64 `json:"precision"`
	Recall         float64 `json:"recall"`
	Accuracy       float64 `json:"accuracy"`
	F              float64 `json:"f"`
	Seconds        float64 `json:"seconds"`
	PagesPerSecond float64 `json:"pages_per_second"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	ParseCPU       float64 `json:"parse_cpu_seconds"`
	CPURatio       float64 `json:"cpu_ratio"`
	// Subsets scores each file of the set on its own (eval_default.json,
	// eval_mediacloud_2020.json): a rule that helps one and hurts the other
	// is fitted to pages, not to the web.
	Subsets []DatesSubset `json:"subsets"`
}

// DatesSubset is the score of one file of the dates set.
type DatesSubset struct {
	Name     string  `json:"name"`
	Pages    int     `json:"pages"`
	TP       int     `json:"tp"`
	FP       int     `json:"fp"`
	FN       int     `json:"fn"`
	Accuracy float64 `json:"accuracy"`
}

// dateSets are the files of htmldate's set, in the order they are reported.
var dateSets = []string{"eval_default.json", "eval_mediacloud_2020.json"}

// datePage is one page of the dates set.
type datePage struct {
	url, want string
	set       string // the file that names the page
	html      []byte
}

// loadDatePages reads tests/eval_default.json and
// tests/eval_mediacloud_2020.json and the pages they name, decoded to UTF-8
// by internal/charset as the crawler would.
func loadDatePages(ctx context.Context, dir string, limit int) ([]datePage, error) {
	type entry struct {
		File string `json:"file"`
		Date string `json:"date"`
	}
	type setEntry struct {
		entry
		set string
	}
	all := map[string]setEntry{}
	for _, name := range dateSets {
		raw, err := os.ReadFile(filepath.Join(dir, "tests", name))
		if err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		// The mediacloud file writes NaN for pages without a date: read
		// them as an empty date (never a true positive, as in htmldate's
		// own comparison, where NaN equals nothing).
		raw = bytes.ReplaceAll(raw, []byte(": NaN"), []byte(": null"))
		var m map[string]entry
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("evaluate: %s: %w", name, err)
		}
		for k, v := range m {
			all[k] = setEntry{entry: v, set: name}
		}
	}
	urls := make([]string, 0, len(all))
	for u := range all {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	if limit > 0 && len(urls) > limit {
		urls = urls[:limit]
	}
	pages := make([]datePage, 0, len(urls))
	for _, u := range urls {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		e := all[u]
		var raw []byte
		var err error
		for _, sub := range []string{"test_set", "cache", "eval"} {
			raw, err = readMaybeGzip(filepath.Join(dir, "tests", sub, e.File+".gz"))
			if err == nil {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("evaluate: page of %s: %w", u, err)
		}
		body, _, err := charset.ToUTF8(raw, "")
		if err != nil {
			return nil, fmt.Errorf("evaluate: %s: %w", u, err)
		}
		pages = append(pages, datePage{url: u, want: strings.TrimSpace(e.Date), set: e.set, html: body})
	}
	return pages, nil
}

// Dates scores a date extractor on htmldate's evaluation set in dir (the
// folder holding tests/), with htmldate's measure at day level: no date is
// a false negative, the right day a true positive, a wrong day a false
// positive; accuracy = tp/pages.
func Dates(ctx context.Context, dir string, w io.Writer, opt DatesOptions) (DatesReport, error) {
	name := opt.Extractor
	if name == "" {
		name = "veille"
	}
	ex, ok := dateExtractors[name]
	if !ok {
		return DatesReport{}, fmt.Errorf("evaluate: unknown date extractor %q (known: %s)", name, strings.Join(DateExtractorNames(), ", "))
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	pages, err := loadDatePages(ctx, dir, opt.Limit)
	if err != nil {
		return DatesReport{}, err
	}
	rep := DatesReport{Extractor: name, Pages: len(pages)}
	htmls := make([][]byte, len(pages))
	for i, p := range pages {
		htmls[i] = p.html
	}
	got := make([]string, len(pages))
	src := make([]string, len(pages))
	tm, err := timeAgainstParse(ctx, htmls, func(i int) {
		got[i], src[i] = ex.day(pages[i].html, pages[i].url, now)
	})
	if err != nil {
		return rep, err
	}
	wall, cpu, parseCPU := tm.wall, tm.cpu, tm.parseCPU
	subsets := make(map[string]*DatesSubset, len(dateSets))
	for _, name := range dateSets {
		subsets[name] = &DatesSubset{Name: name}
	}
	for i, p := range pages {
		sub := subsets[p.set]
		sub.Pages++
		switch {
		case got[i] == "":
			rep.FN++
			sub.FN++
		case got[i] == p.want && p.want != "":
			rep.TP++
			sub.TP++
		default:
			rep.FP++
			sub.FP++
		}
		if opt.Errors && w != nil && got[i] != p.want {
			fmt.Fprintf(w, "%s\twant=%s\tgot=%s\tsource=%s\tset=%s\n", p.url, p.want, got[i], src[i], p.set)
		}
	}
	for _, name := range dateSets {
		sub := subsets[name]
		if sub.Pages == 0 {
			continue
		}
		sub.Accuracy = float64(sub.TP) / float64(sub.Pages)
		rep.Subsets = append(rep.Subsets, *sub)
	}
	if rep.TP+rep.FP > 0 {
		rep.Precision = float64(rep.TP) / float64(rep.TP+rep.FP)
	}
	if rep.TP+rep.FN > 0 {
		rep.Recall = float64(rep.TP) / float64(rep.TP+rep.FN)
	}
	if rep.Pages > 0 {
		rep.Accuracy = float64(rep.TP) / float64(rep.Pages)
	}
	if d := 2*rep.TP + rep.FP + rep.FN; d > 0 {
		rep.F = float64(2*rep.TP) / float64(d)
	}
	rep.Seconds = wall.Seconds()
	rep.PagesPerSecond = perSecond(len(pages), wall)
	rep.CPUSeconds = cpu.Seconds()
	rep.ParseCPU = parseCPU.Seconds()
	rep.CPURatio = ratio(cpu, parseCPU)
	return rep, nil
}
