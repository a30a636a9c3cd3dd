package extract

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Date parsing on its own: the crawler parses feed and sitemap dates with
// it, the CLI parses `veille add --published DATE`, and Extract parses the
// dates of pages with it.
//
// Accepted forms, with or without surrounding words ("Publié le 26/09/2019
// à 10h15", "mis à jour le 12 janvier 2021"):
//
//   - ISO 8601 / RFC 3339: 2019-09-26, 2019-09-26T10:15:00+02:00,
//     2019-09-26 10:15, 20190926 (only when the whole string is that);
//   - RFC 1123 / RFC 822 as feeds write them: Thu, 26 Sep 2019 10:15:00 +0200;
//   - numeric day first, as in French: 26/09/2019, 26.09.2019, 26-09-19;
//     and year first: 2019/09/26;
//   - a month name in French, English, German, Spanish, Italian or Dutch:
//     "12 janvier 2021", "1er janvier 2021", "jeudi 12 janv. 2021",
//     "January 12, 2021", "12. Januar 2021";
//   - an optional time after the date: "à 10h15", "10:15", "10 h 15",
//     "at 3:05 pm", with an optional zone (Z, UTC, GMT, ±hh:mm, CET, CEST).
//
// A date without a zone is read in the given location (Europe/Paris when
// nil). A date without a time is midnight in that location.

// ParseDate returns the first date found in s. It is meant for strings that
// hold a date, possibly with a few words around it.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = paris()
	}
	d, ok := findDate(s, loc)
	if !ok {
		return time.Time{}, false
	}
	return d.t, true
}

// ParseFrenchDate is ParseDate: French forms are among those it reads. It
// exists under this name for callers that want to say what they expect.
func ParseFrenchDate(s string, loc *time.Location) (time.Time, bool) {
	return ParseDate(s, loc)
}

// foundDate is a date found in a string, with where it was found.
type foundDate struct {
	t       time.Time
	start   int  // byte offset of the match in the string
	end     int  // byte offset just after the match (and its time)
	hasTime bool // whether a time of day was given
	zoned   bool // whether the string gave its zone (Z, +02:00, GMT…)
}

// parisName is the zone used when the caller gives none.
const parisName = "Europe/Paris"

