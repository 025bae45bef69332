package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"gorm.io/gorm"
)

// Group commit (issue 19). SQLite has one writer: every transaction waits for
// the one before it, and each commit waits for the disk (synchronous=FULL).
// TxGrouped lets concurrent use cases share one transaction instead: each
// runs in its own savepoint, so a refusal rolls back only its own work, and
// every caller gets its answer only after the shared commit has reached the
// disk. While one group commits, the next one gathers.

// maxGroup bounds how many use cases share one commit (and how long the
// first of them waits for the last).
const maxGroup = 64

// errGroupAborted is given to every member of a group whose transaction
// could not be committed (or a savepoint not rolled back): nothing of it
// was written, so each runs again alone.
var errGroupAborted = errors.New("models: grouped transaction aborted")

type groupReq struct {
	ctx  context.Context
	fn   func(tx *gorm.DB) error
	err  error
	done chan struct{}
}

type groupCommit struct {
	in      chan *groupReq
	start   sync.Once
	stopped sync.Once
	stop    chan struct{}
	wg      sync.WaitGroup
}

func newGroupCommit() *groupCommit {
	return &groupCommit{in: make(chan *groupReq, maxGroup), stop: make(chan struct{})}
}

// TxGrouped runs fn in a transaction like Tx, and on SQLite in a transaction
// shared with the use cases that arrive while it waits for the writer. fn must
// use only tx (the writer is held) and be safe to run again, as for Tx; it may
// see the uncommitted work of the use cases before it in its group, as it
// would see them committed under Tx.
func (d *DB) TxGrouped(ctx context.Context, fn func(tx *gorm.DB) error) error {
	g := d.group
	if g == nil {
		return d.Tx(ctx, fn)
	}
	g.start.Do(func() {
		g.wg.Add(1)
		go g.run(d)
	})
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case g.in <- r:
	case <-g.stop:
		return d.Tx(ctx, fn)
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once handed over, fn may run and commit: wait for the truth.
	<-r.done
	if errors.Is(r.err, errGroupAborted) || IsRetryable(r.err) {
		return d.Tx(ctx, fn)
	}
	return r.err
}

// close stops the group's goroutine (DB.Close).
func (g *groupCommit) close() {
	if g == nil {
		return
	}
	g.stopped.Do(func() { close(g.stop) })
	g.wg.Wait()
}

func (g *groupCommit) run(d *DB) {
	defer g.wg.Done()
	for {
		select {
		case <-g.stop:
			// Whoever is still queued runs alone (and finds the database closed).
			for {
				select {
				case r := <-g.in:
					r.err = errGroupAborted
					close(r.done)
				default:
					return
				}
			}
		case r := <-g.in:
			g.commit(d, r)
		}
	}
}

// commit runs first and whoever queues behind it (up to maxGroup) in one
// transaction, then answers them all.
func (g *groupCommit) commit(d *DB, first *groupReq) {
	batch := []*groupReq{first}
	finish := func(commitErr error) {
		for _, r := range batch {
			if commitErr != nil {
				r.err = fmt.Errorf("%w: %v", errGroupAborted, commitErr)
			}
			close(r.done)
		}
	}
	tx := d.W.Session(&gorm.Session{NewDB: true}).Begin()
	if tx.Error != nil {
		finish(tx.Error)
		return
	}
	pool := tx.Statement.ConnPool
	for i := 0; ; i++ {
		r := batch[i]
		if err := runSavepoint(tx, i, r); err != nil {
			_ = tx.Rollback()
			afterTx(pool)
			finish(err)
			return
		}
		if len(batch) == maxGroup {
			break
		}
		select {
		case next := <-g.in:
			batch = append(batch, next)
			continue
		default:
		}
		break
	}
	err := tx.Commit().Error
	if err != nil {
		_ = tx.Rollback()
	}
	afterTx(pool)
	finish(err)
}

// runSavepoint runs one use case of a group in its own savepoint. Its
// refusal (or a panic) is its answer and rolls back only its own writes; an
// error returned here means the shared transaction itself failed.
func runSavepoint(tx *gorm.DB, i int, r *groupReq) error {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return nil
	}
	sp := "g" + strconv.Itoa(i)
	if err := tx.Exec("SAVEPOINT " + sp).Error; err != nil {
		return err
	}
	r.err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("models: grouped use case panicked: %v", p)
			}
		}()
		// Not cancelled with its request: an interrupted statement would
		// roll back the whole group's transaction. A use case that has
		// started finishes, like one whose client hangs up under Tx.
		return r.fn(tx.WithContext(context.WithoutCancel(r.ctx)))
	}()
	if r.err != nil {
		// Later savepoints do not exist yet; this one stays on the stack,
		// empty, until the commit releases them all.
		if err := tx.Exec("ROLLBACK TO SAVEPOINT " + sp).Error; err != nil {
			return err
		}
	}
	return nil
}
