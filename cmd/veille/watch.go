package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/model"
)

func watchCmd() command {
	return command{
		name:    "watch",
		summary: "affiche la liste de veille ou teste ce qu'elle trouve dans un texte",
		usage: `watch list [--json]                       la liste effective : entités, alias et options, rôles
       veille watch test "texte…" [--title T] [--lead C] [--date AAAA-MM-JJ] [--json]
                                                 ce qui est trouvé dans le texte, et pourquoi
                                                 (texte « - » : lu sur l'entrée standard)`,
		run: runWatch,
	}
}

func runWatch(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "watch", args, []subcommand{
		{"list", func(_ context.Context, a *app, args []string) error { return watchList(a, args) }},
		{"test", watchTest},
	})
}

// watchEntity is an entity of the effective watch list, as shown; its
// JSON keys are those of the YAML configuration.
type watchEntity struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Kind    string       `json:"kind"`
	Aliases []watchAlias `json:"aliases"`
	Context []string     `json:"context,omitempty"`
	Exclude []string     `json:"exclude,omitempty"`
	Window  int          `json:"window,omitempty"`
	Roles   []watchRole  `json:"roles,omitempty"`
	Level   string       `json:"level,omitempty"`
	Region  string       `json:"region,omitempty"`
	Domain  string       `json:"domain,omitempty"`
}

type watchAlias struct {
	Text          string   `json:"text"`
	CaseSensitive bool     `json:"case_sensitive,omitempty"`
	Context       []string `json:"context,omitempty"`
	Window        int      `json:"window,omitempty"`
	Exclude       []string `json:"exclude,omitempty"`
}

