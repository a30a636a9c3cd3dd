package report

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// Filter is what a count, a report or the web's totals page covers.
type Filter struct {
	From, To time.Time // [From, To); zero: unbounded
	Scope    string
	Outlet   string
	Entity   string
	Kind     string
	// UniqueStories counts syndicated copies of one story once (see
	// Stories): every total and breakdown is then over stories, each
	// represented by its first clipping.
	UniqueStories bool
}

// Year is the filter of a calendar year in loc.
func Year(y int, loc *time.Location) Filter {
	return Filter{From: time.Date(y, 1, 1, 0, 0, 0, 0, loc), To: time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)}
}

func (f Filter) store() store.CountFilter {
	return store.CountFilter{From: f.From, To: f.To, Scope: f.Scope, OutletID: f.Outlet, EntityID: f.Entity, Kind: f.Kind}
}

// Breakdowns.
const (
	ByOutlet = store.ByOutlet
	ByEntity = store.ByEntity
	ByMonth  = store.ByMonth
	ByScope  = store.ByScope
	ByKind   = store.ByKind
	ByYear   = store.ByYear
)

// Breakdowns lists every breakdown.
func Breakdowns() []string { return []string{ByOutlet, ByEntity, ByMonth, ByScope, ByKind, ByYear} }

// Options say what Totals computes besides the total and the outlets.
type Options struct {
	By       []string // breakdowns (outlets are always computed); nil: outlet, entity, month (when bounded), scope, kind
	Previous bool     // the same period a year earlier
	Coverage bool     // the outlets whose collection failed
}

// Totals answers a count. The CLI (veille count), the press report and the
// web's totals page all compute it with Reporter.Totals, so they agree.
type Totals struct {
	Period string `json:"period"` // "en 2021"
	Filter Filter `json:"-"`
	Total  int    `json:"total"`
	// Clippings is the number of clippings when counting stories.
	Clippings int                     `json:"clippings,omitempty"`
	Groups    map[string][]NamedCount `json:"groups"` // by breakdown
	Previous  *Previous               `json:"previous,omitempty"`
	Coverage  *Coverage               `json:"coverage,omitempty"`
	Sentence  string                  `json:"sentence"`
}

// By returns a breakdown computed (nil if not asked for).
func (t *Totals) By(by string) []NamedCount { return t.Groups[by] }

// Previous is the same count a year earlier.
type Previous struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Period string    `json:"period"`
	Total  int       `json:"total"`
	// Change is the evolution in French: "+25 %", "−10 %", "stable", or ""
	// when the previous total is 0.
	Change string `json:"change"`
}

// Coverage lists what may be missing from a count.
type Coverage struct {
	Gaps []Gap `json:"gaps"`
	// KnownFrom is when veille's poll history starts; before it, coverage
	// is unknown. Zero when nothing was ever polled.
	KnownFrom time.Time `json:"known_from,omitzero"`
	// Notes are the lines shown under a total, in French.
	Notes []string `json:"notes"`
}

// Gap is a stretch in which an outlet's collection failed (Outlet empty:
// every outlet, veille was not polling).
type Gap struct {
	store.Gap
	OutletName string `json:"outlet_name,omitempty"`
}

// Reporter computes totals and press books over a store.
type Reporter struct {
	st       *store.Store
	loc      *time.Location
	entities map[string]config.Entity
	now      func() time.Time
}

// New returns a reporter. entities name the watched entities (the
// configuration's Entities()); loc is the zone of months and years.
func New(st *store.Store, entities []config.Entity, loc *time.Location) *Reporter {
	if loc == nil {
		loc = time.UTC
	}
	m := make(map[string]config.Entity, len(entities))
	for _, e := range entities {
		m[e.ID] = e
	}
	return &Reporter{st: st, loc: loc, entities: m, now: time.Now}
}

// SetNow replaces the clock (tests).
func (r *Reporter) SetNow(now func() time.Time) { r.now = now }

// Location is the zone of months and years.
func (r *Reporter) Location() *time.Location { return r.loc }

