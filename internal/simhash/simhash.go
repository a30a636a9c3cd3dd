// Package simhash fingerprints article text so that syndicated copies of one
// story (the same dispatch in several outlets, lightly edited) get
// fingerprints a few bits apart.
package simhash

import (
	"math/bits"
	"strings"
	"unicode"
)

// FNV-1a, 64 bits, inlined: the shingles are hashed without allocating.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
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
	var v [64]int32
	add := func(ws []string) {
		x := fnvOffset
		for i, w := range ws {
			if i > 0 {
				x = (x ^ ' ') * fnvPrime
			}
			for j := 0; j < len(w); j++ {
				x = (x ^ uint64(w[j])) * fnvPrime
			}
		}
		for b := range v {
			v[b] += int32(x>>b&1)*2 - 1
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