// paris loads Europe/Paris; it falls back to a fixed CET offset when the
// zone database is missing (the time/tzdata package is linked by Extract's
// callers that need it).
func paris() *time.Location {
	loc, err := time.LoadLocation(parisName)
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// monthNames maps lowercase month names and abbreviations, with and without
// accents, to months. Abbreviations are matched with an optional dot.
var monthNames = map[string]time.Month{
	// French
	"janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "fev": 2,
	"mars": 3, "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7,
	"août": 8, "aout": 8, "aoû": 8, "septembre": 9, "sept": 9, "octobre": 10, "novembre": 11,
	"décembre": 12, "decembre": 12, "déc": 12,
	// English
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
	"september": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
	"december": 12, "dec": 12,
	// German
	"januar": 1, "jänner": 1, "jän": 1, "februar": 2, "märz": 3, "maerz": 3, "mär": 3, "mrz": 3,
	"juni": 6, "juli": 7, "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
	// Spanish
	"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
	"agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
	// Italian
	"gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
	"settembre": 9, "ottobre": 10, "dicembre": 12,
	// Dutch
	"januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
}

// monthAlt is the regexp alternation of monthNames, longest first so that
// "septembre" wins over "sept".
var monthAlt = func() string {
	names := make([]string, 0, len(monthNames))
	for k := range monthNames {
		names = append(names, regexp.QuoteMeta(k))
	}
	// Sort by length, longest first; ties alphabetically for determinism.
	for i := 1; i < len(names); i++ {
		for j := i; j > 0; j-- {
			a, b := names[j-1], names[j]
			if len(a) < len(b) || (len(a) == len(b) && a > b) {
				names[j-1], names[j] = b, a
			} else {
				break
			}
		}
	}
	return strings.Join(names, "|")
}()

// The date patterns. Each is tried on the string; the earliest match wins.
var (
	// 2019-09-26, 2019-09-26T10:15:00.000+02:00, 2019-09-26 10:15 Z
	reISO = regexp.MustCompile(`(?i)\b((?:19|20)\d\d)-(\d\d?)-(\d\d?)(?:(?:T|\s+|\s*à\s*)(\d\d?)[:h](\d\d)(?::(\d\d?)(?:[.,]\d+)?)?\s*(Z\b|(?:UTC|GMT)?[+-]\d\d(?::?\d\d)?|UTC\b|GMT\b|CEST\b|CET\b)?)?`)
	// 2019/09/26, 2019.09.26
	reYMD = regexp.MustCompile(`\b((?:19|20)\d\d)[/.](\d\d?)[/.](\d\d?)\b`)
	// 26/09/2019, 26.09.2019, 26-09-2019, 26/09/19
	reDMY = regexp.MustCompile(`\b(\d\d?)([/.\-])(\d\d?)([/.\-])((?:19|20)\d\d|\d\d)\b`)
	// 12 janvier 2021, 1er janvier 2021, 12. Januar 2021, 12 de enero de 2021
	reDMonthY = regexp.MustCompile(`(?i)\b(\d\d?)(?:er|st|nd|rd|th|º|\.)?\s*(?:de\s+)?(` + monthAlt + `)\.?,?\s+(?:de\s+)?((?:19|20)\d\d)\b`)
	// January 12, 2021; Jan. 12 2021
	reMonthDY = regexp.MustCompile(`(?i)\b(` + monthAlt + `)\.?\s+(\d\d?)(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b`)
	// The time that may follow a date: "à 10h15", ", 10:15", "at 3:05 pm",
	// "um 10.15 Uhr", "- 10H15", with an optional zone.
	reTimeAfter = regexp.MustCompile(`(?i)^[\s,\-–|/]*(?:(?:à|a|at|um|alle|om|,|-)\s*)?(\d\d?)\s*(?:[:h]\s*|\.(\d\d)\s*uhr)(\d\d)?(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)?\s*(Z\b|(?:UTC|GMT)?\s*[+-]\d\d(?::?\d\d)?|UTC\b|GMT\b|CEST\b|CET\b)?`)
	// 20190926 as the whole string.
	reCompact = regexp.MustCompile(`^\s*((?:19|20)\d\d)(\d\d)(\d\d)\s*$`)
)

// feedLayouts are the layouts time.Parse is tried with first: feeds and
// sitemaps write these.
var feedLayouts = []string{
	time.RFC3339Nano,
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700",
	time.RFC822Z,
	time.RFC822,
}

// findDate finds the earliest date in s.
func findDate(s string, loc *time.Location) (foundDate, bool) {
	ds := findDates(s, loc, 1)
	if len(ds) == 0 {
		return foundDate{}, false
	}
	return ds[0], true
}

// findDates finds up to max dates in s (all when max <= 0), in order of
// position. A date that overlaps an earlier one is skipped.
func findDates(s string, loc *time.Location, max int) []foundDate {
	if loc == nil {
		loc = paris()
	}
	if len(s) > 0 && len(s) < 64 {
		trimmed := strings.TrimSpace(s)
		for _, layout := range feedLayouts {
			if t, err := time.Parse(layout, trimmed); err == nil && plausibleYear(t.Year()) {
				t, zoned := fixZone(t, trimmed, loc)
				return []foundDate{{t: t, start: 0, end: len(s), hasTime: true, zoned: zoned}}
			}
		}
		if m := reCompact.FindStringSubmatch(s); m != nil {
			if t, ok := makeDate(atoi(m[1]), atoi(m[2]), atoi(m[3]), loc); ok {
				return []foundDate{{t: t, start: 0, end: len(s)}}
			}
		}
	}
	if !mayHoldDate(s) {
		return nil
	}
	var out []foundDate
	add := func(d foundDate) {
		for _, o := range out {
			if d.start < o.end && o.start < d.end {
				return
			}
		}
		out = append(out, d)
	}
	for _, m := range reISO.FindAllStringSubmatchIndex(s, -1) {
		y, mo, da := atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]]), atoi(s[m[6]:m[7]])
		t, ok := makeDate(y, mo, da, loc)
		if !ok {
			continue
		}
		d := foundDate{t: t, start: m[0], end: m[1]}
		if m[8] >= 0 {
			h, mi, se := atoi(s[m[8]:m[9]]), atoi(s[m[10]:m[11]]), 0
			if m[12] >= 0 {
				se = atoi(s[m[12]:m[13]])
			}
			zone := ""
			if m[14] >= 0 {
				zone = s[m[14]:m[15]]
			}
			if tt, zoned, ok := withTime(t, h, mi, se, zone, loc); ok {
				d.t, d.hasTime, d.zoned = tt, true, zoned
			}
		}
		add(d)
	}
	for _, m := range reYMD.FindAllStringSubmatchIndex(s, -1) {
		if t, ok := makeDate(atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]]), atoi(s[m[6]:m[7]]), loc); ok {
			add(timeAfter(s, foundDate{t: t, start: m[0], end: m[1]}, loc))
		}
	}
	for _, m := range reDMY.FindAllStringSubmatchIndex(s, -1) {
		if s[m[4]:m[5]] != s[m[8]:m[9]] { // the two separators must agree
			continue
		}
		a, b := atoi(s[m[2]:m[3]]), atoi(s[m[6]:m[7]])
		yStr := s[m[10]:m[11]]
		y := atoi(yStr)
		if len(yStr) == 2 {
			if s[m[4]:m[5]] == "." && m[0] > 0 && s[m[0]-1] == '.' {
				continue // a version number such as 1.2.3.45
			}
			y += 2000
		}
		day, mon := a, b
		if b > 12 && a <= 12 { // month first, as in the US
			day, mon = b, a
		}
		if t, ok := makeDate(y, mon, day, loc); ok {
			add(timeAfter(s, foundDate{t: t, start: m[0], end: m[1]}, loc))
		}
	}
	if hasMonthWord(s) {
		for _, m := range reDMonthY.FindAllStringSubmatchIndex(s, -1) {
			mon, ok := monthNames[strings.ToLower(s[m[4]:m[5]])]
			if !ok {
				continue
			}
			if t, ok := makeDate(atoi(s[m[6]:m[7]]), int(mon), atoi(s[m[2]:m[3]]), loc); ok {
				add(timeAfter(s, foundDate{t: t, start: m[0], end: m[1]}, loc))
			}
		}
		for _, m := range reMonthDY.FindAllStringSubmatchIndex(s, -1) {
			mon, ok := monthNames[strings.ToLower(s[m[2]:m[3]])]
			if !ok {
				continue
			}
			if t, ok := makeDate(atoi(s[m[6]:m[7]]), int(mon), atoi(s[m[4]:m[5]]), loc); ok {
				add(timeAfter(s, foundDate{t: t, start: m[0], end: m[1]}, loc))
			}
		}
	}
	// Order by position.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].start < out[j-1].start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// timeAfter extends d with a time of day written right after it.
