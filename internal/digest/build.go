package digest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

// catalog knows the watched entities: their names, kinds and the order in
// which a digest groups them (the federation, its forum and brands, persons,
// then the member agencies by name).
type catalog struct {
	byID map[string]entityInfo
}

type entityInfo struct {
	Name  string
	Kind  model.EntityKind
	order int
}

func newCatalog(cfg *config.Config) *catalog {
	ents := cfg.Entities()
	c := &catalog{byID: make(map[string]entityInfo, len(ents))}
	kindRank := map[model.EntityKind]int{}
	for i, k := range model.EntityKinds() {
		kindRank[k] = i
	}
	idx := make([]int, len(ents))
	for i := range idx {
		idx[i] = i
	}
	col := collate.New(language.French, collate.IgnoreCase, collate.Loose)
	sort.SliceStable(idx, func(a, b int) bool {
		ea, eb := ents[idx[a]], ents[idx[b]]
		ra, rb := rankOf(kindRank, ea.Kind), rankOf(kindRank, eb.Kind)
		if ra != rb {
			return ra < rb
		}
		if model.EntityKind(ea.Kind) == model.KindMember {
			return col.CompareString(ea.Name, eb.Name) < 0
		}
		return false // watch-list order
	})
	for order, i := range idx {
		e := ents[i]
		name := e.Name
		if name == "" {
			name = e.ID
		}
		c.byID[e.ID] = entityInfo{Name: name, Kind: model.EntityKind(e.Kind), order: order}
	}
	return c
}

func rankOf(rank map[model.EntityKind]int, k string) int {
	if r, ok := rank[model.EntityKind(k)]; ok {
		return r
	}
	return len(rank)
}

// info returns what is known of an entity; one no longer in the watch list
// keeps its id as name and sorts last.
func (c *catalog) info(id string, kind model.EntityKind) entityInfo {
	if e, ok := c.byID[id]; ok {
		return e
	}
	return entityInfo{Name: id, Kind: kind, order: len(c.byID)}
}

// Digest is one digest email's content, ready to render.
type Digest struct {
	To        config.Recipient
	Date      time.Time // the day it is the digest of (local time)
	Since     time.Time // clippings found since (local time)
	Total     int       // distinct clippings
	National  int       // of which in the national press
	ByScope   []ScopeCount
	Groups    []Group
	BaseURL   string // web UI, without trailing slash; empty: no links
	MessageID string // without angle brackets; empty in previews
	loc       *time.Location
}

// ScopeCount is the number of clippings in one scope.
type ScopeCount struct {
	Scope model.Scope
	Label string // "presse nationale"
	Count int
}

// Group is the clippings of one entity.
type Group struct {
	EntityID string
	Name     string
	Kind     model.EntityKind
	Items    []Item
}

// Item is one clipping in a group.
type Item struct {
	ID         int64
	Outlet     string
	ScopeLabel string
	Published  time.Time // zero when unknown
	FirstSeen  time.Time
	Title      string
	URL        string
	Authors    []string
	Paywalled  bool
	// The mention's snippet, split around the matched words.
	Pre, Hit, Post string
	WebURL         string
	// Repeat is set when the clipping was listed in an earlier group
	// (named SeenIn): it is then shown in short.
	Repeat bool
	SeenIn string
	// Late is set when the article was published well before the
	// digest's period: found late (a backfill) or credited by a rematch.
	Late bool
}

