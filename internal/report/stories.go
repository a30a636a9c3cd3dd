package report

import (
	"math/bits"
	"time"

	"github.com/cner/veille/internal/store"
)

// Syndicated copies of one story (a wire dispatch taken up by several
// outlets, a press release reprinted, lightly edited) are found by their
// simhash (64 bits over word 3-shingles of title and text, see
// internal/simhash): two clippings are copies of one story when their
// fingerprints differ by at most StoryBits bits and they appeared within
// StoryWindow of each other. Stories are the connected groups of copies.
//
// The threshold was measured on the generated corpus (internal/corpus),
// whose copies get a new headline, a cut last paragraph or an added line:
// copies are 1 to 19 bits apart (72 % within 6), while among a million
// pairs of different stories published within days of each other fewer
// than one is within 6 bits — with template-made text, far more alike than
// real articles. Unrelated real texts are about 32 bits apart.
const (
	StoryBits   = 6
	StoryWindow = 72 * time.Hour
)

// Stories groups clippings, sorted by date, into stories. It returns, for
// each clipping, the position of its story's first clipping (itself for
// an original). A zero fingerprint (no text) is never a copy.
func Stories(stubs []store.Stub) []int {
	parent := make([]int, len(stubs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	lo := 0
	for i := range stubs {
		h := stubs[i].Simhash
		if h == 0 {
			continue
		}
		for stubs[i].Date.Sub(stubs[lo].Date) > StoryWindow {
			lo++
		}
		for j := lo; j < i; j++ {
			if stubs[j].Simhash == 0 || bits.OnesCount64(h^stubs[j].Simhash) > StoryBits {
				continue
			}
			a, b := find(i), find(j)
			if a == b {
				continue
			}
			// The earliest clipping represents the story.
			if a < b {
				parent[b] = a
			} else {
				parent[a] = b
			}
		}
	}
	out := make([]int, len(stubs))
	for i := range stubs {
		out[i] = find(i)
	}
	return out
}
