package bankfeeds

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// futureTolerance is how far past the current UTC time a local date-time may
// be before it counts as the future: the SMB's clock may run up to 14 hours
// ahead of UTC (UTC+14), and Codat reads the date in the SMB's zone. The same
// slack applies to history windows.
const futureTolerance = 14 * time.Hour

// PushRules are the rules a platform applies to pushed transactions. The zero
// value holds only the rules every platform shares: ID, Date and Amount
// present, IDs unique, oldest first.
type PushRules struct {
	// RequireBalance makes Balance, the running balance, required on every
	// transaction (Xero, Sage, NetSuite, Exact, FreeAgent, QBO Bank Feeds).
	RequireBalance bool
	// CheckRunningBalance checks that each Balance equals the previous
	// Balance plus this Amount.
	CheckRunningBalance bool
	// ForbidOlder refuses transactions older than the newest the account
	// already holds (QBO Bank Feeds, Sage); the caller passes that date as
	// PushOptions.NotBefore, and PushAll carries it from chunk to chunk.
	ForbidOlder bool
	// ForbidFuture refuses dates after today in the SMB's zone.
	ForbidFuture bool
	// MaxAge is how far back a date may go (QBO Bank Feeds 7 days, Xero 1
	// year); 0 means no limit.
	MaxAge time.Duration
}

// RulesFor returns the push rules of the platform with the given key, such
// as PlatformXero. An unknown key gets the rules every platform shares.
func RulesFor(platformKey string) PushRules {
	switch platformKey {
	case PlatformQuickBooksOnlineBankFeeds:
		return PushRules{RequireBalance: true, ForbidOlder: true, ForbidFuture: true, MaxAge: 7 * 24 * time.Hour}
	case PlatformSageBankFeeds:
		return PushRules{RequireBalance: true, ForbidOlder: true, ForbidFuture: true}
	case PlatformXero:
		return PushRules{RequireBalance: true, ForbidFuture: true, MaxAge: 365 * 24 * time.Hour}
	case PlatformNetSuite, PlatformFreeAgent, PlatformExact:
		return PushRules{RequireBalance: true}
	}
	return PushRules{}
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

// sortKey orders one transaction: by wall clock, then by its index, which
// makes the sort stable.
type sortKey struct {
	at  wall
	idx int
}

func sortKeys(txns []BankTransaction) []sortKey {
	keys := make([]sortKey, len(txns))
	for i := range txns {
		keys[i] = sortKey{at: wallOf(txns[i].Date.Time), idx: i}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if c := a.at.cmp(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	return keys
}

// SortTransactions returns a copy of txns sorted oldest first by the wall
// clock of Date (Codat ignores any zone), keeping the order of transactions
// with the same date. txns itself is not changed.
func SortTransactions(txns []BankTransaction) []BankTransaction {
	keys := sortKeys(txns)
	out := make([]BankTransaction, len(txns))
	for i, k := range keys {
		out[i] = txns[k.idx]
	}
	return out
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

// prepare sorts a copy of txns and checks it; errors name the caller's index.
func prepare(txns []BankTransaction, opts *PushOptions) ([]BankTransaction, error) {
	keys := sortKeys(txns)
	out := make([]BankTransaction, len(txns))
	for i, k := range keys {
		out[i] = txns[k.idx]
	}
	if err := check(out, keys, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// check applies the guard to txns in order. keys, when not nil, maps each
// position back to the caller's index.
func check(txns []BankTransaction, keys []sortKey, opts *PushOptions) error {
	rules := opts.rules()
	fail := func(i int, field, reason string) error {
		idx := i
		if keys != nil {
			idx = keys[i].idx
		}
		return &ValidationError{Field: field, Index: idx, TransactionID: txns[i].ID, Reason: reason}
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
	latest := now.add(futureTolerance)
	earliest := now.add(-rules.MaxAge - futureTolerance)

	seen := make(map[string]struct{}, len(txns))
	var prev wall
	for i := range txns {
		t := &txns[i]
		switch {
		case t.ID == "":
			return fail(i, "id", "is required")
		case t.Date.IsZero() && t.Date.Raw() != "":
			return fail(i, "date", "cannot read "+t.Date.Raw()+" as a date")
		case t.Date.IsZero():
			return fail(i, "date", "is required")
		case !t.Amount.IsSet():
			return fail(i, "amount", "is required")
		case rules.RequireBalance && (t.Balance == nil || !t.Balance.IsSet()):
			return fail(i, "balance", "is required on this platform (the running balance after this line)")
		case t.TransactionType != "" && len(t.TransactionType) > 40:
			return fail(i, "transactionType", "is not a transaction type")
		}
		if _, dup := seen[t.ID]; dup {
			return fail(i, "id", "appears more than once")
		}
		seen[t.ID] = struct{}{}
		at := wallOf(t.Date.Time)
		if i > 0 && at.cmp(prev) < 0 {
			return fail(i, "date", "is earlier than the transaction before it: transactions must be oldest first")
		}
		prev = at
		if hasNotBefore && at.cmp(notBefore) < 0 {
			return fail(i, "date", "is older than the newest transaction the account already holds (NotBefore)")
		}
		if rules.ForbidFuture && at.cmp(latest) > 0 {
			return fail(i, "date", "is in the future")
		}
		if rules.MaxAge > 0 && at.cmp(earliest) < 0 {
			return fail(i, "date", "is older than the platform accepts ("+humanDays(rules.MaxAge)+")")
		}
		if rules.CheckRunningBalance && i > 0 && txns[i-1].Balance != nil && t.Balance != nil {
			if want := txns[i-1].Balance.Add(t.Amount); want.Cmp(*t.Balance) != 0 {
				return fail(i, "balance", "is "+t.Balance.String()+" but the previous balance plus the amount is "+want.String())
			}
		}
	}
	return nil
}

func humanDays(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	if days == 1 {
		return "1 day"
	}
	return strconv.Itoa(days) + " days"
}
