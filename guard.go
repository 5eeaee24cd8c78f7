package bankfeeds

import (
	"cmp"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"time"
)

// worldSlack is how far ahead of UTC an SMB's clock can be anywhere on
// Earth (UTC+14, Kiribati). A platform used worldwide reads a line dated up
// to that far past the current UTC time as "today" somewhere.
const worldSlack = 14 * time.Hour

// PushRules are the rules a platform applies to pushed transactions. The zero
// value holds only the rules every platform shares: ID, Date and Amount
// present, IDs unique, oldest first.
//
// Date windows are calendar rules, measured from the push's time (now, or
// PushOptions.Now) in UTC:
//
//   - the future: a line is refused when its date-time (read as a local
//     wall clock, as Codat reads it) is after the current UTC time plus
//     FutureSlack, the furthest ahead of UTC the platform's SMBs can be;
//   - history: a line is refused when its calendar date is before today's UTC
//     date minus MaxAgeDays days and MaxAgeYears years; the time of day does
//     not count, so a date-only line and the same day with a time are treated
//     alike, and years are calendar years (leap days included; from 29
//     February, one year back is 28 February).
type PushRules struct {
	// RequireBalance makes Balance, the running balance, required on every
	// transaction (Xero, Sage, NetSuite, Exact, FreeAgent, QBO Bank Feeds).
	RequireBalance bool
	// RequireDescription makes Description required (QBO Bank Feeds).
	RequireDescription bool
	// TransactionTypes, when not empty, are the only TransactionType values
	// the platform takes (QBO Bank Feeds: Credit, Debit, Unknown); an empty
	// TransactionType is always allowed.
	TransactionTypes []TransactionType
	// CheckRunningBalance checks that each Balance equals the previous
	// Balance plus this Amount.
	CheckRunningBalance bool
	// ForbidOlder refuses transactions older than the newest the account
	// already holds (QBO Bank Feeds, Sage); the caller passes that date as
	// PushOptions.NotBefore, and PushAll carries it from chunk to chunk.
	ForbidOlder bool
	// ForbidFuture refuses dates after the current UTC time plus FutureSlack.
	ForbidFuture bool
	// FutureSlack is how far ahead of UTC the platform's SMBs' clocks can
	// be: 14 hours for platforms used worldwide, 0 for QBO Bank Feeds (US and
	// Canada, all behind UTC).
	FutureSlack time.Duration
	// MaxAgeDays and MaxAgeYears are how far back a date may go, in calendar
	// days and years before today (QBO Bank Feeds 7 days, Xero 1 year); both
	// 0 means no limit.
	MaxAgeDays, MaxAgeYears int
}

// RulesFor returns the push rules of the platform with the given key, such
// as PlatformXero. An unknown key gets the rules every platform shares
// (PushAll refuses to push to a platform it cannot name; see PlatformOf).
//
// The rules, from Codat's documentation of each integration:
//
//	platform         balance   older than held  future             history
//	QBO Bank Feeds   required  refused          after UTC now      7 calendar days
//	Sage Bank Feeds  required  refused          after UTC now+14h  no limit
//	Xero             required  allowed          after UTC now+14h  1 calendar year
//	NetSuite, FreeAgent, Exact
//	                 required  allowed          after UTC now+14h  no limit
//
// QBO Bank Feeds also requires a description and takes only the Credit,
// Debit and Unknown transaction types.
func RulesFor(platformKey string) PushRules {
	switch platformKey {
	case PlatformQuickBooksOnlineBankFeeds:
		return PushRules{RequireBalance: true, RequireDescription: true, ForbidOlder: true, ForbidFuture: true,
			TransactionTypes: []TransactionType{TransactionCredit, TransactionDebit, TransactionUnknown}, MaxAgeDays: 7}
	case PlatformSageBankFeeds:
		return PushRules{RequireBalance: true, ForbidOlder: true, ForbidFuture: true, FutureSlack: worldSlack}
	case PlatformXero:
		return PushRules{RequireBalance: true, ForbidFuture: true, FutureSlack: worldSlack, MaxAgeYears: 1}
	case PlatformNetSuite, PlatformFreeAgent, PlatformExact:
		// Codat states no window for these; a bank feed carries only
		// cleared transactions, so the future is refused here too.
		return PushRules{RequireBalance: true, ForbidFuture: true, FutureSlack: worldSlack}
	}
	return PushRules{}
}

