package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// charClass classifies one character for tokenisation.
type charClass uint8

const (
	// clSep separates words and may sit inside an alias: spaces (no-break
	// and thin ones too), hyphens and dashes, apostrophes, commas, slashes.
	clSep charClass = iota
	// clBreak ends a phrase: an alias never spans it (. ! ? ; : quotes,
	// brackets, newlines, vertical bars).
	clBreak
	// clDot is a full stop: soft between two letters ("C.N.E.R",
	// "cner.lu"), a break otherwise.
	clDot
	clLetter
	clDigit
	// clAmp is "&", a token of its own: "Dev&Co" and "Dev & Co" both read
	// dev & co.
	clAmp
	// clIgnore is part of the word and dropped: combining accents, the soft
	// hyphen, zero-width characters, the BOM.
	clIgnore
	// clComma separates words; an alias spans it only where the alias
	// itself has a comma ("Descartes, développement" is not "Descartes
	// Développement").
	clComma
)

// runeInfo is the class of a rune and its folded form (lower case, without
// accents): "É" folds to "e", "œ" to "oe".
type runeInfo struct {
	class charClass
	fold  string
}

// latinLimit bounds the precomputed table: Latin-1 and Latin Extended-A/B
// cover French and its neighbours.
const latinLimit = 0x250

// Compiled tables: computed once, never written after.
var (
	asciiClass [128]charClass
	asciiFold  [128]byte
	// asciiLetter is the folded letter, 0 for every other byte: one lookup
	// per byte in the tokeniser's inner loop.
	asciiLetter [256]byte
	latinTable  = buildLatinTable()
)

func init() {
	for c := 0; c < 128; c++ {
		asciiClass[c] = classifyASCII(byte(c))
		asciiFold[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			asciiFold[c] = byte(c) + 'a' - 'A'
		}
		if asciiClass[c] == clLetter {
			asciiLetter[c] = asciiFold[c]
		}
	}
}

func classifyASCII(c byte) charClass {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return clLetter
	case c >= '0' && c <= '9':
		return clDigit
	case c == '&':
		return clAmp
	case c == '.':
		return clDot
	case c == ',':
		return clComma
	case c == ' ', c == '\t', c == '\v', c == '\f', c == '-', c == '\'', c == '`', c == '/', c == '_',
		c == '+', c == '*', c == '#', c == '@', c == '~', c == '=', c == '%', c == '$', c == '^', c == '\\':
		return clSep
	case c < 0x20 && c != '\n' && c != '\r':
		return clSep
	}
	// newline, carriage return, ! ? ; : " ( ) [ ] { } < > | and DEL
	return clBreak
}

func buildLatinTable() []runeInfo {
	t := make([]runeInfo, latinLimit)
	for r := rune(0x80); r < latinLimit; r++ {
		t[r] = computeRuneInfo(r)
	}
	return t
}

// specialFolds are letters that do not decompose into a base letter and
// an accent.
var specialFolds = map[rune]string{
	'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ẞ': "ss",
	'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d",
	'ł': "l", 'Ł': "l", 'þ': "th", 'Þ': "th", 'ı': "i", 'ŀ': "l", 'Ŀ': "l",
	'ĳ': "ij", 'Ĳ': "ij", 'ŉ': "n",
}

// computeRuneInfo classifies a non-ASCII rune and folds it.
func computeRuneInfo(r rune) runeInfo {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u034f':
		return runeInfo{class: clIgnore}
	case '’', '‘', 'ʼ', '′', '´', '‛', 'ʻ', '＇',
		'‐', '‑', '‒', '–', '—', '―', '−', '⁃',
		'\u00a0', '\u202f', '\u2007', '\u2009', '\u200a', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2008', '\u205f', '\u3000',
		'·', '•':
		return runeInfo{class: clSep}
	case '،', '、', '，':
		return runeInfo{class: clComma}
	case '\u2028', '\u2029', '\u0085', '«', '»', '“', '”', '„', '‟', '‹', '›', '…', '¡', '¿', '¦', '§', '¶':
		return runeInfo{class: clBreak}
	}
	if s, ok := specialFolds[r]; ok {
		return runeInfo{class: clLetter, fold: s}
	}
	switch {
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r):
		return runeInfo{class: clIgnore}
	case unicode.IsLetter(r):
		return runeInfo{class: clLetter, fold: foldLetter(r)}
	case unicode.IsDigit(r):
		return runeInfo{class: clDigit, fold: string(r)}
	case unicode.IsSpace(r):
		return runeInfo{class: clSep}
	case unicode.IsPunct(r):
		return runeInfo{class: clBreak}
	}
	return runeInfo{class: clSep}
}

