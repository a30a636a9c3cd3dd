package match

import (
	"sort"
	"time"

	"github.com/cner/veille/internal/model"
)

// Doc is what the matcher reads of an article: its title, its lead
// (chapô) and its main text, nothing else (navigation, sidebars and
// related-article lists are not the article's). Published dates role
// titles ("le président du CNER"); it may be zero.
type Doc struct {
	Title, Lead, Body string
	Published         time.Time
}

// field returns the text of field f (0 title, 1 lead, 2 body).
func (d *Doc) field(f int) string {
	switch f {
	case 0:
		return d.Title
	case 1:
		return d.Lead
	}
	return d.Body
}

var fieldNames = [3]string{model.FieldTitle, model.FieldLead, model.FieldBody}

// scratch is the per-call working memory, pooled.
type scratch struct {
	toks  []token
	hits  []hit
	occ   [][]span // by cue id
	cands []candidate
}

// hit is a pattern found by the automaton, over tokens [a, b).
type hit struct {
	pat  int32
	a, b int32
}

type span struct{ a, b int32 }

// candidate is an alias or role-title occurrence and its verdict.
type candidate struct {
	alias  int32 // alias index, or -1 for a role title
	role   int32 // role index, or -1
	entity int32
	a, b   int32 // tokens
	field  int
	start  int // bytes in the field, suffix included
	end    int
	kept   bool
	reason Reason
	cue    string // the context word found or the exclude phrase at fault
	other  int32  // the candidate that overlaps it (ReasonOverlap)
}

// run tokenises d, finds every pattern and judges each candidate.
type run struct {
	m        *Matcher
	d        *Doc
	sc       *scratch
	fieldTok [4]int32 // token index where each field starts; [3] = len
}

// Match returns one mention per entity found in d, in order of first
// occurrence (title, then lead, then body).
func (m *Matcher) Match(d Doc) []model.Mention {
	sc := m.scratch.Get().(*scratch)
	defer m.scratch.Put(sc)
	r := run{m: m, d: &d, sc: sc}
	r.scan()
	r.judge()
	return r.mentions()
}

// scan tokenises the three fields and runs the automaton over them.
func (r *run) scan() {
	m, sc := r.m, r.sc
	sc.toks = sc.toks[:0]
	sc.hits = sc.hits[:0]
	sc.cands = sc.cands[:0]
	for i := range sc.occ {
		sc.occ[i] = sc.occ[i][:0]
	}
	if len(sc.occ) < len(m.cues) {
		sc.occ = append(sc.occ, make([][]span, len(m.cues)-len(sc.occ))...)
	}
	for f := 0; f < 3; f++ {
		r.fieldTok[f] = int32(len(sc.toks))
		sc.toks = m.vocab.tokenize(r.d.field(f), sc.toks)
	}
	r.fieldTok[3] = int32(len(sc.toks))

	ac := m.ac
	state := int32(0)
	for i, t := range sc.toks {
		if t.flags&tBreak != 0 {
			state = 0
		}
		if t.id < 0 {
			state = 0
			continue
		}
		state = ac.step(state, t.id)
		for o := ac.dict[state]; o > 0; o = ac.dict[ac.fail[o]] {
			for _, p := range ac.outPat[ac.outStart[o]:ac.outStart[o+1]] {
				n := m.patterns[p].n
				sc.hits = append(sc.hits, hit{pat: p, a: int32(i+1) - n, b: int32(i + 1)})
			}
		}
	}
	for _, h := range sc.hits {
		if p := m.patterns[h.pat]; p.kind == pCue {
			sc.occ[p.ref] = append(sc.occ[p.ref], span{h.a, h.b})
		}
	}
}

// fieldOf returns the field of token i.
func (r *run) fieldOf(i int32) int {
	switch {
	case i < r.fieldTok[1]:
		return 0
	case i < r.fieldTok[2]:
		return 1
	}
	return 2
}

