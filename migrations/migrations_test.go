package migrations_test

import (
	"context"
	"io/fs"
	"reflect"
	"testing"

	"github.com/pressly/goose/v3"

	"starcard/migrations"
	"starcard/models"
	"starcard/models/dbtest"
)

func names(t *testing.T, dialect string) []string {
	t.Helper()
	f, err := migrations.FS(dialect)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := fs.Glob(f, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestDialectsHoldTheSameVersions(t *testing.T) {
	my, lite := names(t, "mysql"), names(t, "sqlite")
	if len(my) == 0 {
		t.Fatal("no migrations found")
	}
	if !reflect.DeepEqual(my, lite) {
		t.Fatalf("migration folders differ:\nmysql:  %v\nsqlite: %v", my, lite)
	}
}

func TestUpTwiceIsANoOpAndDownUndoesEverything(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		dialect := string(db.Dialect)
		// dbtest already applied every migration once.
		n, err := migrations.Up(ctx, db.SQL(), dialect)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("second Up applied %d migrations, want 0", n)
		}
		v, err := migrations.Version(ctx, db.SQL(), dialect)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(names(t, dialect))); v < want {
			t.Fatalf("version %d, want at least %d", v, want)
		}
		sub, err := migrations.FSFor(ctx, db.SQL(), dialect)
		if err != nil {
			t.Fatal(err)
		}
		gd := goose.DialectSQLite3
		if dialect == "mysql" {
			gd = goose.DialectMySQL
		}
		p, err := goose.NewProvider(gd, db.SQL(), sub, goose.WithGoMigrations(migrations.GoMigrations()...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 0); err != nil {
			t.Fatalf("down to 0: %v", err)
		}
		if n, err := migrations.Up(ctx, db.SQL(), dialect); err != nil || n != len(names(t, dialect))+len(migrations.GoMigrations()) {
			t.Fatalf("up again after down: applied %d, err %v", n, err)
		}
	})
}
