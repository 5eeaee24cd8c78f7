package bankfeeds

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// orderTies reorders, within order, each run of lines that share a date and
// all carry a balance, into the order their running balances chain in:
// balance[i] = balance[i-1] + amount[i], starting from the balance of the
// line before the run when that chains. Banks export statements newest
// first, so a stable sort alone would leave such lines reversed, and the
// last line pushed, whose balance becomes the account's, would not be the
// day's last.
//
// A run whose balances do not chain in any order keeps its given order.
// A run whose balances chain in more than one order (lines that are not
// interchangeable, such as +10 then -10 against -10 then +10 from the same
// start) is undecided: orderTies returns its indexes, so the caller can
// refuse it, and leaves it in its given order. Lines with the same amount
// and balance are interchangeable and keep their given order.
//
// A run of n lines takes O(n) time and space (see tieGraph).
func orderTies(txns []BankTransaction, order []uint32) (undecided []uint32) {
	var prev *BankTransaction
	g := tieGraph{nums: map[numKey]int32{}, texts: map[string]int32{}, classes: map[[2]int32]int32{}}
	for i := 0; i < len(order); {
		j := i + 1
		w := wallOf(txns[order[i]].Date.Time)
		for j < len(order) && wallOf(txns[order[j]].Date.Time).cmp(w) == 0 {
			j++
		}
		if j-i > 1 {
			if run := order[i:j]; !g.chain(txns, run, prev) {
				undecided = append(undecided, run...)
			}
		}
		prev = &txns[order[j-1]]
		i = j
	}
	return undecided
}

// tieGraph orders one run of same-date lines by their balance chain. Each
// balance is a node and each line an edge from the balance before it
// (balance - amount) to its balance; an order in which the balances chain is
// an Euler trail of that graph, found by Hierholzer's algorithm. Parallel
// edges join the same two balances, so they are lines with the same amount
// and balance, interchangeable: they are collapsed into one edge class with
// a multiplicity, and orders are counted as sequences of classes.
//
// The trail starts at the balance of the line before the run when a trail
// can start there, else where one must: at the one node with one more edge
// out than in. A run whose trail is a circuit through more than one
// balance, not pinned by the line before it, chains in as many orders as it
// has balances, so it is undecided.
//
// Whether the trail found is the only one is decided exactly, by the
// structure behind the BEST theorem. Let r be the trail's end. A trail is
// fixed by the order of classes in which it leaves each node; the last exits
// of the nodes other than r form a spanning arborescence towards r, and
// every such arborescence, with every order of the other exits, is a trail
// (for an open trail, add an edge from r back to the start, taken first).
// So the number of trails is the sum over arborescences A of the product,
// over nodes, of the number of distinct orders of their exits outside A. It
// is 1 exactly when
//
//   - r leaves by at most one class, and every other node by at most one
//     class besides its last exit (so by at most two classes, and by two
//     only if its last exit's class is a single line); and
//   - the trail's last-exit arborescence A is the only one. If another, A',
//     exists, take the deepest node v (in A) whose parent differs: A'(v) is
//     not below v in A, else A' would cycle through v, so A with v's parent
//     moved to A'(v) is an arborescence too. Hence A is the only one iff no
//     node has an exit class whose head is outside the node's own subtree
//     in A, which a preorder numbering of A answers per class.
//
// Every step is linear in the lines, but for the hashing of balances.
type tieGraph struct {
	nums    map[numKey]int32   // balance to node
	texts   map[string]int32   // balance too long for a numKey, as canonical text, to node
	classes map[[2]int32]int32 // (from, to) to class
	room    int                // the run length the maps were made for
	key     []byte
	from    []int32 // per class
	to      []int32
	mult    []int32
	classOf []int32 // per line of the run
	outAt   []int32 // per node: where its classes start in byFrom (CSR)
	byFrom  []int32 // classes grouped by the node they leave
	trail   []int32 // the classes in trail order
}

