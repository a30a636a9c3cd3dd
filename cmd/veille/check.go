package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/store"
)

func checkCmd() command {
	return command{
		name:    "check",
		summary: "vérifie la cohérence du stock, de l'index et des totaux (--repair corrige)",
		usage:   "check [--repair] [--json]",
		run:     runCheck,
	}
}

// checkResult is the outcome of one check; the JSON of veille check is a
// list of them.
type checkResult struct {
	Name     string   `json:"name"`
	OK       bool     `json:"ok"`
	Warning  bool     `json:"warning,omitempty"` // a problem that is not an inconsistency (collection failing)
	Summary  string   `json:"summary"`
	Problems []string `json:"problems"`
	Repaired bool     `json:"repaired,omitempty"`
}

// check is one verification. veille check runs them in order; a check
// repairs what it found when repair is set.
type check struct {
	name string
	run  func(ctx context.Context, e *engine, repair bool) (checkResult, error)
}

// checks lists the verifications of veille check. Add yours here.
func checks() []check {
	return []check{
		{"index", checkIndex},
		{"totaux", checkCounts},
		{"collecte", checkCollection},
		{"registre", checkLedger},
	}
}

// runCheck reports, and with --repair corrects, the drifts between the
// store and what is derived from it. It exits with an error when a drift
// remains, so that it can run from cron.
func runCheck(ctx context.Context, a *app, args []string) error {
	fs := a.flags("check")
	repair := fs.Bool("repair", false, "corrige ce qui peut l'être (réindexe, recalcule les totaux)")
	asJSON := fs.Bool("json", false, "sortie JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	e, err := a.openFromFlags(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	var results []checkResult
	failed := 0
	for _, c := range checks() {
		r, err := c.run(ctx, e, *repair)
		if err != nil {
			return fmt.Errorf("vérification %s : %w", c.name, err)
		}
		r.Name = c.name
		if r.Problems == nil {
			r.Problems = []string{}
		}
		if !r.OK && !r.Warning && !r.Repaired {
			failed++
		}
		results = append(results, r)
	}
	if *asJSON {
		if err := writeJSON(a.stdout, results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			mark := "ok"
			switch {
			case r.Repaired:
				mark = "corrigé"
			case r.Warning:
				mark = "attention"
			case !r.OK:
				mark = "ÉCHEC"
			}
			fmt.Fprintf(a.stdout, "[%s] %s : %s\n", mark, r.Name, r.Summary)
			for i, p := range r.Problems {
				if i == 20 {
					fmt.Fprintf(a.stdout, "    … et %d autres\n", len(r.Problems)-20)
					break
				}
				fmt.Fprintf(a.stdout, "    - %s\n", p)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d %s en échec (veille check --repair corrige)", failed, pluralFR(failed, "vérification", "vérifications"))
	}
	return nil
}

func pluralFR(n int, one, many string) string {
	if n <= 1 {
		return one
	}
	return many
}

// checkIndex compares the clippings of the store with the documents of the
// index: missing from the index, there but no longer clippings (or no
// longer stored), and the totals per year on both sides.
func checkIndex(ctx context.Context, e *engine, repair bool) (checkResult, error) {
	// The store's articles, in id order, with what the index should hold.
	var (
		ids   []int64
		state []byte // stClipping, stPending or 0
	)
	const (
		stClipping = 1
		stPending  = 2
	)
	err := e.st.IndexState(ctx, func(c store.IndexedClipping) error {
		var st byte
		switch {
		case c.Pending:
			st = stPending
		case c.Clipping:
			st = stClipping
		}
		ids = append(ids, c.ID)
		state = append(state, st)
		return nil
	})
	if err != nil {
		return checkResult{}, err
	}
	var indexed []int64
	if err := e.ix.EachID(ctx, func(id int64) error { indexed = append(indexed, id); return nil }); err != nil {
		return checkResult{}, err
	}
	slices.Sort(indexed)
	var missing, extra, gone []int64
	pending := 0
	for i, id := range ids {
		switch state[i] {
		case stPending:
			pending++
		case stClipping:
			if _, ok := slices.BinarySearch(indexed, id); !ok {
				missing = append(missing, id)
			}
		}
	}
	for _, id := range indexed {
		i, ok := slices.BinarySearch(ids, id)
		switch {
		case !ok:
			gone = append(gone, id)
		case state[i] == 0:
			extra = append(extra, id)
		}
	}
	var r checkResult
	for _, id := range missing {
		r.Problems = append(r.Problems, fmt.Sprintf("retombée %d absente de l'index", id))
	}
	for _, id := range extra {
		r.Problems = append(r.Problems, fmt.Sprintf("article %d dans l'index mais n'est pas une retombée (exclu ou sans mention)", id))
	}
	for _, id := range gone {
		r.Problems = append(r.Problems, fmt.Sprintf("document %d de l'index absent du stock", id))
	}
	if pending > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d articles en attente d'indexation", pending))
	}
	if repair && len(r.Problems) > 0 {
		if err := e.st.RequeueIndex(ctx, append(missing, extra...)); err != nil {
			return r, err
		}
		if err := e.ix.Apply(ctx, nil, gone); err != nil {
			return r, err
		}
		if _, err := e.pl.SyncIndex(ctx); err != nil {
			return r, err
		}
		r.Repaired = true
	}
	// The totals per year, from the store and from the index's facets.
	n, err := e.st.Count(ctx, store.CountFilter{})
	if err != nil {
		return r, err
	}
	total, facets, err := e.ix.Counts(ctx, index.Query{})
	if err != nil {
		return r, err
	}
	years, err := e.st.CountBy(ctx, store.CountFilter{}, store.ByYear, e.cfg.Location())
	if err != nil {
		return r, err
	}
	byYear := map[string]int{}
	for _, f := range facets["year"] {
		byYear[f.Key] = f.Count
	}
	var diff []string
	for _, y := range years {
		if byYear[y.Key] != y.Count {
			diff = append(diff, fmt.Sprintf("%s : %d dans le stock, %d dans l'index", y.Key, y.Count, byYear[y.Key]))
		}
	}
	if len(diff) > 0 && !r.Repaired {
		r.Problems = append(r.Problems, "totaux par année différents : "+strings.Join(diff, " ; "))
	}
	r.OK = len(r.Problems) == 0
	r.Summary = fmt.Sprintf("%d retombées dans le stock, %d dans l'index", n, total)
	if !r.OK && !r.Repaired {
		r.Summary += fmt.Sprintf(" ; %d absentes de l'index, %d en trop, %d disparues du stock", len(missing), len(extra), len(gone))
	}
	if r.Repaired {
		r.Summary += " (index corrigé)"
	}
	return r, nil
}

// checkCounts compares the monthly totals with the clippings.
func checkCounts(ctx context.Context, e *engine, repair bool) (checkResult, error) {
	loc := e.cfg.Location()
	if err := e.st.EnsureCounts(ctx, loc); err != nil {
		return checkResult{}, err
	}
	drifts, err := e.st.CountsCheck(ctx, loc)
	if err != nil {
		return checkResult{}, err
	}
	r := checkResult{OK: len(drifts) == 0, Problems: drifts, Summary: "totaux mensuels conformes aux retombées"}
	if !r.OK {
		r.Summary = fmt.Sprintf("%d écarts entre les totaux mensuels et les retombées", len(drifts))
		if repair {
			if err := e.st.RebuildCounts(ctx, loc); err != nil {
				return r, err
			}
			r.Repaired = true
			r.Summary += " (totaux recalculés)"
		}
	}
	return r, nil
}

// checkCollection lists the outlets whose collection failed in the last
// seven days: not an inconsistency, but what counts will show as gaps.
func checkCollection(ctx context.Context, e *engine, _ bool) (checkResult, error) {
	now := time.Now()
	cov, err := e.st.Coverage(ctx, store.CoverageFilter{From: now.AddDate(0, 0, -7)}, now)
	if err != nil {
		return checkResult{}, err
	}
	names, err := e.st.OutletNames(ctx)
	if err != nil {
		return checkResult{}, err
	}
	r := checkResult{OK: len(cov.Gaps) == 0, Warning: len(cov.Gaps) > 0}
	for _, g := range cov.Gaps {
		name := names[g.OutletID]
		if g.OutletID == "" {
			name = "tous les titres (collecte arrêtée)"
		} else if name == "" {
			name = g.OutletID
		}
		p := fmt.Sprintf("%s : sans collecte réussie du %s au %s", name, g.From.In(e.cfg.Location()).Format("02/01 15h04"),
			g.To.In(e.cfg.Location()).Format("02/01 15h04"))
		if g.Ongoing {
			p = fmt.Sprintf("%s : sans collecte réussie depuis le %s", name, g.From.In(e.cfg.Location()).Format("02/01 15h04"))
		}
		if g.LastError != "" {
			p += " (" + g.LastError + ")"
		}
		r.Problems = append(r.Problems, p)
	}
	switch {
	case cov.KnownFrom.IsZero():
		r.Summary = "aucune collecte enregistrée"
	case r.OK:
		r.Summary = "aucune lacune de collecte sur les 7 derniers jours"
	default:
		r.Summary = fmt.Sprintf("%d %s de collecte sur les 7 derniers jours (les totaux les signalent)", len(cov.Gaps),
			pluralFR(len(cov.Gaps), "lacune", "lacunes"))
	}
	return r, nil
}

// checkLedger verifies the digest ledger: no clipping listed twice to a
// recipient, no item of a missing article; pending digests are reported
// (veille run or veille digest --send retries them), and the leases of
// senders that died are released by --repair.
func checkLedger(ctx context.Context, e *engine, repair bool) (checkResult, error) {
	r, err := e.st.CheckLedger(ctx, time.Now(), repair)
	if err != nil {
		return checkResult{}, err
	}
	res := checkResult{OK: len(r.Problems) == 0, Problems: r.Problems}
	res.Summary = fmt.Sprintf("%d %s envoyées, %d en attente", r.Sent, pluralFR(r.Sent, "synthèse", "synthèses"), r.Pending)
	if r.StaleLeases > 0 {
		res.Summary += fmt.Sprintf(", dont %d interrompues par l'arrêt de leur processus", r.StaleLeases)
		if repair {
			res.Summary += " (libérées pour le prochain envoi)"
		}
	}
	if r.Excluded > 0 {
		res.Summary += fmt.Sprintf(" ; %d retombées exclues depuis seront retirées de l'envoi", r.Excluded)
	}
	if res.OK && r.Pending > 0 {
		res.Warning = true
		res.Problems = append(res.Problems, "des synthèses attendent d'être envoyées : veille run les renvoie (ou veille digest --send)")
	}
	return res, nil
}
