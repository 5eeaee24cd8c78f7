package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/spf13/cobra"
)

// listFlags are the paging flags of the list commands.
type listFlags struct {
	query, orderBy string
	limit          int
}

func (l *listFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&l.query, "query", "", "Codat query, such as name~Toft")
	cmd.Flags().StringVar(&l.orderBy, "order-by", "", "field to order by; a leading - orders descending")
	cmd.Flags().IntVar(&l.limit, "limit", 100, "most results to list (0: all)")
}

func (l *listFlags) options() *bankfeeds.ListOptions {
	return &bankfeeds.ListOptions{PageSize: 100, Query: l.query, OrderBy: l.orderBy}
}

func (l *listFlags) full(n int) bool { return l.limit > 0 && n >= l.limit }

func (a *app) companiesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "companies", Short: "List, get, create and delete companies"}
	var lf listFlags
	list := &cobra.Command{Use: "list", Short: "List companies", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		var out []bankfeeds.Company
		for co, err := range c.Companies.All(cmd.Context(), &bankfeeds.CompanyListOptions{ListOptions: *lf.options()}) {
			if err != nil {
				return err
			}
			if out = append(out, co); lf.full(len(out)) {
				break
			}
		}
		return a.out(nonNil(out), func(w io.Writer) {
			for _, co := range out {
				fmt.Fprintf(w, "%s  %s\n", co.ID, co.Name)
			}
		})
	}}
	lf.add(list)
	get := &cobra.Command{Use: "get COMPANY", Short: "Show a company", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		co, err := c.Companies.Get(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return a.out(co, func(w io.Writer) { printCompany(w, co) })
	}}
	var desc string
	create := &cobra.Command{Use: "create NAME", Short: "Create a company", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		co, err := c.Companies.Create(cmd.Context(), bankfeeds.CompanyRequest{Name: args[0], Description: desc})
		if err != nil {
			return err
		}
		return a.out(co, func(w io.Writer) { printCompany(w, co) })
	}}
	create.Flags().StringVar(&desc, "description", "", "the company's description")
	del := &cobra.Command{Use: "delete COMPANY", Short: "Delete a company and its connections", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		if err := c.Companies.Delete(cmd.Context(), args[0]); err != nil {
			return err
		}
		return a.out(map[string]any{"deleted": args[0]}, func(w io.Writer) { fmt.Fprintln(w, "deleted company", args[0]) })
	}}
	cmd.AddCommand(list, get, create, del)
	return cmd
}

func printCompany(w io.Writer, co *bankfeeds.Company) {
	fmt.Fprintf(w, "%s  %s\n", co.ID, co.Name)
	for _, cn := range co.DataConnections {
		fmt.Fprintf(w, "  connection %s  %s  %s\n", cn.ID, cn.IntegrationKey, cn.Status)
	}
}

func (a *app) connectionsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "connections", Short: "List and create a company's connections"}
	var lf listFlags
	list := &cobra.Command{Use: "list COMPANY", Short: "List a company's connections", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		var out []bankfeeds.Connection
		for cn, err := range c.Connections.All(cmd.Context(), args[0], lf.options()) {
			if err != nil {
				return err
			}
			if out = append(out, cn); lf.full(len(out)) {
				break
			}
		}
		return a.out(nonNil(out), func(w io.Writer) {
			for _, cn := range out {
				fmt.Fprintf(w, "%s  %s  %s\n", cn.ID, cn.IntegrationKey, cn.Status)
			}
		})
	}}
	lf.add(list)
	create := &cobra.Command{Use: "create COMPANY PLATFORM", Short: "Connect a company to a bank-feeds platform (hcws, olpr, gbol, akxx, fbrh, qudb)", Args: cobra.ExactArgs(2), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		cn, err := c.Connections.Create(cmd.Context(), args[0], args[1])
		if err != nil {
			return err
		}
		return a.out(cn, func(w io.Writer) {
			fmt.Fprintf(w, "%s  %s  %s\n  link: %s\n", cn.ID, cn.IntegrationKey, cn.Status, cn.LinkURL)
		})
	}}
	cmd.AddCommand(list, create)
	return cmd
}

