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

// Explain lists every candidate occurrence in d, kept or not, in reading
// order, with the reason of each verdict.
func (m *Matcher) Explain(d Doc) []Explanation {
	sc := m.scratch.Get().(*scratch)
	defer m.scratch.Put(sc)
	r := run{m: m, d: &d, sc: sc}
	r.scan()
	r.judge()
	out := make([]Explanation, 0, len(sc.cands))
	for i := range sc.cands {
		c := &sc.cands[i]
		ent := &m.entities[c.entity]
		text := d.field(c.field)
		x := Explanation{
			EntityID: ent.id, EntityName: ent.name, EntityKind: ent.kind,
			Alias: r.aliasText(c), Matched: text[c.start:c.end], Field: fieldNames[c.field],
			Start: c.start, End: c.end, Kept: c.kept, Reason: c.reason, Cue: c.cue,
		}
		x.Detail = r.detail(c)
		out = append(out, x)
	}
	sortExplanations(out, sc.cands)
	return out
}

func sortExplanations(out []Explanation, cands []candidate) {
	// Candidates come in order of their last token; readers want their first.
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool { return before(&cands[idx[x]], &cands[idx[y]]) })
	sorted := make([]Explanation, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	copy(out, sorted)
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
		return fmt.Sprintf("écarté : %s ne tenait pas ce rôle à la date de l'article", m.entities[c.entity].name)
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
