package evaluate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/model"
)

// MatchCase is one labelled text of a matching corpus.
type MatchCase struct {
	ID        string
	File      string
	Line      int
	Doc       match.Doc
	Expect    []string // entity ids the text mentions
	Sidebar   string   // page furniture beside the article: never given to the matcher
	Note      string
	Published time.Time
}

// MatchScore counts (text, entity) pairs: a true positive is an expected
// entity found, a false positive an entity found but not expected, a false
// negative an expected entity missed.
type MatchScore struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (s *MatchScore) finish() {
	s.Precision, s.Recall = 1, 1
	if s.TP+s.FP > 0 {
		s.Precision = float64(s.TP) / float64(s.TP+s.FP)
	}
	if s.TP+s.FN > 0 {
		s.Recall = float64(s.TP) / float64(s.TP+s.FN)
	}
	s.F1 = f1(s.Precision, s.Recall)
}

// MatchError is one wrong verdict of the matcher on the corpus.
type MatchError struct {
	Case    string `json:"case"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Entity  string `json:"entity"`
	Kind    string `json:"kind"`
	Type    string `json:"type"`              // "fp" or "fn"
	Matched string `json:"matched,omitempty"` // what matched, for a false positive
	Why     string `json:"why,omitempty"`     // the matcher's verdicts on this entity
}

// MatchReport is the score of the matcher on a labelled corpus.
type MatchReport struct {
	Dir      string                `json:"dir"`
	Cases    int                   `json:"cases"`
	Negative int                   `json:"negative_cases"` // texts that mention no entity
	Overall  MatchScore            `json:"overall"`
	PerKind  map[string]MatchScore `json:"per_kind"`
	Errors   []MatchError          `json:"errors"`
	// MBPerSecond is the matcher's speed over the corpus (CPU time).
	MBPerSecond float64 `json:"mb_per_second"`
}

// Match scores the watch-list matcher built from entities on the labelled
// corpus in dir (every *.txt file; see ReadMatchCorpus for the format).
func Match(ctx context.Context, dir string, entities []config.Entity) (MatchReport, error) {
	rep := MatchReport{Dir: dir, PerKind: map[string]MatchScore{}}
	cases, err := ReadMatchCorpusDir(dir)
	if err != nil {
		return rep, err
	}
	m, err := match.New(entities)
	if err != nil {
		return rep, fmt.Errorf("evaluate: %w", err)
	}
	kinds := map[string]string{}
	for _, e := range entities {
		kinds[e.ID] = e.Kind
	}
	for _, c := range cases {
		for _, id := range c.Expect {
			if _, ok := kinds[id]; !ok {
				return rep, fmt.Errorf("evaluate: %s:%d: case %s expects %q, which is not in the watch list", c.File, c.Line, c.ID, id)
			}
		}
	}
	rep.Cases = len(cases)
	found := make([][]model.Mention, len(cases))
	bytes := 0
	sw := startWatch()
	for i, c := range cases {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("evaluate: %w", err)
		}
		found[i] = m.Match(c.Doc)
		bytes += len(c.Doc.Title) + len(c.Doc.Lead) + len(c.Doc.Body)
	}
	_, cpu := sw.elapsed()
	rep.MBPerSecond = perSecond(bytes, cpu) / 1e6

	perKind := map[string]*MatchScore{}
	score := func(kind string) *MatchScore {
		if perKind[kind] == nil {
			perKind[kind] = &MatchScore{}
		}
		return perKind[kind]
	}
	for i, c := range cases {
		if len(c.Expect) == 0 {
			rep.Negative++
		}
		want := map[string]bool{}
		for _, id := range c.Expect {
			want[id] = true
		}
		got := map[string]model.Mention{}
		for _, mm := range found[i] {
			got[mm.EntityID] = mm
		}
		for id, mm := range got {
			k := kinds[id]
			if want[id] {
				score(k).TP++
				rep.Overall.TP++
				continue
			}
			score(k).FP++
			rep.Overall.FP++
			rep.Errors = append(rep.Errors, MatchError{Case: c.ID, File: c.File, Line: c.Line, Entity: id, Kind: k,
				Type: "fp", Matched: mm.Matched, Why: why(m, c.Doc, id)})
		}
		for id := range want {
			if _, ok := got[id]; !ok {
				k := kinds[id]
				score(k).FN++
				rep.Overall.FN++
				rep.Errors = append(rep.Errors, MatchError{Case: c.ID, File: c.File, Line: c.Line, Entity: id, Kind: k,
					Type: "fn", Why: why(m, c.Doc, id)})
			}
		}
	}
	rep.Overall.finish()
	for k, s := range perKind {
		s.finish()
		rep.PerKind[k] = *s
	}
	sort.Slice(rep.Errors, func(i, j int) bool {
		a, b := rep.Errors[i], rep.Errors[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Entity < b.Entity
	})
	return rep, nil
}

// why sums up the matcher's verdicts on one entity in a document.
func why(m *match.Matcher, d match.Doc, entity string) string {
	var parts []string
	for _, x := range m.Explain(d) {
		if x.EntityID == entity {
			parts = append(parts, fmt.Sprintf("%q: %s", x.Matched, x.Detail))
		}
	}
	if len(parts) == 0 {
		return "aucune occurrence candidate"
	}
	return strings.Join(parts, " ; ")
}

// ReadMatchCorpusDir reads every *.txt file of dir, in name order.
func ReadMatchCorpusDir(dir string) ([]MatchCase, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("evaluate: %s: no *.txt corpus file", dir)
	}
	sort.Strings(files)
	var all []MatchCase
	ids := map[string]string{}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		cases, err := ReadMatchCorpus(f, filepath.Base(path))
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			if prev, dup := ids[c.ID]; dup {
				return nil, fmt.Errorf("evaluate: %s:%d: case id %q already used in %s", c.File, c.Line, c.ID, prev)
			}
			ids[c.ID] = c.File
		}
		all = append(all, cases...)
	}
	return all, nil
}

// ReadMatchCorpus reads a labelled matching corpus. Each case opens with
// "=== ID"; header lines "key: value" follow (title, lead, date as
// YYYY-MM-DD, expect: entity ids separated by spaces or commas, or "-"
// for none, sidebar: text beside the article that the matcher must not
// see, note), then "body:" and the body up to the next case. Lines
// starting with "#" outside a body are comments.
func ReadMatchCorpus(r io.Reader, name string) ([]MatchCase, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	var (
		out    []MatchCase
		cur    *MatchCase
		inBody bool
		body   []string
		expect bool
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		if !expect {
			return fmt.Errorf("evaluate: %s:%d: case %s has no expect: line", name, cur.Line, cur.ID)
		}
		cur.Doc.Body = strings.TrimSpace(strings.Join(body, "\n"))
		out = append(out, *cur)
		return nil
	}
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "=== "); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			cur = &MatchCase{ID: strings.TrimSpace(id), File: name, Line: n}
			inBody, body, expect = false, nil, false
			continue
		}
		if inBody {
			body = append(body, line)
			continue
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("evaluate: %s:%d: text before the first \"=== ID\" line", name, n)
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("evaluate: %s:%d: expected \"key: value\" or \"body:\"", name, n)
		}
		value = strings.TrimSpace(value)
		switch strings.TrimSpace(key) {
		case "title":
			cur.Doc.Title = value
		case "lead":
			cur.Doc.Lead = value
		case "date":
			t, err := time.Parse("2006-01-02", value)
			if err != nil {
				return nil, fmt.Errorf("evaluate: %s:%d: date: %w", name, n, err)
			}
			cur.Doc.Published, cur.Published = t, t
		case "expect":
			expect = true
			if value != "-" {
				cur.Expect = strings.FieldsFunc(value, func(r rune) bool { return r == ' ' || r == ',' })
			}
		case "sidebar":
			cur.Sidebar = value
		case "note":
			cur.Note = value
		case "body":
			inBody = true
			if value != "" {
				body = append(body, value)
			}
		default:
			return nil, fmt.Errorf("evaluate: %s:%d: unknown key %q (title, lead, date, expect, sidebar, note, body)", name, n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("evaluate: %s: %w", name, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}