func timeAfter(s string, d foundDate, loc *time.Location) foundDate {
	rest := s[d.end:]
	if len(rest) > 48 {
		rest = rest[:48]
	}
	m := reTimeAfter.FindStringSubmatchIndex(rest)
	if m == nil {
		return d
	}
	h := atoi(rest[m[2]:m[3]])
	mi := 0
	switch {
	case m[4] >= 0: // 10.15 Uhr
		mi = atoi(rest[m[4]:m[5]])
	case m[6] >= 0:
		mi = atoi(rest[m[6]:m[7]])
	default:
		// "10h" alone is a time; "10:" alone is not.
		if !strings.ContainsAny(strings.ToLower(rest[m[2]:m[1]]), "h") {
			return d
		}
	}
	se := 0
	if m[8] >= 0 {
		se = atoi(rest[m[8]:m[9]])
	}
	if m[10] >= 0 {
		ampm := strings.ToLower(rest[m[10]:m[11]])
		if h > 12 || h == 0 {
			return d
		}
		if strings.HasPrefix(ampm, "p") && h < 12 {
			h += 12
		} else if strings.HasPrefix(ampm, "a") && h == 12 {
			h = 0
		}
	}
	zone := ""
	if m[12] >= 0 {
		zone = rest[m[12]:m[13]]
	}
	t, zoned, ok := withTime(d.t, h, mi, se, zone, loc)
	if !ok {
		return d
	}
	d.t, d.hasTime, d.zoned, d.end = t, true, zoned, d.end+m[1]
	return d
}

// withTime sets the time of day of the date t and reads it in the zone
// given, or in loc when there is none; zoned tells which.
func withTime(t time.Time, h, mi, se int, zone string, loc *time.Location) (_ time.Time, zoned, ok bool) {
	if h > 23 || mi > 59 || se > 60 {
		return t, false, false
	}
	if se == 60 {
		se = 59
	}
	z := loc
	if zone != "" {
		if zz, ok := parseZone(zone); ok {
			z, zoned = zz, true
		}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), h, mi, se, 0, z), zoned, true
}

