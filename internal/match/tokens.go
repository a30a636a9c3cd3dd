package match

import "unicode/utf8"

// token is one word of a document: a run of letters, a run of digits, or
// "&". Offsets are bytes in the field's string.
type token struct {
	start, end int32
	id         int32 // vocabulary id of its folded form, -1 when no pattern uses it
	flags      uint8
}

// Token flags.
const (
	tGlued uint8 = 1 << iota // nothing separates it from the previous token ("co|22", "dev|&")
	tBreak                   // a phrase break precedes it (sentence punctuation, newline, field start)
	tDigit                   // a run of digits
	tAmp                     // "&"
	tWord                    // a run of letters
)

// vocabulary maps folded words to ids. It is read-only after New.
type vocabulary struct {
	ids    map[string]int32
	maxLen int
}

// tokenize appends the tokens of s to toks. buf is scratch space, returned
// for reuse.
func (v *vocabulary) tokenize(s string, toks []token, buf []byte) ([]token, []byte) {
	var (
		cur     uint8 // tWord or tDigit while inside a run, 0 outside
		start   int
		lastEnd = -1
		brk     = true // the field's start is a break
	)
	emit := func(end int) {
		id := int32(-1)
		if len(buf) <= v.maxLen {
			if x, ok := v.ids[string(buf)]; ok {
				id = x
			}
		}
		f := cur
		if start == lastEnd {
			f |= tGlued
		}
		if brk {
			f |= tBreak
			brk = false
		}
		toks = append(toks, token{start: int32(start), end: int32(end), id: id, flags: f})
		lastEnd = end
		cur = 0
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case clLetter:
				if cur != tWord {
					if cur != 0 {
						emit(i)
					}
					cur, start, buf = tWord, i, buf[:0]
				}
				buf = append(buf, asciiFold[c])
			case clDigit:
				if cur != tDigit {
					if cur != 0 {
						emit(i)
					}
					cur, start, buf = tDigit, i, buf[:0]
				}
				buf = append(buf, c)
			case clSep:
				if cur != 0 {
					emit(i)
				}
			case clDot:
				if cur != 0 {
					emit(i)
				}
				if !softDot(s, i+1) {
					brk = true
				}
			case clAmp:
				if cur != 0 {
					emit(i)
				}
				cur, start, buf = tAmp, i, append(buf[:0], '&')
				emit(i + 1)
			default: // clBreak
				if cur != 0 {
					emit(i)
				}
				brk = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		info := runeInfoOf(r)
		switch info.class {
		case clLetter:
			if cur != tWord {
				if cur != 0 {
					emit(i)
				}
				cur, start, buf = tWord, i, buf[:0]
			}
			buf = append(buf, info.fold...)
		case clDigit:
			if cur != tDigit {
				if cur != 0 {
					emit(i)
				}
				cur, start, buf = tDigit, i, buf[:0]
			}
			buf = append(buf, info.fold...)
		case clIgnore:
		case clBreak:
			if cur != 0 {
				emit(i)
			}
			brk = true
		default:
			if cur != 0 {
				emit(i)
			}
		}
		i += size
	}
	if cur != 0 {
		emit(len(s))
	}
	return toks, buf
}

// softDot reports whether a full stop whose next byte is at i sits inside
// a word ("C.N.E.R", "cner.lu") rather than ending a sentence.
func softDot(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	if c < utf8.RuneSelf {
		cl := asciiClass[c]
		return cl == clLetter || cl == clDigit
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return runeInfoOf(r).class == clLetter
}