type watchRole struct {
	Title string `json:"title"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

func newWatchEntity(e config.Entity) watchEntity {
	w := watchEntity{ID: e.ID, Name: e.Name, Kind: e.Kind, Context: e.Context, Exclude: e.Exclude,
		Window: e.Window, Level: e.Level, Region: e.Region, Domain: e.Domain}
	for _, a := range e.Aliases {
		w.Aliases = append(w.Aliases, watchAlias(a))
	}
	for _, r := range e.Roles {
		w.Roles = append(w.Roles, watchRole(r))
	}
	return w
}

var kindLabels = map[string]string{
	"federation": "fédération", "member": "adhérent", "brand": "marque", "event": "événement", "person": "personne",
}

func watchList(a *app, args []string) error {
	fs := a.flags("watch")
	asJSON := fs.Bool("json", false, "sortie JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	entities := cfg.Entities()
	m, err := match.New(entities)
	if err != nil {
		return err
	}
	skipped := map[string]bool{}
	for _, id := range m.Skipped() {
		skipped[id] = true
	}
	list := make([]watchEntity, 0, len(entities))
	for _, e := range entities {
		if skipped[e.ID] {
			continue
		}
		list = append(list, newWatchEntity(e))
	}
	if *asJSON {
		return writeJSON(a.stdout, list)
	}
	w := a.stdout
	aliases := 0
	for _, e := range list {
		aliases += len(e.Aliases)
		printWatchEntity(w, e)
	}
	fmt.Fprintf(w, "%d entités suivies, %d alias.\n", len(list), aliases)
	for _, id := range m.Skipped() {
		fmt.Fprintf(w, "attention : l'entrée %q de watch précise un adhérent absent de members_csv ; elle est ignorée.\n", id)
	}
	return nil
}

func printWatchEntity(w io.Writer, e watchEntity) {
	details := []string{kindLabels[e.Kind]}
	for _, d := range []string{e.Level, e.Region, e.Domain} {
		if d != "" {
			details = append(details, d)
		}
	}
	fmt.Fprintf(w, "%s — %s (%s)\n", e.ID, e.Name, strings.Join(details, ", "))
	var as []string
	for _, al := range e.Aliases {
		as = append(as, describeAlias(al, e.Window))
	}
	fmt.Fprintf(w, "  alias : %s\n", strings.Join(as, " ; "))
	if len(e.Context) > 0 {
		fmt.Fprintf(w, "  contexte exigé : %s %s\n", quoteList(e.Context), within(e.Window))
	}
	if len(e.Exclude) > 0 {
		fmt.Fprintf(w, "  exclusions : %s %s\n", quoteList(e.Exclude), within(e.Window))
	}
	for _, r := range e.Roles {
		period := ""
		switch {
		case r.From != "" && r.To != "":
			period = fmt.Sprintf(" (du %s au %s)", r.From, r.To)
		case r.From != "":
			period = fmt.Sprintf(" (depuis %s)", r.From)
		case r.To != "":
			period = fmt.Sprintf(" (jusqu'au %s)", r.To)
		}
		fmt.Fprintf(w, "  rôle : %s%s\n", r.Title, period)
	}
	fmt.Fprintln(w)
}

// describeAlias writes an alias and its options in French.
func describeAlias(al watchAlias, entityWindow int) string {
	s := "« " + al.Text + " »"
	var opts []string
	if al.CaseSensitive {
		opts = append(opts, "casse exacte")
	}
	window := al.Window
	if window == 0 {
		window = entityWindow
	}
	if len(al.Context) > 0 {
		opts = append(opts, "avec "+quoteList(al.Context)+" "+within(window))
	}
	if len(al.Exclude) > 0 {
		opts = append(opts, "sauf "+quoteList(al.Exclude))
	}
	if len(opts) > 0 {
		s += " [" + strings.Join(opts, ", ") + "]"
	}
	return s
}

func quoteList(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "« " + w + " »"
	}
	return strings.Join(q, ", ")
}

func within(window int) string {
	if window == 0 {
		return "dans l'article"
	}
	return fmt.Sprintf("à moins de %d mots", window)
}

// watchTestResult is `veille watch test --json`.
type watchTestResult struct {
	Mentions     []model.Mention     `json:"mentions"`
	Explanations []match.Explanation `json:"explanations"`
}

func watchTest(ctx context.Context, a *app, args []string) error {
	_ = ctx
	fs := a.flags("watch")
	title := fs.String("title", "", "titre de l'article")
	lead := fs.String("lead", "", "chapô de l'article")
	date := fs.String("date", "", "date de publication (AAAA-MM-JJ), pour les rôles (« le président du CNER »)")
	asJSON := fs.Bool("json", false, "sortie JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	body := strings.Join(pos, " ")
	if body == "-" {
		b, err := io.ReadAll(a.stdin)
		if err != nil {
			return fmt.Errorf("lecture de l'entrée standard : %w", err)
		}
		body = string(b)
	}
	if strings.TrimSpace(body+*title+*lead) == "" {
		return usagef("watch test : donnez un texte (ou « - » pour l'entrée standard)")
	}
	d := match.Doc{Title: *title, Lead: *lead, Body: body}
	if *date != "" {
		t, err := time.Parse("2006-01-02", *date)
		if err != nil {
			return usagef("watch test : --date %q n'est pas une date AAAA-MM-JJ", *date)
		}
		d.Published = t
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	m, err := match.New(cfg.Entities())
	if err != nil {
		return err
	}
	res := watchTestResult{Mentions: m.Match(d), Explanations: m.Explain(d)}
	if res.Mentions == nil {
		res.Mentions = []model.Mention{}
	}
	if *asJSON {
		return writeJSON(a.stdout, res)
	}
	printWatchTest(a.stdout, res)
	return nil
}

var fieldLabels = map[string]string{model.FieldTitle: "titre", model.FieldLead: "chapô", model.FieldBody: "corps"}

var mentionRoleLabels = map[string]string{
	match.RoleInterviewed: "interviewé", match.RoleQuoted: "cité", match.RoleOrganiser: "organisateur",
	match.RolePassing: "mention en passant",
}

func printWatchTest(w io.Writer, res watchTestResult) {
	if len(res.Mentions) == 0 {
		fmt.Fprintln(w, "Aucune entité de la liste de veille n'est mentionnée.")
	} else {
		fmt.Fprintf(w, "%d entité(s) mentionnée(s) :\n", len(res.Mentions))
	}
	for _, mm := range res.Mentions {
		n := "1 occurrence"
		if mm.Count > 1 {
			n = fmt.Sprintf("%d occurrences", mm.Count)
		}
		fmt.Fprintf(w, "  %s (%s) — %s ; première : « %s » (%s, alias « %s »)\n",
			mm.EntityID, kindLabels[string(mm.EntityKind)], n, mm.Matched, fieldLabels[mm.Field], mm.Alias)
		fmt.Fprintf(w, "    %s\n", mm.SnippetMarked("[", "]"))
		if mm.Role != "" {
			fmt.Fprintf(w, "    type de mention : %s\n", mentionRoleLabels[mm.Role])
		}
	}
	if len(res.Explanations) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCandidats examinés :")
	for _, x := range res.Explanations {
		mark := "✗"
		if x.Kept {
			mark = "✓"
		}
		fmt.Fprintf(w, "  %s « %s » (%s, octets %d–%d) → %s : %s\n",
			mark, x.Matched, fieldLabels[x.Field], x.Start, x.End, x.EntityID, x.Detail)
	}
}
