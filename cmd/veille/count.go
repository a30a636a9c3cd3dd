package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/report"
	"github.com/cner/veille/internal/store"
)

func countCmd() command {
	return command{
		name:    "count",
		summary: "compte les retombées d'une période (la phrase du rapport d'activité)",
		usage: "count [--year 2021 | --from DATE --to DATE] [--scope national] [--outlet ID] [--entity ID] [--kind KIND] " +
			"[--by outlet|entity|month|scope|kind|year] [--unique-stories] [--json|--csv]",
		run: runCount,
	}
}

// countResult is the JSON of veille count: a contract for scripts.
type countResult struct {
	Year     int                 `json:"year,omitempty"`
	From     string              `json:"from,omitempty"`
	To       string              `json:"to,omitempty"`
	Scope    string              `json:"scope,omitempty"`
	Outlet   string              `json:"outlet,omitempty"`
	Entity   string              `json:"entity,omitempty"`
	Kind     string              `json:"kind,omitempty"`
	Total    int                 `json:"total"`
	By       string              `json:"by"`
	Groups   []report.NamedCount `json:"groups"`
	Outlets  []report.NamedCount `json:"outlets"`
	Sentence string              `json:"sentence"`
	// UniqueStories: totals count stories, Clippings the clippings.
	UniqueStories bool             `json:"unique_stories,omitempty"`
	Clippings     int              `json:"clippings,omitempty"`
	Previous      *report.Previous `json:"previous,omitempty"`
	Coverage      *report.Coverage `json:"coverage,omitempty"`
}

// parseDay reads YYYY-MM-DD (or YYYY-MM, YYYY) in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q n'est pas une date (AAAA-MM-JJ)", s)
}

// periodFlags resolves --year / --from / --to into [from, to). --to is
// inclusive for people: --to 2021-12-31 counts that day.
func periodFlags(year int, fromS, toS string, loc *time.Location) (from, to time.Time, err error) {
	if year != 0 {
		if fromS != "" || toS != "" {
			return from, to, usagef("--year et --from/--to s'excluent")
		}
		if year < 1900 || year > 2199 {
			return from, to, usagef("--year %d : année invalide", year)
		}
		return time.Date(year, 1, 1, 0, 0, 0, 0, loc), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc), nil
	}
	if fromS != "" {
		if from, err = parseDay(fromS, loc); err != nil {
			return from, to, usagef("--from : %v", err)
		}
	}
	if toS != "" {
		t, err := parseDay(toS, loc)
		if err != nil {
			return from, to, usagef("--to : %v", err)
		}
		switch len(toS) {
		case 4:
			to = t.AddDate(1, 0, 0)
		case 7:
			to = t.AddDate(0, 1, 0)
		default:
			to = t.AddDate(0, 0, 1)
		}
	}
	for _, t := range []time.Time{from, to} {
		if !t.IsZero() && (t.Year() < 1900 || t.Year() > 2200) {
			return from, to, usagef("date hors de 1900–2199 : %s", t.Format("2006-01-02"))
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, usagef("--from est postérieur à --to")
	}
	return from, to, nil
}

// filterFlags are the flags count and report share.
type filterFlags struct {
	year                        *int
	from, to                    *string
	scope, outlet, entity, kind *string
	unique                      *bool
}

func addFilterFlags(fs *flag.FlagSet) filterFlags {
	return filterFlags{
		year:   fs.Int("year", 0, "année civile (dans le fuseau configuré)"),
		from:   fs.String("from", "", "début de période (AAAA-MM-JJ, inclus)"),
		to:     fs.String("to", "", "fin de période (AAAA-MM-JJ, inclus)"),
		scope:  fs.String("scope", "", "national, regional, trade, international ou institutional"),
		outlet: fs.String("outlet", "", "identifiant d'un titre de presse"),
		entity: fs.String("entity", "", "identifiant d'une entité suivie"),
		kind:   fs.String("kind", "", "federation, member, brand, event ou person"),
		unique: fs.Bool("unique-stories", false, "compte une seule fois les reprises d'un même sujet (dépêches, communiqués)"),
	}
}

// filter checks the flags against the configuration and returns the
// report's filter.
func (ff filterFlags) filter(cfg *config.Config) (report.Filter, error) {
	var f report.Filter
	if *ff.scope != "" && !validScope(*ff.scope) {
		return f, usagef("--scope %q : national, regional, trade, international ou institutional", *ff.scope)
	}
	if *ff.kind != "" && !model.EntityKind(*ff.kind).Valid() {
		return f, usagef("--kind %q : federation, member, brand, event ou person", *ff.kind)
	}
	if *ff.entity != "" {
		if _, ok := cfg.Entity(*ff.entity); !ok {
			return f, usagef("--entity %q : entité inconnue de la liste de veille (veille config show les liste)", *ff.entity)
		}
	}
	from, to, err := periodFlags(*ff.year, *ff.from, *ff.to, cfg.Location())
	if err != nil {
		return f, err
	}
	return report.Filter{From: from, To: to, Scope: *ff.scope, Outlet: *ff.outlet, Entity: *ff.entity, Kind: *ff.kind,
		UniqueStories: *ff.unique}, nil
}