// Totals counts the clippings of f: the total, the breakdowns asked for,
// the sentence of the activity report, and optionally the previous year
// and the coverage.
func (r *Reporter) Totals(ctx context.Context, f Filter, opt Options) (*Totals, error) {
	by := opt.By
	if by == nil {
		by = []string{ByOutlet, ByEntity, ByScope, ByKind}
		if !f.From.IsZero() && !f.To.IsZero() {
			by = append(by, ByMonth)
		}
	}
	if !contains(by, ByOutlet) {
		by = append([]string{ByOutlet}, by...)
	}
	for _, b := range by {
		if !contains(Breakdowns(), b) {
			return nil, fmt.Errorf("report: breakdown %q: not one of %s", b, strings.Join(Breakdowns(), ", "))
		}
		if b == ByMonth && (f.From.IsZero() || f.To.IsZero()) {
			return nil, fmt.Errorf("report: a breakdown by month needs a bounded period")
		}
	}
	names, err := r.st.OutletNames(ctx)
	if err != nil {
		return nil, err
	}
	t := &Totals{Filter: f, Period: Period(f.From, f.To, r.loc), Groups: map[string][]NamedCount{}}
	if f.UniqueStories {
		if err := r.storyTotals(ctx, f, by, names, t); err != nil {
			return nil, err
		}
	} else {
		if err := r.st.EnsureCounts(ctx, r.loc); err != nil {
			return nil, err
		}
		if t.Total, err = r.st.Count(ctx, f.store()); err != nil {
			return nil, err
		}
		for _, b := range by {
			groups, err := r.st.CountBy(ctx, f.store(), b, r.loc)
			if err != nil {
				return nil, err
			}
			t.Groups[b] = r.named(b, groups, names)
		}
	}
	if opt.Previous && !f.From.IsZero() && !f.To.IsZero() {
		p := f
		p.From, p.To = f.From.AddDate(-1, 0, 0), f.To.AddDate(-1, 0, 0)
		pt, err := r.Totals(ctx, p, Options{By: []string{ByOutlet}})
		if err != nil {
			return nil, err
		}
		t.Previous = &Previous{From: p.From, To: p.To, Period: pt.Period, Total: pt.Total, Change: Change(pt.Total, t.Total)}
	}
	if opt.Coverage {
		c, err := r.coverage(ctx, f, names)
		if err != nil {
			return nil, err
		}
		t.Coverage = c
	}
	t.Sentence = r.sentence(t)
	return t, nil
}

// storyTotals counts stories: the clippings of f grouped into stories, each
// counted once, as its first clipping.
func (r *Reporter) storyTotals(ctx context.Context, f Filter, by []string, names map[string]string, t *Totals) error {
	stubs, err := r.st.ClippingStubs(ctx, f.store(), contains(by, ByEntity) || contains(by, ByKind))
	if err != nil {
		return err
	}
	rep := Stories(stubs)
	counts := map[string]map[string]int{}
	for _, b := range by {
		counts[b] = map[string]int{}
	}
	for i, s := range stubs {
		if rep[i] != i {
			continue
		}
		t.Total++
		for _, b := range by {
			for _, k := range stubKeys(s, b, f, r.loc) {
				counts[b][k]++
			}
		}
	}
	t.Clippings = len(stubs)
	for _, b := range by {
		t.Groups[b] = r.named(b, ordered(counts[b], b, f, r.loc), names)
	}
	return nil
}

