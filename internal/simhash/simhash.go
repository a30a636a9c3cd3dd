// Package simhash fingerprints article text so that syndicated copies of one
// story (the same dispatch in several outlets, lightly edited) get
// fingerprints a few bits apart.
package simhash

import (
	"hash/fnv"
	"math/bits"
	"strings"
	"unicode"
)

// shingle is the number of words hashed together.
const shingle = 3

// Of returns the 64-bit simhash of text's word 3-shingles, case- and
// punctuation-insensitive. Empty text gives 0.
func Of(text string) uint64 {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return 0
	}
	var v [64]int
	h := fnv.New64a()
	add := func(ws []string) {
		h.Reset()
		for i, w := range ws {
			if i > 0 {
				h.Write([]byte{' '})
			}
			h.Write([]byte(w))
		}
		x := h.Sum64()
		for b := 0; b < 64; b++ {
			if x&(1<<b) != 0 {
				v[b]++
			} else {
				v[b]--
			}
		}
	}
	if len(words) < shingle {
		add(words)
	} else {
		for i := 0; i+shingle <= len(words); i++ {
			add(words[i : i+shingle])
		}
	}
	var out uint64
	for b := 0; b < 64; b++ {
		if v[b] > 0 {
			out |= 1 << b
		}
	}
	return out
}

// Distance is the number of differing bits between two fingerprints.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }
