package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/report"
	"github.com/cner/veille/internal/store"
)

// totals is what the totals page and its CSV show: a year's clippings for
// a scope (all when empty), by outlet, entity and month, against the year
// before, as internal/report computes them for the CLI and the press
// report too (so that all agree).
type totals struct {
	Year      int
	Scope     string
	Stories   bool // syndicated copies of one story counted once
	Total     int
	Clippings int // when counting stories: the clippings behind them
	PrevTotal int
	Change    string // "+25 %", "−10 %", "stable", "" (nothing the year before)
	Sentence  string
	Outlets   []report.NamedCount
	Entities  []report.NamedCount
	Months    []monthCount
	Coverage  []string // what may be missing: outlets whose collection failed
}

type monthCount struct {
	Month time.Month
	Count int
	Prev  int
}

// computeTotals counts a year from the store, the source of truth.
func (s *Server) computeTotals(ctx context.Context, year int, scope string, stories bool) (*totals, error) {
	f := report.Year(year, s.loc)
	f.Scope, f.UniqueStories = scope, stories
	rt, err := s.reporter.Totals(ctx, f, report.Options{By: []string{report.ByOutlet, report.ByEntity, report.ByMonth},
		Coverage: true})
	if err != nil {
		return nil, err
	}
	pf := report.Year(year-1, s.loc)
	pf.Scope, pf.UniqueStories = scope, stories
	prev, err := s.reporter.Totals(ctx, pf, report.Options{By: []string{report.ByMonth}})
	if err != nil {
		return nil, err
	}
	t := &totals{Year: year, Scope: scope, Stories: stories, Total: rt.Total, Clippings: rt.Clippings,
		PrevTotal: prev.Total, Change: report.Change(prev.Total, rt.Total), Sentence: rt.Sentence,
		Outlets: rt.By(report.ByOutlet), Entities: rt.By(report.ByEntity), Months: make([]monthCount, 12)}
	if rt.Coverage != nil {
		t.Coverage = rt.Coverage.Notes
	}
	for i := range t.Months {
		t.Months[i].Month = time.Month(i + 1)
	}
	monthIndex := func(key string) int {
		m, err := time.Parse("2006-01", key)
		if err != nil {
			return -1
		}
		return int(m.Month()) - 1
	}
	for _, g := range rt.By(report.ByMonth) {
		if i := monthIndex(g.Key); i >= 0 {
			t.Months[i].Count = g.Count
		}
	}
	for _, g := range prev.By(report.ByMonth) {
		if i := monthIndex(g.Key); i >= 0 {
			t.Months[i].Prev = g.Count
		}
	}
	return t, nil
}

// bar is a row of a breakdown with its share of the largest row.
type bar struct {
	Key       string
	Name      string
	Count     int
	Max       int
	SearchURL string
}

type chartBar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type chartText struct {
	X, Y float64
	Text string
}

// chart is the SVG of mentions per month, this year against the year
// before, laid out here so that the template only places shapes.
type chart struct {
	W, H     float64
	Bars     []chartBar
	Ticks    []chartText // y-axis labels
	Grid     []float64   // y of the grid lines
	Months   []chartText
	Left     float64
	Right    float64
	Baseline float64
}

var monthAbbr = [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}

