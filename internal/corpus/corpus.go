// Package corpus generates a press corpus for benchmarks and load tests:
// clippings in realistic French (sentences about economic development,
// towns, companies and people), spread over outlets of every scope and over
// years, each mentioning entities of the default watch list in their
// varied spellings, with syndicated copies of some stories in other outlets.
// It is deterministic: the same options give the same corpus.
//
// Nothing generated is kept in the repository: benchmarks build it into a
// directory of their choosing (see cmd/veille-bench).
package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/simhash"
)

// Options shape a corpus. Zero values take the defaults shown.
type Options struct {
	Seed    uint64         // 1
	N       int            // clippings: 100000
	Outlets int            // 60
	From    time.Time      // 2019-01-01 in Loc
	Years   int            // 7
	Loc     *time.Location // Europe/Paris
	// Syndicated is the share of clippings that are copies of a story
	// already published by another outlet (a wire dispatch): 0.08.
	Syndicated float64
	// Entities are the watched entities mentioned; the default watch list
	// when empty.
	Entities []config.Entity
}

// Corpus generates clippings.
type Corpus struct {
	opt      Options
	outlets  []config.Outlet
	weights  []float64 // cumulative, per outlet
	entities []config.Entity
	eweights []float64 // cumulative, per entity
	words    words
	span     time.Duration
}

type words struct {
	regions, towns, sectors, stems, suffixes, first, last, roles []string
	sentences, titles, months, sections                          []string
	mentions                                                     map[string][]string // by entity kind
}

// byKind splits "kind|sentence" lines by kind.
func byKind(list []string) map[string][]string {
	out := map[string][]string{}
	for _, m := range list {
		if k, s, ok := strings.Cut(m, "|"); ok {
			out[k] = append(out[k], s)
		}
	}
	return out
}

func lines(s string) []string { return strings.Split(s, "\n") }

// New prepares a corpus.
func New(opt Options) (*Corpus, error) {
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.N <= 0 {
		opt.N = 100000
	}
	if opt.Outlets <= 0 {
		opt.Outlets = 60
	}
	if opt.Years <= 0 {
		opt.Years = 7
	}
	if opt.Loc == nil {
		loc, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		opt.Loc = loc
	}
	if opt.From.IsZero() {
		opt.From = time.Date(2019, 1, 1, 0, 0, 0, 0, opt.Loc)
	}
	if opt.Syndicated == 0 {
		opt.Syndicated = 0.08
	}
	if len(opt.Entities) == 0 {
		cfg, err := config.Default()
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		opt.Entities = cfg.Entities()
	}
	c := &Corpus{opt: opt, entities: opt.Entities,
		span: opt.From.AddDate(opt.Years, 0, 0).Sub(opt.From),
		words: words{
			regions: lines(regionsList), towns: lines(townsList), sectors: lines(sectorsList),
			stems: lines(companyStemsList), suffixes: lines(companySuffixesList), first: lines(firstNamesList),
			last: lines(lastNamesList), roles: lines(rolesList), sentences: lines(sentencesList),
			mentions: byKind(lines(mentionSentencesList)), titles: lines(titlesList), months: lines(monthsList),
			sections: lines(sectionsList),
		}}
	c.outlets = makeOutlets(opt.Outlets, opt.From.AddDate(5, 0, 0))
	// Outlet sizes follow a Zipf-like law: a few big national titles, a long
	// tail of small ones.
	sum := 0.0
	for i := range c.outlets {
		sum += 1 / math.Pow(float64(i%17+1), 0.8)
		c.weights = append(c.weights, sum)
	}
	// The federation and its forum are mentioned most, people and members less.
	sum = 0
	for _, e := range c.entities {
		w := 1.0
		switch e.ID {
		case "cner":
			w = 40
		case "devco":
			w = 12
		}
		if e.Kind == "person" {
			w = 3
		}
		sum += w
		c.eweights = append(c.eweights, sum)
	}
	return c, nil
}

// makeOutlets invents n outlets: a sixth national, half regional, the rest
// trade, international and institutional. Every tenth regional title became
// national at reclassified (its scope is versioned).
func makeOutlets(n int, reclassified time.Time) []config.Outlet {
	out := make([]config.Outlet, 0, n)
	for i := 0; i < n; i++ {
		var scope, kind string
		switch {
		case i < n/6:
			scope, kind = "national", "Le Quotidien"
		case i < n/6+n/2:
			scope, kind = "regional", "La Dépêche"
		case i < n/6+n/2+n/5:
			scope, kind = "trade", "La Lettre"
		case i%2 == 0:
			scope, kind = "international", "The Courier"
		default:
			scope, kind = "institutional", "Le Bulletin"
		}
		id := fmt.Sprintf("titre-%02d", i+1)
		o := config.Outlet{ID: id, Name: fmt.Sprintf("%s n°%d", kind, i+1), Scope: scope,
			Domains: []string{id + ".example.fr"}}
		if scope == "regional" && i%10 == 0 {
			o.ScopeHistory = []config.ScopeChange{{Scope: "regional", Until: reclassified.Format("2006-01-02")}}
			o.Scope = "national"
		}
		out = append(out, o)
	}
	return out
}

