package match

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

// Matcher finds the entities of a watch list in documents. Build it with
// New; it is read-only afterwards and safe for concurrent use.
type Matcher struct {
	entities   []entity
	aliases    []alias
	cues       []cue
	roles      []roleTitle
	patterns   []pattern
	vocab      vocabulary
	ac         *automaton
	skipped    []string
	maxCue     int       // the longest context word or exclude phrase, in tokens
	maxPattern int       // the longest pattern, in tokens
	scratch    sync.Pool // *scratch
}

type entity struct {
	id, name string
	kind     model.EntityKind
}

// alias is one configured alias, compiled.
type alias struct {
	entity        int32
	text          string // as configured
	caseSensitive bool
	caseKey       string
	context       []int32 // cue ids; empty: no context needed
	window        int     // for context and excludes; 0: anywhere in the document
	excludes      []exclude
	suffix        bool // a glued edition number may follow ("DEV&CO22")
	variants      []variant
}

// exclude is an exclude phrase of an alias. A covering phrase contains
// the alias itself ("l'ADN de" for ADN): it vetoes only the occurrences it
// covers. Other phrases veto occurrences within the alias's window.
type exclude struct {
	cue      int32
	covering bool
}

// cue is a context word or an exclude phrase.
type cue struct {
	text    string
	exclude bool
}

// roleTitle is a role a person held ("président du CNER", 2015-04 to
// 2023-05): in an article published in that period, the title without a
// name is credited to the person.
type roleTitle struct {
	entity   int32
	title    string
	from, to time.Time // [from, to); zero: open
}

type patKind uint8

const (
	pAlias patKind = iota
	pCue
	pRole
)

// pattern is one token sequence of the automaton.
type pattern struct {
	kind patKind
	ref  int32 // alias, cue or role index
	n    int32 // tokens
	// commas marks the words an alias's comma may precede (see variant);
	// cues and role titles accept commas anywhere.
	commas uint64
}

// maxVariants bounds the spellings generated from one alias.
const maxVariants = 8

