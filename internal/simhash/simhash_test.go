package simhash

import (
	"hash/fnv"
	"strings"
	"testing"
)

func TestNearDuplicatesAreClose(t *testing.T) {
	a := "Le CNER publie un manifeste pour défendre le travail des agences de développement économique dans les territoires. " +
		"Le texte plaide pour une reconnaissance des agences par l'État et les régions, et pour des moyens pérennes. " +
		"Il sera remis aux candidats à l'élection présidentielle au début du mois de mars, lors d'une rencontre à Paris. " +
		"Les agences rappellent qu'elles ont accompagné plus de mille projets d'implantation l'an dernier."
	b := strings.Replace(a, "au début du mois de mars", "à la fin du mois de février", 1) + " (avec AFP)"
	c := "La pêche bretonne se restructure : les criées de Lorient et de Concarneau se rapprochent après dix ans de discussions entre armateurs."
	if d := Distance(Of(a), Of(b)); d > 12 {
		t.Errorf("near-duplicates %d bits apart", d)
	}
	if d := Distance(Of(a), Of(c)); d < 16 {
		t.Errorf("unrelated texts only %d bits apart", d)
	}
	if Of("") != 0 || Of(" , ; ") != 0 {
		t.Error("empty text has a fingerprint")
	}
	if Of(strings.ToUpper(a)) != Of(a) {
		t.Error("case changes the fingerprint")
	}
}

// TestInlineFNV checks the inlined hash against the standard library's.
func TestInlineFNV(t *testing.T) {
	for _, s := range []string{"", "a", "le cner publie", "développement économique"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		x := fnvOffset
		for j := 0; j < len(s); j++ {
			x = (x ^ uint64(s[j])) * fnvPrime
		}
		if x != h.Sum64() {
			t.Errorf("%q: %x, want %x", s, x, h.Sum64())
		}
	}
}

func BenchmarkOf(b *testing.B) {
	text := strings.Repeat("Les agences de développement économique accompagnent les entreprises du territoire. ", 60)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Of(text)
	}
}
