package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"

	"starcard/models/ledgerchain"
)

// SealLedger (0181) seals a ledger written before journals carried hashes:
// it walks every existing journal in order, computes the chain each member
// and family account would have had, stores each account's head and records
// how far the sealing went. From then on every edit or deletion of those
// rows breaks a chain that Verify recomputes. On a new database it only
// records the (empty) seal.
func SealLedger(ctx context.Context, tx *sql.Tx) error {
	heads, last, err := ledgerchain.Heads(ctx, tx)
	if err != nil {
		return fmt.Errorf("seal ledger: %w", err)
	}
	for id, h := range heads {
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET chain_hash = ? WHERE id = ?`, h, id); err != nil {
			return fmt.Errorf("seal ledger: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_chain_seals (through_journal_id, sealed_at) VALUES (?, ?)`,
		last, time.Now().UTC().Truncate(time.Millisecond)); err != nil {
		return fmt.Errorf("seal ledger: %w", err)
	}
	return nil
}

func unsealLedger(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ledger_chain_seals`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET chain_hash = ''`)
	return err
}

// GoMigrations are the migrations written in Go, numbered among the SQL
// files of both dialects.
func GoMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(181, &goose.GoFunc{RunTx: SealLedger}, &goose.GoFunc{RunTx: unsealLedger}),
		// 0205 filled the days 0204 added; 0210 now fills them and the months
		// seen (0209) in one read of the history, so 0205 does nothing.
		goose.NewGoMigration(205, &goose.GoFunc{RunTx: nothing}, &goose.GoFunc{RunTx: nothing}),
		goose.NewGoMigration(210, &goose.GoFunc{RunTx: FillMemberDays}, &goose.GoFunc{RunTx: emptyMemberDays}),
	}
}
