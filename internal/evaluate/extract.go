package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// ExtractionOptions tunes an extraction run.
type ExtractionOptions struct {
	// Extractor names the extractor to score (see Extractors); empty means
	// "veille".
	Extractor string
	// Limit, when positive, scores only the first Limit pages (by id).
	Limit int
	// Worst, when positive, lists the Worst pages by F1 on the writer.
	Worst int
}

// ExtractionReport is the score of one extractor on the article-extraction
// benchmark, with its speed measured against a bare goquery parse of the
// same pages in the same run.
type ExtractionReport struct {
	Extractor      string  `json:"extractor"`
	Pages          int     `json:"pages"`
	Errors         int     `json:"errors"`
	Precision      float64 `json:"precision"`
	Recall         float64 `json:"recall"`
	F1             float64 `json:"f1"`
	Seconds        float64 `json:"seconds"` // wall time of the extraction phase
	PagesPerSecond float64 `json:"pages_per_second"`
	CPUSeconds     float64 `json:"cpu_seconds"`       // CPU time of the extraction phase
	ParseCPU       float64 `json:"parse_cpu_seconds"` // CPU time of a bare goquery parse of the same pages
	CPURatio       float64 `json:"cpu_ratio"`         // CPUSeconds / ParseCPU
}

// benchPage is one page of the article-extraction benchmark.
type benchPage struct {
	id, url string
	html    []byte
	truth   string
}

// loadArticlePages reads the benchmark: ground-truth.json and html/<id>.html.gz.
func loadArticlePages(ctx context.Context, dir string, limit int) ([]benchPage, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	var gt map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &gt); err != nil {
		return nil, fmt.Errorf("evaluate: ground-truth.json: %w", err)
	}
	ids := make([]string, 0, len(gt))
	for id := range gt {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	pages := make([]benchPage, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		body, err := readMaybeGzip(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		pages = append(pages, benchPage{id: id, url: gt[id].URL, html: body, truth: gt[id].ArticleBody})
	}
	return pages, nil
}

// Extraction scores an extractor on the article-extraction benchmark in dir
// (the folder holding ground-truth.json and html/) with the benchmark's own
// measure: 4-token shingles, precision and recall per page averaged over
// pages, F1 of the averages. Per-page details go to w when opt.Worst > 0.
func Extraction(ctx context.Context, dir string, w io.Writer, opt ExtractionOptions) (ExtractionReport, error) {
	name := opt.Extractor
	if name == "" {
		name = "veille"
	}
	ex, ok := lookupExtractor(name)
	if !ok {
		return ExtractionReport{}, fmt.Errorf("evaluate: unknown extractor %q (known: %s)", name, strings.Join(ExtractorNames(), ", "))
	}
	pages, err := loadArticlePages(ctx, dir, opt.Limit)
	if err != nil {
		return ExtractionReport{}, err
	}
	rep := ExtractionReport{Extractor: name, Pages: len(pages)}

	htmls := make([][]byte, len(pages))
	for i, p := range pages {
		htmls[i] = p.html
	}
	outputs := make([]string, len(pages))
	tm, err := timeAgainstParse(ctx, htmls, func(i int) {
		out, err := ex.text(pages[i].html, pages[i].url)
		if err != nil {
			rep.Errors++
			return
		}
		outputs[i] = out
	})
	if err != nil {
		return rep, err
	}
	wall, cpu, parseCPU := tm.wall, tm.cpu, tm.parseCPU

	type scored struct {
		id   string
		p, r float64
	}
	all := make([]scored, len(pages))
	var sumP, sumR float64
	for i, p := range pages {
		pr, rc := ShinglePR(p.truth, outputs[i])
		sumP += pr
		sumR += rc
		all[i] = scored{p.id, pr, rc}
	}
	if n := float64(len(pages)); n > 0 {
		rep.Precision = sumP / n
		rep.Recall = sumR / n
		rep.F1 = f1(rep.Precision, rep.Recall)
	}
	rep.Seconds = wall.Seconds()
	rep.PagesPerSecond = perSecond(len(pages), wall)
	rep.CPUSeconds = cpu.Seconds()
	rep.ParseCPU = parseCPU.Seconds()
	rep.CPURatio = ratio(cpu, parseCPU)

	if opt.Worst > 0 && w != nil {
		sort.Slice(all, func(i, j int) bool { return f1(all[i].p, all[i].r) < f1(all[j].p, all[j].r) })
		for _, s := range all[:min(opt.Worst, len(all))] {
			fmt.Fprintf(w, "%s\tP=%.3f\tR=%.3f\tF1=%.3f\n", s.id, s.p, s.r, f1(s.p, s.r))
		}
	}
	return rep, nil
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// ShinglePR is the benchmark's per-page measure: both texts become
// multisets of 4-token shingles (tokens are runs of word characters);
// precision = tp/(tp+fp), recall = tp/(tp+fn). A text of fewer than 4
// tokens is one shorter shingle; two texts without tokens score 1.
func ShinglePR(truth, pred string) (precision, recall float64) {
	t := shingles(truth)
	p := shingles(pred)
	tp, fp, fn := 0, 0, 0
	for k, c := range p {
		m := t[k]
		tp += min(c, m)
		if c > m {
			fp += c - m
		}
	}
	for k, c := range t {
		if m := p[k]; c > m {
			fn += c - m
		}
	}
	if tp+fp == 0 {
		precision = 0
	} else {
		precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn == 0 {
		recall = 0
	} else {
		recall = float64(tp) / float64(tp+fn)
	}
	return precision, recall
}

const shingleSize = 4

func shingles(s string) map[string]int {
	toks := wordTokens(s)
	out := make(map[string]int, len(toks))
	n := len(toks) - shingleSize + 1
	if n < 1 {
		out[strings.Join(toks, "\x00")]++
		return out
	}
	for i := 0; i < n; i++ {
		out[strings.Join(toks[i:i+shingleSize], "\x00")]++
	}
	return out
}

// wordTokens splits s into runs of word characters (letters, numbers,
// underscore), as Python's \w+ does.
func wordTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r))
	})
}
