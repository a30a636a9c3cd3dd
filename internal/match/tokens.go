package match

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

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
	tComma                   // a comma precedes it
)

// maxWord bounds the folded length of a word looked up: longer words are
// in no pattern's reach (they just never match).
const maxWord = 64

// vocabulary maps folded words to ids. It is read-only after New.
type vocabulary struct {
	ids    map[string]int32 // while compiling
	maxLen int
	// An open-addressing table over hashKey, built by finish: tokenize
	// folds each word into a buffer, hashes it once and probes.
	slots []vslot
	tags  []uint8 // per slot: 0 empty, else a byte of the hash; probed first, it stays in cache
	mask  uint32
	keys  string // the words, end to end
	// class holds, per id, the rule words' classes (speech verbs…).
	class []uint8
	amp   int32 // the id of "&", or -1
	// lens holds, per first byte, a bit per word length (31: 31 and over)
	// of the vocabulary's words: most text words fail it before hashing.
	lens [256]uint32
}

// vslot is one entry of the table; id is the word's id + 1 (0: empty).
// x and y are the word's first and last eight bytes (see wordKey): for a
// word of at most 16 bytes they are the word.
type vslot struct {
	x, y uint64
	off  uint32
	n    uint32
	id   int32
}

// wordKey reads the folded word buf[:n] (n ≤ maxWord; the bytes past it
// are ignored) as its first eight bytes and its last eight.
func wordKey(buf *[maxWord]byte, n int) (x, y uint64) {
	x = binary.LittleEndian.Uint64(buf[:8])
	if n < 8 {
		return x & (uint64(1)<<(8*uint(n)) - 1), 0
	}
	return x, binary.LittleEndian.Uint64(buf[n-8 : n])
}

// hashKey mixes a word's key and length once. Words that share both
// halves and the length collide; lookup then compares the bytes.
func hashKey(x, y uint64, n int) uint32 {
	h := (x ^ uint64(n)*0x9e3779b97f4a7c15) * 0xff51afd7ed558ccd
	h ^= bits.RotateLeft64(y*0xc4ceb9fe1a85ec53, 31)
	h ^= h >> 29
	return uint32(h ^ h>>32)
}

// id returns the id of a word, or -1.
func (v *vocabulary) id(w string) int32 {
	if x, ok := v.ids[w]; ok {
		return x
	}
	return -1
}

// add returns the id of w, adding it if needed.
func (v *vocabulary) add(w string) int32 {
	if x, ok := v.ids[w]; ok {
		return x
	}
	x := int32(len(v.ids))
	v.ids[w] = x
	if len(w) > v.maxLen {
		v.maxLen = len(w)
	}
	return x
}

// finish builds the lookup table.
func (v *vocabulary) finish() {
	size := 16
	for size < 4*len(v.ids) {
		size *= 2
	}
	v.slots = make([]vslot, size)
	v.tags = make([]uint8, size)
	v.mask = uint32(size - 1)
	var keys []byte
	for w, x := range v.ids {
		if len(w) > maxWord {
			continue // no text word is looked up at that length
		}
		var buf [maxWord]byte
		copy(buf[:], w)
		kx, ky := wordKey(&buf, len(w))
		h := hashKey(kx, ky, len(w))
		i := h & v.mask
		for v.slots[i].id != 0 {
			i = (i + 1) & v.mask
		}
		v.slots[i] = vslot{x: kx, y: ky, off: uint32(len(keys)), id: x + 1, n: uint32(len(w))}
		if len(w) > 0 {
			v.lens[w[0]] |= 1 << min(len(w), 31)
		}
		v.tags[i] = tagOf(h)
		keys = append(keys, w...)
	}
	v.keys = string(keys)
	v.amp = v.id("&")
	if len(v.class) < len(v.ids) {
		v.class = append(v.class, make([]uint8, len(v.ids)-len(v.class))...)
	}
}

// tagOf is the tag of a hash: never 0.
func tagOf(h uint32) uint8 { return uint8(h>>24) | 1 }

// lookup returns the id of the folded word buf[:n], or -1.
func (v *vocabulary) lookup(buf *[maxWord]byte, n int) int32 {
	if n > v.maxLen || n > maxWord || n == 0 || v.lens[buf[0]]&(1<<min(n, 31)) == 0 {
		return -1
	}
	x, y := wordKey(buf, n)
	h := hashKey(x, y, n)
	tag := tagOf(h)
	for i := h & v.mask; ; i = (i + 1) & v.mask {
		t := v.tags[i]
		if t == 0 {
			return -1
		}
		if t != tag {
			continue
		}
		s := &v.slots[i]
		if s.x == x && s.y == y && int(s.n) == n && (n <= 16 || v.keys[s.off:s.off+s.n] == string(buf[:n])) {
			return s.id - 1
		}
	}
}

// tokenize appends the tokens of s to toks. Each word is read by a tight
// inner loop that folds it into a stack buffer; separators are read by the
// outer loop.
func (v *vocabulary) tokenize(s string, toks []token) []token {
	if cap(toks)-len(toks) < len(s)/5 {
		toks = append(make([]token, 0, len(toks)+len(s)/5+16), toks...)
	}
	var (
		buf     [maxWord]byte
		lastEnd = -1
		flags   = tBreak // the field's start is a break
	)
	n := len(s)
	for i := 0; i < n; {
		c := s[i]
		var cl charClass
		size := 1
		if c < utf8.RuneSelf {
			cl = asciiClass[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			cl = runeInfoOf(r).class
		}
		switch cl {
		case clLetter, clDigit:
			// A run of letters (or of digits), folded into buf.
			start := i
			k := 0
			kind := tWord
			if cl == clDigit {
				kind = tDigit
			}
			for i < n {
				c = s[i]
				if f := asciiLetter[c]; f != 0 && cl == clLetter {
					buf[k&(maxWord-1)] = f // past maxWord the word is not looked up
					k++
					i++
					continue
				}
				if c < utf8.RuneSelf {
					if asciiClass[c] != cl {
						break
					}
					buf[k&(maxWord-1)] = c // a digit
					k++
					i++
					continue
				}
				r, sz := utf8.DecodeRuneInString(s[i:])
				ri := runeInfoOf(r)
				if ri.class == clIgnore {
					i += sz
					continue
				}
				if ri.class != cl {
					break
				}
				for j := 0; j < len(ri.fold); j++ {
					buf[k&(maxWord-1)] = ri.fold[j]
					k++
				}
				i += sz
			}
			f := flags | kind
			if start == lastEnd {
				f |= tGlued
			}
			toks = append(toks, token{start: int32(start), end: int32(i), id: v.lookup(&buf, k), flags: f})
			lastEnd, flags = i, 0
			continue
		case clAmp:
			f := flags | tAmp
			if i == lastEnd {
				f |= tGlued
			}
			toks = append(toks, token{start: int32(i), end: int32(i + 1), id: v.amp, flags: f})
			lastEnd, flags = i+1, 0
		case clDot:
			if !softDot(s, i+1) {
				flags |= tBreak
			}
		case clComma:
			flags |= tComma
		case clBreak:
			flags |= tBreak
		}
		i += size
	}
	return toks
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
