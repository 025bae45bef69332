package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"starcard/models"
	"starcard/views"
)

func init() {
	extraCommands = append(extraCommands, struct {
		name string
		run  func(context.Context, []string, io.Writer) error
	}{"create-campus", cmdCreateCampus})
}

// explain turns an expected failure into words for the terminal, in
// Chinese and English ("campus_id: 没有这个校区 / No such campus"); other
// errors pass through.
func explain(cmd string, err error) error {
	e, ok := models.AsError(err)
	if !ok {
		return err
	}
	cat, cerr := views.LoadCatalog(views.Files())
	if cerr != nil {
		return err
	}
	say := func(key string) string {
		zh, en := cat.T("zh-CN", key, e.Args...), cat.T("en", key, e.Args...)
		if zh == en {
			return en
		}
		return zh + " / " + en
	}
	var msgs []string
	for f, k := range e.Fields {
		msgs = append(msgs, f+": "+say(k))
	}
	sort.Strings(msgs)
	if len(msgs) == 0 {
		msgs = append(msgs, say(e.Key))
	}
	return fmt.Errorf("%s: %s", cmd, strings.Join(msgs, "; "))
}

// cmdCreateCampus adds a campus from a script or a fresh install's shell.
func cmdCreateCampus(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("create-campus")
	dbSpec := f.str("db", defaultDB, "database")
	code := f.str("code", "", "short unique code, e.g. SUN")
	name := f.str("name", "", "campus name, e.g. 阳光校区")
	address := f.str("address", "", "street address (shown on receipts)")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, _, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := models.CreateCampus(ctx, db.W, time.Now().UTC(), *code, *name, *address)
	if err != nil {
		return explain("create-campus", err)
	}
	fmt.Fprintf(out, "created campus %s (%s), id %d\n", c.Name, c.Code, c.ID)
	return nil
}

// staffCampus picks the campus of a new account from -campus: a role that
// works at a campus gets the school's only one when none is given; with no
// campus at all, or several, the error says what to do.
func staffCampus(ctx context.Context, db *models.DB, role string, asked int64) ([]int64, string, error) {
	r, ok := models.ParseRole(role)
	if asked == 0 && (!ok || !r.CampusBound()) {
		return nil, "", nil
	}
	if asked > 0 {
		if _, err := models.GetCampus(ctx, db.R, asked); err != nil {
			return nil, "", fmt.Errorf("create-user: there is no campus %d (starcard create-campus -code SUN -name 阳光校区 creates one; the campuses have ids %s)", asked, campusIDs(ctx, db))
		}
		return []int64{asked}, "", nil
	}
	cs, err := models.ListCampuses(ctx, db.R)
	if err != nil {
		return nil, "", err
	}
	switch len(cs) {
	case 0:
		return nil, "", fmt.Errorf("create-user: a %s works at a campus and the school has none yet: create one first (starcard create-campus -code SUN -name 阳光校区), or log in as an admin and use the set-up wizard", role)
	case 1:
		return []int64{cs[0].ID}, fmt.Sprintf(" at campus %s (id %d)", cs[0].Name, cs[0].ID), nil
	}
	return nil, "", fmt.Errorf("create-user: a %s works at one campus: add -campus with one of the ids %s", role, campusIDs(ctx, db))
}

func campusIDs(ctx context.Context, db *models.DB) string {
	cs, err := models.ListAllCampuses(ctx, db.R)
	if err != nil || len(cs) == 0 {
		return "(none yet)"
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%d = %s", c.ID, c.Name))
	}
	return strings.Join(parts, ", ")
}
