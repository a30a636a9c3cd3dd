package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/model"
)

const (
	pageSize = 20
	// maxOffset bounds how deep pagination goes; the CSV export goes as far
	// as maxExport.
	maxOffset    = 10000
	maxExport    = 10000
	maxQueryLen  = 1000
	facetsShown  = 8
	exportPaging = 500
)

// searchParams is a search as the URL holds it: the whole search is in the
// query string, so that it can be bookmarked and shared.
type searchParams struct {
	Q      string
	Outlet string
	Scope  string
	Entity string
	Kind   string
	Year   string
	From   string // YYYY-MM-DD, inclusive
	To     string // YYYY-MM-DD, inclusive
	Sort   string // date (default) or relevance
	Page   int
}

// readSearch reads a search from the query string. Problems are French
// sentences; the parameters are kept as typed so that the form shows them.
func (s *Server) readSearch(v url.Values) (searchParams, index.Query, []string) {
	p := searchParams{
		Q:      strings.TrimSpace(v.Get("q")),
		Outlet: strings.TrimSpace(v.Get("outlet")),
		Scope:  strings.TrimSpace(v.Get("scope")),
		Entity: strings.TrimSpace(v.Get("entity")),
		Kind:   strings.TrimSpace(v.Get("kind")),
		Year:   strings.TrimSpace(v.Get("year")),
		From:   strings.TrimSpace(v.Get("from")),
		To:     strings.TrimSpace(v.Get("to")),
		Sort:   strings.TrimSpace(v.Get("sort")),
		Page:   1,
	}
	var problems []string
	q := index.Query{Text: p.Q, Outlet: p.Outlet, Scope: p.Scope, Entity: p.Entity, Kind: p.Kind,
		Size: pageSize, Facets: true}
	if len(p.Q) > maxQueryLen {
		problems = append(problems, fmt.Sprintf("La requête est trop longue (%d caractères au plus).", maxQueryLen))
	}
	if p.Scope != "" && !model.Scope(p.Scope).Valid() {
		problems = append(problems, fmt.Sprintf("Portée inconnue : « %s ».", p.Scope))
	}
	if p.Kind != "" && !model.EntityKind(p.Kind).Valid() {
		problems = append(problems, fmt.Sprintf("Type d'entité inconnu : « %s ».", p.Kind))
	}
	switch p.Sort {
	case "", "date":
		p.Sort = ""
		q.Sort = "date"
	case "relevance":
		q.Sort = "relevance"
	default:
		problems = append(problems, fmt.Sprintf("Tri inconnu : « %s » (date ou pertinence).", p.Sort))
		p.Sort = ""
		q.Sort = "date"
	}
	if ps := v.Get("page"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 {
			problems = append(problems, fmt.Sprintf("Numéro de page incorrect : « %s ».", ps))
		} else if (n-1)*pageSize >= maxOffset {
			problems = append(problems, fmt.Sprintf("Page %d : la pagination s'arrête à la page %d ; affinez la recherche.",
				n, maxOffset/pageSize))
		} else {
			p.Page = n
		}
	}
	q.Offset = (p.Page - 1) * pageSize
	if p.Year != "" {
		y, err := strconv.Atoi(p.Year)
		if err != nil || y < 1900 || y > 3000 {
			problems = append(problems, fmt.Sprintf("Année incorrecte : « %s ».", p.Year))
		} else {
			q.From = time.Date(y, 1, 1, 0, 0, 0, 0, s.loc)
			q.To = time.Date(y+1, 1, 1, 0, 0, 0, 0, s.loc)
		}
	}
	if p.From != "" {
		t, err := time.ParseInLocation("2006-01-02", p.From, s.loc)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Date de début incorrecte : « %s » (AAAA-MM-JJ).", p.From))
		} else if q.From.IsZero() || t.After(q.From) {
			q.From = t
		}
	}
	if p.To != "" {
		t, err := time.ParseInLocation("2006-01-02", p.To, s.loc)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Date de fin incorrecte : « %s » (AAAA-MM-JJ).", p.To))
		} else if end := t.AddDate(0, 0, 1); q.To.IsZero() || end.Before(q.To) {
			q.To = end
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		problems = append(problems, "La période est vide : la date de début suit la date de fin.")
	}
	return p, q, problems
}