// earliestDate is the first calendar date the history window allows, as a
// wall clock at midnight; ok is false when there is no window.
func (r *PushRules) earliestDate(now time.Time) (w wall, ok bool) {
	if r.MaxAgeDays <= 0 && r.MaxAgeYears <= 0 {
		return wall{}, false
	}
	y, m, d := now.UTC().Date()
	y -= r.MaxAgeYears
	if last := daysIn(y, m); d > last {
		d = last // 29 February, a year back, is 28 February
	}
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -r.MaxAgeDays)
	return wallOf(day), true
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (r *PushRules) allowsType(t TransactionType) bool {
	if t == "" || len(r.TransactionTypes) == 0 {
		return true
	}
	for _, ok := range r.TransactionTypes {
		if t == ok {
			return true
		}
	}
	return false
}

func (o *PushOptions) rules() PushRules {
	if o == nil {
		return PushRules{}
	}
	if o.Rules != nil {
		return *o.Rules
	}
	return RulesFor(o.Platform)
}

// wall is a date-time's wall clock, ignoring its zone, as Codat reads a bank
// transaction's date. It orders correctly for any year.
type wall struct {
	sec  int64
	nsec int32
}

func wallOf(t time.Time) wall {
	_, offset := t.Zone()
	return wall{sec: t.Unix() + int64(offset), nsec: int32(t.Nanosecond())}
}

func (w wall) cmp(x wall) int {
	if c := cmp.Compare(w.sec, x.sec); c != 0 {
		return c
	}
	return cmp.Compare(w.nsec, x.nsec)
}

func (w wall) add(d time.Duration) wall {
	t := time.Unix(w.sec, int64(w.nsec)).Add(d)
	return wall{sec: t.Unix(), nsec: int32(t.Nanosecond())}
}

// dateOrder returns the indexes of txns in date order, stable.
func dateOrder(txns []BankTransaction) []uint32 {
	keys := make([]radixKey, len(txns))
	for i := range txns {
		w := wallOf(txns[i].Date.Time)
		keys[i] = radixKey{hi: uint64(w.sec) ^ 1<<63, lo: uint32(w.nsec), idx: uint32(i)}
	}
	keys = radixSort(keys, make([]radixKey, len(keys)))
	order := make([]uint32, len(keys))
	for i, k := range keys {
		order[i] = k.idx
	}
	return order
}

// SortTransactions returns a copy of txns sorted oldest first by the wall
// clock of Date (Codat ignores any zone). Transactions with the same date
// are put in the order their running balances chain in (each Balance is the
// one before plus its Amount), so a statement exported newest first lands
// with the day's last balance last; where balances are missing, do not
// chain, or chain in more than one order, they keep their given order (Push
// and PushAll refuse the last case). txns itself is not changed.
func SortTransactions(txns []BankTransaction) []BankTransaction {
	out := make([]BankTransaction, len(txns))
	order := dateOrder(txns)
	orderTies(txns, order)
	gather(out, txns, order)
	return out
}

// gather copies txns into out in the given order.
func gather(out, txns []BankTransaction, order []uint32) {
	for i, idx := range order {
		out[i] = txns[idx]
	}
}

// CheckTransactions checks txns, in the order given, as Push would before
// sending them: ID, Date and Amount present, IDs unique, oldest first,
// nothing before opts.NotBefore, and the rules of opts (its Platform's, or
// its Rules). It does not limit the count, so a whole history can be checked
// before it is queued. The first problem found is returned as a
// *ValidationError naming the transaction.
func CheckTransactions(txns []BankTransaction, opts *PushOptions) error {
	return check(txns, nil, opts)
}

