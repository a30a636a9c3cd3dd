package report

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/cner/veille/internal/model"
)

//go:embed templates/report.html
var templates embed.FS

// page is the press report's template, parsed once.
var page = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"dateFR": DateFR,
	"join":   strings.Join,
	"parts": func(e Entry) []string {
		b, m, a := e.SnippetParts()
		return []string{b, m, a}
	},
}).ParseFS(templates, "templates/report.html"))

// Document is the printable press report of a period.
type Document struct {
	Title      string
	Scope      string // "presse nationale", "toute la presse"
	FilterLine string // other filters, in French
	Generated  time.Time
	Totals     *Totals
	Stories    *Totals // the same count over distinct stories (nil when Totals already is)
	Outlets    []NamedCount
	Entities   []NamedCount
	Months     []NamedCount
	Unit       string // "retombées" or "sujets"
	Chart      Chart
	Entries    []Entry
}

// Chart is the monthly bar chart, laid out for inline SVG.
type Chart struct {
	Width, Height, Left, Base int
	Bars                      []Bar
}

// Bar is one month of the chart.
type Bar struct {
	Label, Title       string
	Count              int
	X, Y, W, H         int
	CX, LabelY, CountY int
}

// Report gathers the press report of f: totals with the previous year and
// the coverage, the count of distinct stories, and the press book.
func (r *Reporter) Report(ctx context.Context, f Filter) (*Document, error) {
	by := []string{ByOutlet, ByEntity}
	if !f.From.IsZero() && !f.To.IsZero() {
		by = append(by, ByMonth)
	}
	t, err := r.Totals(ctx, f, Options{By: by, Previous: true, Coverage: true})
	if err != nil {
		return nil, err
	}
	d := &Document{Totals: t, Generated: r.now().In(r.loc), Outlets: t.By(ByOutlet), Entities: t.By(ByEntity),
		Months: t.By(ByMonth), Unit: "retombées"}
	if f.UniqueStories {
		d.Unit = "sujets"
	} else {
		sf := f
		sf.UniqueStories = true
		if d.Stories, err = r.Totals(ctx, sf, Options{By: []string{ByOutlet}}); err != nil {
			return nil, err
		}
	}
	d.Title = "Revue de presse"
	if p := t.Period; strings.HasPrefix(p, "en ") {
		d.Title += " " + strings.TrimPrefix(p, "en ")
	} else {
		d.Title += " " + p
	}
	d.Scope = "toute la presse"
	if f.Scope != "" {
		d.Scope = model.Scope(f.Scope).Label()
		d.Title += " — " + d.Scope
	}
	var filters []string
	if f.Outlet != "" && len(d.Outlets) > 0 {
		filters = append(filters, "titre : "+d.Outlets[0].Name)
	} else if f.Outlet != "" {
		filters = append(filters, "titre : "+f.Outlet)
	}
	if f.Entity != "" {
		filters = append(filters, "entité : "+r.EntityName(f.Entity))
	}
	if f.Kind != "" {
		filters = append(filters, "type : "+KindLabel(f.Kind))
	}
	if f.UniqueStories {
		filters = append(filters, "reprises comptées une fois")
	}
	d.FilterLine = strings.Join(filters, " · ")
	d.Chart = monthChart(d.Months)
	if d.Entries, err = r.PressBook(ctx, f); err != nil {
		return nil, err
	}
	return d, nil
}

// monthChart lays out one bar per month.
func monthChart(months []NamedCount) Chart {
	c := Chart{Width: 720, Height: 220, Left: 4, Base: 190}
	if len(months) == 0 {
		return c
	}
	most := 0
	for _, m := range months {
		most = max(most, m.Count)
	}
	slot := (c.Width - c.Left) / len(months)
	w := max(slot*7/10, 1)
	top := 20 // room for the counts above the bars
	for i, m := range months {
		h := 0
		if most > 0 {
			h = m.Count * (c.Base - top) / most
		}
		if m.Count > 0 && h == 0 {
			h = 1
		}
		x := c.Left + i*slot + (slot-w)/2
		label := m.Key
		if t, err := time.Parse("2006-01", m.Key); err == nil {
			label = monthAbbr(t.Month())
			if len(months) > 12 {
				label += " " + t.Format("06")
			}
		}
		c.Bars = append(c.Bars, Bar{Label: label, Title: m.Name, Count: m.Count, X: x, Y: c.Base - h, W: w, H: h,
			CX: x + w/2, LabelY: c.Base + 14, CountY: c.Base - h - 4})
	}
	return c
}

func monthAbbr(m time.Month) string {
	return [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}[m-1]
}

// WriteHTML writes the document as one printable HTML page (inline CSS and
// SVG, nothing to fetch). Everything from the press is escaped.
func WriteHTML(w io.Writer, d *Document) error {
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}