func hasEmpty(v url.Values) bool {
	for _, vals := range v {
		for _, x := range vals {
			if strings.TrimSpace(x) == "" {
				return true
			}
		}
	}
	return false
}

// values encodes the search, leaving out what is empty or default.
func (p searchParams) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", p.Q)
	set("outlet", p.Outlet)
	set("scope", p.Scope)
	set("entity", p.Entity)
	set("kind", p.Kind)
	set("year", p.Year)
	set("from", p.From)
	set("to", p.To)
	set("sort", p.Sort)
	if p.Page > 1 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	return v
}

// URL is the search at path ("/search", "/search.csv").
func (p searchParams) URL(path string) string {
	if enc := p.values().Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}

// field is the parameter named key ("outlet", "scope", "entity", "kind",
// "year", "from", "to", "q"), nil for another name.
func (p *searchParams) field(key string) *string {
	switch key {
	case "outlet":
		return &p.Outlet
	case "scope":
		return &p.Scope
	case "entity":
		return &p.Entity
	case "kind":
		return &p.Kind
	case "year":
		return &p.Year
	case "from":
		return &p.From
	case "to":
		return &p.To
	case "q":
		return &p.Q
	}
	return nil
}

// with returns the search with a filter set (empty: removed), back on page 1.
func (p searchParams) with(key, value string) searchParams {
	if f := p.field(key); f != nil {
		*f = value
	}
	p.Page = 1
	return p
}

// get is the value of the filter named key.
func (p searchParams) get(key string) string {
	if f := p.field(key); f != nil {
		return *f
	}
	return ""
}

// facetValue is one value of a facet, with the URL that selects it (or,
// when selected, the URL that removes it).
type facetValue struct {
	Key    string
	Label  string
	Count  int
	URL    string
	Active bool
}

type facetGroup struct {
	Key    string
	Label  string
	Top    []facetValue
	More   []facetValue // shown on demand
	Active bool
}

// activeFilter is a filter in force, with the URL that removes it.
type activeFilter struct {
	Label     string
	Value     string
	RemoveURL string
}

type hitView struct {
	ID         int64
	Title      string
	TitleHTML  template.HTML // the title with the matched words marked, when it matched
	URL        string
	OutletName string
	Scope      string
	Date       time.Time
	Entities   []entityLink
	Snippet    template.HTML // a highlighted fragment of the text
	Mention    *snippet      // else the first mention's extract
}

type entityLink struct {
	Name string
	URL  string
}

type searchData struct {
	P        searchParams
	Total    int
	Hits     []hitView
	Facets   []facetGroup
	Active   []activeFilter
	Pages    int
	PrevURL  string
	NextURL  string
	CSVURL   string
	SortURLs map[string]string
	// FacetsPendingURL is set when the facet counts were not ready in time:
	// the same search, to load again.
	FacetsPendingURL string
	First            int // rank of the first hit shown
	Last             int
}