// prepare sorts a copy of txns and checks it; errors name the caller's
// index. It reads the caller's slice in date order and copies it only once
// it has passed.
func prepare(txns []BankTransaction, opts *PushOptions) ([]BankTransaction, error) {
	v, err := prepareOrder(txns, opts)
	if err != nil {
		return nil, err
	}
	return v.slice(0, v.len()), nil
}

// sorted is a checked set of transactions in push order, held as the
// caller's slice and an order of its indexes: PushAll copies one chunk at a
// time out of it, so a large history is not held twice.
type sorted struct {
	txns  []BankTransaction
	order []uint32
}

func (v sorted) len() int { return len(v.order) }

// slice copies the transactions at positions [from, to) of the order.
func (v sorted) slice(from, to int) []BankTransaction {
	out := make([]BankTransaction, to-from)
	gather(out, v.txns, v.order[from:to])
	return out
}

// prepareOrder sorts and checks txns without copying them (unless some free
// text must be converted to UTF-8, see ToUTF8).
func prepareOrder(txns []BankTransaction, opts *PushOptions) (sorted, error) {
	if len(txns) > math.MaxUint32 {
		return sorted{}, invalid("transactions", "too many")
	}
	txns = textToUTF8(txns) // before anything is encoded, hashed or kept
	order := dateOrder(txns)
	if undecided := orderTies(txns, order); len(undecided) > 0 {
		i := int(undecided[0])
		return sorted{}, &ValidationError{Field: "date", Index: i, TransactionID: txns[i].ID,
			Reason: "shares its date with " + idList(txns, undecided) + ", whose running balances chain in more than one order: give them times that order them"}
	}
	if err := check(txns, order, opts); err != nil {
		return sorted{}, err
	}
	return sorted{txns: txns, order: order}, nil
}

// check applies the guard to txns taken in the given order (nil: as they
// are). Errors name the index in txns.
func check(txns []BankTransaction, order []uint32, opts *PushOptions) error {
	at := func(i int) int {
		if order != nil {
			return int(order[i])
		}
		return i
	}
	rules := opts.rules()
	fail := func(idx int, field, reason string) error {
		return &ValidationError{Field: field, Index: idx, TransactionID: txns[idx].ID, Reason: reason}
	}
	var notBefore, now wall
	hasNotBefore := opts != nil && !opts.NotBefore.IsZero()
	if hasNotBefore {
		notBefore = wallOf(opts.NotBefore.Time)
	}
	if opts != nil && !opts.Now.IsZero() {
		now = wallOf(opts.Now.UTC())
	} else {
		now = wallOf(time.Now().UTC())
	}
	latest := now.add(rules.FutureSlack)
	earliest, hasWindow := rules.earliestDate(time.Unix(now.sec, 0).UTC())

	var prev, when wall
	var prevBalance Decimal
	for i := range txns {
		idx := at(i)
		t := &txns[idx]
		switch {
		case t.ID == "":
			return fail(idx, "id", "is required")
		case t.notUTF8Field() != "":
			return fail(idx, t.notUTF8Field(), notUTF8)
		case t.Date.IsZero() && t.Date.Raw() != "":
			return fail(idx, "date", "cannot read "+t.Date.Raw()+" as a date")
		case t.Date.IsZero():
			return fail(idx, "date", "is required")
		case !t.Amount.IsSet():
			return fail(idx, "amount", "is required")
		case rules.RequireBalance && !t.Balance.IsSet():
			return fail(idx, "balance", "is required on this platform (the running balance after this line)")
		case rules.RequireDescription && (t.Description == nil || *t.Description == ""):
			return fail(idx, "description", "is required on this platform")
		case !rules.allowsType(t.TransactionType):
			return fail(idx, "transactionType", string(t.TransactionType)+" is not a type this platform takes (it takes "+typeList(rules.TransactionTypes)+")")
		}
		when = wallOf(t.Date.Time)
		if i > 0 && when.cmp(prev) < 0 {
			return fail(idx, "date", "is earlier than the transaction before it: transactions must be oldest first")
		}
		prev = when
		if hasNotBefore && when.cmp(notBefore) < 0 {
			return fail(idx, "date", "is older than the newest transaction the account already holds (NotBefore)")
		}
		if rules.ForbidFuture && when.cmp(latest) > 0 {
			return fail(idx, "date", "is in the future")
		}
		if hasWindow && when.cmp(earliest) < 0 {
			return fail(idx, "date", "is older than the platform accepts ("+rules.window()+" before today)")
		}
		if rules.CheckRunningBalance && prevBalance.IsSet() && t.Balance.IsSet() {
			if want := prevBalance.Add(t.Amount); !want.IsSet() || want.Cmp(t.Balance) != 0 {
				return fail(idx, "balance", "is "+t.Balance.String()+" but the previous balance plus the amount is "+want.String())
			}
		}
		prevBalance = t.Balance
	}
	if dup := duplicateID(txns); dup >= 0 {
		return fail(dup, "id", "appears more than once")
	}
	return nil
}

