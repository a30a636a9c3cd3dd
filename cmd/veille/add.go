package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cner/veille/internal/pipeline"
)

func addCmd() command {
	return command{
		name:    "add",
		summary: "ajoute un article à la main (une retombée repérée ailleurs)",
		usage:   "add URL [--outlet ID] [--published AAAA-MM-JJ] [--json]",
		run:     runAdd,
	}
}

func runAdd(ctx context.Context, a *app, args []string) error {
	fs := a.flags("add")
	outlet := fs.String("outlet", "", "titre de presse (id de la configuration), requis si le domaine n'est pas configuré")
	published := fs.String("published", "", "date de publication (AAAA-MM-JJ), prioritaire sur celle de la page")
	asJSON := fs.Bool("json", false, "résultat en JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("add : une adresse est attendue (veille add https://… [--outlet ID])")
	}
	c, err := a.openCollector(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	req := pipeline.AddRequest{URL: pos[0], OutletID: *outlet}
	if *published != "" {
		if req.Published, err = parseDayFlag("published", *published, c.cfg.Location()); err != nil {
			return err
		}
	}
	res, err := c.pl.Add(ctx, req)
	switch {
	case errors.Is(err, pipeline.ErrInvalidURL):
		return usagef("add : %q n'est pas une adresse http(s) complète", pos[0])
	case errors.Is(err, pipeline.ErrNoOutlet):
		return usagef("add : le domaine de %s n'appartient à aucun titre configuré ; précisez lequel avec --outlet ID", pos[0])
	case errors.Is(err, pipeline.ErrUnknownOutlet):
		return usagef("add : le titre %q n'est pas dans la configuration (veille config show liste les titres)", *outlet)
	case err != nil:
		return fmt.Errorf("add : %s : %s", pos[0], frenchError(err))
	}
	entities := make([]string, 0, len(res.Mentions))
	for _, m := range res.Mentions {
		entities = append(entities, m.EntityID)
	}
	if *asJSON {
		published := ""
		if !res.Article.Published.IsZero() {
			published = res.Article.Published.In(c.cfg.Location()).Format("2006-01-02T15:04:05Z07:00")
		}
		return writeJSON(a.stdout, struct {
			ID        int64    `json:"id"`
			URL       string   `json:"url"`
			Outlet    string   `json:"outlet"`
			Title     string   `json:"title"`
			Published string   `json:"published"`
			Created   bool     `json:"created"`
			Entities  []string `json:"entities"`
			Clipping  bool     `json:"clipping"`
		}{res.ID, res.URL, res.OutletID, res.Article.Title, published, res.Created, entities, len(res.Mentions) > 0 && !res.Excluded})
	}
	verb := "ajouté"
	if !res.Created {
		verb = "déjà connu, mis à jour"
	}
	fmt.Fprintf(a.stdout, "Article %s (n° %d) : %s\n  %s\n", verb, res.ID, res.Article.Title, res.URL)
	if !res.Article.Published.IsZero() {
		fmt.Fprintf(a.stdout, "  publié le %s (%s)\n", res.Article.Published.In(c.cfg.Location()).Format("02/01/2006"), res.Article.DateSource)
	} else {
		fmt.Fprintln(a.stdout, "  date de publication introuvable : précisez-la avec --published AAAA-MM-JJ")
	}
	switch {
	case res.Excluded:
		fmt.Fprintln(a.stdout, "  Cet article avait été écarté comme faux positif : il reste hors des comptes.")
	case len(res.Mentions) == 0:
		fmt.Fprintln(a.stdout, "  Aucune entité de la liste de veille n'y est mentionnée : l'article est conservé mais ne compte pas comme retombée.")
	default:
		fmt.Fprintf(a.stdout, "  Retombée : %s\n", strings.Join(entities, ", "))
	}
	return nil
}
