package config

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// ReadMembers reads a member roster in CSV
// (name,aliases,level,region,domain,source_url; aliases separated by |).
// Each row becomes an entity of kind member whose id is the slug of its name.
func ReadMembers(r io.Reader) ([]Entity, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.ToLower(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, fmt.Errorf("header: a column \"name\" is required (name,aliases,level,region,domain,source_url)")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Entity
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		name := get(rec, "name")
		if name == "" {
			if strings.TrimSpace(strings.Join(rec, "")) == "" {
				continue
			}
			return nil, fmt.Errorf("line %d: name: empty", line)
		}
		id := Slug(name)
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("line %d: %q repeats the member of line %d", line, name, prev)
		}
		seen[id] = line
		e := Entity{ID: id, Name: name, Kind: "member",
			Level: get(rec, "level"), Region: get(rec, "region"), Domain: get(rec, "domain")}
		have := map[string]bool{}
		add := func(t string) {
			t = strings.TrimSpace(t)
			if t == "" || have[t] {
				return
			}
			have[t] = true
			e.Aliases = append(e.Aliases, Alias{Text: t})
		}
		add(name)
		for _, a := range strings.Split(get(rec, "aliases"), "|") {
			add(a)
		}
		out = append(out, e)
	}
	return out, nil
}

// Slug turns a name into an id: lower case ASCII letters, digits and dashes.
// "Lorr'Up" becomes "lorr-up", "Côte d'Opale" becomes "cote-d-opale".
func Slug(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(folded) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r == '&':
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
			}
			b.WriteString("and-")
			dash = true
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.Trim(b.String(), "-")
}
