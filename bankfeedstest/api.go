package bankfeedstest

import (
	"errors"

	"github.com/bankfeeds-go/bankfeeds"
)

// ErrNotFound is returned by CompleteLink for a company or connection the
// sandbox does not hold.
var ErrNotFound = errors.New("bankfeedstest: not found")

// CompleteLink does what the SMB user does behind the connection's linkUrl:
// authorise the connection (PendingAuth becomes Linked) and map every source
// account that is not connected yet to a new target account, which
// connects it (pending becomes connected, with a feedStartDate). It returns
// an error wrapping ErrNotFound for an unknown company or connection, and an
// error for a connection that is Unlinked or Deauthorized.
func (s *Server) CompleteLink(companyID, connectionID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	cn, err := s.lookupLocked(companyID, connectionID)
	if err != nil {
		return err
	}
	return s.completeLinkLocked(cn, s.now())
}

func (s *Server) lookupLocked(companyID, connectionID string) (*connection, error) {
	co, ok := s.companyByID[companyID]
	if !ok {
		return nil, errors.Join(ErrNotFound, errors.New("bankfeedstest: no company "+companyID))
	}
	cn, ok := co.connByID[connectionID]
	if !ok {
		return nil, errors.Join(ErrNotFound, errors.New("bankfeedstest: no connection "+connectionID+" on company "+companyID))
	}
	return cn, nil
}

// Transactions returns the transactions that landed in a source account,
// in the order they landed; nil when the account does not exist. Failed
// and pending pushes add nothing.
func (s *Server) Transactions(companyID, connectionID, accountID string) []bankfeeds.BankTransaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	cn, err := s.lookupLocked(companyID, connectionID)
	if err != nil {
		return nil
	}
	a, ok := cn.accByID[accountID]
	if !ok {
		return nil
	}
	out := make([]bankfeeds.BankTransaction, len(a.landed))
	for i := range a.landed {
		out[i] = a.landed[i].sdk()
	}
	return out
}

// PushOperations returns a company's push operations (transactions and
// bank accounts), oldest first; nil for an unknown company. Use len to
// assert how many pushes reached the sandbox, such as exactly one per chunk.
func (s *Server) PushOperations(companyID string) []bankfeeds.PushOperation {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	co, ok := s.companyByID[companyID]
	if !ok {
		return nil
	}
	out := make([]bankfeeds.PushOperation, len(co.ops))
	for i, op := range co.ops {
		out[i] = op.sdk()
	}
	return out
}

// sdk converts a landed transaction to the SDK's type.
func (t *txnIn) sdk() bankfeeds.BankTransaction {
	out := bankfeeds.BankTransaction{
		ID:           t.ID,
		Date:         bankfeeds.NewDateTime(t.wall),
		Description:  t.Description,
		Counterparty: t.Counterparty,
		Reference:    t.Reference,
		Reconciled:   t.Reconciled,
	}
	out.Amount, _ = bankfeeds.ParseDecimal(string(t.Amount)) // a JSON number the decoder checked
	if t.Balance != nil {
		if b, err := bankfeeds.ParseDecimal(string(*t.Balance)); err == nil {
			out.Balance = b
		}
	}
	if t.TransactionType != nil {
		out.TransactionType = bankfeeds.TransactionType(*t.TransactionType)
	}
	return out
}

// sdk converts a push operation to the SDK's type; Data holds the pushed
// transactions of a bankTransactions operation.
func (op *pushOp) sdk() bankfeeds.PushOperation {
	out := bankfeeds.PushOperation{
		PushOperationKey:  op.key,
		CompanyID:         op.co.id,
		DataConnectionKey: op.conn.id,
		DataType:          op.dataType,
		Status:            bankfeeds.PushStatus(op.status),
		StatusCode:        op.statusCode,
		RequestedOnUTC:    bankfeeds.NewDateTime(op.requested),
		TimeoutInMinutes:  op.timeout,
	}
	if !op.completed.IsZero() {
		c := bankfeeds.NewDateTime(op.completed)
		out.CompletedOnUTC = &c
	}
	if op.errMsg != "" {
		msg := op.errMsg
		out.ErrorMessage = &msg
	}
	if len(op.validation.Errors)+len(op.validation.Warnings) > 0 {
		v := &bankfeeds.Validation{}
		for _, e := range op.validation.Errors {
			v.Errors = append(v.Errors, e.sdk())
		}
		for _, w := range op.validation.Warnings {
			v.Warnings = append(v.Warnings, w.sdk())
		}
		out.Validation = v
	}
	for _, c := range op.changes {
		dt := c.RecordRef.DataType
		out.Changes = append(out.Changes, bankfeeds.PushChange{Type: c.Type, RecordRef: &bankfeeds.RecordRef{ID: c.RecordRef.ID, DataType: &dt}})
	}
	if op.dataType == "bankTransactions" {
		data := &bankfeeds.CreateBankTransactions{AccountID: op.accountID, Transactions: make([]bankfeeds.BankTransaction, len(op.txns))}
		for i := range op.txns {
			data.Transactions[i] = op.txns[i].sdk()
		}
		out.Data = data
	}
	return out
}

func (v validationItem) sdk() bankfeeds.ValidationItem {
	out := bankfeeds.ValidationItem{}
	if v.ItemID != "" {
		out.ItemID = &v.ItemID
	}
	if v.Message != "" {
		out.Message = &v.Message
	}
	if v.ValidatorName != "" {
		out.ValidatorName = &v.ValidatorName
	}
	return out
}
