package index

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The query language, for people:
//
//	cner nancy                 both words (AND is implied)
//	cner OR dev&co             either (OU works too)
//	cner -luxembourg           without (NOT, SAUF work too)
//	"agence de développement"  a phrase (also « … » and “ … ”)
//	(cner OR fédération) AND outlet:lesechos
//	dévelop*                   words starting with "dévelop"
//	field:value                outlet:, scope:, entity:, kind:, lang:, year:, month:, date:, title:, text:, author:
//	date:2021-03, date:2021-01..2021-06, year:2019..2021
//
// Words are matched like the text is indexed: case, accents and elisions do
// not matter ("developpement" finds "Développement", "aderly" finds
// "l'Aderly"). A word the analyzer splits ("DEV&CO", "Hauts-de-France") is
// matched as a phrase, and also against the spellings under which entities
// were found (see aliasValues), so "DEV&CO" and "Dév&co" find the forum.

// Limits on a query, against hostile or accidental input.
const (
	MaxQueryBytes = 2000
	maxClauses    = 64
	maxDepth      = 16
	// Dates are within these years.
	minYear = 1800
	maxYear = 2200
)

// QueryError is a query the parser refuses. Msg is in French, for people.
type QueryError struct {
	Pos int    // byte offset in the query, -1 when it does not apply
	Msg string // e.g. "guillemet non fermé"
}

func (e *QueryError) Error() string {
	if e.Pos >= 0 {
		return fmt.Sprintf("index: requête invalide : %s (position %d)", e.Msg, e.Pos+1)
	}
	return "index: requête invalide : " + e.Msg
}

// Message is the error for people: "guillemet non fermé (caractère 12)".
func (e *QueryError) Message() string {
	if e.Pos >= 0 {
		return fmt.Sprintf("%s (caractère %d)", e.Msg, e.Pos+1)
	}
	return e.Msg
}