// judge turns hits into candidates and decides which are kept.
func (r *run) judge() {
	m, sc := r.m, r.sc
	for _, h := range sc.hits {
		p := m.patterns[h.pat]
		switch p.kind {
		case pAlias:
			sc.cands = append(sc.cands, r.judgeAlias(p, h))
		case pRole:
			sc.cands = append(sc.cands, r.judgeRole(p.ref, h))
		}
	}
	r.resolveRoles()
	r.resolveOverlaps()
}

func (r *run) judgeAlias(p pattern, h hit) candidate {
	m, toks := r.m, r.sc.toks
	ai := p.ref
	al := &m.aliases[ai]
	f := r.fieldOf(h.a)
	c := candidate{alias: ai, role: -1, entity: al.entity, a: h.a, b: h.b, field: f, other: -1,
		start: int(toks[h.a].start), end: int(toks[h.b-1].end)}
	text := r.d.field(f)
	// Word boundaries: "CNER" is not in "ACNER2".
	if h.a > r.fieldTok[f] && toks[h.a].flags&tGlued != 0 && toks[h.a-1].flags&(tWord|tDigit) != 0 {
		c.reason = ReasonInsideWord
		return c
	}
	if h.b < r.fieldTok[f+1] && toks[h.b].flags&tGlued != 0 && toks[h.b].flags&(tWord|tDigit) != 0 {
		next := toks[h.b]
		after := h.b + 1
		suffixOK := al.suffix && next.flags&tDigit != 0 &&
			!(after < r.fieldTok[f+1] && toks[after].flags&tGlued != 0 && toks[after].flags&tWord != 0)
		if !suffixOK {
			c.reason = ReasonInsideWord
			return c
		}
		c.end = int(next.end)
	}
	for i := h.a + 1; i < h.b; i++ {
		// Aliases of more than 64 words accept commas anywhere.
		if toks[i].flags&tComma != 0 && p.n <= 64 && p.commas&(1<<(i-h.a)) == 0 {
			c.reason = ReasonComma
			return c
		}
	}
	if inURL(text, c.start, c.end) {
		c.reason = ReasonURL
		return c
	}
	if al.caseSensitive && caseKey(text[c.start:toks[h.b-1].end]) != al.caseKey {
		c.reason = ReasonCase
		return c
	}
	if relatedLine(text, c.start) {
		c.reason = ReasonRelated
		return c
	}
	for _, x := range al.excludes {
		occ := r.sc.occ[x.cue]
		var veto bool
		if x.covering {
			veto = r.m.covered(occ, h)
		} else {
			veto = len(occ) > 0 && (al.window == 0 || r.m.near(occ, h, al.window))
		}
		if veto {
			c.reason, c.cue = ReasonExcluded, m.cues[x.cue].text
			return c
		}
	}
	if len(al.context) > 0 {
		found := ""
		for _, cu := range al.context {
			if r.m.nearApart(r.sc.occ[cu], h, al.window) {
				found = m.cues[cu].text
				break
			}
		}
		if found == "" {
			c.reason = ReasonNoContext
			return c
		}
		c.kept, c.reason, c.cue = true, ReasonContext, found
		return c
	}
	c.kept, c.reason = true, ReasonMatched
	return c
}

// Occurrence lists are in order of their last token, and a cue is at
// most maxCue tokens long: the searches below start with a binary search.

// first returns the index of the first occurrence ending at or after b.
func first(occ []span, b int32) int {
	return sort.Search(len(occ), func(i int) bool { return occ[i].b >= b })
}

// near reports whether an occurrence lies within window tokens of h
// (overlapping included).
func (m *Matcher) near(occ []span, h hit, window int) bool {
	for i := first(occ, h.a-int32(window)); i < len(occ); i++ {
		o := occ[i]
		if o.b-int32(m.maxCue) > h.b+int32(window) {
			break
		}
		if distance(o, h) <= window {
			return true
		}
	}
	return false
}