// chain orders run in place by its balance chain and reports whether the
// order was decided (or needed no deciding).
func (g *tieGraph) chain(txns []BankTransaction, run []uint32, prev *BankTransaction) bool {
	if !g.build(txns, run) {
		return true // no balances to order by: keep the given order
	}
	nn := int32(len(g.nums) + len(g.texts))
	bal := make([]int32, nn)
	for c := range g.from {
		bal[g.from[c]] += g.mult[c]
		bal[g.to[c]] -= g.mult[c]
	}
	open, ends := int32(-1), 0
	for v, b := range bal {
		switch {
		case b == 1 && open < 0:
			open = int32(v)
		case b == -1:
			ends++
		case b != 0:
			return true // the balances do not chain: nothing to order by
		}
	}
	if (open >= 0) != (ends == 1) || ends > 1 {
		return true
	}
	start, pinned := open, open >= 0
	if !pinned {
		start = g.from[0]
		if prev != nil && prev.Balance.IsSet() {
			if v, ok := g.find(&prev.Balance.d, false); ok {
				start, pinned = v, true
			}
		}
	}
	g.group(nn)
	if !g.walk(start, len(run)) {
		return true // not connected: the balances do not chain
	}
	if !pinned && nn > 1 || !g.unique(nn) {
		return false
	}
	g.place(run)
	return true
}

// build makes the run's nodes and classes, and reports false if a line has
// no balance to order by.
func (g *tieGraph) build(txns []BankTransaction, run []uint32) bool {
	if len(run) > g.room {
		// Sized once for the longest run, so that a long day does not
		// grow its maps step by step.
		g.room = len(run)
		g.nums, g.classes = make(map[numKey]int32, len(run)+1), make(map[[2]int32]int32, len(run))
	}
	clear(g.nums)
	clear(g.texts)
	clear(g.classes)
	g.from, g.to, g.mult = g.from[:0], g.to[:0], g.mult[:0]
	g.classOf = g.classOf[:0]
	for _, idx := range run {
		t := &txns[idx]
		if !t.Balance.IsSet() || !t.Amount.IsSet() {
			return false
		}
		var before apd.Decimal
		if _, err := exact.Sub(&before, &t.Balance.d, &t.Amount.d); err != nil {
			return false
		}
		u, _ := g.find(&before, true)
		v, _ := g.find(&t.Balance.d, true)
		e := [2]int32{u, v}
		c, ok := g.classes[e]
		if !ok {
			c = int32(len(g.from))
			g.classes[e] = c
			g.from, g.to, g.mult = append(g.from, e[0]), append(g.to, e[1]), append(g.mult, 0)
		}
		g.mult[c]++
		g.classOf = append(g.classOf, c)
	}
	return true
}

// numKey is a balance whose reduced coefficient fits in 64 bits, as a
// node's key: 10.0 and 10.00 reduce to the same.
type numKey struct {
	coef uint64
	exp  int32
	neg  bool
}

// find is the node of a balance; if the run has none, add makes one.
func (g *tieGraph) find(d *apd.Decimal, add bool) (int32, bool) {
	var r apd.Decimal
	r.Reduce(d)
	v := int32(len(g.nums) + len(g.texts))
	if r.Coeff.IsUint64() {
		k := numKey{coef: r.Coeff.Uint64(), exp: r.Exponent, neg: r.Negative}
		if k.coef == 0 {
			k = numKey{} // 0, -0 and 0.00 are one balance
		}
		if u, ok := g.nums[k]; ok {
			return u, true
		}
		if add {
			g.nums[k] = v
		}
		return v, add
	}
	g.key = r.Append(g.key[:0], 'E')
	if u, ok := g.texts[string(g.key)]; ok {
		return u, true
	}
	if add {
		g.texts[string(g.key)] = v
	}
	return v, add
}

// group lists each node's classes together (byFrom, from outAt[v] to
// outAt[v+1]).
func (g *tieGraph) group(nn int32) {
	g.outAt = resize(g.outAt, int(nn)+1)
	clear(g.outAt)
	for _, v := range g.from {
		g.outAt[v+1]++
	}
	for v := range nn {
		g.outAt[v+1] += g.outAt[v]
	}
	g.byFrom = resize(g.byFrom, len(g.from))
	at := append([]int32(nil), g.outAt[:nn]...)
	for c, v := range g.from {
		g.byFrom[at[v]] = int32(c)
		at[v]++
	}
}