// New compiles a watch list. Errors name the entity and alias at fault.
// Entries with neither kind nor name (a watch refinement of a member that
// the roster lacks) are skipped and listed by Skipped.
func New(entities []config.Entity) (*Matcher, error) {
	m := &Matcher{vocab: vocabulary{ids: map[string]int32{}}}
	b := builder{m: m, cueIDs: map[string]int32{}, seen: map[string]int32{}}
	ids := map[string]bool{}
	var errs []error
	for _, ce := range entities {
		if ce.Kind == "" && ce.Name == "" {
			m.skipped = append(m.skipped, ce.ID)
			continue
		}
		if err := b.entity(ce, ids); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m.addRuleWords()
	m.ac = buildAutomaton(b.seqs, len(m.vocab.ids))
	m.vocab.finish()
	m.scratch.New = func() any { return new(scratch) }
	return m, nil
}

// Skipped lists the ids of watch entries left out because they refine a
// member absent from the roster.
func (m *Matcher) Skipped() []string { return append([]string(nil), m.skipped...) }

type builder struct {
	m      *Matcher
	seqs   [][]int32
	cueIDs map[string]int32
	seen   map[string]int32 // folded alias -> entity, to refuse an alias shared by two entities
}

func (b *builder) entity(ce config.Entity, ids map[string]bool) error {
	m := b.m
	if ce.ID == "" {
		return fmt.Errorf("match: entity %q: empty id", ce.Name)
	}
	if ids[ce.ID] {
		return fmt.Errorf("match: entity %q: duplicate id", ce.ID)
	}
	ids[ce.ID] = true
	kind := model.EntityKind(ce.Kind)
	if !kind.Valid() {
		return fmt.Errorf("match: entity %q: kind %q is not one of federation, member, brand, event, person", ce.ID, ce.Kind)
	}
	if len(ce.Aliases) == 0 {
		return fmt.Errorf("match: entity %q: no alias", ce.ID)
	}
	ei := int32(len(m.entities))
	name := ce.Name
	if name == "" {
		name = ce.ID
	}
	m.entities = append(m.entities, entity{id: ce.ID, name: name, kind: kind})

	var errs []error
	entityExcl, err := b.cues(ce.Exclude, true)
	if err != nil {
		errs = append(errs, fmt.Errorf("match: entity %q: exclude: %w", ce.ID, err))
	}
	entityCtx, err := b.cues(ce.Context, false)
	if err != nil {
		errs = append(errs, fmt.Errorf("match: entity %q: context: %w", ce.ID, err))
	}
	done := map[string]bool{}
	for _, ca := range ce.Aliases {
		if err := b.alias(ei, ce, ca, entityCtx, entityExcl, done); err != nil {
			errs = append(errs, err)
		}
	}
	for i, r := range ce.Roles {
		if err := b.role(ei, ce, i, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (b *builder) alias(ei int32, ce config.Entity, ca config.Alias, entityCtx, entityExcl []int32, done map[string]bool) error {
	m := b.m
	ws := words(ca.Text)
	if !hasAlnum(ws) {
		return fmt.Errorf("match: entity %q: alias %q: no letter or digit to match", ce.ID, ca.Text)
	}
	if ca.Window < 0 {
		return fmt.Errorf("match: entity %q: alias %q: negative window", ce.ID, ca.Text)
	}
	variants := spellings(ws)
	key := fmt.Sprintf("i|%s|%x", strings.Join(variants[0].words, " "), variants[0].commas)
	if ca.CaseSensitive {
		key = fmt.Sprintf("s|%s|%x", caseKey(ca.Text), variants[0].commas)
	}
	if done[key] {
		return nil // the same alias twice: once is enough
	}
	done[key] = true
	folded := strings.Join(variants[0].words, " ")
	if other, ok := b.seen[folded]; ok && other != ei {
		return fmt.Errorf("match: entity %q: alias %q is also an alias of %q", ce.ID, ca.Text, m.entities[other].id)
	}
	b.seen[folded] = ei

	a := alias{
		entity:        ei,
		text:          ca.Text,
		caseSensitive: ca.CaseSensitive,
		caseKey:       caseKey(ca.Text),
		window:        ca.Window,
		suffix:        m.entities[ei].kind == model.KindEvent && !ws[len(ws)-1].digit,
		variants:      variants,
	}
	if a.window == 0 {
		a.window = ce.Window
	}
	ctx, err := b.cues(ca.Context, false)
	if err != nil {
		return fmt.Errorf("match: entity %q: alias %q: context: %w", ce.ID, ca.Text, err)
	}
	if len(ctx) == 0 {
		ctx = entityCtx
	}
	a.context = ctx
	excl, err := b.cues(ca.Exclude, true)
	if err != nil {
		return fmt.Errorf("match: entity %q: alias %q: exclude: %w", ce.ID, ca.Text, err)
	}
	for _, c := range append(append([]int32(nil), entityExcl...), excl...) {
		cw := strings.Fields(Fold(m.cues[c].text))
		covering := false
		for _, v := range variants {
			if containsSeq(cw, v.words) {
				covering = true
			}
		}
		a.excludes = append(a.excludes, exclude{cue: c, covering: covering})
	}
	ai := int32(len(m.aliases))
	m.aliases = append(m.aliases, a)
	for _, v := range variants {
		b.add(pattern{kind: pAlias, ref: ai, commas: v.commas}, v.words)
	}
	return nil
}

// variant is one token sequence an alias is written with. Bit i of
// commas is set when the alias has a comma before its word i: the text may
// have one there, and nowhere else.
type variant struct {
	words  []string
	commas uint64
}

// spellings returns the token sequences an alias is written with: as
// tokenised, and with the words around an apostrophe glued ("Lorr'Up" is
// also "LorrUp", "AD'OCC" also "ADOCC").
func spellings(ws []word) []variant {
	var joints []int // indexes of words preceded by a bare apostrophe
	for i, w := range ws {
		if w.apostrophe && i > 0 && !ws[i-1].digit && !w.digit && len(ws[i-1].fold) > 1 {
			joints = append(joints, i)
		}
	}
	if len(joints) > 3 {
		joints = joints[:3]
	}
	var out []variant
	for mask := 0; mask < 1<<len(joints) && len(out) < maxVariants; mask++ {
		glue := map[int]bool{}
		for j, idx := range joints {
			if mask&(1<<j) != 0 {
				glue[idx] = true
			}
		}
		var v variant
		for i, w := range ws {
			if glue[i] && len(v.words) > 0 {
				v.words[len(v.words)-1] += w.fold
				continue
			}
			if w.comma && len(v.words) < 64 {
				v.commas |= 1 << len(v.words)
			}
			v.words = append(v.words, w.fold)
		}
		out = append(out, v)
	}
	return out
}

func hasAlnum(ws []word) bool {
	for _, w := range ws {
		if w.fold != "&" {
			return true
		}
	}
	return false
}

func containsSeq(hay, needle []string) bool {
	for i := 0; i+len(needle) <= len(hay); i++ {
		ok := true
		for j := range needle {
			if hay[i+j] != needle[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// cues compiles context words or exclude phrases. A context word also
// matches its plural ("agence" finds "agences").
func (b *builder) cues(list []string, isExclude bool) ([]int32, error) {
	m := b.m
	var out []int32
	for _, text := range list {
		ws := words(text)
		if !hasAlnum(ws) {
			return nil, fmt.Errorf("%q has no letter or digit", text)
		}
		seq := make([]string, len(ws))
		for i, w := range ws {
			seq[i] = w.fold
		}
		key := fmt.Sprintf("%t|%s", isExclude, strings.Join(seq, " "))
		if id, ok := b.cueIDs[key]; ok {
			out = append(out, id)
			continue
		}
		id := int32(len(m.cues))
		b.cueIDs[key] = id
		m.cues = append(m.cues, cue{text: text, exclude: isExclude})
		b.add(pattern{kind: pCue, ref: id}, seq)
		if len(seq) > m.maxCue {
			m.maxCue = len(seq)
		}
		if !isExclude {
			last := seq[len(seq)-1]
			if !ws[len(ws)-1].digit && len(last) > 2 && !strings.HasSuffix(last, "s") && !strings.HasSuffix(last, "x") {
				plural := append(append([]string(nil), seq[:len(seq)-1]...), last+"s")
				b.add(pattern{kind: pCue, ref: id}, plural)
			}
		}
		out = append(out, id)
	}
	return out, nil
}

func (b *builder) role(ei int32, ce config.Entity, i int, r config.Role) error {
	m := b.m
	if strings.TrimSpace(r.Title) == "" {
		return nil
	}
	ws := words(r.Title)
	if len(ws) < 2 {
		return fmt.Errorf("match: entity %q: roles[%d]: title %q is too short to be matched", ce.ID, i, r.Title)
	}
	from, err := periodStart(r.From)
	if err != nil {
		return fmt.Errorf("match: entity %q: roles[%d].from: %w", ce.ID, i, err)
	}
	to, err := periodEnd(r.To)
	if err != nil {
		return fmt.Errorf("match: entity %q: roles[%d].to: %w", ce.ID, i, err)
	}
	ri := int32(len(m.roles))
	m.roles = append(m.roles, roleTitle{entity: ei, title: r.Title, from: from, to: to})
	seq := make([]string, len(ws))
	for j, w := range ws {
		seq[j] = w.fold
	}
	b.add(pattern{kind: pRole, ref: ri}, seq)
	return nil
}

// periodStart reads YYYY, YYYY-MM or YYYY-MM-DD as the first day it names.
func periodStart(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", s)
}

// periodEnd reads YYYY, YYYY-MM or YYYY-MM-DD as the day after the period
// it names: "to: 2023-05" includes all of May 2023.
func periodEnd(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	if t, err := time.Parse("2006-01", s); err == nil {
		return t.AddDate(0, 1, 0), nil
	}
	if t, err := time.Parse("2006", s); err == nil {
		return t.AddDate(1, 0, 0), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", s)
}

// add registers a pattern, growing the vocabulary with its words.
func (b *builder) add(p pattern, seq []string) {
	m := b.m
	ids := make([]int32, len(seq))
	for i, w := range seq {
		ids[i] = m.vocab.add(w)
	}
	p.n = int32(len(seq))
	m.patterns = append(m.patterns, p)
	if len(seq) > m.maxPattern {
		m.maxPattern = len(seq)
	}
	b.seqs = append(b.seqs, ids)
}