func runCount(ctx context.Context, a *app, args []string) error {
	fs := a.flags("count")
	ff := addFilterFlags(fs)
	by := fs.String("by", "outlet", "ventilation : outlet, entity, month, scope, kind ou year")
	asJSON := fs.Bool("json", false, "sortie JSON")
	asCSV := fs.Bool("csv", false, "sortie CSV (clé, libellé, nombre)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *asJSON && *asCSV {
		return usagef("--json et --csv s'excluent")
	}
	switch *by {
	case "outlet", "entity", "month", "scope", "kind", "year":
	default:
		return usagef("--by %q : outlet, entity, month, scope, kind ou year", *by)
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	loc := cfg.Location()
	f, err := ff.filter(cfg)
	if err != nil {
		return err
	}
	if *by == "month" && (f.From.IsZero() || f.To.IsZero()) {
		return usagef("--by month demande une période (--year ou --from et --to)")
	}
	e, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.knownOutlet(ctx, f.Outlet); err != nil {
		return err
	}

	rep := report.New(e.st, cfg.Entities(), loc)
	t, err := rep.Totals(ctx, f, report.Options{By: []string{*by}, Previous: *ff.year != 0, Coverage: true})
	if err != nil {
		return err
	}
	res := countResult{Year: *ff.year, Scope: f.Scope, Outlet: f.Outlet, Entity: f.Entity, Kind: f.Kind, Total: t.Total,
		By: *by, Outlets: nonNilCounts(t.By(report.ByOutlet)), Groups: nonNilCounts(t.By(*by)), Sentence: t.Sentence,
		UniqueStories: f.UniqueStories, Clippings: t.Clippings, Previous: t.Previous, Coverage: t.Coverage}
	if !f.From.IsZero() {
		res.From = f.From.Format("2006-01-02")
	}
	if !f.To.IsZero() {
		res.To = f.To.AddDate(0, 0, -1).Format("2006-01-02")
	}

	switch {
	case *asJSON:
		return writeJSON(a.stdout, res)
	case *asCSV:
		return report.WriteTotalsCSV(a.stdout, t, *by)
	}
	fmt.Fprintln(a.stdout, res.Sentence)
	if p := t.Previous; p != nil {
		line := fmt.Sprintf("%s : %s", strings.ToUpper(p.Period[:1])+p.Period[1:], report.Retombees(p.Total))
		if f.UniqueStories {
			line = fmt.Sprintf("%s : %d sujets", strings.ToUpper(p.Period[:1])+p.Period[1:], p.Total)
		}
		if p.Change != "" {
			line += " (évolution : " + p.Change + ")"
		}
		fmt.Fprintln(a.stdout, line+".")
	}
	if *by != "outlet" && len(res.Groups) > 0 {
		fmt.Fprintln(a.stdout)
		printGroups(a, *by, res.Groups)
	}
	if c := t.Coverage; c != nil && len(c.Notes) > 0 {
		fmt.Fprintln(a.stdout, "\nCouverture de la collecte (ce qui a pu manquer) :")
		for _, n := range c.Notes {
			fmt.Fprintln(a.stdout, "  - "+n)
		}
	}
	return nil
}

func nonNilCounts(c []report.NamedCount) []report.NamedCount {
	if c == nil {
		return []report.NamedCount{}
	}
	return c
}

func printGroups(a *app, by string, groups []report.NamedCount) {
	width := 0
	for _, g := range groups {
		width = max(width, len([]rune(g.Name)))
	}
	for _, g := range groups {
		pad := strings.Repeat(" ", width-len([]rune(g.Name)))
		fmt.Fprintf(a.stdout, "  %s%s  %5d\n", g.Name, pad, g.Count)
	}
}

func validScope(s string) bool {
	switch s {
	case "national", "regional", "trade", "international", "institutional":
		return true
	}
	return false
}

// labels maps keys of each breakdown to the names people read.
type labels struct {
	outlets  map[string]string
	entities map[string]string
}

func (e *engine) names(ctx context.Context) (labels, error) {
	outlets, err := e.st.OutletNames(ctx)
	if err != nil {
		return labels{}, err
	}
	ents := map[string]string{}
	for _, en := range e.cfg.Entities() {
		ents[en.ID] = en.Name
	}
	return labels{outlets: outlets, entities: ents}, nil
}

func (l labels) name(by, key string) string {
	var n string
	switch by {
	case "outlet":
		n = l.outlets[key]
	case "entity":
		n = l.entities[key]
	case "scope":
		n = model.Scope(key).Label()
	case "kind":
		n = model.EntityKind(key).Label()
	case "month":
		if t, err := time.Parse("2006-01", key); err == nil {
			n = report.MonthFR(t.Month()) + " " + strconv.Itoa(t.Year())
		}
	}
	if n == "" {
		return key
	}
	return n
}

func (l labels) named(by string, groups []store.Group) []report.NamedCount {
	out := make([]report.NamedCount, 0, len(groups))
	for _, g := range groups {
		out = append(out, report.NamedCount{Key: g.Key, Name: l.name(by, g.Key), Count: g.Count})
	}
	return out
}