func qerr(pos int, format string, args ...any) *QueryError {
	return &QueryError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// fieldKind says how a field's values are searched.
type fieldKind int

const (
	fieldText    fieldKind = iota // analyzed text
	fieldKeyword                  // exact value, lower-cased
	fieldYear                     // a year or a range of years
	fieldMonth                    // YYYY-MM
	fieldDate                     // a date or a range of dates
)

type fieldSpec struct {
	name string // the index field
	kind fieldKind
}

// fields maps the names people type (English and French) to index fields.
var fieldNames = map[string]fieldSpec{
	"outlet": {"outlet", fieldKeyword}, "media": {"outlet", fieldKeyword}, "journal": {"outlet", fieldKeyword},
	"titre_presse": {"outlet", fieldKeyword},
	"scope":        {"scope", fieldKeyword}, "portee": {"scope", fieldKeyword},
	"entity": {"entity", fieldKeyword}, "entite": {"entity", fieldKeyword},
	"kind": {"kind", fieldKeyword}, "type": {"kind", fieldKeyword},
	"lang": {"lang", fieldKeyword}, "langue": {"lang", fieldKeyword},
	"year": {"year", fieldYear}, "annee": {"year", fieldYear},
	"month": {"month", fieldMonth}, "mois": {"month", fieldMonth},
	"date":  {"date", fieldDate},
	"title": {"title", fieldText}, "titre": {"title", fieldText},
	"text": {"text", fieldText}, "texte": {"text", fieldText},
	"author": {"authors", fieldText}, "authors": {"authors", fieldText}, "auteur": {"authors", fieldText},
	"lead": {"lead", fieldText}, "chapo": {"lead", fieldText},
}

// FieldNames lists the field names the query language knows, for help texts.
func FieldNames() []string {
	return []string{"outlet", "scope", "entity", "kind", "lang", "year", "month", "date", "title", "text", "author", "lead"}
}

// token kinds of the lexer.
type tokKind int

const (
	tWord tokKind = iota
	tPhrase
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tField // a "name:" prefix; the value follows
)

type token struct {
	kind tokKind
	text string
	pos  int
}

var openQuotes = map[rune]rune{'"': '"', '«': '»', '“': '”', '„': '“'}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// lex splits the query into tokens.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return nil, qerr(i, "texte mal encodé (UTF-8 invalide)")
		case isSpace(r):
			i += n
		case r == '(':
			toks = append(toks, token{tLParen, "(", i})
			i += n
		case r == ')':
			toks = append(toks, token{tRParen, ")", i})
			i += n
		case openQuotes[r] != 0:
			closeQ := openQuotes[r]
			start := i
			i += n
			end := -1
			for j := i; j < len(s); {
				c, m := utf8.DecodeRuneInString(s[j:])
				if c == closeQ || (closeQ != '"' && c == '"') {
					end = j
					i = j + m
					break
				}
				j += m
			}
			if end < 0 {
				return nil, qerr(start, "guillemet non fermé")
			}
			toks = append(toks, token{tPhrase, s[start+n : end], start})
		case (r == '-' || r == '+') && prevAllowsPrefix(s, i) && i+n < len(s) && !isSpace(rune(s[i+n])):
			// "-cner" excludes; "+cner" requires (the default anyway).
			if r == '-' {
				toks = append(toks, token{tNot, "-", i})
			}
			i += n
		default:
			start := i
			for i < len(s) {
				c, m := utf8.DecodeRuneInString(s[i:])
				if isSpace(c) || c == '(' || c == ')' || openQuotes[c] != 0 {
					break
				}
				if c == ':' && i > start && isFieldName(s[start:i]) {
					toks = append(toks, token{tField, s[start:i], start})
					i += m
					start = -1
					break
				}
				i += m
			}
			if start < 0 {
				continue
			}
			w := s[start:i]
			switch w {
			case "AND", "ET", "&&":
				toks = append(toks, token{tAnd, w, start})
			case "OR", "OU", "||":
				toks = append(toks, token{tOr, w, start})
			case "NOT", "SAUF":
				toks = append(toks, token{tNot, w, start})
			default:
				toks = append(toks, token{tWord, w, start})
			}
		}
	}
	return toks, nil
}

// prevAllowsPrefix: a "-" or "+" is an operator at the start of a term
// (after a space or a parenthesis), not inside a word.
func prevAllowsPrefix(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isSpace(r) || r == '('
}

// isFieldName: letters and underscores, as in "outlet" or "titre".
func isFieldName(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '_' {
			return false
		}
	}
	return s != ""
}

// parser turns tokens into a bleve query.
type parser struct {
	toks     []token
	i        int
	loc      *time.Location
	analyzer analysis.Analyzer
	clauses  int
	input    string
	// period is what the query's date fields require of every hit (the
	// year:, month: and date: clauses ANDed at the top), for searches
	// sorted by date; last is the period of the clause just parsed.
	period  Period
	last    *Period
	topAlts int
}

// Period is a half-open period [From, To); zero ends are unbounded.
type Period struct{ From, To time.Time }

// intersect narrows p to o.
func (p Period) intersect(o Period) Period {
	if !o.From.IsZero() && (p.From.IsZero() || o.From.After(p.From)) {
		p.From = o.From
	}
	if !o.To.IsZero() && (p.To.IsZero() || o.To.Before(p.To)) {
		p.To = o.To
	}
	return p
}

// ParseQuery turns the user's query into a bleve query, with dates in UTC.
// Index.Search uses the index's time zone; this is for tools and tests.
func ParseQuery(s string) (query.Query, error) {
	a, err := Analyzer()
	if err != nil {
		return nil, err
	}
	return parseQuery(s, time.UTC, a)
}

func parseQuery(s string, loc *time.Location, a analysis.Analyzer) (query.Query, error) {
	q, _, err := parseQueryPeriod(s, loc, a)
	return q, err
}