var idSeed = maphash.MakeSeed()

// duplicateID returns the index of a transaction whose ID an earlier one
// (by index) already has, or -1. It sorts hashes of the IDs rather than
// filling a map, which is several times faster for a large history.
func duplicateID(txns []BankTransaction) int {
	if len(txns) < 2 {
		return -1
	}
	keys := make([]radixKey, len(txns))
	for i := range txns {
		keys[i] = radixKey{hi: maphash.String(idSeed, txns[i].ID), idx: uint32(i)}
	}
	keys = radixSort(keys, make([]radixKey, len(keys)))
	dup := -1
	for i := 1; i < len(keys); i++ {
		if keys[i].hi != keys[i-1].hi {
			continue
		}
		// Equal hashes: compare the IDs within the run.
		for j := i - 1; j >= 0 && keys[j].hi == keys[i].hi; j-- {
			if txns[keys[j].idx].ID == txns[keys[i].idx].ID {
				if dup < 0 || int(keys[i].idx) < dup {
					dup = int(keys[i].idx)
				}
				break
			}
		}
	}
	return dup
}

// radixKey is a 96-bit sort key (hi, then lo) and the index it stands for.
type radixKey struct {
	hi  uint64
	lo  uint32
	idx uint32
}

// radixSort sorts a by (hi, lo) with a stable least-significant-digit radix
// sort, using tmp (as long as a) as scratch, and returns the sorted slice
// (a or tmp). Passes whose byte is the same in every key are skipped, so
// whole-second dates cost about five passes over the keys.
func radixSort(a, tmp []radixKey) []radixKey {
	if len(a) < 2 {
		return a
	}
	for pass := 0; pass < 12; pass++ {
		digit := func(k *radixKey) byte {
			if pass < 4 {
				return byte(k.lo >> (8 * pass))
			}
			return byte(k.hi >> (8 * (pass - 4)))
		}
		var count [256]int
		for i := range a {
			count[digit(&a[i])]++
		}
		if count[digit(&a[0])] == len(a) {
			continue
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range a {
			d := digit(&a[i])
			tmp[count[d]] = a[i]
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a
}

// window names the history window in words, such as "7 days" or "1 year".
func (r *PushRules) window() string {
	var parts []string
	for _, p := range [...]struct {
		n    int
		unit string
	}{{r.MaxAgeYears, "year"}, {r.MaxAgeDays, "day"}} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.unit)
		case p.n > 1:
			parts = append(parts, strconv.Itoa(p.n)+" "+p.unit+"s")
		}
	}
	return strings.Join(parts, " and ")
}

func typeList(types []TransactionType) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
