package match

import (
	"fmt"
	"sort"

	"github.com/cner/veille/internal/model"
)

// Reason tells why a candidate was kept or dropped.
type Reason string

// Reasons. The first three keep a candidate; the others drop it.
const (
	ReasonMatched       Reason = "matched"        // the alias matched, no condition attached
	ReasonContext       Reason = "context"        // a context word stands near the alias
	ReasonRole          Reason = "role"           // a role title, credited to its holder at the publication date
	ReasonInsideWord    Reason = "inside_word"    // the words run on into another word ("CNERS")
	ReasonCase          Reason = "case"           // a case-sensitive alias written in another case ("adn")
	ReasonComma         Reason = "comma"          // a comma the alias does not have splits the words ("Descartes, développement")
	ReasonURL           Reason = "url"            // inside a web or e-mail address
	ReasonRelated       Reason = "related_link"   // on a "Lire aussi" line linking to another article
	ReasonExcluded      Reason = "excluded"       // an exclude phrase stands near it
	ReasonNoContext     Reason = "no_context"     // no context word near an alias that needs one
	ReasonOverlap       Reason = "overlap"        // part of a longer match
	ReasonRoleUndated   Reason = "role_undated"   // the article has no date to tell the role's holder
	ReasonRolePeriod    Reason = "role_period"    // the article was published outside the person's period
	ReasonRoleAmbiguous Reason = "role_ambiguous" // two people held the role at that date
	ReasonRoleQualified Reason = "role_qualified" // "ancien", "futur", "vice-"… before the title
	ReasonRoleNamed     Reason = "role_named"     // a name stands beside the title
	ReasonRoleDated     Reason = "role_dated"     // a year follows the title ("président du CNER de 2015 à 2023")
)

// Explanation is one candidate occurrence and the matcher's verdict, for
// `veille watch test`.
type Explanation struct {
	EntityID   string           `json:"entity"`
	EntityName string           `json:"name"`
	EntityKind model.EntityKind `json:"kind"`
	Alias      string           `json:"alias"`   // the configured alias, or the role title
	Matched    string           `json:"matched"` // the words as written
	Field      string           `json:"field"`
	Start      int              `json:"start"`
	End        int              `json:"end"`
	Kept       bool             `json:"kept"`
	Reason     Reason           `json:"reason"`
	Cue        string           `json:"cue,omitempty"` // the context word found, the exclude phrase or qualifier at fault
	Detail     string           `json:"detail"`        // the verdict in a French sentence
}

// Explain lists the candidate occurrences in d, kept or not, in reading
// order, with the reason of each verdict. Twins are shown once: of the
// aliases or role holders that found the same words, the kept one, or else
// the most telling refusal.
func (m *Matcher) Explain(d Doc) []Explanation {
	sc := m.scratch.Get().(*scratch)
	defer m.scratch.Put(sc)
	r := run{m: m, d: &d, sc: sc}
	r.scan()
	r.judge()
	idx := r.explained()
	out := make([]Explanation, 0, len(idx))
	for _, i := range idx {
		c := &sc.cands[i]
		ent := &m.entities[c.entity]
		text := d.field(c.field)
		out = append(out, Explanation{
			EntityID: ent.id, EntityName: ent.name, EntityKind: ent.kind,
			Alias: r.aliasText(c), Matched: text[c.start:c.end], Field: fieldNames[c.field],
			Start: c.start, End: c.end, Kept: c.kept, Reason: c.reason, Cue: c.cue,
			Detail: r.detail(c),
		})
	}
	return out
}