// parseQueryPeriod also returns the period every hit falls in, as far as
// the query's top-level date clauses say.
func parseQueryPeriod(s string, loc *time.Location, a analysis.Analyzer) (query.Query, Period, error) {
	if len(s) > MaxQueryBytes {
		return nil, Period{}, qerr(-1, "requête trop longue (%d caractères au plus)", MaxQueryBytes)
	}
	if !utf8.ValidString(s) {
		return nil, Period{}, qerr(-1, "texte mal encodé (UTF-8 invalide)")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, Period{}, err
	}
	if len(toks) == 0 {
		return bleve.NewMatchAllQuery(), Period{}, nil
	}
	p := &parser{toks: toks, loc: loc, analyzer: a, input: s}
	q, err := p.or(0, nil)
	if err != nil {
		return nil, Period{}, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.kind == tRParen {
			return nil, Period{}, qerr(t.pos, "parenthèse fermante sans parenthèse ouvrante")
		}
		return nil, Period{}, qerr(t.pos, "« %s » inattendu", t.text)
	}
	if q == nil {
		return nil, Period{}, qerr(-1, "aucun mot à chercher (les mots trop courants comme « le » ou « de » et la ponctuation sont ignorés)")
	}
	if p.topAlts > 1 {
		p.period = Period{} // alternatives: no period common to all hits
	}
	return q, p.period, nil
}

func (p *parser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

func (p *parser) clause(pos int) error {
	p.clauses++
	if p.clauses > maxClauses {
		return qerr(pos, "requête trop complexe (%d termes au plus)", maxClauses)
	}
	return nil
}

// or := and (OR and)*
func (p *parser) or(depth int, field *fieldSpec) (query.Query, error) {
	if depth > maxDepth {
		t, _ := p.peek()
		return nil, qerr(t.pos, "trop de parenthèses imbriquées")
	}
	var alts []query.Query
	for {
		q, err := p.and(depth, field)
		if err != nil {
			return nil, err
		}
		if q != nil {
			alts = append(alts, q)
		}
		t, ok := p.peek()
		if !ok || t.kind != tOr {
			break
		}
		p.i++
		if next, ok := p.peek(); !ok || next.kind == tRParen || next.kind == tOr {
			return nil, qerr(t.pos, "« %s » doit être suivi d'un terme", t.text)
		}
	}
	if depth == 0 && field == nil {
		p.topAlts = len(alts)
	}
	switch len(alts) {
	case 0:
		return nil, nil
	case 1:
		return alts[0], nil
	}
	return bleve.NewDisjunctionQuery(alts...), nil
}

// and := unary ((AND)? unary)*, stopping at OR, ")" or the end.
func (p *parser) and(depth int, field *fieldSpec) (query.Query, error) {
	var must, not []query.Query
	first := true
	for {
		t, ok := p.peek()
		if !ok || t.kind == tOr || t.kind == tRParen {
			if first {
				if !ok {
					return nil, qerr(len(p.input), "terme attendu en fin de requête")
				}
				return nil, qerr(t.pos, "terme attendu avant « %s »", t.text)
			}
			break
		}
		if t.kind == tAnd {
			if first {
				return nil, qerr(t.pos, "« %s » doit relier deux termes", t.text)
			}
			p.i++
			if next, ok := p.peek(); !ok || next.kind == tRParen || next.kind == tOr || next.kind == tAnd {
				return nil, qerr(t.pos, "« %s » doit être suivi d'un terme", t.text)
			}
			continue
		}
		first = false
		negate := false
		for {
			t, ok := p.peek()
			if !ok || t.kind != tNot {
				break
			}
			p.i++
			negate = !negate
			if next, ok := p.peek(); !ok || next.kind == tRParen || next.kind == tOr || next.kind == tAnd {
				return nil, qerr(t.pos, "« %s » doit être suivi d'un terme", t.text)
			}
		}
		p.last = nil
		q, err := p.primary(depth, field)
		if err != nil {
			return nil, err
		}
		if q == nil {
			continue
		}
		if depth == 0 && !negate && p.last != nil {
			p.period = p.period.intersect(*p.last)
		}
		if negate {
			not = append(not, q)
		} else {
			must = append(must, q)
		}
	}
	switch {
	case len(must) == 0 && len(not) == 0:
		return nil, nil
	case len(not) == 0 && len(must) == 1:
		return must[0], nil
	case len(not) == 0:
		return bleve.NewConjunctionQuery(must...), nil
	}
	if len(must) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
	}
	return query.NewBooleanQuery(must, nil, not), nil
}