// Outlets returns the outlets of the corpus, for the store's SyncOutlets.
func (c *Corpus) Outlets() []config.Outlet { return c.outlets }

// N is the number of clippings.
func (c *Corpus) N() int { return c.opt.N }

// Location is the corpus's time zone.
func (c *Corpus) Location() *time.Location { return c.opt.Loc }

// Item is one generated clipping.
type Item struct {
	Clipping *model.Clipping // ID is the item's number, from 1
	Lead     string
	// Story is the number of the clipping whose story this one copies
	// (its own for an original): syndicated copies share it.
	Story int
}

// ScopeAt returns the scope of an outlet at t, following ScopeHistory as
// the store does.
func ScopeAt(o config.Outlet, t time.Time, loc *time.Location) model.Scope {
	for _, h := range o.ScopeHistory {
		until, err := time.ParseInLocation("2006-01-02", h.Until, loc)
		if err == nil && t.Before(until) {
			return model.Scope(h.Scope)
		}
	}
	return model.Scope(o.Scope)
}

// Each generates every clipping in order and calls fn with it. Items are
// generated afresh (nothing is kept), so a million take little memory.
func (c *Corpus) Each(fn func(Item) error) error {
	// Stories are copied from a window of recent originals.
	type story struct {
		n         int
		outlet    int
		title     string
		paras     []string
		published time.Time
		mentions  []model.Mention
	}
	var recent []story
	rng := rand.New(rand.NewPCG(c.opt.Seed, 0x5eed))
	step := c.span / time.Duration(c.opt.N)
	for i := 1; i <= c.opt.N; i++ {
		// Dates advance with i, jittered, so that copies follow their story.
		base := c.opt.From.Add(step * time.Duration(i-1))
		published := base.Add(time.Duration(rng.Int64N(int64(step) + 1))).Truncate(time.Minute)
		var it Item
		if len(recent) > 0 && rng.Float64() < c.opt.Syndicated {
			s := recent[rng.IntN(len(recent))]
			outlet := c.pickOutlet(rng)
			if outlet == s.outlet {
				outlet = (outlet + 1) % len(c.outlets)
			}
			title, paras := c.edit(rng, s.title, s.paras)
			// A copy appears within three days of its story.
			published = s.published.Add(time.Duration(rng.Int64N(int64(72 * time.Hour)))).Truncate(time.Minute)
			it = c.item(rng, i, outlet, title, paras, published, s.mentions)
			it.Story = s.n
		} else {
			outlet := c.pickOutlet(rng)
			title, paras, mentions := c.write(rng, published)
			it = c.item(rng, i, outlet, title, paras, published, mentions)
			it.Story = i
			if rng.IntN(4) == 0 {
				recent = append(recent, story{n: i, outlet: outlet, title: title, paras: paras,
					published: published, mentions: mentions})
				if len(recent) > 64 {
					recent = recent[1:]
				}
			}
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func (c *Corpus) pickOutlet(rng *rand.Rand) int {
	x := rng.Float64() * c.weights[len(c.weights)-1]
	for i, w := range c.weights {
		if x < w {
			return i
		}
	}
	return len(c.weights) - 1
}

func (c *Corpus) pickEntity(rng *rand.Rand) config.Entity {
	x := rng.Float64() * c.eweights[len(c.eweights)-1]
	for i, w := range c.eweights {
		if x < w {
			return c.entities[i]
		}
	}
	return c.entities[len(c.entities)-1]
}

func (c *Corpus) item(rng *rand.Rand, n, outlet int, title string, paras []string, published time.Time,
	mentions []model.Mention) Item {
	o := c.outlets[outlet]
	text := strings.Join(paras[1:], "\n\n")
	cl := &model.Clipping{
		ID:         int64(n),
		URL:        fmt.Sprintf("https://%s/%s/%d/%02d/%s-%d.html", o.Domains[0], c.words.sections[n%len(c.words.sections)], published.Year(), published.Month(), slug(title), n),
		OutletID:   o.ID,
		OutletName: o.Name,
		Title:      title,
		Text:       text,
		Lang:       "fr",
		Published:  published.UTC(),
		FirstSeen:  published.Add(time.Duration(rng.IntN(36*60)) * time.Minute).UTC(),
		Mentions:   append([]model.Mention(nil), mentions...),
	}
	// One in twenty pages gives no date: it is counted at first sight.
	if rng.IntN(20) == 0 {
		cl.Published = time.Time{}
	}
	cl.Scope = ScopeAt(o, cl.Date(), c.opt.Loc)
	for a := rng.IntN(3); a > 0; a-- {
		cl.Authors = append(cl.Authors, pick(rng, c.words.first)+" "+pick(rng, c.words.last))
	}
	for i := range cl.Mentions {
		m := &cl.Mentions[i]
		field := text
		if m.Field == model.FieldLead {
			field = paras[0]
		}
		if at := strings.Index(field, m.Snippet); at >= 0 {
			m.Start, m.End = at+m.HLStart, at+m.HLEnd
		}
	}
	cl.Simhash = simhash.Of(cl.Title + "\n" + cl.Text)
	return Item{Clipping: cl, Lead: paras[0]}
}

// write composes an original article: a title, a lead and 4 to 9
// paragraphs of 2 to 5 sentences, one to three entities mentioned.
func (c *Corpus) write(rng *rand.Rand, when time.Time) (string, []string, []model.Mention) {
	f := c.filler(rng, when)
	title := f.fill(pick(rng, c.words.titles))
	np := 5 + rng.IntN(6)
	paras := make([]string, 0, np)
	for p := 0; p < np; p++ {
		ns := 2 + rng.IntN(4)
		var b strings.Builder
		for s := 0; s < ns; s++ {
			if s > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(f.fill(pick(rng, c.words.sentences)))
		}
		paras = append(paras, b.String())
	}
	// Mentions go in the lead or the body, in sentences of their own.
	var mentions []model.Mention
	seen := map[string]bool{}
	for k := 1 + rng.IntN(3); k > 0; k-- {
		e := c.pickEntity(rng)
		if seen[e.ID] || len(e.Aliases) == 0 {
			continue
		}
		seen[e.ID] = true
		alias := e.Aliases[rng.IntN(len(e.Aliases))].Text
		written := alias
		if e.ID == "devco" && rng.IntN(3) == 0 {
			written = fmt.Sprintf("%s%02d", alias, when.Year()%100)
		}
		p := rng.IntN(len(paras))
		sentence := strings.Replace(f.fill(c.mentionSentence(rng, e.Kind)), "{e}", written, 1)
		field := model.FieldBody
		if p == 0 {
			field = model.FieldLead
		}
		paras[p] += " " + sentence
		mentions = append(mentions, model.Mention{
			EntityID: e.ID, EntityKind: model.EntityKind(e.Kind), Alias: alias, Matched: written, Field: field,
			Snippet: sentence, HLStart: strings.Index(sentence, written),
			HLEnd: strings.Index(sentence, written) + len(written), Count: 1,
		})
	}
	return title, paras, mentions
}

// edit makes a syndicated copy: often a new headline, sometimes the last
// paragraph cut, sometimes a sentence of the outlet's own added.
func (c *Corpus) edit(rng *rand.Rand, title string, paras []string) (string, []string) {
	out := append([]string(nil), paras...)
	if rng.IntN(2) == 0 {
		title = "Dépêche : " + title
	}
	if rng.IntN(3) == 0 && len(out) > 3 {
		out = out[:len(out)-1]
	}
	if rng.IntN(3) == 0 {
		out[len(out)-1] += " (Avec AFP)"
	}
	return title, out
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

// mentionSentence picks a sentence that suits an entity of the kind.
func (c *Corpus) mentionSentence(rng *rand.Rand, kind string) string {
	fit := c.words.mentions[kind]
	if len(fit) == 0 {
		return "Le dossier a été suivi par {e}."
	}
	return pick(rng, fit)
}

// filler fills the slots of one article, keeping its places and people.
type filler struct {
	c       *Corpus
	rng     *rand.Rand
	town    string
	town2   string
	region  string
	company string
	person  string
	role    string
	year    int
}

func (c *Corpus) filler(rng *rand.Rand, when time.Time) *filler {
	w := c.words
	return &filler{c: c, rng: rng, town: pick(rng, w.towns), town2: pick(rng, w.towns), region: pick(rng, w.regions),
		company: pick(rng, w.stems) + pick(rng, w.suffixes),
		person:  pick(rng, w.first) + " " + pick(rng, w.last), role: pick(rng, w.roles), year: when.Year()}
}

func (f *filler) fill(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	w := f.c.words
	var b strings.Builder
	b.Grow(len(s) + 32)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		switch slot := s[i+1 : i+j]; slot {
		case "town":
			b.WriteString(f.town)
		case "town2":
			b.WriteString(f.town2)
		case "region":
			b.WriteString(f.region)
		case "company":
			b.WriteString(f.company)
		case "person":
			b.WriteString(f.person)
		case "role":
			b.WriteString(f.role)
		case "sector":
			b.WriteString(pick(f.rng, w.sectors))
		case "n":
			b.WriteString(strconv.Itoa(2 + f.rng.IntN(60)))
		case "jobs":
			b.WriteString(strconv.Itoa(10 * (1 + f.rng.IntN(80))))
		case "m":
			b.WriteString(strconv.Itoa(1 + f.rng.IntN(250)))
		case "year":
			b.WriteString(strconv.Itoa(f.year + f.rng.IntN(3)))
		case "month":
			b.WriteString(pick(f.rng, w.months))
		default: // {e} is left for the caller
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() > 60 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}