// walk finds an Euler trail of m lines from start (Hierholzer, with a
// stack), and reports whether it takes every line.
func (g *tieGraph) walk(start int32, m int) bool {
	left := append([]int32(nil), g.mult...)
	next := append([]int32(nil), g.outAt...)
	stack := []int32{-1} // the classes taken to reach each node; -1 the start
	g.trail = g.trail[:0]
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		v := start
		if c >= 0 {
			v = g.to[c]
		}
		p := next[v]
		for p < g.outAt[v+1] && left[g.byFrom[p]] == 0 {
			p++
		}
		next[v] = p
		if p < g.outAt[v+1] {
			d := g.byFrom[p]
			left[d]--
			stack = append(stack, d)
			continue
		}
		stack = stack[:len(stack)-1]
		if c >= 0 {
			g.trail = append(g.trail, c)
		}
	}
	for i, j := 0, len(g.trail)-1; i < j; i, j = i+1, j-1 {
		g.trail[i], g.trail[j] = g.trail[j], g.trail[i]
	}
	return len(g.trail) == m
}

// unique reports whether the trail found is the only trail from its start,
// by the criterion in tieGraph's doc.
func (g *tieGraph) unique(nn int32) bool {
	end := g.to[g.trail[len(g.trail)-1]]
	last := make([]int32, nn)
	for _, c := range g.trail {
		last[g.from[c]] = c // the last write is the last exit
	}
	classes := func(v int32) []int32 { return g.byFrom[g.outAt[v]:g.outAt[v+1]] }
	for v := range nn {
		switch n := len(classes(v)); {
		case v == end && n > 1, n > 2, n == 2 && g.mult[last[v]] != 1:
			return false
		}
	}
	// The arborescence of last exits, towards end: children lists, then a
	// preorder numbering and subtree sizes.
	kids := make([]int32, nn+1)
	for v := range nn {
		if v != end {
			kids[g.to[last[v]]+1]++
		}
	}
	for v := range nn {
		kids[v+1] += kids[v]
	}
	child := make([]int32, nn)
	at := append([]int32(nil), kids[:nn]...)
	for v := range nn {
		if v != end {
			p := g.to[last[v]]
			child[at[p]] = v
			at[p]++
		}
	}
	pre, size := make([]int32, nn), make([]int32, nn)
	order := make([]int32, 0, nn)
	stack := []int32{end}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pre[v] = int32(len(order))
		order = append(order, v)
		stack = append(stack, child[kids[v]:kids[v+1]]...)
	}
	if len(order) != int(nn) {
		return false // cannot happen for a trail's last exits; refuse rather than guess
	}
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		size[v]++
		if v != end {
			size[g.to[last[v]]] += size[v]
		}
	}
	for v := range nn {
		cs := classes(v)
		if v == end || len(cs) < 2 {
			continue
		}
		other := cs[0]
		if other == last[v] {
			other = cs[1]
		}
		if u := g.to[other]; pre[u] < pre[v] || pre[u] >= pre[v]+size[v] {
			return false // v could leave last by other: a second trail
		}
	}
	return true
}

// place writes the run in trail order; the lines of one class keep their
// given order.
func (g *tieGraph) place(run []uint32) {
	at := make([]int32, len(g.mult)+1)
	for c, n := range g.mult {
		at[c+1] = at[c] + n
	}
	byClass := make([]uint32, len(run))
	fill := append([]int32(nil), at[:len(g.mult)]...)
	for k, idx := range run {
		c := g.classOf[k]
		byClass[fill[c]] = idx
		fill[c]++
	}
	for i, c := range g.trail {
		run[i] = byClass[at[c]]
		at[c]++
	}
}

// resize is s with length n, reusing its array when it is large enough.
func resize(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// idList names up to five transactions by id, for an error.
func idList(txns []BankTransaction, idx []uint32) string {
	ids := make([]string, 0, min(len(idx), 6))
	for k, i := range idx {
		if k == 5 {
			ids = append(ids, "...")
			break
		}
		ids = append(ids, txns[i].ID)
	}
	return strings.Join(ids, ", ")
}
