package match

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cner/veille/internal/model"
)

// Classes of rule words, bits of vocabulary.class.
const (
	wQualifier uint8 = 1 << iota // before a role title: another holder than the current one
	wSpeech                      // a speech verb: a quotation
	wOrganiser                   // organising or hosting
)

// ruleWords are the folded words of the simple rules, by class.
var ruleWords = map[uint8][]string{
	// "l'ancien président du CNER", "vice-président du CNER", "le futur
	// président du CNER".
	wQualifier: {"ancien", "ancienne", "anciens", "ex", "futur", "future", "prochain", "prochaine", "nouveau",
		"nouvel", "nouvelle", "premier", "premiere", "vice", "candidat", "candidate", "bientot", "honoraire",
		"successeur", "predecesseur", "dernier", "precedent", "adjoint", "former", "deuxieme", "second"},
	wSpeech: {"declare", "explique", "souligne", "indique", "affirme", "precise", "estime", "confie", "rappelle",
		"ajoute", "assure", "insiste", "annonce", "observe", "commente", "resume", "martele", "reconnait", "note",
		"salue", "poursuit", "conclut", "temoigne", "detaille", "selon", "juge", "plaide", "defend", "regrette",
		"previent"},
	wOrganiser: {"organise", "organisee", "organises", "organisees", "organisent", "organisateur", "organisatrice",
		"organisateurs", "organisatrices", "coorganise", "accueille", "accueillent", "hote", "initiative"},
}

// addRuleWords gives the rule words ids, so that the rules read token ids
// instead of folding text at match time.
func (m *Matcher) addRuleWords() {
	for class, list := range ruleWords {
		for _, w := range list {
			id := m.vocab.add(w)
			for int(id) >= len(m.vocab.class) {
				m.vocab.class = append(m.vocab.class, 0)
			}
			m.vocab.class[id] |= class
		}
	}
}

// is reports whether token i is a rule word of the class.
func (r *run) is(i int32, class uint8) bool {
	id := r.sc.toks[i].id
	return id >= 0 && int(id) < len(r.m.vocab.class) && r.m.vocab.class[id]&class != 0
}

// judgeRole decides whether a role title without a name ("le président du
// CNER a déclaré…") is credited to the person holding it when the article
// was published.
func (r *run) judgeRole(ri int32, h hit) candidate {
	rt := &r.m.roles[ri]
	toks := r.sc.toks
	f := r.fieldOf(h.a)
	c := candidate{alias: -1, role: ri, entity: rt.entity, a: h.a, b: h.b, field: f, other: -1,
		start: int(toks[h.a].start), end: int(toks[h.b-1].end)}
	text := r.d.field(f)
	pub := r.d.Published
	switch {
	case h.a > r.fieldTok[f] && toks[h.a].flags&tGlued != 0 && toks[h.a-1].flags&(tWord|tDigit) != 0,
		h.b < r.fieldTok[f+1] && toks[h.b].flags&tGlued != 0 && toks[h.b].flags&(tWord|tDigit) != 0:
		c.reason = ReasonInsideWord
	case pub.IsZero():
		c.reason = ReasonRoleUndated
	case (!rt.from.IsZero() && pub.Before(rt.from)) || (!rt.to.IsZero() && !pub.Before(rt.to)):
		c.reason = ReasonRolePeriod
	case inURL(text, c.start, c.end):
		c.reason = ReasonURL
	case relatedLine(text, c.start):
		c.reason = ReasonRelated
	default:
		if q := r.qualifier(h, f); q != "" {
			c.reason, c.cue = ReasonRoleQualified, q
		} else if n := r.nameNear(h, f); n != "" {
			c.reason, c.cue = ReasonRoleNamed, n
		} else if y := r.yearAfter(h, f); y != "" {
			c.reason, c.cue = ReasonRoleDated, y
		} else {
			c.kept, c.reason = true, ReasonRole
		}
	}
	return c
}

// tokenText returns the source of token i.
func (r *run) tokenText(i int32) string {
	t := r.sc.toks[i]
	return r.d.field(r.fieldOf(i))[t.start:t.end]
}