// parseZone reads Z, UTC, GMT, CET, CEST and numeric offsets.
func parseZone(z string) (*time.Location, bool) {
	z = strings.TrimSpace(strings.ToUpper(z))
	switch z {
	case "Z", "UTC", "GMT":
		return time.UTC, true
	case "CET":
		return time.FixedZone("CET", 3600), true
	case "CEST":
		return time.FixedZone("CEST", 7200), true
	}
	z = strings.TrimPrefix(strings.TrimPrefix(z, "UTC"), "GMT")
	z = strings.TrimSpace(z)
	if len(z) < 3 || (z[0] != '+' && z[0] != '-') {
		return nil, false
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	if len(digits) != 2 && len(digits) != 4 {
		return nil, false
	}
	h := atoi(digits[:2])
	m := 0
	if len(digits) == 4 {
		m = atoi(digits[2:])
	}
	if h > 14 || m > 59 {
		return nil, false
	}
	off := h*3600 + m*60
	if z[0] == '-' {
		off = -off
	}
	if off == 0 {
		return time.UTC, true
	}
	return time.FixedZone("", off), true
}

// fixZone re-reads t in loc when the string gave no zone (time.Parse then
// returns UTC); zoned tells whether it gave one.
func fixZone(t time.Time, s string, loc *time.Location) (_ time.Time, zoned bool) {
	if t.Location() == time.UTC && !strings.ContainsAny(s, "Zz+") && !strings.Contains(strings.ToUpper(s), "UTC") && !strings.Contains(strings.ToUpper(s), "GMT") && !strings.Contains(s, "-0") {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), false
	}
	return t, true
}

// makeDate builds midnight of a valid calendar day in loc.
func makeDate(y, m, d int, loc *time.Location) (time.Time, bool) {
	if !plausibleYear(y) || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if t.Day() != d { // 31 February
		return time.Time{}, false
	}
	return t, true
}

// plausibleYear bounds dates to the web's lifetime, as htmldate does.
func plausibleYear(y int) bool { return y >= 1995 && y <= 2100 }

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// hasDigitPair reports whether s has two digits in a row: every date form
// needs them, and most strings without them are skipped at once.
func hasDigitPair(s string) bool {
	prev := false
	for i := 0; i < len(s); i++ {
		d := s[i] >= '0' && s[i] <= '9'
		if d && prev {
			return true
		}
		prev = d
	}
	return false
}

// hasMonthWord reports whether s has a word that names a month: the
// month-name patterns are the costliest, and most strings have none.
func hasMonthWord(s string) bool {
	var buf [16]byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			i += size
			continue
		}
		j, n := i, 0
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsLetter(r) {
				break
			}
			if n >= 0 {
				if n+utf8.RuneLen(unicode.ToLower(r)) > len(buf) {
					n = -1
				} else {
					n += utf8.EncodeRune(buf[n:], unicode.ToLower(r))
				}
			}
			j += size
		}
		if n >= 3 {
			if _, ok := monthNames[string(buf[:n])]; ok {
				return true
			}
		}
		i = j
	}
	return false
}

// mayHoldDate is a cheap test before the patterns: every form needs a
// four-digit year 19xx/20xx, or a short day/month/year such as 26/09/19.
func mayHoldDate(s string) bool {
	run := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		if run == 4 && (s[i-4] == '1' && s[i-3] == '9' || s[i-4] == '2' && s[i-3] == '0') {
			return true
		}
		if run >= 4 && run == 8 { // 20190926 inside a longer string is not read
			run = 0
		}
		if run == 2 && i < len(s) && (s[i] == '/' || s[i] == '.' || s[i] == '-') && i >= 3 {
			// ..d[/.-]dd at the end of a dd/mm/yy form
			if sep := s[i-3]; sep == s[i] || (i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9') {
				return true
			}
		}
		if run == 2 && i >= 6 {
			if sep := s[i-3]; (sep == '/' || sep == '.' || sep == '-') && s[i-4] >= '0' && s[i-4] <= '9' {
				return true
			}
		}
		run = 0
	}
	return false
}