// foldLetter lower-cases a letter and removes its accents.
func foldLetter(r rune) string {
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], unicode.ToLower(r))
	d := norm.NFD.Append(make([]byte, 0, 8), tmp[:n]...)
	var out []byte
	for i := 0; i < len(d); {
		c, size := utf8.DecodeRune(d[i:])
		switch {
		case unicode.Is(unicode.Mn, c):
		case specialFolds[c] != "":
			out = append(out, specialFolds[c]...)
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			out = utf8.AppendRune(out, unicode.ToLower(c))
		}
		i += size
	}
	if len(out) == 0 {
		return string(unicode.ToLower(r))
	}
	return string(out)
}

// runeInfoOf classifies any non-ASCII rune: the table for Latin letters,
// computed on the fly for the rest.
func runeInfoOf(r rune) runeInfo {
	if r < latinLimit {
		return latinTable[r]
	}
	return computeRuneInfo(r)
}

// Fold returns s as the matcher reads it: lower case, without accents,
// words separated by one space, "&" kept as a word. Fold("Dév&Co") is
// "dev & co", Fold("Lorr’Up") is "lorr up".
func Fold(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.fold)
	}
	return b.String()
}

// word is one token of a phrase, for compiling aliases and cues.
type word struct {
	fold       string
	start, end int
	apostrophe bool // only an apostrophe separates it from the previous word
	comma      bool // a comma separates it from the previous word
	digit      bool
}

// words tokenises a phrase the way the text is tokenised.
func words(s string) []word {
	var out []word
	var buf []byte
	cur := clSep // clLetter or clDigit while inside a word
	start := 0
	apos, comma := false, false
	emit := func(end int) {
		if cur != clLetter && cur != clDigit {
			return
		}
		out = append(out, word{fold: string(buf), start: start, end: end,
			apostrophe: apos && len(out) > 0, comma: comma, digit: cur == clDigit})
		cur = clSep
		apos, comma = false, false
	}
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		var info runeInfo
		if r < utf8.RuneSelf {
			info = runeInfo{class: asciiClass[r], fold: string(asciiFold[r])}
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			info = runeInfoOf(r)
		}
		switch info.class {
		case clLetter, clDigit:
			if cur != info.class {
				emit(i)
				start, cur, buf = i, info.class, buf[:0]
			}
			buf = append(buf, info.fold...)
		case clIgnore:
		case clAmp:
			emit(i)
			out = append(out, word{fold: "&", start: i, end: i + 1, comma: comma})
			comma = false
		case clComma:
			emit(i)
			comma = true
		default:
			wasWord := cur == clLetter || cur == clDigit
			emit(i)
			apos = wasWord && isApostrophe(r)
		}
		i += size
	}
	emit(len(s))
	return out
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', '′', '´', '`', '‛', 'ʻ', '＇':
		return true
	}
	return false
}

// caseKey keeps the letters and digits of s with their case, without
// accents: the comparison of case-sensitive aliases ("ADN" is not "adn",
// "DÉV" is "DEV").
func caseKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		var info runeInfo
		if r < utf8.RuneSelf {
			info = runeInfo{class: asciiClass[r], fold: string(r)}
		} else {
			info = runeInfoOf(r)
		}
		if info.class != clLetter && info.class != clDigit {
			continue
		}
		if r < utf8.RuneSelf || !unicode.IsUpper(r) {
			b.WriteString(info.fold)
			continue
		}
		b.WriteString(strings.ToUpper(info.fold))
	}
	return b.String()
}