// primary := "(" or ")" | field ":" value | phrase | word
func (p *parser) primary(depth int, field *fieldSpec) (query.Query, error) {
	t, _ := p.peek()
	p.i++
	switch t.kind {
	case tLParen:
		q, err := p.or(depth+1, field)
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.kind != tRParen {
			return nil, qerr(t.pos, "parenthèse non fermée")
		}
		p.i++
		p.last = nil // a group's dates are not all of it
		return q, nil
	case tField:
		if field != nil {
			return nil, qerr(t.pos, "champ « %s » dans un autre champ", t.text)
		}
		spec, ok := fieldNames[strings.ToLower(Fold(t.text))]
		if !ok {
			return nil, qerr(t.pos, "champ inconnu « %s » (champs : %s ; mettez le texte entre guillemets pour chercher « %s: »)",
				t.text, strings.Join(FieldNames(), ", "), t.text)
		}
		next, ok := p.peek()
		if !ok || next.pos != t.pos+len(t.text)+1 || (next.kind != tWord && next.kind != tPhrase && next.kind != tLParen) {
			return nil, qerr(t.pos, "valeur attendue après « %s: »", t.text)
		}
		return p.primary(depth, &spec)
	case tWord, tPhrase:
		if err := p.clause(t.pos); err != nil {
			return nil, err
		}
		if field != nil && field.kind != fieldText {
			return p.fieldValue(*field, t)
		}
		target := ""
		if field != nil {
			target = field.name
		}
		return p.text(target, t)
	}
	return nil, qerr(t.pos, "« %s » inattendu", t.text)
}

// textFields are the fields a word without field is looked for in, with
// their boosts: a word in the title weighs more.
func textFields() []struct {
	name  string
	boost float64
} {
	return []struct {
		name  string
		boost float64
	}{{"title", 2}, {"lead", 1.5}, {"text", 1}, {"authors", 1}}
}

// text matches a word or phrase against analyzed text: one field, or
// title, lead, text and authors when field is empty (and then also the
// spellings under which entities were found).
func (p *parser) text(field string, t token) (query.Query, error) {
	w := t.text
	type boostable interface {
		query.Query
		SetBoost(float64)
	}
	each := func(make func(field string) boostable) query.Query {
		if field != "" {
			return make(field)
		}
		var alts []query.Query
		for _, f := range textFields() {
			q := make(f.name)
			if f.boost != 1 {
				q.SetBoost(f.boost)
			}
			alts = append(alts, q)
		}
		return bleve.NewDisjunctionQuery(alts...)
	}
	if t.kind == tWord && strings.HasSuffix(w, "*") {
		stem := strings.TrimRight(w, "*")
		if strings.ContainsAny(stem, "*?") {
			return nil, qerr(t.pos, "« * » n'est permis qu'en fin de mot")
		}
		prefix := strings.ToLower(Fold(stem))
		if utf8.RuneCountInString(prefix) < 3 {
			return nil, qerr(t.pos, "« %s » : trois lettres au moins avant « * »", w)
		}
		return each(func(f string) boostable {
			q := bleve.NewPrefixQuery(prefix)
			q.SetField(f)
			return q
		}), nil
	}
	terms := p.analyzer.Analyze([]byte(w))
	if len(terms) == 0 {
		// Only stop words ("le", "de la") or punctuation: nothing to look for.
		return nil, nil
	}
	var tq query.Query
	if len(terms) == 1 && t.kind == tWord {
		// The analyzed term itself: no second analysis at search time.
		term := string(terms[0].Term)
		tq = each(func(f string) boostable {
			q := bleve.NewTermQuery(term)
			q.SetField(f)
			return q
		})
	} else {
		tq = each(func(f string) boostable {
			q := bleve.NewMatchPhraseQuery(w)
			q.SetField(f)
			return q
		})
	}
	if field != "" {
		return tq, nil
	}
	// The spellings under which entities were found ("dev&co22").
	alias := bleve.NewTermQuery(Normalize(w))
	alias.SetField("alias")
	if d, ok := tq.(*query.DisjunctionQuery); ok {
		d.AddQuery(alias)
		return d, nil
	}
	return bleve.NewDisjunctionQuery(tq, alias), nil
}