// explained picks the candidates to show, in reading order: per group of
// twins (same words; same entity for aliases, any holder for role titles)
// the kept ones, else the first refusal other than "not in period".
func (r *run) explained() []int {
	cands := r.sc.cands
	type key struct {
		a, b   int32
		entity int32 // -1 for role titles
	}
	groups := map[key][]int{}
	var keys []key
	for i := range cands {
		k := key{cands[i].a, cands[i].b, cands[i].entity}
		if cands[i].role >= 0 {
			k.entity = -1
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	var out []int
	for _, k := range keys {
		g := groups[k]
		var kept []int
		for _, i := range g {
			if cands[i].kept {
				kept = append(kept, i)
			}
		}
		if len(kept) > 0 {
			out = append(out, kept...)
			continue
		}
		best := g[0]
		for _, i := range g {
			if cands[best].reason == ReasonRolePeriod && cands[i].reason != ReasonRolePeriod {
				best = i
			}
		}
		out = append(out, best)
	}
	sort.SliceStable(out, func(x, y int) bool { return before(&cands[out[x]], &cands[out[y]]) })
	return out
}

// detail words a verdict for users, in French.
func (r *run) detail(c *candidate) string {
	m := r.m
	var al *alias
	if c.alias >= 0 {
		al = &m.aliases[c.alias]
	}
	within := func() string {
		if al == nil || al.window == 0 {
			return "dans l'article"
		}
		return fmt.Sprintf("à moins de %d mots", al.window)
	}
	switch c.reason {
	case ReasonMatched:
		if al != nil && al.caseSensitive {
			return fmt.Sprintf("retenu : « %s » écrit avec la casse exigée", al.text)
		}
		return "retenu"
	case ReasonContext:
		return fmt.Sprintf("retenu : le mot de contexte « %s » figure %s", c.cue, within())
	case ReasonRole:
		return fmt.Sprintf("retenu : « %s » désignait %s à la date de l'article", m.roles[c.role].title, m.entities[c.entity].name)
	case ReasonInsideWord:
		return "écarté : ces lettres font partie d'un mot plus long"
	case ReasonCase:
		return fmt.Sprintf("écarté : l'alias « %s » exige cette casse exacte", al.text)
	case ReasonComma:
		return "écarté : une virgule sépare ces mots, pas dans l'alias"
	case ReasonURL:
		return "écarté : dans une adresse web ou électronique"
	case ReasonRelated:
		return "écarté : sur une ligne de renvoi vers un autre article (« Lire aussi »…)"
	case ReasonExcluded:
		return fmt.Sprintf("écarté : l'expression exclue « %s » figure à proximité", c.cue)
	case ReasonNoContext:
		var words []string
		for _, cu := range al.context {
			words = append(words, m.cues[cu].text)
		}
		return fmt.Sprintf("écarté : aucun mot de contexte (%s) %s", joinFrench(words), within())
	case ReasonOverlap:
		if c.other >= 0 {
			o := &r.sc.cands[c.other]
			return fmt.Sprintf("écarté : inclus dans « %s » (%s)", r.d.field(o.field)[o.start:o.end], m.entities[o.entity].name)
		}
		return "écarté : inclus dans une occurrence plus longue"
	case ReasonRoleUndated:
		return "écarté : l'article n'a pas de date pour savoir qui tenait ce rôle"
	case ReasonRolePeriod:
		return fmt.Sprintf("écarté : personne de la liste ne tenait le rôle « %s » à la date de l'article", m.roles[c.role].title)
	case ReasonRoleAmbiguous:
		return "écarté : plusieurs personnes tenaient ce rôle à cette date"
	case ReasonRoleQualified:
		return fmt.Sprintf("écarté : « %s » indique un autre titulaire que celui du moment", c.cue)
	case ReasonRoleNamed:
		return fmt.Sprintf("écarté : le titre se rapporte au nom voisin « %s »", c.cue)
	case ReasonRoleDated:
		return fmt.Sprintf("écarté : l'année « %s » renvoie à une autre période", c.cue)
	}
	return string(c.reason)
}

func joinFrench(words []string) string {
	out := ""
	for i, w := range words {
		switch {
		case i == 0:
		case i == len(words)-1:
			out += " ou "
		default:
			out += ", "
		}
		out += "« " + w + " »"
	}
	return out
}