func buildChart(t *totals) chart {
	const (
		w, h        = 720.0, 260.0
		left, right = 40.0, 10.0
		top, bottom = 12.0, 28.0
	)
	c := chart{W: w, H: h, Left: left, Right: w - right, Baseline: h - bottom}
	peak := 1
	for _, m := range t.Months {
		peak = max(peak, m.Count, m.Prev)
	}
	step := niceStep(peak)
	ymax := int(math.Ceil(float64(peak)/float64(step))) * step
	plotH := h - top - bottom
	y := func(v int) float64 { return h - bottom - plotH*float64(v)/float64(ymax) }
	for v := 0; v <= ymax; v += step {
		c.Grid = append(c.Grid, y(v))
		c.Ticks = append(c.Ticks, chartText{X: left - 6, Y: y(v) + 4, Text: strconv.Itoa(v)})
	}
	group := (w - left - right) / 12
	bw := group * 0.34
	for i, m := range t.Months {
		x0 := left + group*float64(i) + group*0.13
		c.Bars = append(c.Bars,
			chartBar{X: x0, Y: y(m.Prev), W: bw, H: h - bottom - y(m.Prev), Class: "prev",
				Title: fmt.Sprintf("%s %d : %s", report.MonthFR(m.Month), t.Year-1, report.Retombees(m.Prev))},
			chartBar{X: x0 + bw + 2, Y: y(m.Count), W: bw, H: h - bottom - y(m.Count), Class: "cur",
				Title: fmt.Sprintf("%s %d : %s", report.MonthFR(m.Month), t.Year, report.Retombees(m.Count))})
		c.Months = append(c.Months, chartText{X: left + group*float64(i) + group/2, Y: h - 8, Text: monthAbbr[i]})
	}
	for i := range c.Bars {
		b := &c.Bars[i]
		b.X, b.Y, b.W, b.H = round1(b.X), round1(b.Y), round1(b.W), round1(b.H)
	}
	for i := range c.Months {
		c.Months[i].X = round1(c.Months[i].X)
	}
	for i := range c.Grid {
		c.Grid[i] = round1(c.Grid[i])
		c.Ticks[i].Y = round1(c.Ticks[i].Y)
	}
	return c
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// niceStep is a grid step of 1, 2 or 5 times a power of ten giving at most
// five lines up to peak.
func niceStep(peak int) int {
	for mag := 1; ; mag *= 10 {
		for _, m := range []int{1, 2, 5} {
			if peak <= 5*m*mag {
				return m * mag
			}
		}
	}
}

type totalsData struct {
	T        *totals
	Years    []int
	Scopes   []string
	Outlets  []bar
	Entities []bar
	Chart    chart
	Delta    string
	CSV      map[string]string
	Search   string
}

// readTotals reads ?year= and ?scope=; the default year is the current one,
// or the latest holding clippings when the current one holds none.
func (s *Server) readTotals(ctx context.Context, v url.Values) (year int, scope string, years []int, problem string, err error) {
	// The list of years holds every year with clippings, newest first.
	groups, err := s.st.CountBy(ctx, store.CountFilter{}, "year", s.loc)
	if err != nil {
		return 0, "", nil, "", err
	}
	current := s.now().In(s.loc).Year()
	seen := map[int]bool{}
	for i := len(groups) - 1; i >= 0; i-- {
		y, err := strconv.Atoi(groups[i].Key)
		if err == nil && groups[i].Count > 0 {
			years = append(years, y)
			seen[y] = true
		}
	}
	if !seen[current] {
		years = append([]int{current}, years...)
	}
	scope = strings.TrimSpace(v.Get("scope"))
	if scope != "" && !model.Scope(scope).Valid() {
		return 0, "", years, fmt.Sprintf("Portée inconnue : « %s ».", scope), nil
	}
	if ys := strings.TrimSpace(v.Get("year")); ys != "" {
		y, err := strconv.Atoi(ys)
		if err != nil || y < 1900 || y > 3000 {
			return 0, scope, years, fmt.Sprintf("Année incorrecte : « %s ».", ys), nil
		}
		return y, scope, years, "", nil
	}
	year = current
	if !seen[current] && len(years) > 1 {
		year = years[1]
	}
	return year, scope, years, "", nil
}

func (s *Server) totals(w http.ResponseWriter, r *http.Request, sess *session) {
	year, scope, years, problem, err := s.readTotals(r.Context(), r.URL.Query())
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	v := &view{Title: "Totaux", Nav: "totals", User: sess.User}
	data := &totalsData{Years: years, Scopes: scopeKeys()}
	v.Data = data
	if problem != "" {
		v.Error = problem
		data.T = &totals{Year: s.now().In(s.loc).Year()}
		s.render(w, r, http.StatusBadRequest, "totals", v)
		return
	}
	t, err := s.computeTotals(r.Context(), year, scope, r.URL.Query().Get("stories") == "1")
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data.T = t
	v.Title = fmt.Sprintf("Totaux %d", year)
	sp := searchParams{Year: strconv.Itoa(year), Scope: scope}
	data.Search = sp.URL("/search")
	top := 1
	for _, o := range t.Outlets {
		top = max(top, o.Count)
	}
	for _, o := range t.Outlets {
		data.Outlets = append(data.Outlets, bar{Key: o.Key, Name: o.Name, Count: o.Count, Max: top,
			SearchURL: sp.with("outlet", o.Key).URL("/search")})
	}
	top = 1
	for _, e := range t.Entities {
		top = max(top, e.Count)
	}
	for _, e := range t.Entities {
		data.Entities = append(data.Entities, bar{Key: e.Key, Name: e.Name, Count: e.Count, Max: top,
			SearchURL: sp.with("entity", e.Key).URL("/search")})
	}
	data.Chart = buildChart(t)
	data.Delta = delta(t)
	data.CSV = map[string]string{}
	for _, by := range []string{"outlet", "entity", "month"} {
		q := url.Values{"year": {strconv.Itoa(year)}, "by": {by}}
		if scope != "" {
			q.Set("scope", scope)
		}
		if t.Stories {
			q.Set("stories", "1")
		}
		data.CSV[by] = "/totals.csv?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "totals", v)
}

// delta compares a total with the year before's, in French.
func delta(t *totals) string {
	switch {
	case t.PrevTotal == 0 && t.Total == 0:
		return fmt.Sprintf("Aucune retombée non plus en %d.", t.Year-1)
	case t.PrevTotal == 0:
		return fmt.Sprintf("Aucune retombée en %d.", t.Year-1)
	case t.Change == "stable":
		return fmt.Sprintf("Stable par rapport à %d (%s).", t.Year-1, report.Retombees(t.PrevTotal))
	}
	return fmt.Sprintf("%s par rapport à %d (%s).", t.Change, t.Year-1, report.Retombees(t.PrevTotal))
}

func scopeKeys() []string {
	var out []string
	for _, sc := range model.Scopes() {
		out = append(out, string(sc))
	}
	return out
}

// totalsCSV exports a breakdown of the totals page: by outlet, entity or
// month (with the year before).
func (s *Server) totalsCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	year, scope, _, problem, err := s.readTotals(r.Context(), r.URL.Query())
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if problem != "" {
		s.renderError(w, r, sess, http.StatusBadRequest, problem)
		return
	}
	by := r.URL.Query().Get("by")
	if by == "" {
		by = "outlet"
	}
	if by != "outlet" && by != "entity" && by != "month" {
		s.renderError(w, r, sess, http.StatusBadRequest, fmt.Sprintf("Ventilation inconnue : « %s » (outlet, entity ou month).", by))
		return
	}
	t, err := s.computeTotals(r.Context(), year, scope, r.URL.Query().Get("stories") == "1")
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	name := fmt.Sprintf("totaux-%d", year)
	if scope != "" {
		name += "-" + scope
	}
	var (
		header []string
		rows   [][]string
	)
	switch by {
	case "outlet", "entity":
		list, label := t.Outlets, "titre de presse"
		if by == "entity" {
			list, label = t.Entities, "entité"
		}
		unit := "retombées"
		if t.Stories {
			unit = "sujets"
		}
		header = []string{"identifiant", label, unit}
		for _, g := range list {
			rows = append(rows, []string{g.Key, g.Name, strconv.Itoa(g.Count)})
		}
		if by == "outlet" {
			rows = append(rows, []string{"total", "Total", strconv.Itoa(t.Total)})
		}
	case "month":
		header = []string{"mois", strconv.Itoa(year), strconv.Itoa(year - 1)}
		for _, m := range t.Months {
			rows = append(rows, []string{fmt.Sprintf("%d-%02d", year, int(m.Month)), strconv.Itoa(m.Count), strconv.Itoa(m.Prev)})
		}
		rows = append(rows, []string{"total", strconv.Itoa(t.Total), strconv.Itoa(t.PrevTotal)})
	}
	writeCSV(w, name+"-"+map[string]string{"outlet": "titres", "entity": "entites", "month": "mois"}[by]+".csv", header, rows)
}
