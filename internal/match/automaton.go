package match

import "sort"

// automaton is an Aho-Corasick automaton over token ids: one pass over a
// document's tokens finds every pattern (alias, context word, exclude
// phrase, role title) that ends at each token, whatever the number of
// patterns. It is read-only after build.
type automaton struct {
	rootNext []int32 // the root's transitions, indexed by token id (-1: none)
	// The other nodes' transitions, as sorted runs: node n's children are
	// childTok/childNode[childStart[n]:childStart[n+1]].
	childStart []int32
	childTok   []int32
	childNode  []int32
	fail       []int32 // longest proper suffix that is a node
	dict       []int32 // nearest node on the fail chain (itself included) with outputs, or -1
	outStart   []int32 // node n's own patterns are outPat[outStart[n]:outStart[n+1]]
	outPat     []int32
}

// buildAutomaton compiles patterns (sequences of token ids below vocab).
func buildAutomaton(patterns [][]int32, vocab int) *automaton {
	type node struct {
		next map[int32]int32
		out  []int32
	}
	nodes := []node{{next: map[int32]int32{}}}
	for p, seq := range patterns {
		n := int32(0)
		for _, t := range seq {
			nx, ok := nodes[n].next[t]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{next: map[int32]int32{}})
				nodes[n].next[t] = nx
			}
			n = nx
		}
		nodes[n].out = append(nodes[n].out, int32(p))
	}

	a := &automaton{
		rootNext:   make([]int32, vocab),
		childStart: make([]int32, len(nodes)+1),
		fail:       make([]int32, len(nodes)),
		dict:       make([]int32, len(nodes)),
		outStart:   make([]int32, len(nodes)+1),
	}
	for i := range a.rootNext {
		a.rootNext[i] = -1
	}
	for t, nx := range nodes[0].next {
		a.rootNext[t] = nx
	}
	for n := range nodes {
		a.childStart[n] = int32(len(a.childTok))
		if n != 0 {
			toks := make([]int32, 0, len(nodes[n].next))
			for t := range nodes[n].next {
				toks = append(toks, t)
			}
			sort.Slice(toks, func(i, j int) bool { return toks[i] < toks[j] })
			for _, t := range toks {
				a.childTok = append(a.childTok, t)
				a.childNode = append(a.childNode, nodes[n].next[t])
			}
		}
		a.outStart[n] = int32(len(a.outPat))
		a.outPat = append(a.outPat, nodes[n].out...)
	}
	a.childStart[len(nodes)] = int32(len(a.childTok))
	a.outStart[len(nodes)] = int32(len(a.outPat))

	// Breadth-first: fail links, then the output chain.
	a.dict[0] = -1
	queue := make([]int32, 0, len(nodes))
	for _, nx := range nodes[0].next {
		a.fail[nx] = 0
		queue = append(queue, nx)
	}
	sort.Slice(queue, func(i, j int) bool { return queue[i] < queue[j] })
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if len(nodes[n].out) > 0 {
			a.dict[n] = n
		} else {
			a.dict[n] = a.dict[a.fail[n]]
		}
		for t, child := range nodes[n].next {
			f := a.fail[n]
			for {
				if nx := a.next(f, t); nx >= 0 {
					a.fail[child] = nx
					break
				}
				if f == 0 {
					a.fail[child] = 0
					break
				}
				f = a.fail[f]
			}
			queue = append(queue, child)
		}
	}
	return a
}

// next is the goto function: the child of node n by token t, or -1.
func (a *automaton) next(n, t int32) int32 {
	if n == 0 {
		return a.rootNext[t]
	}
	lo, hi := a.childStart[n], a.childStart[n+1]
	if hi-lo <= 8 {
		for i := lo; i < hi; i++ {
			if a.childTok[i] == t {
				return a.childNode[i]
			}
		}
		return -1
	}
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case a.childTok[mid] == t:
			return a.childNode[mid]
		case a.childTok[mid] < t:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return -1
}

// step moves from node n on token t.
func (a *automaton) step(n, t int32) int32 {
	for {
		if nx := a.next(n, t); nx >= 0 {
			return nx
		}
		if n == 0 {
			return 0
		}
		n = a.fail[n]
	}
}