// fieldValue matches a value of a keyword, year, month or date field.
func (p *parser) fieldValue(f fieldSpec, t token) (query.Query, error) {
	v := strings.TrimSpace(t.text)
	if v == "" {
		return nil, qerr(t.pos, "valeur vide")
	}
	switch f.kind {
	case fieldKeyword:
		q := bleve.NewTermQuery(keywordValue(f.name, v))
		q.SetField(f.name)
		return q, nil
	case fieldYear:
		lo, hi, isRange := strings.Cut(v, "..")
		y1, err := parseYear(lo, t.pos)
		if err != nil {
			return nil, err
		}
		y2 := y1
		if isRange {
			if y2, err = parseYear(hi, t.pos); err != nil {
				return nil, err
			}
		}
		if y2 < y1 {
			return nil, qerr(t.pos, "période à l'envers : %s", v)
		}
		p.last = &Period{From: time.Date(y1, 1, 1, 0, 0, 0, 0, p.loc), To: time.Date(y2+1, 1, 1, 0, 0, 0, 0, p.loc)}
		var alts []query.Query
		for y := y1; y <= y2; y++ {
			q := bleve.NewTermQuery(fmt.Sprint(y))
			q.SetField("year")
			alts = append(alts, q)
		}
		if len(alts) == 1 {
			return alts[0], nil
		}
		return bleve.NewDisjunctionQuery(alts...), nil
	case fieldMonth:
		m, err := time.Parse("2006-01", v)
		if err != nil {
			return nil, qerr(t.pos, "mois « %s » : attendu AAAA-MM", v)
		}
		mt := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, p.loc)
		p.last = &Period{From: mt, To: mt.AddDate(0, 1, 0)}
		q := bleve.NewTermQuery(m.Format("2006-01"))
		q.SetField("month")
		return q, nil
	case fieldDate:
		from, to, err := dateRange(v, p.loc)
		if err != nil {
			return nil, qerr(t.pos, "%s", err.Error())
		}
		p.last = &Period{From: from, To: to}
		return periodQuery(from, to, p.loc), nil
	}
	return nil, qerr(t.pos, "champ inattendu")
}

// keywordValue normalizes a value typed for a keyword field: ids and
// scopes are lower case ASCII; "régional" is "regional".
func keywordValue(field, v string) string {
	v = strings.ToLower(v)
	switch field {
	case "scope", "kind", "lang":
		v = Fold(v)
		switch v {
		case "nationale":
			v = "national"
		case "regionale":
			v = "regional"
		case "professionnelle", "pro":
			v = "trade"
		case "internationale":
			v = "international"
		case "institutionnelle", "institutionnel":
			v = "institutional"
		case "federation":
			v = "federation"
		case "membre", "membres", "agence", "agences":
			v = "member"
		case "marque":
			v = "brand"
		case "evenement":
			v = "event"
		case "personne":
			v = "person"
		}
	}
	return v
}