// nearApart is near for context words, which must not overlap h; window 0
// means anywhere.
func (m *Matcher) nearApart(occ []span, h hit, window int) bool {
	if window == 0 {
		for _, o := range occ {
			if o.b <= h.a || o.a >= h.b {
				return true
			}
		}
		return false
	}
	for i := first(occ, h.a-int32(window)); i < len(occ); i++ {
		o := occ[i]
		if o.b-int32(m.maxCue) > h.b+int32(window) {
			break
		}
		if (o.b <= h.a || o.a >= h.b) && distance(o, h) <= window {
			return true
		}
	}
	return false
}

// covered reports whether an occurrence covers all of h.
func (m *Matcher) covered(occ []span, h hit) bool {
	for i := first(occ, h.b); i < len(occ); i++ {
		o := occ[i]
		if o.b-int32(m.maxCue) > h.b {
			break
		}
		if o.a <= h.a && o.b >= h.b {
			return true
		}
	}
	return false
}

// distance counts the tokens between a span and a hit (0 when they touch
// or overlap).
func distance(o span, h hit) int {
	switch {
	case o.b <= h.a:
		return int(h.a - o.b)
	case h.b <= o.a:
		return int(o.a - h.b)
	}
	return 0
}

// resolveOverlaps keeps, among overlapping alias candidates, the leftmost
// then the longest ("Dijon Bourgogne Invest" over "Bourgogne Invest").
func (r *run) resolveOverlaps() {
	cands := r.sc.cands
	idx := make([]int, 0, len(cands))
	for i := range cands {
		if cands[i].kept && cands[i].alias >= 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(x, y int) bool {
		a, b := &cands[idx[x]], &cands[idx[y]]
		if a.a != b.a {
			return a.a < b.a
		}
		return a.b > b.b
	})
	last := -1
	for _, i := range idx {
		c := &cands[i]
		if last >= 0 && c.a < cands[last].b {
			c.kept, c.reason, c.other = false, ReasonOverlap, int32(last)
			continue
		}
		last = i
	}
}

// mentions groups the kept candidates by entity.
func (r *run) mentions() []model.Mention {
	cands := r.sc.cands
	occ := map[int32][]*candidate{}
	var order []int32
	for i := range cands {
		c := &cands[i]
		if !c.kept {
			continue
		}
		if _, ok := occ[c.entity]; !ok {
			order = append(order, c.entity)
		}
		occ[c.entity] = append(occ[c.entity], c)
	}
	if len(order) == 0 {
		return nil
	}
	// Candidates come in order of their last token: sort each entity's
	// occurrences in reading order.
	for _, e := range order {
		list := occ[e]
		sort.SliceStable(list, func(x, y int) bool { return before(list[x], list[y]) })
	}
	sort.Slice(order, func(x, y int) bool { return before(occ[order[x]][0], occ[order[y]][0]) })
	out := make([]model.Mention, 0, len(order))
	for _, e := range order {
		out = append(out, r.mention(occ[e]))
	}
	return out
}

func before(a, b *candidate) bool {
	if a.a != b.a {
		return a.a < b.a
	}
	return a.b > b.b
}

// mention builds the mention of an entity from its occurrences, in
// reading order.
func (r *run) mention(occ []*candidate) model.Mention {
	m := r.m
	c := occ[0]
	ent := &m.entities[c.entity]
	text := r.d.field(c.field)
	mm := model.Mention{
		EntityID:   ent.id,
		EntityKind: ent.kind,
		Alias:      r.aliasText(c),
		Matched:    text[c.start:c.end],
		Field:      fieldNames[c.field],
		Start:      c.start,
		End:        c.end,
		Count:      len(occ),
	}
	mm.Snippet, mm.HLStart, mm.HLEnd = snippet(text, c.start, c.end)
	mm.Role = r.mentionRole(ent.kind, occ)
	return mm
}

func (r *run) aliasText(c *candidate) string {
	if c.alias >= 0 {
		return r.m.aliases[c.alias].text
	}
	return r.m.roles[c.role].title
}
