package match

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cner/veille/config"
)

// The benchmark's watch list and text are generated from the fixtures in
// testdata/bench with a fixed seed: 1,000 aliases (agency names built from
// French places and name patterns, acronyms, people) and 1 MB of French
// press prose naming some of them, some near-misses and many places.

const (
	benchAliases = 1000
	benchBytes   = 1 << 20
)

func readLines(tb testing.TB, name string) []string {
	tb.Helper()
	f, err := os.Open("testdata/bench/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

type benchFixture struct {
	entities []config.Entity
	aliases  []config.Alias // every alias, in order
	names    []string       // agency names used in the text: watched and not
	people   []string
	text     string
}

func newBenchFixture(tb testing.TB) *benchFixture {
	tb.Helper()
	rng := rand.New(rand.NewPCG(2024, 5))
	places := readLines(tb, "places.txt")
	patterns := readLines(tb, "patterns.txt")
	sentences := readLines(tb, "sentences.txt")
	peopleLines := readLines(tb, "people.txt")
	var first, last []string
	for i, l := range peopleLines {
		if l == "" {
			first, last = peopleLines[:i], peopleLines[i+1:]
			break
		}
	}

	f := &benchFixture{}
	// Every place × pattern, shuffled: the first ones are watched, the
	// others appear in the text as agencies we do not watch.
	var names []string
	for _, p := range places {
		for _, pat := range patterns {
			names = append(names, strings.ReplaceAll(pat, "{P}", p))
		}
	}
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	seenAcronym := map[string]bool{}
	seenPerson := map[string]bool{}
	n := 0
	for len(f.aliases) < benchAliases {
		id := fmt.Sprintf("e%04d", len(f.entities))
		switch {
		case len(f.entities)%10 == 9: // a person
			name := ""
			for name == "" || seenPerson[name] {
				name = first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
			}
			seenPerson[name] = true
			f.people = append(f.people, name)
			e := config.Entity{ID: id, Name: name, Kind: "person", Aliases: []config.Alias{{Text: name}},
				Context: []string{"agence", "développement économique"}}
			f.entities = append(f.entities, e)
			f.aliases = append(f.aliases, e.Aliases...)
		default: // an agency: its name, sometimes an acronym or a second name
			name := names[n]
			n++
			e := config.Entity{ID: id, Name: name, Kind: "member", Aliases: []config.Alias{{Text: name}}}
			if len(f.entities)%3 == 0 {
				acr := acronym(name)
				if len(acr) >= 3 && !seenAcronym[acr] {
					seenAcronym[acr] = true
					e.Aliases = append(e.Aliases, config.Alias{Text: acr, CaseSensitive: true,
						Context: []string{"agence", "entreprises"}, Window: 15})
				}
			} else if len(f.entities)%3 == 1 {
				e.Aliases = append(e.Aliases, config.Alias{Text: names[n]})
				n++
			}
			if len(f.entities)%7 == 0 {
				e.Exclude = []string{"festival", "club sportif"}
				e.Window = 20
			}
			if room := benchAliases - len(f.aliases); len(e.Aliases) > room {
				e.Aliases = e.Aliases[:room]
			}
			f.entities = append(f.entities, e)
			f.aliases = append(f.aliases, e.Aliases...)
		}
	}
	// The text uses watched names a third of the time.
	f.names = names
	watched := n
	var b strings.Builder
	for b.Len() < benchBytes {
		k := 4 + rng.IntN(3)
		for i := 0; i < k; i++ {
			s := sentences[rng.IntN(len(sentences))]
			for strings.Contains(s, "{A}") {
				var a string
				if rng.IntN(3) == 0 {
					a = names[rng.IntN(watched)]
				} else {
					a = names[watched+rng.IntN(len(names)-watched)]
				}
				s = strings.Replace(s, "{A}", a, 1)
			}
			for strings.Contains(s, "{P}") {
				s = strings.Replace(s, "{P}", places[rng.IntN(len(places))], 1)
			}
			for strings.Contains(s, "{N}") {
				s = strings.Replace(s, "{N}", strconv.Itoa(2+rng.IntN(400)), 1)
			}
			for strings.Contains(s, "{X}") {
				x := first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
				if rng.IntN(4) == 0 {
					x = f.people[rng.IntN(len(f.people))]
				}
				s = strings.Replace(s, "{X}", x, 1)
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
		b.WriteString("\n\n")
	}
	f.text = b.String()
	return f
}

// acronym makes an agency's initials: "Agence de développement économique
// de Vendée" gives "ADEV".
func acronym(name string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' }) {
		if len(w) > 2 {
			r := []rune(w)[0]
			b.WriteString(strings.ToUpper(Fold(string(r))))
		}
	}
	return b.String()
}

// alternation is the baseline: one regular expression of all the aliases,
// case-insensitive ones in a (?i) group, between word boundaries.
func alternation(aliases []config.Alias) *regexp.Regexp {
	var ci, cs []string
	for _, a := range aliases {
		if a.CaseSensitive {
			cs = append(cs, regexp.QuoteMeta(a.Text))
		} else {
			ci = append(ci, regexp.QuoteMeta(a.Text))
		}
	}
	expr := `\b(?:(?i:` + strings.Join(ci, "|") + `)`
	if len(cs) > 0 {
		expr += "|" + strings.Join(cs, "|")
	}
	return regexp.MustCompile(expr + `)\b`)
}

func TestBenchFixture(t *testing.T) {
	f := newBenchFixture(t)
	if len(f.aliases) != benchAliases {
		t.Errorf("%d aliases, want %d", len(f.aliases), benchAliases)
	}
	m, err := New(f.entities)
	if err != nil {
		t.Fatal(err)
	}
	d := Doc{Body: f.text}
	got := m.Match(d)
	if len(got) < 100 {
		t.Errorf("only %d entities found in the generated text", len(got))
	}
	for _, mm := range got {
		if err := CheckMention(d, mm); err != nil {
			t.Fatal(err)
		}
	}
	// Both matchers agree on what the regexp can see: every alias the
	// regexp finds as a whole is found by the automaton too.
	re := alternation(f.aliases)
	found := map[string]bool{}
	for _, mm := range got {
		found[mm.EntityID] = true
	}
	byAlias := map[string]string{}
	for _, e := range f.entities {
		for _, a := range e.Aliases {
			byAlias[strings.ToLower(a.Text)] = e.ID
		}
	}
	missed := 0
	for _, loc := range re.FindAllStringIndex(f.text[:16<<10], -1) {
		id := byAlias[strings.ToLower(f.text[loc[0]:loc[1]])]
		if id != "" && !found[id] && !strings.Contains(f.text[loc[0]:loc[1]], "ADE") {
			missed++
		}
	}
	if missed > 0 {
		t.Logf("%d regexp hits of entities the matcher did not keep (context, excludes, overlaps)", missed)
	}
}

// cpuTime is the process's user+system CPU time. On a machine shared with
// other work, throughput per CPU second is the honest measure of "one
// core"; it includes the garbage collector.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the throughput per CPU second since start.
func reportCPU(b *testing.B, start time.Duration, bytes int) {
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}

// BenchmarkMatch1000: the automaton against a regexp alternation of the
// same 1,000 aliases, over the same 1 MB of French text.
//
//	go test -run '^$' -bench Match1000 -benchtime 20x -cpu 1 ./internal/match/
func BenchmarkMatch1000(b *testing.B) {
	f := newBenchFixture(b)
	m, err := New(f.entities)
	if err != nil {
		b.Fatal(err)
	}
	d := Doc{Body: f.text}
	b.Run("automaton", func(b *testing.B) {
		b.SetBytes(int64(len(f.text)))
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			if len(m.Match(d)) == 0 {
				b.Fatal("nothing found")
			}
		}
		reportCPU(b, start, len(f.text))
	})
	// The alternation is about a thousand times slower: it reads the
	// first 64 KB of the same text (its cost is linear in the input).
	re := alternation(f.aliases)
	text := f.text[:64<<10]
	b.Run("regexp", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			if len(re.FindAllStringIndex(text, -1)) == 0 {
				b.Fatal("nothing found")
			}
		}
		reportCPU(b, start, len(text))
	})
}

