package main

import (
	"context"
	"errors"
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
	run  func(ctx context.Context, e *checkEnv, repair bool) (checkResult, error)
}

// checkEnv is what the checks read: the opened store, and the index, opened
// here or, beside veille run, serve or demo, seen through that process.
type checkEnv struct {
	*engine
	index  indexView
	beside bool // the index is another process's: read only, and it moves
}

// indexView is what veille check reads of the index.
type indexView interface {
	EachID(ctx context.Context, fn func(id int64) error) error
	Counts(ctx context.Context, q index.Query) (uint64, map[string][]index.FacetCount, error)
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
	env, err := a.openCheck(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	var results []checkResult
	failed := 0
	for _, c := range checks() {
		r, err := c.run(ctx, env, *repair)
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

// openCheck opens the data directory for veille check: the store and the
// index, or, while veille run, serve or demo holds the index, the store and
// that process's view of the index.
func (a *app) openCheck(ctx context.Context) (*checkEnv, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	held := heldIndex{cfg.DataDir}
	// Ask the holder first: opening would wait index.LockWait for it.
	answers := held.answers(ctx)
	if !answers {
		e, err := a.open(ctx, cfg)
		if err == nil {
			return &checkEnv{engine: e, index: e.ix}, nil
		}
		if !errors.Is(err, index.ErrInUse) {
			return nil, err
		}
		if answers = held.answers(ctx); !answers {
			return nil, err // held by a process that does not answer (crawl, reindex…)
		}
	}
	e, err := a.openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &checkEnv{engine: e, index: held, beside: true}, nil
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
//
// Beside the process that holds the index, both sides move while they are
// read (the crawler stores, the indexer follows): a difference counts only
// if a second reading, two seconds later, finds it again, articles waiting
// for the indexer are no problem, and the index is not repaired from here.
func checkIndex(ctx context.Context, e *checkEnv, repair bool) (checkResult, error) {
	d, err := compareIndex(ctx, e)
	if err != nil {
		return checkResult{}, err
	}
	if e.beside && !d.empty() {
		select {
		case <-time.After(besideRecheck):
		case <-ctx.Done():
			return checkResult{}, ctx.Err()
		}
		again, err := compareIndex(ctx, e)
		if err != nil {
			return checkResult{}, err
		}
		d = d.both(again)
	}
	var r checkResult
	for _, id := range d.missing {
		r.Problems = append(r.Problems, fmt.Sprintf("retombée %d absente de l'index", id))
	}
	for _, id := range d.extra {
		r.Problems = append(r.Problems, fmt.Sprintf("article %d dans l'index mais n'est pas une retombée (exclu ou sans mention)", id))
	}
	for _, id := range d.gone {
		r.Problems = append(r.Problems, fmt.Sprintf("document %d de l'index absent du stock", id))
	}
	if d.pending > 0 && !e.beside {
		r.Problems = append(r.Problems, fmt.Sprintf("%d articles en attente d'indexation", d.pending))
	}
	if len(d.years) > 0 {
		r.Problems = append(r.Problems, "totaux par année différents : "+strings.Join(d.years, " ; "))
	}
	switch {
	case repair && len(r.Problems) > 0 && e.beside:
		r.Problems = append(r.Problems, "pour corriger l'index, arrêtez le processus veille qui le tient (run, serve ou demo), puis relancez veille check --repair")
	case repair && len(r.Problems) > 0:
		if err := e.st.RequeueIndex(ctx, append(d.missing, d.extra...)); err != nil {
			return r, err
		}
		if err := e.ix.Apply(ctx, nil, d.gone); err != nil {
			return r, err
		}
		if _, err := e.pl.SyncIndex(ctx); err != nil {
			return r, err
		}
		r.Repaired = true
		// The year totals are compared again below, after the repair.
		r.Problems = slices.DeleteFunc(r.Problems, func(p string) bool { return strings.HasPrefix(p, "totaux par année") })
		after, err := compareIndex(ctx, e)
		if err != nil {
			return r, err
		}
		d.stored, d.indexed = after.stored, after.indexed
		if len(after.years) > 0 {
			r.Problems = append(r.Problems, "totaux par année différents après correction : "+strings.Join(after.years, " ; "))
			r.Repaired = false
		}
	}
	r.OK = len(r.Problems) == 0
	r.Summary = fmt.Sprintf("%d retombées dans le stock, %d dans l'index", d.stored, d.indexed)
	if e.beside {
		r.Summary += " (lu à travers le processus veille qui tient l'index"
		if d.pending > 0 {
			r.Summary += fmt.Sprintf(" ; %d articles en cours d'indexation", d.pending)
		}
		r.Summary += ")"
	}
	if !r.OK && !r.Repaired {
		r.Summary += fmt.Sprintf(" ; %d absentes de l'index, %d en trop, %d disparues du stock", len(d.missing), len(d.extra), len(d.gone))
	}
	if r.Repaired {
		r.Summary += " (index corrigé)"
	}
	return r, nil
}

// besideRecheck is how long veille check waits before reading again a
// difference found beside the process that holds the index.
const besideRecheck = 2 * time.Second

// indexDrift is what one reading of the store and the index found.
type indexDrift struct {
	missing, extra, gone []int64
	pending              int
	years                []string // "2021 : 12 dans le stock, 11 dans l'index"
	stored               int
	indexed              uint64
}

func (d indexDrift) empty() bool {
	return len(d.missing)+len(d.extra)+len(d.gone)+len(d.years) == 0
}

// both keeps what two readings found alike; the counts are the second's.
func (d indexDrift) both(later indexDrift) indexDrift {
	keep := func(a, b []int64) []int64 {
		var out []int64
		for _, id := range a {
			if slices.Contains(b, id) {
				out = append(out, id)
			}
		}
		return out
	}
	later.missing, later.extra, later.gone = keep(d.missing, later.missing), keep(d.extra, later.extra), keep(d.gone, later.gone)
	var years []string
	for _, y := range later.years {
		if slices.Contains(d.years, y) {
			years = append(years, y)
		}
	}
	later.years = years
	return later
}

// compareIndex reads the store's clippings and the index's documents once.
func compareIndex(ctx context.Context, e *checkEnv) (indexDrift, error) {
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
		return indexDrift{}, err
	}
	var indexed []int64
	if err := e.index.EachID(ctx, func(id int64) error { indexed = append(indexed, id); return nil }); err != nil {
		return indexDrift{}, err
	}
	slices.Sort(indexed)
	var d indexDrift
	for i, id := range ids {
		switch state[i] {
		case stPending:
			d.pending++
		case stClipping:
			if _, ok := slices.BinarySearch(indexed, id); !ok {
				d.missing = append(d.missing, id)
			}
		}
	}
	for _, id := range indexed {
		i, ok := slices.BinarySearch(ids, id)
		switch {
		case !ok:
			d.gone = append(d.gone, id)
		case state[i] == 0:
			d.extra = append(d.extra, id)
		}
	}
	// The totals per year, from the store and from the index's facets.
	// Articles waiting for the indexer make the store's count ahead of the
	// index's: the totals are compared when none waits.
	// The store's side is counted from the clippings themselves, not from
	// the monthly totals (the totals check compares those).
	n, err := e.st.CountDirect(ctx, store.CountFilter{}, "", nil)
	if err != nil {
		return d, err
	}
	total, facets, err := e.index.Counts(ctx, index.Query{})
	if err != nil {
		return d, err
	}
	d.stored, d.indexed = n[0].Count, total
	if d.pending > 0 {
		return d, nil
	}
	years, err := e.st.CountDirect(ctx, store.CountFilter{}, store.ByYear, e.cfg.Location())
	if err != nil {
		return d, err
	}
	byYear := map[string]int{}
	for _, f := range facets["year"] {
		byYear[f.Key] = f.Count
	}
	for _, y := range years {
		if byYear[y.Key] != y.Count {
			d.years = append(d.years, fmt.Sprintf("%s : %d dans le stock, %d dans l'index", y.Key, y.Count, byYear[y.Key]))
		}
	}
	return d, nil
}

// checkCounts compares the monthly totals with the clippings.
func checkCounts(ctx context.Context, e *checkEnv, repair bool) (checkResult, error) {
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
func checkCollection(ctx context.Context, e *checkEnv, _ bool) (checkResult, error) {
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
func checkLedger(ctx context.Context, e *checkEnv, repair bool) (checkResult, error) {
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
