// Package report turns counts into what the communications officer writes:
// the activity-report sentence, and the printable press review.
package report

import (
	"fmt"
	"strings"
	"time"
)

// NamedCount is a count with the name shown to people.
type NamedCount struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Retombees writes "1 retombée" or "15 retombées" (French keeps the
// singular for 0 and 1).
func Retombees(n int) string {
	if n <= 1 {
		return fmt.Sprintf("%d retombée", n)
	}
	return fmt.Sprintf("%d retombées", n)
}

// ScopePhrase is "dans la presse nationale" for a scope, "dans la presse"
// for none.
func ScopePhrase(scope string) string {
	switch scope {
	case "national":
		return "dans la presse nationale"
	case "regional":
		return "dans la presse régionale"
	case "trade":
		return "dans la presse professionnelle"
	case "international":
		return "dans la presse internationale"
	case "institutional":
		return "dans les médias institutionnels"
	}
	return "dans la presse"
}

// Period describes a period in French: "en 2021" for a calendar year,
// "du 1er mars 2021 au 30 juin 2021" otherwise (to is exclusive).
func Period(from, to time.Time, loc *time.Location) string {
	if from.IsZero() && to.IsZero() {
		return "au total"
	}
	f, t := from.In(loc), to.In(loc)
	if !from.IsZero() && !to.IsZero() && f.Month() == 1 && f.Day() == 1 && f.Hour() == 0 &&
		t.Equal(time.Date(f.Year()+1, 1, 1, 0, 0, 0, 0, loc)) {
		return fmt.Sprintf("en %d", f.Year())
	}
	switch {
	case from.IsZero():
		return "jusqu'au " + DateFR(t.AddDate(0, 0, -1))
	case to.IsZero():
		return "depuis le " + DateFR(f)
	}
	return "du " + DateFR(f) + " au " + DateFR(t.Add(-time.Second))
}

const monthsFR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"

// MonthFR is the French name of a month.
func MonthFR(m time.Month) string { return strings.Fields(monthsFR)[m-1] }

// DateFR writes "1er mars 2021", "26 septembre 2019".
func DateFR(t time.Time) string {
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %d", day, MonthFR(t.Month()), t.Year())
}

// Sentence is the activity-report sentence: "15 retombées dans la presse
// nationale en 2021 : La Gazette des Communes (4), Les Échos (3), …".
// outlets are listed in the order given.
func Sentence(total int, scope, period string, outlets []NamedCount) string {
	var b strings.Builder
	b.WriteString(Retombees(total))
	b.WriteString(" ")
	b.WriteString(ScopePhrase(scope))
	b.WriteString(" ")
	b.WriteString(period)
	if len(outlets) == 0 {
		b.WriteString(".")
		return b.String()
	}
	b.WriteString(" : ")
	for i, o := range outlets {
		if i > 0 {
			b.WriteString(", ")
		}
		name := o.Name
		if name == "" {
			name = o.Key
		}
		fmt.Fprintf(&b, "%s (%d)", name, o.Count)
	}
	b.WriteString(".")
	return b.String()
}