// BenchmarkNew: compiling the 1,000-alias watch list.
func BenchmarkNew(b *testing.B) {
	f := newBenchFixture(b)
	for b.Loop() {
		if _, err := New(f.entities); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArticle: the default watch list on one article-sized text, the
// pipeline's case.
func BenchmarkArticle(b *testing.B) {
	m := defaultMatcher(b)
	f := newBenchFixture(b)
	body := f.text[:6000] + " Le CNER et l'Aderly, au forum DEV&CO22, avec Lorr'Up."
	d := Doc{Title: "Les agences de développement réunies", Body: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		m.Match(d)
	}
	reportCPU(b, start, len(body))
}

// BenchmarkBaseline calibrates the host: the tokeniser alone over the
// same 1 MB, and a bare loop over its bytes. On a shared machine the bare
// loop shows how much of a core the benchmark really got.
func BenchmarkBaseline(b *testing.B) {
	f := newBenchFixture(b)
	m, err := New(f.entities)
	if err != nil {
		b.Fatal(err)
	}
	text := f.text
	b.Run("tokenize", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		var toks []token
		start := cpuTime()
		for b.Loop() {
			toks = m.vocab.tokenize(text, toks[:0])
		}
		reportCPU(b, start, len(text))
	})
	b.Run("byteloop", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		n := 0
		start := cpuTime()
		for b.Loop() {
			for i := 0; i < len(text); i++ {
				if asciiLetter[text[i]] != 0 {
					n++
				}
			}
		}
		reportCPU(b, start, len(text))
		if n == 0 {
			b.Fatal("no letter")
		}
	})
}
