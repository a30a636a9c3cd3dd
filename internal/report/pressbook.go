package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/internal/model"
)

// Entry is one clipping of the press book. Title, author and date are on
// every entry, as the French reprography licence (CFC) requires of a press
// review; an unknown author or date is said so.
type Entry struct {
	ID         int64     `json:"id"`
	Date       time.Time `json:"date"`
	DateKnown  bool      `json:"date_known"` // false: the page gave no date, Date is when veille first saw it
	Outlet     string    `json:"outlet"`
	OutletName string    `json:"outlet_name"`
	Scope      string    `json:"scope"`
	Authors    []string  `json:"authors"`
	Title      string    `json:"title"`
	URL        string    `json:"url"`
	// Snippet is plain text around the first mention; the mention is
	// Snippet[HLStart:HLEnd].
	Snippet  string   `json:"snippet"`
	HLStart  int      `json:"-"`
	HLEnd    int      `json:"-"`
	Entities []string `json:"entities"` // names
	// Copies are the other clippings of the same story, when counting
	// stories.
	Copies []Copy `json:"copies,omitempty"`
}

// Copy is a syndicated copy of an entry's story.
type Copy struct {
	ID         int64     `json:"id"`
	OutletName string    `json:"outlet_name"`
	Date       time.Time `json:"date"`
	URL        string    `json:"url"`
}

// Author is the entry's authors, or "auteur non indiqué".
func (e Entry) Author() string {
	if len(e.Authors) == 0 {
		return "auteur non indiqué"
	}
	return strings.Join(e.Authors, ", ")
}

// SnippetParts splits the snippet around the mention, for highlighting.
func (e Entry) SnippetParts() (before, mention, after string) {
	if e.HLStart < 0 || e.HLEnd > len(e.Snippet) || e.HLStart >= e.HLEnd {
		return e.Snippet, "", ""
	}
	return e.Snippet[:e.HLStart], e.Snippet[e.HLStart:e.HLEnd], e.Snippet[e.HLEnd:]
}

// PressBook lists every clipping of f by date. With f.UniqueStories, a
// story is one entry (its first clipping) listing its copies.
func (r *Reporter) PressBook(ctx context.Context, f Filter) ([]Entry, error) {
	var entries []Entry
	err := r.st.EachClipping(ctx, f.store(), func(c *model.Clipping) error {
		entries = append(entries, r.entry(c))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !f.UniqueStories {
		return entries, nil
	}
	stubs, err := r.st.ClippingStubs(ctx, f.store(), false)
	if err != nil {
		return nil, err
	}
	rep := Stories(stubs)
	first := map[int64]int64{} // clipping → its story's first clipping
	for i, s := range stubs {
		first[s.ID] = stubs[rep[i]].ID
	}
	pos := map[int64]int{}
	var out []Entry
	for _, e := range entries {
		root, ok := first[e.ID]
		if !ok || root == e.ID {
			pos[e.ID] = len(out)
			out = append(out, e)
			continue
		}
		if i, ok := pos[root]; ok {
			out[i].Copies = append(out[i].Copies, Copy{ID: e.ID, OutletName: e.OutletName, Date: e.Date, URL: e.URL})
		}
	}
	return out, nil
}

func (r *Reporter) entry(c *model.Clipping) Entry {
	e := Entry{ID: c.ID, Date: c.Date(), DateKnown: !c.Published.IsZero(), Outlet: c.OutletID,
		OutletName: nameOr(c.OutletName, c.OutletID), Scope: string(c.Scope), Authors: c.Authors, Title: c.Title,
		URL: c.URL, HLStart: -1}
	if e.Title == "" {
		e.Title = "(sans titre)"
	}
	for _, m := range c.Mentions {
		if e.Snippet == "" && m.Snippet != "" {
			e.Snippet, e.HLStart, e.HLEnd = m.Snippet, m.HLStart, m.HLEnd
		}
		e.Entities = append(e.Entities, r.EntityName(m.EntityID))
	}
	if e.Snippet == "" {
		e.Snippet = c.Description
	}
	return e
}

// WritePressBookCSV writes the press book as CSV, one clipping a line:
// date, média, auteur, titre, lien, extrait, entités, portée, id (and the
// copies' outlets when counting stories).
func (r *Reporter) WritePressBookCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "média", "auteur", "titre", "lien", "extrait", "entités", "portée", "reprises", "id"})
	for _, e := range entries {
		date := e.Date.In(r.loc).Format("2006-01-02")
		if !e.DateKnown {
			date += " (date de collecte)"
		}
		var copies []string
		for _, c := range e.Copies {
			copies = append(copies, c.OutletName)
		}
		cw.Write([]string{date, e.OutletName, e.Author(), e.Title, e.URL, e.Snippet, strings.Join(e.Entities, " ; "),
			model.Scope(e.Scope).Label(), strings.Join(copies, " ; "), strconv.FormatInt(e.ID, 10)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return nil
}

// WriteTotalsCSV writes a breakdown of t as CSV: key, name, count, then the
// total.
func WriteTotalsCSV(w io.Writer, t *Totals, by string) error {
	cw := csv.NewWriter(w)
	unit := "retombées"
	if t.Filter.UniqueStories {
		unit = "sujets"
	}
	cw.Write([]string{by, "libellé", unit})
	for _, g := range t.By(by) {
		cw.Write([]string{g.Key, g.Name, strconv.Itoa(g.Count)})
	}
	cw.Write([]string{"total", "Total", strconv.Itoa(t.Total)})
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return nil
}
