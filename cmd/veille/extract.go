package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/charset"
	"github.com/cner/veille/internal/extract"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/model"
)

func extractCmd() command {
	return command{
		name:    "extract",
		summary: "montre ce que la chaîne tire d'une page (texte, date, mentions)",
		usage:   "extract FICHIER|URL [--url URL] [--json]",
		run:     runExtract,
	}
}

// extractResult is the JSON of veille extract: a contract for scripts.
type extractResult struct {
	Title        string           `json:"title"`
	Text         string           `json:"text"`
	Lead         string           `json:"lead,omitempty"`
	Published    string           `json:"published"` // RFC 3339, "" when unknown
	Modified     string           `json:"modified,omitempty"`
	DateSource   string           `json:"date_source,omitempty"`
	Authors      []string         `json:"authors"`
	Lang         string           `json:"lang"`
	CanonicalURL string           `json:"canonical_url"`
	SiteName     string           `json:"site_name,omitempty"`
	Description  string           `json:"description,omitempty"`
	Paywalled    bool             `json:"paywalled"`
	Charset      string           `json:"charset"`
	Mentions     []extractMention `json:"mentions"`
}

type extractMention struct {
	Entity  string `json:"entity"`
	Kind    string `json:"kind"`
	Alias   string `json:"alias"`
	Matched string `json:"matched"`
	Field   string `json:"field"`
	Snippet string `json:"snippet"`
	Count   int    `json:"count"`
}

func runExtract(ctx context.Context, a *app, args []string) error {
	fs := a.flags("extract")
	pageURL := fs.String("url", "", "adresse de la page (pour un fichier : résout les liens relatifs)")
	asJSON := fs.Bool("json", false, "sortie JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("extract : un fichier ou une adresse est attendu")
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	src := pos[0]
	var (
		raw         []byte
		contentType string
	)
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		client := crawler.NewClient(cfg.Crawler, crawler.Options{})
		resp, err := client.Get(ctx, src, crawler.Conditional{})
		if err != nil {
			return err
		}
		raw, contentType = resp.Body, resp.Header.Get("Content-Type")
		if *pageURL == "" {
			*pageURL = resp.URL
		}
	} else {
		if raw, err = os.ReadFile(src); err != nil {
			return fmt.Errorf("lecture de %s : %w", src, err)
		}
	}
	page, enc, err := charset.ToUTF8(raw, contentType)
	if err != nil {
		return err
	}
	art, err := extract.Extract(page, *pageURL, extract.Options{Location: cfg.Location(), Now: time.Now()})
	if err != nil {
		return err
	}
	m, err := match.New(cfg.Entities())
	if err != nil {
		return err
	}
	mentions := m.Match(match.Doc{Title: art.Title, Lead: art.Lead, Body: art.Text, Published: art.Published})
	res := toExtractResult(art, mentions, enc, cfg.Location())
	if *asJSON {
		return writeJSON(a.stdout, res)
	}
	fmt.Fprintf(a.stdout, "Titre : %s\n", res.Title)
	if res.Published != "" {
		fmt.Fprintf(a.stdout, "Publié : %s (%s)\n", res.Published, res.DateSource)
	} else {
		fmt.Fprintln(a.stdout, "Publié : date introuvable")
	}
	fmt.Fprintf(a.stdout, "Auteurs : %s\nLangue : %s\nAdresse canonique : %s\n", strings.Join(res.Authors, ", "), res.Lang, res.CanonicalURL)
	if res.Paywalled {
		fmt.Fprintln(a.stdout, "Article réservé aux abonnés (accroche seulement).")
	}
	fmt.Fprintf(a.stdout, "Texte (%d caractères) :\n%s\n", len([]rune(res.Text)), indent(res.Text))
	if len(res.Mentions) == 0 {
		fmt.Fprintln(a.stdout, "Aucune mention de la liste de veille.")
		return nil
	}
	fmt.Fprintf(a.stdout, "Mentions (%d) :\n", len(res.Mentions))
	for _, m := range mentions {
		fmt.Fprintf(a.stdout, "  - %s (%s), « %s » dans %s : %s\n", m.EntityID, m.EntityKind, m.Matched, fieldFR(m.Field),
			m.SnippetMarked("[", "]"))
	}
	return nil
}

func toExtractResult(art *model.Article, mentions []model.Mention, enc string, loc *time.Location) extractResult {
	res := extractResult{Title: art.Title, Text: art.Text, Lead: art.Lead, DateSource: art.DateSource,
		Authors: art.Authors, Lang: art.Lang, CanonicalURL: art.CanonicalURL, SiteName: art.SiteName,
		Description: art.Description, Paywalled: art.Paywalled, Charset: enc, Mentions: []extractMention{}}
	if res.Authors == nil {
		res.Authors = []string{}
	}
	if !art.Published.IsZero() {
		res.Published = art.Published.In(loc).Format(time.RFC3339)
	}
	if !art.Modified.IsZero() {
		res.Modified = art.Modified.In(loc).Format(time.RFC3339)
	}
	for _, m := range mentions {
		res.Mentions = append(res.Mentions, extractMention{Entity: m.EntityID, Kind: string(m.EntityKind), Alias: m.Alias,
			Matched: m.Matched, Field: m.Field, Snippet: m.Snippet, Count: m.Count})
	}
	return res
}

func fieldFR(f string) string {
	switch f {
	case model.FieldTitle:
		return "le titre"
	case model.FieldLead:
		return "le chapô"
	}
	return "le corps"
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}