var facetLabels = []struct{ key, label string }{
	{"entity", "Entité"},
	{"kind", "Type d'entité"},
	{"outlet", "Titre de presse"},
	{"scope", "Portée"},
	{"year", "Année"},
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, sess *session) {
	p, q, problems := s.readSearch(r.URL.Query())
	// The form sends its empty fields too: send the browser on to the
	// search's clean address, the one to bookmark and share.
	if len(problems) == 0 && hasEmpty(r.URL.Query()) {
		http.Redirect(w, r, p.URL(r.URL.Path), http.StatusSeeOther)
		return
	}
	v := &view{Title: "Recherche", Nav: "search", User: sess.User}
	data := searchData{P: p}
	v.Data = &data
	if len(problems) > 0 {
		v.Error = strings.Join(problems, " ")
		s.render(w, r, http.StatusBadRequest, "search", v)
		return
	}
	res, pending, err := s.searchWithFacets(r.Context(), q)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		if isQueryError(err) {
			v.Error = "Requête incorrecte : " + queryErrorText(err)
			s.render(w, r, http.StatusBadRequest, "search", v)
			return
		}
		s.serverError(w, r, sess, err)
		return
	}
	outletNames, err := s.st.OutletNames(r.Context())
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data.Total = int(res.Total)
	data.Pages = (min(data.Total, maxOffset) + pageSize - 1) / pageSize
	data.First = q.Offset + 1
	data.Last = q.Offset + len(res.Hits)
	if p.Page > 1 {
		prev := p
		prev.Page--
		data.PrevURL = prev.URL("/search")
	}
	if p.Page < data.Pages {
		next := p
		next.Page++
		data.NextURL = next.URL("/search")
	}
	csv := p
	csv.Page = 1
	data.CSVURL = csv.URL("/search.csv")
	data.SortURLs = map[string]string{}
	for _, so := range []string{"", "relevance"} {
		sp := p
		sp.Sort, sp.Page = so, 1
		data.SortURLs[so] = sp.URL("/search")
	}
	if data.Hits, err = s.hitViews(r, p, res.Hits); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data.Facets = s.facetGroups(p, res.Facets, outletNames)
	if pending {
		refresh := p
		data.FacetsPendingURL = refresh.URL("/search")
	}
	data.Active = s.activeFilters(p, outletNames)
	s.render(w, r, http.StatusOK, "search", v)
}

// hitViews prepares the hits; those without a highlighted fragment (no query
// text, or a match on a field that is not shown) show their first mention.
func (s *Server) hitViews(r *http.Request, p searchParams, hits []index.Hit) ([]hitView, error) {
	out := make([]hitView, 0, len(hits))
	var need []int64
	for _, h := range hits {
		hv := hitView{ID: h.ID, Title: h.Title, URL: h.URL, OutletName: h.OutletName, Scope: h.Scope, Date: h.Date}
		if hv.OutletName == "" {
			hv.OutletName = h.Outlet
		}
		title := strings.Join(strings.Fields(h.Title), " ")
		for _, f := range h.Fragments {
			if fragmentText(f) == title && strings.Contains(f, "<mark>") {
				if hv.TitleHTML == "" {
					hv.TitleHTML = markedHTML(f)
				}
				continue
			}
			if hv.Snippet == "" && strings.Contains(f, "<mark>") {
				hv.Snippet = markedHTML(f)
			}
		}
		for _, e := range h.Entities {
			hv.Entities = append(hv.Entities, entityLink{Name: s.entityName(e), URL: p.with("entity", e).URL("/search")})
		}
		if hv.Snippet == "" {
			need = append(need, h.ID)
		}
		out = append(out, hv)
	}
	if len(need) == 0 {
		return out, nil
	}
	mentions, err := s.st.MentionsOf(r.Context(), need)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if ms := mentions[out[i].ID]; out[i].Snippet == "" && len(ms) > 0 {
			m := ms[0]
			// Prefer the mention of the entity filtered on.
			for _, x := range ms {
				if x.EntityID == p.Entity || (p.Kind != "" && string(x.EntityKind) == p.Kind) {
					m = x
					break
				}
			}
			sn := snippetOf(m)
			out[i].Mention = &sn
		}
	}
	return out, nil
}

func (s *Server) entityName(id string) string {
	if e, ok := s.entities[id]; ok && e.Name != "" {
		return e.Name
	}
	return id
}

// facetLabel is the name shown for a facet's value.
func (s *Server) facetLabel(key, value string, outletNames map[string]string) string {
	switch key {
	case "outlet":
		if n := outletNames[value]; n != "" {
			return n
		}
	case "entity":
		return s.entityName(value)
	case "scope":
		return scopeName(value)
	case "kind":
		return kindName(value)
	}
	return value
}