// stubKeys are the groups of a breakdown a clipping counts in, with the
// same meaning as the store's breakdowns.
func stubKeys(s store.Stub, by string, f Filter, loc *time.Location) []string {
	switch by {
	case ByOutlet:
		return []string{s.OutletID}
	case ByScope:
		return []string{s.Scope}
	case ByMonth:
		return []string{s.Date.In(loc).Format("2006-01")}
	case ByYear:
		return []string{strconv.Itoa(s.Date.In(loc).Year())}
	}
	seen := map[string]bool{}
	var keys []string
	for _, e := range s.Entities {
		if (f.Entity != "" && e.ID != f.Entity) || (f.Kind != "" && e.Kind != f.Kind) {
			continue
		}
		k := e.ID
		if by == ByKind {
			k = e.Kind
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// ordered orders a breakdown as the store does.
func ordered(m map[string]int, by string, f Filter, loc *time.Location) []store.Group {
	var out []store.Group
	switch by {
	case ByMonth:
		y, mo, _ := f.From.In(loc).Date()
		for start := time.Date(y, mo, 1, 0, 0, 0, 0, loc); start.Before(f.To); start = start.AddDate(0, 1, 0) {
			k := start.Format("2006-01")
			out = append(out, store.Group{Key: k, Count: m[k]})
		}
		return out
	case ByYear:
		var years []int
		for k := range m {
			if y, err := strconv.Atoi(k); err == nil {
				years = append(years, y)
			}
		}
		if len(years) == 0 {
			return nil
		}
		sort.Ints(years)
		lo, hi := years[0], years[len(years)-1]
		if !f.From.IsZero() {
			lo = f.From.In(loc).Year()
		}
		if !f.To.IsZero() {
			hi = f.To.Add(-time.Nanosecond).In(loc).Year()
		}
		for y := lo; y <= hi; y++ {
			out = append(out, store.Group{Key: strconv.Itoa(y), Count: m[strconv.Itoa(y)]})
		}
		return out
	}
	for k, n := range m {
		out = append(out, store.Group{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func (r *Reporter) coverage(ctx context.Context, f Filter, names map[string]string) (*Coverage, error) {
	now := r.now()
	if !f.From.IsZero() && !f.From.Before(now) {
		return &Coverage{Gaps: []Gap{}, Notes: []string{}}, nil
	}
	cov, err := r.st.Coverage(ctx, store.CoverageFilter{From: f.From, To: f.To, Scope: f.Scope, OutletID: f.Outlet}, now)
	if err != nil {
		return nil, err
	}
	c := &Coverage{KnownFrom: cov.KnownFrom, Gaps: []Gap{}, Notes: []string{}}
	for _, g := range cov.Gaps {
		c.Gaps = append(c.Gaps, Gap{Gap: g, OutletName: nameOr(names[g.OutletID], g.OutletID)})
	}
	switch {
	case cov.KnownFrom.IsZero():
		c.Notes = append(c.Notes, "Couverture inconnue : aucune collecte n'est enregistrée.")
	case f.From.IsZero() || f.From.Before(cov.KnownFrom):
		c.Notes = append(c.Notes, fmt.Sprintf("Couverture inconnue avant le %s (début de la collecte suivie).",
			DateFR(cov.KnownFrom.In(r.loc))))
	}
	for _, g := range c.Gaps {
		c.Notes = append(c.Notes, r.gapLine(g))
	}
	return c, nil
}

// gapLine describes a gap in French.
func (r *Reporter) gapLine(g Gap) string {
	span := "du " + dayTime(g.From.In(r.loc)) + " au " + dayTime(g.To.In(r.loc))
	if g.Ongoing {
		span = "depuis le " + dayTime(g.From.In(r.loc)) + " (toujours en échec)"
	}
	if g.OutletID == "" {
		return "Collecte arrêtée pour tous les titres " + span + "."
	}
	line := fmt.Sprintf("%s : collecte en échec %s", g.OutletName, span)
	if g.Failures > 0 {
		line += fmt.Sprintf(" (%d %s", g.Failures, plural(g.Failures, "tentative échouée", "tentatives échouées"))
		if g.LastError != "" {
			line += ", dernière erreur : " + truncate(g.LastError, 120)
		}
		line += ")"
	}
	return line + "."
}

func dayTime(t time.Time) string { return DateFR(t) + " à " + t.Format("15h04") }

func plural(n int, one, many string) string {
	if n <= 1 {
		return one
	}
	return many
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func nameOr(name, key string) string {
	if name == "" {
		return key
	}
	return name
}

// Change is the evolution from before to now in French: "+25 %", "−10 %",
// "stable", or "" when before is 0.
func Change(before, now int) string {
	if before == 0 {
		return ""
	}
	pct := float64(now-before) * 100 / float64(before)
	switch {
	case pct >= 0.5:
		return fmt.Sprintf("+%.0f %%", pct)
	case pct <= -0.5:
		return fmt.Sprintf("−%.0f %%", -pct)
	}
	return "stable"
}

// sentence is the activity-report sentence of t.
func (r *Reporter) sentence(t *Totals) string {
	f := t.Filter
	var b strings.Builder
	if f.UniqueStories {
		fmt.Fprintf(&b, "%d %s (%s)", t.Total, plural(t.Total, "sujet", "sujets distincts"), Retombees(t.Clippings))
	} else {
		b.WriteString(Retombees(t.Total))
	}
	b.WriteString(" ")
	b.WriteString(ScopePhrase(f.Scope))
	b.WriteString(" ")
	b.WriteString(t.Period)
	switch {
	case f.Entity != "":
		b.WriteString(" mentionnant " + r.EntityName(f.Entity))
	case f.Kind != "":
		b.WriteString(" mentionnant " + kindPhrase(f.Kind))
	}
	if f.Outlet != "" {
		if o := t.By(ByOutlet); len(o) > 0 {
			b.WriteString(" dans " + o[0].Name)
		}
		b.WriteString(".")
		return b.String()
	}
	outlets := t.By(ByOutlet)
	if len(outlets) == 0 {
		b.WriteString(".")
		return b.String()
	}
	b.WriteString(" : ")
	for i, o := range outlets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d)", o.Name, o.Count)
	}
	b.WriteString(".")
	return b.String()
}

// EntityName is the name of a watched entity (its id when unknown).
func (r *Reporter) EntityName(id string) string {
	if e, ok := r.entities[id]; ok && e.Name != "" {
		return e.Name
	}
	return id
}

// named gives breakdown keys the names people read.
func (r *Reporter) named(by string, groups []store.Group, outlets map[string]string) []NamedCount {
	out := make([]NamedCount, 0, len(groups))
	for _, g := range groups {
		out = append(out, NamedCount{Key: g.Key, Name: r.Label(by, g.Key, outlets), Count: g.Count})
	}
	return out
}

// Label is the name people read for a key of a breakdown.
func (r *Reporter) Label(by, key string, outlets map[string]string) string {
	var n string
	switch by {
	case ByOutlet:
		n = outlets[key]
	case ByEntity:
		n = r.EntityName(key)
	case ByScope:
		n = model.Scope(key).Label()
		if !model.Scope(key).Valid() {
			n = ""
		}
	case ByKind:
		n = KindLabel(key)
	case ByMonth:
		if t, err := time.Parse("2006-01", key); err == nil {
			n = MonthFR(t.Month()) + " " + strconv.Itoa(t.Year())
		}
	}
	return nameOr(n, key)
}

// KindLabel is the French name of an entity kind, as a group.
func KindLabel(k string) string { return model.EntityKind(k).Label() }

func kindPhrase(k string) string {
	switch k {
	case "federation":
		return "la fédération"
	case "member":
		return "une agence membre"
	case "brand":
		return "une marque"
	case "event":
		return "un événement"
	case "person":
		return "une personnalité"
	}
	return k
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
