package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cner/veille/internal/model"
)

// roleQualifiers, just before a role title, say it is not the holder at
// publication time: "l'ancien président du CNER", "vice-président du
// CNER", "le futur président du CNER".
var roleQualifiers = map[string]bool{
	"ancien": true, "ancienne": true, "anciens": true, "ex": true, "futur": true, "future": true,
	"prochain": true, "prochaine": true, "nouveau": true, "nouvel": true, "nouvelle": true,
	"premier": true, "premiere": true, "vice": true, "candidat": true, "candidate": true,
	"bientot": true, "honoraire": true, "successeur": true, "predecesseur": true, "dernier": true,
	"precedent": true, "adjoint": true, "former": true, "deuxieme": true, "second": true,
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
		if w := r.tokenText(i); roleQualifiers[Fold(w)] {
			return w
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
// publication date: two holders (a handover month) credit nobody.
func (r *run) resolveRoles() {
	cands := r.sc.cands
	for i := range cands {
		if !cands[i].kept || cands[i].role < 0 {
			continue
		}
		for j := range cands {
			if j != i && cands[j].role >= 0 && cands[j].a == cands[i].a && cands[j].b == cands[i].b &&
				cands[j].entity != cands[i].entity && (cands[j].kept || cands[j].reason == ReasonRoleAmbiguous) {
				cands[i].kept, cands[i].reason = false, ReasonRoleAmbiguous
				cands[j].kept, cands[j].reason = false, ReasonRoleAmbiguous
			}
		}
	}
}

// Words that tell the kind of a mention.
var (
	speechWords = map[string]bool{
		"declare": true, "explique": true, "souligne": true, "indique": true, "affirme": true, "precise": true,
		"estime": true, "confie": true, "rappelle": true, "ajoute": true, "assure": true, "insiste": true,
		"annonce": true, "observe": true, "commente": true, "resume": true, "martele": true, "reconnait": true,
		"note": true, "salue": true, "poursuit": true, "conclut": true, "temoigne": true, "detaille": true,
		"selon": true, "juge": true, "plaide": true, "defend": true, "regrette": true, "previent": true,
	}
	organiserWords = map[string]bool{
		"organise": true, "organisee": true, "organises": true, "organisees": true, "organisent": true,
		"organisateur": true, "organisatrice": true, "organisateurs": true, "organisatrices": true,
		"coorganise": true, "accueille": true, "accueillent": true, "hote": true, "initiative": true,
	}
	interviewWords = []string{"entretien", "interview", "questions a", "propos recueillis", "rencontre avec", "face a"}
)

// Kinds of mention, in model.Mention.Role.
const (
	RoleInterviewed = "interviewed" // a person interviewed: named in an interview's title or lead
	RoleQuoted      = "quoted"      // its words are quoted in the sentence
	RoleOrganiser   = "organiser"   // it organises or hosts what the sentence reports
	RolePassing     = "passing"     // named once, in the body only
)

// mentionRole tells the kind of mention of entity e from simple rules:
//   - interviewed: a person named in the title or lead of an interview
//     ("entretien", "questions à"…), or in a title "Name : « … »";
//   - quoted: a sentence naming it holds quotation marks and a speech
//     verb (explique, souligne, selon…);
//   - organiser: "organisé par", "organise", "à l'initiative de"… within
//     six words in its sentence (not for events);
//   - passing: named once, in the body;
//   - "" otherwise (the subject of the article).
func (r *run) mentionRole(e int32) string {
	cands := r.sc.cands
	kind := r.m.entities[e].kind
	var occ []*candidate
	for i := range cands {
		if cands[i].kept && cands[i].entity == e {
			occ = append(occ, &cands[i])
		}
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
		text := r.d.field(c.field)
		s, en := sentenceBounds(text, c.start, c.end)
		sentence := text[s:en]
		if strings.ContainsAny(sentence, "«»“”\"") && r.anyWordIn(c, speechWords, 12) {
			return RoleQuoted
		}
	}
	if kind != model.KindEvent {
		for _, c := range occ {
			if r.anyWordIn(c, organiserWords, 6) {
				return RoleOrganiser
			}
		}
	}
	if len(occ) == 1 && occ[0].field == 2 {
		return RolePassing
	}
	return ""
}

// anyWordIn reports whether one of words stands within n tokens of c, in
// the same phrase.
func (r *run) anyWordIn(c *candidate, words map[string]bool, n int32) bool {
	toks := r.sc.toks
	lo, hi := r.fieldTok[c.field], r.fieldTok[c.field+1]
	for i := c.a - 1; i >= c.a-n && i >= lo; i-- {
		if words[Fold(r.tokenText(i))] {
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
		if words[Fold(r.tokenText(i))] {
			return true
		}
	}
	return false
}
