package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"starcard/models"
)

func init() {
	extraCommands = append(extraCommands, struct {
		name string
		run  func(context.Context, []string, io.Writer) error
	}{"verify", cmdVerify})
}

// errVerifyFailed makes the command exit 1 after the problems were listed.
var errVerifyFailed = errors.New("verify: the ledger has problems (listed above)")

// cmdVerify proves the ledger's invariants (see models.Verify) and exits 0
// when clean, 1 with a readable list otherwise.
func cmdVerify(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("verify")
	dbSpec := f.str("db", defaultDB, "database")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, err := models.Open(*dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	return runVerify(ctx, db, out)
}

func runVerify(ctx context.Context, db *models.DB, out io.Writer) error {
	start := time.Now()
	rep, err := models.Verify(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "verify: %d accounts, %d journals, %d postings, %d lots checked in %s\n",
		rep.Accounts, rep.Journals, rep.Postings, rep.Lots, time.Since(start).Round(time.Millisecond))
	if rep.Clean() {
		fmt.Fprintln(out, "verify: clean — balances equal their postings, sequences have no gaps, journals balance, lots add up, hash chains intact")
		fmt.Fprintf(out, "verify: chain root %s (keep it outside the database to detect a wholesale rewrite)\n", rep.Root)
		return nil
	}
	fmt.Fprintf(out, "verify: %d problem(s):\n", len(rep.Problems))
	for _, p := range rep.Problems {
		fmt.Fprintln(out, "  -", p)
	}
	return errVerifyFailed
}
