package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cner/veille/internal/store"
)

func sourcesCmd() command {
	return command{
		name:    "sources",
		summary: "état de la collecte, source par source (succès, erreurs, nouveautés, 304, prochain passage)",
		usage:   "sources [--json] [--failing] [--all]",
		run:     runSources,
	}
}

// sourcesWindow is the window of "seen in 7 days" and "share of 304s".
const sourcesWindow = 7 * 24 * time.Hour

// sourceJSON is one source in `veille sources --json` (a contract for
// scripts). Times are RFC 3339 in the configured timezone, "" when never.
type sourceJSON struct {
	ID                  int64   `json:"id"`
	Outlet              string  `json:"outlet"`
	OutletName          string  `json:"outlet_name"`
	Kind                string  `json:"kind"`
	URL                 string  `json:"url"`
	Active              bool    `json:"active"`
	Status              string  `json:"status"` // ok | failing | never_checked
	LastCheck           string  `json:"last_check"`
	LastSuccess         string  `json:"last_success"`
	LastError           string  `json:"last_error"`
	LastErrorAt         string  `json:"last_error_at"`
	ConsecutiveFailures int     `json:"consecutive_failures"`
	Seen7d              int     `json:"seen_7d"`
	Checks7d            int     `json:"checks_7d"`
	NotModified7d       int     `json:"not_modified_7d"`
	NotModifiedShare    float64 `json:"not_modified_share"`
	Failures7d          int     `json:"failures_7d"`
	NextCheck           string  `json:"next_check"`
	Pending             int     `json:"pending"`
	GivenUp             int     `json:"given_up"`
}

func runSources(ctx context.Context, a *app, args []string) error {
	fs := a.flags("sources")
	asJSON := fs.Bool("json", false, "en JSON")
	failing := fs.Bool("failing", false, "seulement les sources en erreur")
	all := fs.Bool("all", false, "aussi les sources qui ne sont plus configurées")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	c, err := a.openCollector(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	now := time.Now()
	list, err := c.st.SourcesHealth(ctx, now.Add(-sourcesWindow), *all)
	if err != nil {
		return err
	}
	loc := c.cfg.Location()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	var out []sourceJSON
	for _, h := range list {
		j := sourceJSON{ID: h.ID, Outlet: h.OutletID, OutletName: h.OutletName, Kind: h.Kind, URL: h.URL,
			Active: h.Active, LastCheck: ts(h.LastCheckAt), LastSuccess: ts(h.LastSuccessAt), LastError: h.LastError,
			LastErrorAt: ts(h.LastErrorAt), ConsecutiveFailures: h.ConsecutiveFailures, Seen7d: h.Seen,
			Checks7d: h.WindowChecks, NotModified7d: h.WindowNotModified, NotModifiedShare: h.NotModifiedShare(),
			Failures7d: h.WindowFailures, Pending: h.FrontierPending, GivenUp: h.FrontierFailed}
		switch {
		case h.LastCheckAt.IsZero():
			j.Status = "never_checked"
		case h.ConsecutiveFailures > 0:
			j.Status = "failing"
		default:
			j.Status = "ok"
		}
		if h.Active {
			j.NextCheck = ts(h.NextCheckAt)
		}
		if *failing && j.Status != "failing" {
			continue
		}
		out = append(out, j)
	}
	if *asJSON {
		if out == nil {
			out = []sourceJSON{}
		}
		return writeJSON(a.stdout, struct {
			GeneratedAt string       `json:"generated_at"`
			WindowDays  int          `json:"window_days"`
			Sources     []sourceJSON `json:"sources"`
		}{ts(now), int(sourcesWindow / (24 * time.Hour)), out})
	}
	return printSources(a, out, now, loc)
}

func printSources(a *app, out []sourceJSON, now time.Time, loc *time.Location) error {
	if len(out) == 0 {
		fmt.Fprintln(a.stdout, "Aucune source à afficher.")
		return nil
	}
	failing := 0
	for _, s := range out {
		if s.Status == "failing" {
			failing++
		}
	}
	fmt.Fprintf(a.stdout, "%d sources, %d en erreur (fenêtre : 7 derniers jours ; EN ATTENTE et ABANDONNÉS : articles annoncés par la source, à récupérer ou abandonnés après erreurs)\n\n", len(out), failing)
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TITRE\tTYPE\tÉTAT\tDERNIER SUCCÈS\tVUS 7 J\t304\tEN ATTENTE\tABANDONNÉS\tPROCHAIN PASSAGE\tADRESSE")
	day := func(s string) string {
		if s == "" {
			return "jamais"
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return s
		}
		return t.In(loc).Format("02/01 15:04")
	}
	for _, s := range out {
		state := "ok"
		switch s.Status {
		case "never_checked":
			state = "pas encore interrogée"
		case "failing":
			state = fmt.Sprintf("en erreur (%d×)", s.ConsecutiveFailures)
		}
		if !s.Active {
			state += ", retirée"
		}
		share := "–"
		if s.Checks7d > 0 {
			share = fmt.Sprintf("%.0f %%", 100*s.NotModifiedShare)
		}
		next := "–"
		if s.NextCheck != "" {
			if t, err := time.Parse(time.RFC3339, s.NextCheck); err == nil && !t.After(now) {
				next = "maintenant"
			} else {
				next = day(s.NextCheck)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%s\t%s\n", s.Outlet, kindFR(s.Kind), state, day(s.LastSuccess),
			s.Seen7d, share, s.Pending, s.GivenUp, next, s.URL)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failing > 0 {
		fmt.Fprintln(a.stdout, "\nDernières erreurs :")
		for _, s := range out {
			if s.Status != "failing" {
				continue
			}
			msg := s.LastError
			if r := []rune(msg); len(r) > 300 {
				msg = string(r[:300]) + "…"
			}
			fmt.Fprintf(a.stdout, "  %s %s (%s) : %s\n", s.Outlet, kindFR(s.Kind), day(s.LastErrorAt), strings.ReplaceAll(msg, "\n", " ; "))
		}
	}
	return nil
}

func kindFR(k string) string {
	switch k {
	case store.SourceFeed:
		return "flux"
	case store.SourceSitemap:
		return "sitemap"
	case store.SourceCrawl:
		return "exploration"
	case store.SourceArchive:
		return "archives"
	}
	return k
}