// qualifier returns the qualifier word just before a role title, if any.
func (r *run) qualifier(h hit, f int) string {
	toks := r.sc.toks
	for i := h.a - 1; i >= h.a-2 && i >= r.fieldTok[f]; i-- {
		if toks[i+1].flags&tBreak != 0 {
			break
		}
		if r.is(i, wQualifier) {
			return r.tokenText(i)
		}
	}
	return ""
}

// nameNear returns a proper name set beside a role title ("Frédéric
// Cuvillier, président du CNER", "le président du CNER, Paul Dupont"):
// the title then belongs to that name, matched on its own if watched.
func (r *run) nameNear(h hit, f int) string {
	toks := r.sc.toks
	lo, hi := r.fieldTok[f], r.fieldTok[f+1]
	// A first name is capitalised ("Paul", not "AD"); a surname may be
	// in capitals ("Paul DUPONT").
	capital := func(i int32, allCaps bool) bool {
		if i < lo || i >= hi || toks[i].flags&tWord == 0 {
			return false
		}
		w := r.tokenText(i)
		c, size := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(c) || len(w) == size {
			return false
		}
		d, _ := utf8.DecodeRuneInString(w[size:])
		return unicode.IsLower(d) || allCaps
	}
	pair := func(i int32) string {
		if capital(i, false) && capital(i+1, true) && toks[i+1].flags&(tBreak|tGlued) == 0 && !r.apostropheBefore(i+1) {
			t := r.d.field(f)
			return t[toks[i].start:toks[i+1].end]
		}
		return ""
	}
	// Before: up to three words, within the same phrase.
	for i := h.a - 2; i >= h.a-4 && i >= lo; i-- {
		if toks[i+2].flags&tBreak != 0 {
			break
		}
		if n := pair(i); n != "" {
			return n
		}
	}
	// After: a name opening the next two words.
	for i := h.b; i <= h.b+1 && i < hi; i++ {
		if toks[i].flags&tBreak != 0 {
			break
		}
		if n := pair(i); n != "" {
			return n
		}
	}
	return ""
}

// apostropheBefore reports whether token i follows an apostrophe ("d'Azur").
func (r *run) apostropheBefore(i int32) bool {
	t := r.sc.toks[i]
	text := r.d.field(r.fieldOf(i))
	p, _ := utf8.DecodeLastRuneInString(text[:t.start])
	return isApostrophe(p)
}

// yearAfter returns a year written just after a role title ("président du
// CNER de 2015 à 2023", "en 2012"): the text then speaks of another time.
func (r *run) yearAfter(h hit, f int) string {
	toks := r.sc.toks
	for i := h.b; i < h.b+3 && i < r.fieldTok[f+1]; i++ {
		if toks[i].flags&tBreak != 0 {
			break
		}
		if toks[i].flags&tDigit != 0 {
			if w := r.tokenText(i); len(w) == 4 && (strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20")) {
				return w
			}
		}
	}
	return ""
}

// resolveRoles credits a role title only when one person held it at the
// publication date: two holders (a handover day) credit nobody. A role
// title is also dropped when an exclude phrase vetoed an alias inside it
// ("le président du CNER luxembourgeois").
//
// Candidates are in order of their last token, so the excluded aliases
// that overlap a title are found by binary search, and the holders of one
// title (same words) are neighbours.
func (r *run) resolveRoles() {
	cands := r.sc.cands
	var excluded []int // alias candidates vetoed by an exclude phrase
	for i := range cands {
		if cands[i].alias >= 0 && cands[i].reason == ReasonExcluded {
			excluded = append(excluded, i)
		}
	}
	for i := 0; i < len(cands); {
		if cands[i].role < 0 {
			i++
			continue
		}
		// The run of role candidates on the same words.
		j := i + 1
		for j < len(cands) && cands[j].role >= 0 && cands[j].a == cands[i].a && cands[j].b == cands[i].b {
			j++
		}
		a, b := cands[i].a, cands[i].b
		k := sort.Search(len(excluded), func(x int) bool { return cands[excluded[x]].b > a })
		for ; k < len(excluded) && cands[excluded[k]].b-int32(r.m.maxPattern) < b; k++ {
			if x := &cands[excluded[k]]; x.a < b {
				for g := i; g < j; g++ {
					if cands[g].kept {
						cands[g].kept, cands[g].reason, cands[g].cue = false, ReasonExcluded, x.cue
					}
				}
				break
			}
		}
		kept := 0
		for g := i; g < j; g++ {
			if cands[g].kept {
				kept++
			}
		}
		if kept > 1 {
			for g := i; g < j; g++ {
				if cands[g].kept {
					cands[g].kept, cands[g].reason = false, ReasonRoleAmbiguous
				}
			}
		}
		i = j
	}
}

