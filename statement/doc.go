// Package statement reads bank statement files into bank transactions ready
// to push with the bankfeeds package: ISO 20022 camt.053 and camt.052
// (message versions .001.01 to .001.08 and later), OFX 1.x (SGML), OFX 2.x
// (XML) and QFX, SWIFT MT940 and MT942, BAI2, and CSV with a column mapping.
//
//	stmts, err := statement.Read(file, nil) // the format is detected
//	if err != nil { ... }                   // a *ParseError names the line or element
//	for _, s := range stmts {
//	    if err := s.BalanceError(); err != nil { ... } // the balances do not chain
//	    c.Transactions.PushAll(ctx, companyID, connectionID, accountID, s.Transactions, nil)
//	}
//
// Each account (and each statement or report) in a file comes out as its own
// [Statement], in file order, with the account, its currency, the opening
// and closing balances the file states, and its booked lines as
// []bankfeeds.BankTransaction. Pending entries (camt Sts PDNG, every line of
// an MT942 interim report) are left out and counted in Statement.Pending.
//
// # Formats
//
// What each reader takes from its format:
//
//   - camt.053 and camt.052 (.001.01 to .001.08, any namespace version):
//     the account from Acct/Id/IBAN, Othr/Id or PrtryAcct/Id and Acct/Ccy;
//     OPBD or PRCD opening and CLBD closing balances (ITBD for camt.052);
//     the id from AcctSvcrRef, else NtryRef or EndToEndId with the date;
//     the sign from CdtDbtInd; the description from AddtlNtryInf or
//     RmtInf/Ustrd, the counterparty from the Dbtr or Cdtr name.
//   - OFX 1.x (SGML), 2.x (XML) and QFX (1.02 to 2.2): the account from
//     BANKACCTFROM or CCACCTFROM ACCTID and CURDEF; LEDGERBAL closing (the
//     opening is derived); the id from FITID; the sign from TRNAMT, with
//     TRNTYPE mapped to Codat's types; MEMO or NAME, and NAME or PAYEE.
//   - MT940 and MT942 (SWIFT, with bank headers and blocks): the account
//     from :25:; :60F:/:60M: opening and :62F:/:62M: closing, and the next
//     page's opening; the id from the :61: bank reference after "//", else
//     the customer reference with the date; the sign from C, D, RC and RD;
//     the :86: free text or its ?20-?29 purpose and ?32/?33 name.
//   - BAI2 (version 2, 88 continuations, several records a line): the
//     account from 03, its currency (else the group's, else USD); 010
//     opening and 015 closing (040/045 when those are absent); the id from
//     the 16 bank reference, else the customer reference with the date;
//     type codes 100-399 credit and 400-699 debit (890 is skipped).
//   - CSV (any export, with a [CSVMapping], or columns guessed from the
//     header: date, amount, debit or paid out, credit or paid in,
//     description, balance, id, ...): the account given by the caller; a
//     balance column checked on every line; ISO 8601 dates unless a
//     DateLayout is given; newest-first exports are turned round.
//
// # Money and dates
//
// Amounts are read straight from the file's text into [bankfeeds.Decimal],
// exactly, with as many decimals as the file uses (BAI2's implied decimals
// follow the currency). The sign is the file's own debit/credit marker: camt
// CdtDbtInd, MT940 C, D, RC and RD, BAI2 type codes (100-399 credit, 400-699
// debit), OFX TRNAMT's sign. Money in is positive. The date of a line is its
// booking date as a local date (midnight, no zone), as Codat wants.
//
// # Balances
//
// When the file states an opening balance, each line's Balance is the running
// balance from it; when it states only a closing balance (OFX, most CSV
// exports), the opening is derived from it and marked Derived. Every balance
// the file states (the closing balance, intermediate balances such as MT940
// 62M/60M pages and a CSV balance column, and the opening of the next
// statement of the same account) is checked against the running balance;
// each mismatch is a [Break] in Statement.Breaks, naming the line and both
// amounts. The statement is still returned, so a caller can look; a
// statement with breaks should not be pushed without a person deciding so.
//
// # Ids
//
// Each line gets a stable id: the bank's own reference where the file has
// one that identifies the line (camt AcctSvcrRef, OFX FITID, the MT940 :61:
// bank reference after "//", the BAI2 bank reference), else a weaker
// reference prefixed with the booking date (camt NtryRef or end-to-end id,
// the MT940 customer reference, the BAI2 customer reference), else a hash of
// the line's content and its position in the file. References that are
// NONREF or NOTPROVIDED are ignored. Ids use only the characters
// A-Z a-z 0-9 and . _ : / + - and are at most 64 long (a longer or other
// reference is hashed). Reading the same bytes twice gives the same ids; a
// reference that repeats within the file is made unique with a -2, -3, ...
// suffix, in file order.
//
// # Errors
//
// Input that cannot be read is an error, never a panic: a *[ParseError]
// names the format, the line (or, for XML, the element) and what is wrong.
// A file with no statement at all is [ErrNoStatements]; content that is none
// of the formats is [ErrUnknownFormat].
package statement