func (s *Server) facetGroups(p searchParams, facets map[string][]index.FacetCount, outletNames map[string]string) []facetGroup {
	var groups []facetGroup
	for _, fl := range facetLabels {
		counts := facets[fl.key]
		if len(counts) == 0 {
			continue
		}
		counts = append([]index.FacetCount(nil), counts...)
		if fl.key == "year" {
			sort.Slice(counts, func(i, j int) bool { return counts[i].Key > counts[j].Key })
		}
		g := facetGroup{Key: fl.key, Label: fl.label}
		current := p.get(fl.key)
		for _, c := range counts {
			fv := facetValue{Key: c.Key, Label: s.facetLabel(fl.key, c.Key, outletNames), Count: c.Count}
			if c.Key == current {
				fv.Active = true
				g.Active = true
				fv.URL = p.with(fl.key, "").URL("/search")
			} else {
				fv.URL = p.with(fl.key, c.Key).URL("/search")
			}
			if len(g.Top) < facetsShown || fv.Active {
				g.Top = append(g.Top, fv)
			} else {
				g.More = append(g.More, fv)
			}
		}
		groups = append(groups, g)
	}
	return groups
}

func (s *Server) activeFilters(p searchParams, outletNames map[string]string) []activeFilter {
	var out []activeFilter
	for _, fl := range facetLabels {
		if v := p.get(fl.key); v != "" {
			out = append(out, activeFilter{Label: fl.label, Value: s.facetLabel(fl.key, v, outletNames),
				RemoveURL: p.with(fl.key, "").URL("/search")})
		}
	}
	if p.From != "" {
		out = append(out, activeFilter{Label: "Depuis le", Value: p.From, RemoveURL: p.with("from", "").URL("/search")})
	}
	if p.To != "" {
		out = append(out, activeFilter{Label: "Jusqu'au", Value: p.To, RemoveURL: p.with("to", "").URL("/search")})
	}
	return out
}

// searchCSV exports every hit of a search (up to maxExport), whatever the
// page shown.
func (s *Server) searchCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	v := r.URL.Query()
	v.Del("page")
	p, q, problems := s.readSearch(v)
	if len(problems) > 0 {
		s.renderError(w, r, sess, http.StatusBadRequest, strings.Join(problems, " "))
		return
	}
	q.Facets = false
	q.Size = exportPaging
	var hits []index.Hit
	for q.Offset = 0; q.Offset < maxExport; q.Offset += exportPaging {
		res, err := s.ix.Search(r.Context(), q)
		if err != nil {
			if isQueryError(err) {
				s.renderError(w, r, sess, http.StatusBadRequest, "Requête incorrecte : "+queryErrorText(err))
				return
			}
			s.serverError(w, r, sess, err)
			return
		}
		hits = append(hits, res.Hits...)
		if len(res.Hits) < exportPaging || uint64(len(hits)) >= res.Total {
			break
		}
	}
	rows := make([][]string, 0, len(hits))
	for _, h := range hits {
		ents := make([]string, 0, len(h.Entities))
		for _, e := range h.Entities {
			ents = append(ents, s.entityName(e))
		}
		name := h.OutletName
		if name == "" {
			name = h.Outlet
		}
		rows = append(rows, []string{dateInput(h.Date, s.loc), name, scopeName(h.Scope), h.Title, h.URL,
			strings.Join(ents, ", "), s.clippingURL(h.ID), strconv.FormatInt(h.ID, 10)})
	}
	name := "recherche"
	if p.Q != "" {
		name += "-" + slug(p.Q)
	}
	writeCSV(w, name+".csv", []string{"date", "titre de presse", "portée", "titre", "adresse", "entités",
		"fiche veille", "identifiant"}, rows)
}

// clippingURL is the address of a clipping's page: absolute when
// web.base_url is set (as in the digest's links), else a path.
func (s *Server) clippingURL(id int64) string {
	return strings.TrimRight(s.cfg.Web.BaseURL, "/") + "/clippings/" + strconv.FormatInt(id, 10)
}

// isQueryError tells the user's mistakes in a query from failures of the
// index.
func isQueryError(err error) bool {
	var qe *index.QueryError
	return errors.As(err, &qe)
}

// queryErrorText is the French message of a query the index refused.
func queryErrorText(err error) string {
	var qe *index.QueryError
	if errors.As(err, &qe) {
		return qe.Message()
	}
	return err.Error()
}