func (a *app) accountsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "accounts", Short: "List and create a connection's source accounts"}
	list := &cobra.Command{Use: "list COMPANY CONNECTION", Short: "List source accounts", Args: cobra.ExactArgs(2), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		out, err := c.SourceAccounts.List(cmd.Context(), args[0], args[1])
		if err != nil {
			return err
		}
		return a.out(nonNil(out), func(w io.Writer) {
			for _, s := range out {
				fmt.Fprintf(w, "%s  %s  %s %s  %s  %s\n", s.ID, s.AccountName, s.AccountNumber, s.Currency, s.Balance, s.Status)
			}
		})
	}}
	var acct bankfeeds.SourceAccount
	var typ, balance, sortCode string
	create := &cobra.Command{Use: "create COMPANY CONNECTION", Short: "Create a source account", Args: cobra.ExactArgs(2), RunE: func(cmd *cobra.Command, args []string) error {
		acct.AccountType = bankfeeds.AccountType(typ)
		if balance != "" {
			b, err := bankfeeds.ParseDecimal(balance)
			if err != nil {
				return usageErr("--balance: %v", err)
			}
			acct.Balance = b
		}
		if sortCode != "" {
			acct.SortCode = &sortCode
		}
		if acct.ID == "" {
			return usageErr("accounts create needs --id")
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		s, err := c.SourceAccounts.Create(cmd.Context(), args[0], args[1], acct)
		if err != nil {
			return err
		}
		return a.out(s, func(w io.Writer) { fmt.Fprintf(w, "%s  %s  %s\n", s.ID, s.AccountName, s.Status) })
	}}
	fl := create.Flags()
	fl.StringVar(&acct.ID, "id", "", "the account's id (yours; pushes name it)")
	fl.StringVar(&acct.AccountName, "name", "", "the account's name")
	fl.StringVar(&typ, "type", string(bankfeeds.AccountTypeChecking), "checking, savings, loan, creditCard or prepaidCard")
	fl.StringVar(&acct.AccountNumber, "number", "", "the account number")
	fl.StringVar(&acct.Currency, "currency", "", "ISO 4217 currency")
	fl.StringVar(&balance, "balance", "0", "the current balance")
	fl.StringVar(&sortCode, "sort-code", "", "sort code (GBP accounts)")
	cmd.AddCommand(list, create)
	return cmd
}

func (a *app) opsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ops", Short: "Follow push operations"}
	var lf listFlags
	list := &cobra.Command{Use: "list COMPANY", Short: "List a company's push operations", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		var out []bankfeeds.PushOperation
		for op, err := range c.Transactions.AllOperations(cmd.Context(), args[0], lf.options()) {
			if err != nil {
				return err
			}
			if out = append(out, op); lf.full(len(out)) {
				break
			}
		}
		return a.out(nonNil(out), func(w io.Writer) {
			for i := range out {
				printOp(w, &out[i])
			}
		})
	}}
	lf.add(list)
	get := &cobra.Command{Use: "get COMPANY OPERATION", Short: "Show a push operation", Args: cobra.ExactArgs(2), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		op, err := c.Transactions.GetOperation(cmd.Context(), args[0], args[1])
		if err != nil {
			return err
		}
		return a.out(op, func(w io.Writer) { printOp(w, op) })
	}}
	var timeout time.Duration
	wait := &cobra.Command{Use: "wait COMPANY OPERATION", Short: "Wait until a push operation ends", Args: cobra.ExactArgs(2), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := a.client()
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		if timeout > 0 {
			var cancel func()
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		op, err := c.Transactions.WaitForOperation(ctx, args[0], args[1], nil)
		if err != nil {
			return err
		}
		if err := a.out(op, func(w io.Writer) { printOp(w, op) }); err != nil {
			return err
		}
		if op.Status != bankfeeds.PushStatusSuccess {
			return &exitError{exitAPI, fmt.Errorf("push operation %s ended %s", op.PushOperationKey, op.Status)}
		}
		return nil
	}}
	wait.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "how long to wait (0: until interrupted)")
	cmd.AddCommand(list, get, wait)
	return cmd
}

func printOp(w io.Writer, op *bankfeeds.PushOperation) {
	fmt.Fprintf(w, "%s  %s  %s  %s\n", op.PushOperationKey, op.Status, op.DataType, op.RequestedOnUTC.Format(time.RFC3339))
	if op.ErrorMessage != nil && *op.ErrorMessage != "" {
		fmt.Fprintf(w, "  error: %s\n", *op.ErrorMessage)
	}
	if op.Validation != nil {
		for _, v := range op.Validation.Errors {
			fmt.Fprintf(w, "  %s\n", v.String())
		}
	}
}

func (a *app) linkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "link COMPANY CONNECTION",
		Short: "Print a fresh linkUrl to send the user to, or for Sage an OTP to give them",
		Long: `link fetches the connection afresh and prints its linkUrl (a QBO Bank Feeds
linkUrl holds a one-hour OTP, so never store it). For Sage Bank Feeds it
prints the connection id and a one-time password instead, which the user
enters inside Sage.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			cn, err := c.Connections.Get(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if cn.IntegrationKey == bankfeeds.PlatformSageBankFeeds {
				otp, err := c.SourceAccounts.GenerateOTP(cmd.Context(), args[0], args[1])
				if err != nil {
					return err
				}
				return a.out(map[string]any{"connectionId": cn.ID, "otp": otp.OTP, "expiry": otp.Expiry}, func(w io.Writer) {
					fmt.Fprintf(w, "In Sage, enter connection id %s and one-time password %s (valid until %s)\n", cn.ID, otp.OTP, otp.Expiry.Format(time.RFC3339))
				})
			}
			return a.out(map[string]any{"connectionId": cn.ID, "linkUrl": cn.LinkURL, "status": cn.Status}, func(w io.Writer) { fmt.Fprintln(w, cn.LinkURL) })
		},
	}
}

// nonNil makes an empty list print as [] in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
