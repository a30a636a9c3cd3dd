package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippet sizes: the sentence holding the match, cut to about
// snippetSide words on each side when it is longer.
const (
	snippetSide = 15
	// sentenceScan bounds how far a sentence boundary is looked for.
	sentenceScan = 1500
)

// snippet returns the plain text around text[start:end] (its sentence,
// or about 30 words) with whitespace collapsed, and the offsets of the
// matched words in it.
func snippet(text string, start, end int) (string, int, int) {
	s, e := sentenceBounds(text, start, end)
	cutLeft, cutRight := false, false
	if p := nthWordStartBack(text[s:start], snippetSide); p > 0 {
		s += p
		cutLeft = true
	}
	if p := nthWordEnd(text[end:e], snippetSide); p >= 0 && p < e-end && strings.TrimSpace(text[end+p:e]) != "" {
		e = end + p
		cutRight = true
	}
	var b strings.Builder
	b.Grow(e - s + 8)
	prefix := 0
	if cutLeft {
		b.WriteString("… ")
		prefix = b.Len()
	}
	hlStart, hlEnd := -1, -1
	space := false
	for i := s; i < e; {
		if i == start {
			if space && b.Len() > prefix {
				b.WriteByte(' ')
			}
			space = false
			hlStart = b.Len()
		}
		if i == end {
			hlEnd = b.Len()
		}
		c := text[i]
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v' {
			space = true
			i++
			continue
		}
		if space && b.Len() > prefix {
			b.WriteByte(' ')
		}
		space = false
		_, size := utf8.DecodeRuneInString(text[i:])
		b.WriteString(text[i : i+size])
		i += size
	}
	if hlStart < 0 {
		hlStart = b.Len()
	}
	if hlEnd < 0 {
		hlEnd = b.Len()
	}
	if cutRight {
		b.WriteString(" …")
	}
	return b.String(), hlStart, hlEnd
}

// sentenceBounds returns the sentence around text[start:end]: from the
// previous sentence end or line break to the next one.
func sentenceBounds(text string, start, end int) (int, int) {
	s := 0
	for i := start - 1; i >= 0 && i >= start-sentenceScan; i-- {
		c := text[i]
		if c == '\n' {
			s = i + 1
			break
		}
		if !maybeEnd(c) {
			if i == start-sentenceScan {
				s = nextRuneStart(text, i)
			}
			continue
		}
		if n := sentenceEndAt(text, i); n > 0 && i+n <= start {
			s = i + n
			break
		}
		if i == start-sentenceScan {
			s = nextRuneStart(text, i)
		}
	}
	e := len(text)
	for j := end; j < len(text); j++ {
		if j >= end+sentenceScan {
			e = nextRuneStart(text, j)
			break
		}
		c := text[j]
		if c == '\n' {
			e = j
			break
		}
		if !maybeEnd(c) {
			continue
		}
		if n := sentenceEndAt(text, j); n > 0 {
			e = j + n
			break
		}
	}
	for s < start && (text[s] == ' ' || text[s] == '\t' || text[s] == '\r') {
		s++
	}
	return s, e
}

// maybeEnd reports whether c may open sentence-ending punctuation: . ! ?
// or the first byte of "…".
func maybeEnd(c byte) bool {
	return c == '.' || c == '!' || c == '?' || c == 0xE2
}

func nextRuneStart(text string, i int) int {
	for i < len(text) && !utf8.RuneStart(text[i]) {
		i++
	}
	return i
}

// sentenceEndAt reports whether a sentence ends with the punctuation at
// text[i] (". ", "! ", "? ", "… "), returning the length of the
// punctuation; 0 otherwise. "M. Dupont" and "C.N.E.R. a" do not end one.
func sentenceEndAt(text string, i int) int {
	n := 0
	switch {
	case text[i] == '.' || text[i] == '!' || text[i] == '?':
		n = 1
	case strings.HasPrefix(text[i:], "…"):
		n = len("…")
	default:
		return 0
	}
	if i+n < len(text) {
		r, _ := utf8.DecodeRuneInString(text[i+n:])
		if !unicode.IsSpace(r) {
			return 0
		}
	}
	if text[i] == '.' && i > 0 {
		// A single capital before the dot is an initial or an abbreviation.
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsUpper(r) {
			p, _ := utf8.DecodeLastRuneInString(text[:i-size])
			if i-size == 0 || !unicode.IsLetter(p) {
				return 0
			}
		}
	}
	return n
}

// nthWordStartBack returns the offset in s where the n-th
// whitespace-separated word from the end starts, or 0 when s has n words
// or fewer.
func nthWordStartBack(s string, n int) int {
	count := 0
	inWord := false
	for i := len(s); i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		sp := unicode.IsSpace(r)
		if sp && inWord {
			count++
			if count == n {
				if strings.TrimSpace(s[:i]) == "" {
					return 0
				}
				return i
			}
		}
		inWord = !sp
		i -= size
	}
	return 0
}

// nthWordEnd returns the offset in s where the n-th whitespace-separated
// word ends, or -1 when s has fewer than n words.
func nthWordEnd(s string, n int) int {
	count := 0
	inWord := false
	for i, r := range s {
		sp := unicode.IsSpace(r)
		if sp && inWord {
			count++
			if count == n {
				return i
			}
		}
		inWord = !sp
	}
	if inWord && count+1 == n {
		return len(s)
	}
	return -1
}
