package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/internal/report"
	"github.com/cner/veille/internal/store"
)

func countCmd() command {
	return command{
		name:    "count",
		summary: "compte les retombées d'une période (la phrase du rapport d'activité)",
		usage:   "count [--year 2021 | --from DATE --to DATE] [--scope national] [--outlet ID] [--entity ID] [--kind KIND] [--by outlet|entity|month|scope|kind|year] [--json|--csv]",
		run:     runCount,
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
		if year < 1900 || year > 3000 {
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
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, usagef("--from est postérieur à --to")
	}
	return from, to, nil
}

func runCount(ctx context.Context, a *app, args []string) error {
	fs := a.flags("count")
	year := fs.Int("year", 0, "année civile (dans le fuseau configuré)")
	fromS := fs.String("from", "", "début de période (AAAA-MM-JJ, inclus)")
	toS := fs.String("to", "", "fin de période (AAAA-MM-JJ, inclus)")
	scope := fs.String("scope", "", "national, regional, trade, international ou institutional")
	outlet := fs.String("outlet", "", "identifiant d'un titre de presse")
	entity := fs.String("entity", "", "identifiant d'une entité suivie")
	kind := fs.String("kind", "", "federation, member, brand, event ou person")
	by := fs.String("by", "outlet", "ventilation : outlet, entity, month, scope, kind ou year")
	asJSON := fs.Bool("json", false, "sortie JSON")
	asCSV := fs.Bool("csv", false, "sortie CSV (clé, libellé, nombre)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	switch *by {
	case "outlet", "entity", "month", "scope", "kind", "year":
	default:
		return usagef("--by %q : outlet, entity, month, scope, kind ou year", *by)
	}
	if *scope != "" && !validScope(*scope) {
		return usagef("--scope %q : national, regional, trade, international ou institutional", *scope)
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	loc := cfg.Location()
	from, to, err := periodFlags(*year, *fromS, *toS, loc)
	if err != nil {
		return err
	}
	if *by == "month" && (from.IsZero() || to.IsZero()) {
		return usagef("--by month demande une période (--year ou --from et --to)")
	}
	e, err := a.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()

	f := store.CountFilter{From: from, To: to, Scope: *scope, OutletID: *outlet, EntityID: *entity, Kind: *kind}
	total, err := e.st.Count(ctx, f)
	if err != nil {
		return err
	}
	names, err := e.names(ctx)
	if err != nil {
		return err
	}
	outlets, err := e.st.CountBy(ctx, f, "outlet", loc)
	if err != nil {
		return err
	}
	groups := outlets
	if *by != "outlet" {
		if groups, err = e.st.CountBy(ctx, f, *by, loc); err != nil {
			return err
		}
	}
	res := countResult{Year: *year, Scope: *scope, Outlet: *outlet, Entity: *entity, Kind: *kind, Total: total, By: *by,
		Outlets: names.named("outlet", outlets), Groups: names.named(*by, groups)}
	if !from.IsZero() {
		res.From = from.Format("2006-01-02")
	}
	if !to.IsZero() {
		res.To = to.AddDate(0, 0, -1).Format("2006-01-02")
	}
	res.Sentence = report.Sentence(total, *scope, report.Period(from, to, loc), res.Outlets)

	switch {
	case *asJSON:
		return writeJSON(a.stdout, res)
	case *asCSV:
		w := csv.NewWriter(a.stdout)
		w.Write([]string{*by, "libellé", "retombées"})
		for _, g := range res.Groups {
			w.Write([]string{g.Key, g.Name, strconv.Itoa(g.Count)})
		}
		w.Write([]string{"total", "Total", strconv.Itoa(total)})
		w.Flush()
		return w.Error()
	}
	fmt.Fprintln(a.stdout, res.Sentence)
	if *by != "outlet" && len(res.Groups) > 0 {
		fmt.Fprintln(a.stdout)
		printGroups(a, *by, res.Groups)
	}
	return nil
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

func scopeName(s string) string {
	switch s {
	case "national":
		return "presse nationale"
	case "regional":
		return "presse régionale"
	case "trade":
		return "presse professionnelle"
	case "international":
		return "presse internationale"
	case "institutional":
		return "médias institutionnels"
	}
	return ""
}

func kindName(k string) string {
	switch k {
	case "federation":
		return "fédération"
	case "member":
		return "agences membres"
	case "brand":
		return "marques"
	case "event":
		return "événements"
	case "person":
		return "personnes"
	}
	return ""
}

func (l labels) name(by, key string) string {
	var n string
	switch by {
	case "outlet":
		n = l.outlets[key]
	case "entity":
		n = l.entities[key]
	case "scope":
		n = scopeName(key)
	case "kind":
		n = kindName(key)
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