func parseYear(s string, pos int) (int, error) {
	var y int
	if len(s) != 4 {
		return 0, qerr(pos, "année « %s » : attendu AAAA", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, qerr(pos, "année « %s » : attendu AAAA", s)
		}
		y = y*10 + int(c-'0')
	}
	if y < minYear || y > maxYear {
		return 0, qerr(pos, "année « %s » hors de %d–%d", s, minYear, maxYear)
	}
	return y, nil
}

// dateRange reads "2021", "2021-03", "2021-03-15" or a range "A..B" (either
// side may be left out) as the half-open period [from, to) in loc. Zero
// times mean unbounded.
func dateRange(s string, loc *time.Location) (from, to time.Time, err error) {
	lo, hi, isRange := strings.Cut(s, "..")
	if !isRange {
		from, to, err := datePeriod(lo, loc)
		return from, to, err
	}
	if lo == "" && hi == "" {
		return from, to, errors.New("période vide")
	}
	if lo != "" {
		if from, _, err = datePeriod(lo, loc); err != nil {
			return from, to, err
		}
	}
	if hi != "" {
		if _, to, err = datePeriod(hi, loc); err != nil {
			return from, to, err
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, fmt.Errorf("période à l'envers : %s", s)
	}
	return from, to, nil
}

// datePeriod reads one date as the period it names: a year, month or day.
func datePeriod(s string, loc *time.Location) (from, to time.Time, err error) {
	for _, l := range []struct {
		layout string
		y, m   int
	}{{"2006-01-02", 0, 0}, {"2006-01", 0, 1}, {"2006", 1, 0}} {
		t, err := time.ParseInLocation(l.layout, s, loc)
		if err != nil {
			continue
		}
		if t.Year() < minYear || t.Year() > maxYear {
			return from, to, fmt.Errorf("date « %s » : année hors de %d–%d", s, minYear, maxYear)
		}
		if l.y == 0 && l.m == 0 {
			return t, t.AddDate(0, 0, 1), nil
		}
		return t, t.AddDate(l.y, l.m, 0), nil
	}
	return from, to, fmt.Errorf("date « %s » : attendu AAAA, AAAA-MM ou AAAA-MM-JJ", s)
}

// periodQuery matches the dates of [from, to) (zero: unbounded). A bounded
// period of whole days in loc is matched by the year, month and day terms
// that tile it (the postings of a few terms, cheap to intersect); any other
// by a numeric date range.
func periodQuery(from, to time.Time, loc *time.Location) query.Query {
	midnight := func(t time.Time) bool {
		t = t.In(loc)
		return t.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc))
	}
	if from.IsZero() || to.IsZero() || !from.Before(to) || !midnight(from) || !midnight(to) {
		return dateRangeQuery(from, to)
	}
	var terms []query.Query
	add := func(field, v string) {
		tq := bleve.NewTermQuery(v)
		tq.SetField(field)
		terms = append(terms, tq)
	}
	end := to.In(loc)
	for d := from.In(loc); d.Before(end); {
		switch {
		case d.Month() == time.January && d.Day() == 1 && !d.AddDate(1, 0, 0).After(end):
			add("year", d.Format("2006"))
			d = d.AddDate(1, 0, 0)
		case d.Day() == 1 && !d.AddDate(0, 1, 0).After(end):
			add("month", d.Format("2006-01"))
			d = d.AddDate(0, 1, 0)
		default:
			add("day", d.Format("2006-01-02"))
			d = d.AddDate(0, 0, 1)
		}
		if len(terms) > 100 {
			return dateRangeQuery(from, to)
		}
	}
	if len(terms) == 1 {
		return terms[0]
	}
	return bleve.NewDisjunctionQuery(terms...)
}

func dateRangeQuery(from, to time.Time) query.Query {
	incl, excl := true, false
	var fp, tp *bool
	if !from.IsZero() {
		fp = &incl
	}
	if !to.IsZero() {
		tp = &excl
	}
	q := bleve.NewDateRangeInclusiveQuery(from, to, fp, tp)
	q.SetField("date")
	return q
}
