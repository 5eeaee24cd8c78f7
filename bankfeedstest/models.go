package bankfeedstest

// The push option models ("create models", #14 and #28): what a write needs
// on a platform.

type pushChoiceJSON struct {
	Value       string `json:"value"`
	Type        string `json:"type"`
	DisplayName string `json:"displayName"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required"`
}

type pushFieldValidationJSON struct {
	Field   string `json:"field,omitempty"`
	Details string `json:"details"`
}

type pushValidationJSON struct {
	Warnings    []pushFieldValidationJSON `json:"warnings,omitempty"`
	Information []pushFieldValidationJSON `json:"information,omitempty"`
}

type pushOptionJSON struct {
	Type        string                    `json:"type"`
	DisplayName string                    `json:"displayName"`
	Description string                    `json:"description"`
	Required    bool                      `json:"required"`
	Properties  map[string]pushOptionJSON `json:"properties,omitempty"`
	Options     []pushChoiceJSON          `json:"options,omitempty"`
	Validation  *pushValidationJSON       `json:"validation,omitempty"`
}

func prop(typ, name, desc string, required bool) pushOptionJSON {
	return pushOptionJSON{Type: typ, DisplayName: name, Description: desc, Required: required}
}

func choices(values ...string) []pushChoiceJSON {
	out := make([]pushChoiceJSON, len(values))
	for i, v := range values {
		out[i] = pushChoiceJSON{Value: v, Type: "String", DisplayName: v, Required: false}
	}
	return out
}

// bankTransactionsModel describes a push of bank transactions on p.
func bankTransactionsModel(p *platform) pushOptionJSON {
	types := transactionTypes
	if p.key == keyQBO {
		types = []string{"Credit", "Debit", "Unknown"}
	}
	txType := prop("String", "Transaction type", "The type of the transaction.", false)
	txType.Options = choices(types...)
	line := prop("Object", "Bank transaction", "One line of the bank statement.", true)
	line.Properties = map[string]pushOptionJSON{
		"id":              prop("String", "Id", "Unique identifier of the transaction in your application.", true),
		"date":            prop("DateTime", "Date", "Local date-time of the transaction, with no zone, such as 2023-08-22T10:21:00.", true),
		"description":     prop("String", "Description", "Description of the transaction.", p.key == keyQBO),
		"counterparty":    prop("String", "Counterparty", "The other party of the transaction.", false),
		"reference":       prop("String", "Reference", "Reference of the transaction.", false),
		"reconciled":      prop("Boolean", "Reconciled", "Whether the transaction is reconciled.", false),
		"amount":          prop("Number", "Amount", "Positive for money in, negative for money out.", true),
		"balance":         prop("Number", "Balance", "Running balance of the account after this transaction.", p.requireBalance),
		"transactionType": txType,
	}
	lines := prop("Array", "Transactions", "The transactions, oldest first, at most 1000.", true)
	lines.Properties = map[string]pushOptionJSON{"items": line}

	info := []pushFieldValidationJSON{
		{Field: "transactions", Details: "At most 1000 transactions a push, for one source account, in date order, oldest first."},
	}
	if p.forbidOlder {
		info = append(info, pushFieldValidationJSON{Field: "date", Details: "No transaction may be older than the newest one already in the account."})
	}
	if !p.window.none() {
		info = append(info, pushFieldValidationJSON{Field: "date", Details: "Transactions may be dated at most " + p.window.describe() + " before today."})
	}
	info = append(info, pushFieldValidationJSON{Field: "date", Details: "Transactions may not be dated in the future."})
	if p.key == keyQBO {
		info = append(info, pushFieldValidationJSON{Field: "description", Details: "QuickBooks Online Bank Feeds requires a description on every transaction."})
	}

	m := prop("Object", "Bank transactions", "Bank transactions to push to "+p.name+".", true)
	m.Properties = map[string]pushOptionJSON{
		"accountId":    prop("String", "Account id", "The source account's id, as in the path.", true),
		"transactions": lines,
	}
	m.Validation = &pushValidationJSON{Information: info}
	return m
}

// bankAccountModel describes the creation of a target bank account on p.
func bankAccountModel(p *platform) pushOptionJSON {
	acctType := prop("String", "Account type", "Credit for a liability (credit card, loan), Debit for an asset.", true)
	acctType.Options = choices("Credit", "Debit")
	m := prop("Object", "Bank account", "A bank account in "+p.name+".", true)
	m.Properties = map[string]pushOptionJSON{
		"accountName":   prop("String", "Account name", "Name of the account.", true),
		"accountType":   acctType,
		"accountNumber": prop("String", "Account number", "Number of the account.", false),
		"sortCode":      prop("String", "Sort code", "Sort code of the account.", false),
		"nominalCode":   prop("String", "Nominal code", "Nominal code in the chart of accounts.", false),
		"currency":      prop("String", "Currency", "ISO 4217 currency code; defaults to "+p.baseCurrency+".", true),
		"balance":       prop("Number", "Balance", "Opening balance.", false),
	}
	return m
}
