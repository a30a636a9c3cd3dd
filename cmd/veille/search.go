package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/index"
)

func searchCmd() command {
	return command{
		name:    "search",
		summary: "recherche dans les retombées (texte intégral)",
		usage: `search REQUÊTE [--from DATE --to DATE] [--outlet ID] [--entity ID] [--scope S] [--kind K] [--sort date|relevance] [--limit N] [--page N] [--json]

Requête : des mots (tous requis), "une expression", OR (ou OU), -mot ou NOT (SAUF) pour exclure,
des parenthèses, mot* pour un début de mot, et des champs : outlet:, scope:, entity:, kind:, lang:,
year:2021 (ou 2019..2021), month:2021-03, date:2021-01..2021-06, title:, text:, author:.
Les accents, la casse et les élisions ne comptent pas ; DEV&CO, Dév&co et DEV&CO22 se cherchent tels quels.`,
		run: runSearch,
	}
}

// searchResult is the JSON of veille search: a contract for scripts.
type searchResult struct {
	Query string `json:"query"`
	Total uint64 `json:"total"`
	// TotalCapped: more than Total hits (counting stops at index.CountCap).
	TotalCapped bool        `json:"total_capped,omitempty"`
	Page        int         `json:"page"`
	Hits        []searchHit `json:"hits"`
}

type searchHit struct {
	ID         int64    `json:"id"`
	Outlet     string   `json:"outlet"`
	OutletName string   `json:"outlet_name"`
	Scope      string   `json:"scope"`
	Date       string   `json:"date"`
	Title      string   `json:"title"`
	URL        string   `json:"url"`
	Snippet    string   `json:"snippet"` // HTML-escaped, matched words in <mark>
	Entities   []string `json:"entities"`
	Score      float64  `json:"score"`
}

func runSearch(ctx context.Context, a *app, args []string) error {
	fs := a.flags("search")
	fromS := fs.String("from", "", "début de période (AAAA-MM-JJ, inclus)")
	toS := fs.String("to", "", "fin de période (AAAA-MM-JJ, inclus)")
	outlet := fs.String("outlet", "", "identifiant d'un titre de presse")
	entity := fs.String("entity", "", "identifiant d'une entité suivie")
	scope := fs.String("scope", "", "national, regional, trade, international ou institutional")
	kind := fs.String("kind", "", "federation, member, brand, event ou person")
	sortBy := fs.String("sort", "date", "date ou relevance")
	limit := fs.Int("limit", 20, "résultats par page")
	page := fs.Int("page", 1, "page de résultats")
	asJSON := fs.Bool("json", false, "sortie JSON")
	// "-cner" excludes a word: an argument starting with "-" that is no
	// flag of this command is part of the query.
	var queryDash []string
	args = slices.DeleteFunc(slices.Clone(args), func(arg string) bool {
		name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if strings.HasPrefix(arg, "-") && arg != "-" && arg != "--" && fs.Lookup(name) == nil && name != "h" && name != "help" {
			queryDash = append(queryDash, arg)
			return true
		}
		return false
	})
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	q := strings.Join(append(pos, queryDash...), " ")
	if *limit < 1 || *limit > 1000 {
		return usagef("--limit %d : entre 1 et 1000", *limit)
	}
	if *page < 1 {
		return usagef("--page %d : à partir de 1", *page)
	}
	if *sortBy != "date" && *sortBy != "relevance" {
		return usagef("--sort %q : date ou relevance", *sortBy)
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	from, to, err := periodFlags(0, *fromS, *toS, cfg.Location())
	if err != nil {
		return err
	}
	res, err := a.search(ctx, cfg, index.Query{Text: q, From: from, To: to, Outlet: *outlet, Entity: *entity,
		Scope: *scope, Kind: *kind, Sort: *sortBy, Size: *limit, Offset: (*page - 1) * *limit})
	var qe *index.QueryError
	if errors.As(err, &qe) {
		shown := q
		if r := []rune(shown); len(r) > 80 {
			shown = string(r[:77]) + "…"
		}
		return usagef("requête %q : %s", shown, qe.Message())
	}
	if err != nil {
		return err
	}
	out := searchResult{Query: q, Total: res.Total, TotalCapped: res.TotalCapped, Page: *page, Hits: []searchHit{}}
	for _, h := range res.Hits {
		sh := searchHit{ID: h.ID, Outlet: h.Outlet, OutletName: h.OutletName, Scope: h.Scope, Title: h.Title,
			URL: h.URL, Entities: h.Entities, Score: h.Score}
		if !h.Date.IsZero() {
			sh.Date = h.Date.In(cfg.Location()).Format(time.RFC3339)
		}
		if len(h.Fragments) > 0 {
			sh.Snippet = h.Fragments[0]
		}
		out.Hits = append(out.Hits, sh)
	}
	if *asJSON {
		return writeJSON(a.stdout, out)
	}
	switch {
	case out.Total == 0:
		fmt.Fprintf(a.stdout, "Aucune retombée ne correspond à %q.\n", q)
		return nil
	case out.TotalCapped:
		fmt.Fprintf(a.stdout, "Plus de %d retombées trouvées (veille count donne les totaux exacts).\n", out.Total)
	case out.Total == 1:
		fmt.Fprintln(a.stdout, "1 retombée trouvée.")
	default:
		fmt.Fprintf(a.stdout, "%d retombées trouvées.\n", out.Total)
	}
	bold, unbold := "**", "**"
	if isTerminal(a.stdout) {
		bold, unbold = "\x1b[1m", "\x1b[0m"
	}
	for i, h := range out.Hits {
		date := "date inconnue"
		if d, err := time.Parse(time.RFC3339, h.Date); err == nil {
			date = d.Format("02/01/2006")
		}
		fmt.Fprintf(a.stdout, "\n%d. %s — %s\n   %s\n   %s\n", (*page-1)**limit+i+1, h.OutletName, date, h.Title, h.URL)
		if h.Snippet != "" {
			s := strings.NewReplacer("<mark>", bold, "</mark>", unbold).Replace(h.Snippet)
			fmt.Fprintf(a.stdout, "   %s\n", strings.Join(strings.Fields(html.UnescapeString(s)), " "))
		}
	}
	if shown := uint64((*page-1)**limit + len(out.Hits)); shown < out.Total || (out.TotalCapped && len(out.Hits) == *limit) {
		fmt.Fprintf(a.stdout, "\n(%d sur %d ; --page %d pour la suite)\n", shown, out.Total, *page+1)
	}
	return nil
}

// search runs q on the data directory's index: opened here or, while
// veille run, serve or demo holds it, in that process.
func (a *app) search(ctx context.Context, cfg *config.Config, q index.Query) (*index.Results, error) {
	if _, err := os.Stat(socketPath(cfg.DataDir)); err == nil {
		// Ask the holder first: opening would wait index.LockWait for it.
		res, err := askIndexHolder(ctx, cfg.DataDir, q)
		if !errors.Is(err, errNoHolder) {
			return res, err
		}
	}
	e, err := a.open(ctx, cfg)
	if errors.Is(err, index.ErrInUse) {
		res, herr := askIndexHolder(ctx, cfg.DataDir, q)
		if errors.Is(herr, errNoHolder) {
			return nil, err
		}
		return res, herr
	}
	if err != nil {
		return nil, err
	}
	defer e.Close()
	return e.ix.Search(ctx, q)
}
