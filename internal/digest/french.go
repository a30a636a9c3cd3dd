package digest

import (
	"fmt"
	"strings"
	"time"

	"github.com/cner/veille/internal/model"
)

var (
	frWeekdays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths   = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
		"octobre", "novembre", "décembre"}
)

// frDate writes a day the French way: "14 mars 2025" ("1er mars 2025").
func frDate(t time.Time) string {
	if t.IsZero() {
		return "date inconnue"
	}
	d := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		d = "1er"
	}
	return fmt.Sprintf("%s %s %d", d, frMonths[t.Month()-1], t.Year())
}

// frLongDate adds the weekday: "vendredi 14 mars 2025".
func frLongDate(t time.Time) string {
	if t.IsZero() {
		return "date inconnue"
	}
	return frWeekdays[t.Weekday()] + " " + frDate(t)
}

// frTime writes an hour the French way: "8 h 05".
func frTime(t time.Time) string { return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute()) }

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 || n == 0 {
		return one
	}
	return many
}

// totalsSentence is the digest's first line: "7 nouvelles retombées, dont 3
// dans la presse nationale".
func totalsSentence(total, national int) string {
	if total == 0 {
		return "Aucune nouvelle retombée"
	}
	head := fmt.Sprintf("%d %s", total, plural(total, "nouvelle retombée", "nouvelles retombées"))
	label := model.ScopeNational.Label()
	switch {
	case national == 0:
		return head
	case national == total && total == 1:
		return head + ", dans la " + label
	case national == total:
		return head + ", toutes dans la " + label
	default:
		return fmt.Sprintf("%s, dont %d dans la %s", head, national, label)
	}
}

// scopeLine details the totals per scope: "presse nationale : 3 · presse
// régionale : 2".
func scopeLine(sc []ScopeCount) string {
	parts := make([]string, len(sc))
	for i, s := range sc {
		parts[i] = fmt.Sprintf("%s : %d", s.Label, s.Count)
	}
	return strings.Join(parts, " · ")
}

// kindLabel names an entity kind for group headings.
func kindLabel(k model.EntityKind) string {
	switch k {
	case model.KindFederation:
		return "fédération"
	case model.KindEvent:
		return "événement"
	case model.KindBrand:
		return "marque"
	case model.KindPerson:
		return "personne"
	case model.KindMember:
		return "agence adhérente"
	}
	return ""
}

// subject is the email's subject line.
func (d *Digest) subject() string {
	what := "aucune nouvelle retombée"
	if d.Total > 0 {
		what = fmt.Sprintf("%d %s", d.Total, plural(d.Total, "nouvelle retombée", "nouvelles retombées"))
		if d.National > 0 {
			what += fmt.Sprintf(" (%d %s)", d.National, plural(d.National, "nationale", "nationales"))
		}
	}
	return fmt.Sprintf("Veille CNER : %s – %s", what, frLongDate(d.Date))
}

// authors joins a clipping's authors: "Anne Martin et Paul Durand".
func authors(as []string) string {
	switch len(as) {
	case 0:
		return ""
	case 1:
		return as[0]
	}
	return strings.Join(as[:len(as)-1], ", ") + " et " + as[len(as)-1]
}

// kindLabelPlural names what a recipient filtered on a kind follows.
func kindLabelPlural(k string) string {
	switch model.EntityKind(k) {
	case model.KindFederation:
		return "la fédération"
	case model.KindEvent:
		return "les événements"
	case model.KindBrand:
		return "les marques"
	case model.KindPerson:
		return "les personnes"
	case model.KindMember:
		return "les agences adhérentes"
	}
	return k
}