// interviewWords, in a title or lead, announce an interview.
var interviewWords = []string{"entretien", "interview", "questions a", "propos recueillis", "rencontre avec", "face a"}

// Kinds of mention, in model.Mention.Role.
const (
	RoleInterviewed = "interviewed" // a person interviewed: named in an interview's title or lead
	RoleQuoted      = "quoted"      // its words are quoted in the sentence
	RoleOrganiser   = "organiser"   // it organises or hosts what the sentence reports
	RolePassing     = "passing"     // named once, in the body only
)

// roleOccurrences bounds the occurrences the rules look at.
const roleOccurrences = 10

// mentionRole tells the kind of mention of an entity from simple rules,
// applied to its first ten occurrences:
//   - interviewed: a person named in the title or lead of an interview
//     ("entretien", "questions à"…), or in a title "Name : « … »";
//   - quoted: a sentence naming it holds quotation marks and a speech
//     verb (explique, souligne, selon…);
//   - organiser: "organisé par", "organise", "à l'initiative de"… within
//     six words in its sentence (not for events);
//   - passing: named once, in the body;
//   - "" otherwise (the subject of the article).
func (r *run) mentionRole(kind model.EntityKind, all []*candidate) string {
	occ := all
	if len(occ) > roleOccurrences {
		occ = occ[:roleOccurrences]
	}
	if kind == model.KindPerson {
		head := Fold(r.d.Title + " \n " + r.d.Lead)
		interview := false
		for _, w := range interviewWords {
			if strings.Contains(" "+head+" ", " "+w+" ") {
				interview = true
			}
		}
		for _, c := range occ {
			if c.field == 0 {
				rest := strings.TrimLeft(r.d.Title[c.end:], " \u00a0\u202f")
				if strings.HasPrefix(rest, ":") && strings.ContainsAny(rest, "«“\"") {
					return RoleInterviewed
				}
			}
			if interview && c.field < 2 {
				return RoleInterviewed
			}
		}
	}
	for _, c := range occ {
		if !r.anyWordIn(c, wSpeech, 12) {
			continue
		}
		text := r.d.field(c.field)
		s, en := sentenceBounds(text, c.start, c.end)
		if strings.ContainsAny(text[s:en], "«»“”\"") {
			return RoleQuoted
		}
	}
	if kind != model.KindEvent {
		for _, c := range occ {
			if r.anyWordIn(c, wOrganiser, 6) {
				return RoleOrganiser
			}
		}
	}
	if len(all) == 1 && all[0].field == 2 {
		return RolePassing
	}
	return ""
}

// anyWordIn reports whether one of words stands within n tokens of c, in
// the same phrase.
func (r *run) anyWordIn(c *candidate, class uint8, n int32) bool {
	toks := r.sc.toks
	lo, hi := r.fieldTok[c.field], r.fieldTok[c.field+1]
	for i := c.a - 1; i >= c.a-n && i >= lo; i-- {
		if r.is(i, class) {
			return true
		}
		if toks[i].flags&tBreak != 0 {
			break
		}
	}
	for i := c.b; i < c.b+n && i < hi; i++ {
		if toks[i].flags&tBreak != 0 {
			break
		}
		if r.is(i, class) {
			return true
		}
	}
	return false
}