// build turns clippings into a digest for a recipient: only the mentions
// that pass the recipient's entity and kind filters make groups.
func (c *catalog) build(r config.Recipient, clippings []*model.Clipping, day, since time.Time, baseURL string, loc *time.Location) *Digest {
	d := &Digest{To: r, Date: day.In(loc), Since: since.In(loc), BaseURL: strings.TrimRight(baseURL, "/"), loc: loc}
	entities := set(r.Entities)
	kinds := set(r.Kinds)
	groups := map[string]*Group{}
	scopes := map[model.Scope]int{}
	for _, cl := range clippings {
		counted := false
		for _, m := range cl.Mentions {
			if (len(entities) > 0 && !entities[m.EntityID]) || (len(kinds) > 0 && !kinds[string(m.EntityKind)]) {
				continue
			}
			g, ok := groups[m.EntityID]
			if !ok {
				info := c.info(m.EntityID, m.EntityKind)
				g = &Group{EntityID: m.EntityID, Name: info.Name, Kind: info.Kind}
				groups[m.EntityID] = g
			}
			g.Items = append(g.Items, d.item(cl, m))
			if !counted {
				counted = true
				d.Total++
				scopes[cl.Scope]++
				if cl.Scope == model.ScopeNational {
					d.National++
				}
			}
		}
	}
	for _, sc := range model.Scopes() {
		if n := scopes[sc]; n > 0 {
			d.ByScope = append(d.ByScope, ScopeCount{Scope: sc, Label: sc.Label(), Count: n})
		}
	}
	for _, g := range groups {
		sort.SliceStable(g.Items, func(i, j int) bool {
			a, b := g.Items[i].date(), g.Items[j].date()
			if !a.Equal(b) {
				return a.After(b)
			}
			return g.Items[i].ID > g.Items[j].ID
		})
		d.Groups = append(d.Groups, *g)
	}
	sort.Slice(d.Groups, func(i, j int) bool {
		oi, oj := c.info(d.Groups[i].EntityID, "").order, c.info(d.Groups[j].EntityID, "").order
		if oi != oj {
			return oi < oj
		}
		return d.Groups[i].EntityID < d.Groups[j].EntityID
	})
	// A clipping mentioning several entities is shown in full in its first
	// group and in short in the others.
	first := map[int64]string{}
	for gi := range d.Groups {
		g := &d.Groups[gi]
		for ii := range g.Items {
			it := &g.Items[ii]
			if name, seen := first[it.ID]; seen {
				it.Repeat, it.SeenIn = true, name
			} else {
				first[it.ID] = g.Name
			}
		}
	}
	return d
}

func (d *Digest) item(cl *model.Clipping, m model.Mention) Item {
	it := Item{
		ID:         cl.ID,
		Outlet:     oneLine(cl.OutletName),
		ScopeLabel: cl.Scope.Label(),
		Published:  inLoc(cl.Published, d.loc),
		FirstSeen:  inLoc(cl.FirstSeen, d.loc),
		Title:      oneLine(cl.Title),
		URL:        cl.URL,
		Paywalled:  cl.Paywalled,
	}
	if it.Title == "" {
		it.Title = cl.URL
	}
	for _, a := range cl.Authors {
		if a = oneLine(a); a != "" {
			it.Authors = append(it.Authors, a)
		}
	}
	if m.HLStart >= 0 && m.HLEnd <= len(m.Snippet) && m.HLStart < m.HLEnd {
		it.Pre, it.Hit, it.Post = m.Snippet[:m.HLStart], m.Snippet[m.HLStart:m.HLEnd], m.Snippet[m.HLEnd:]
	} else {
		it.Pre = m.Snippet
	}
	it.Pre, it.Hit, it.Post = collapseSpaces(it.Pre), collapseSpaces(it.Hit), collapseSpaces(it.Post)
	if d.BaseURL != "" {
		it.WebURL = d.BaseURL + "/clippings/" + strconv.FormatInt(cl.ID, 10)
	}
	if !cl.Published.IsZero() && !d.Since.IsZero() && cl.Published.Before(d.Since.Add(-48*time.Hour)) {
		it.Late = true
	}
	return it
}

func inLoc(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(loc)
}

func (it Item) date() time.Time {
	if !it.Published.IsZero() {
		return it.Published
	}
	return it.FirstSeen
}

func set(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// oneLine collapses every run of white space (newlines included) into one
// space and drops control characters.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)), " ")
}

// collapseSpaces is oneLine that keeps one leading or trailing space, so
// that the pieces of a snippet join with their spacing.
func collapseSpaces(s string) string {
	if s == "" {
		return s
	}
	out := oneLine(s)
	if out == "" {
		return " "
	}
	if isSpace(s[0]) {
		out = " " + out
	}
	if isSpace(s[len(s)-1]) {
		out += " "
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }
