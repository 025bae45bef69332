package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"starcard/models/dbtest"
)

func TestMigrateTwiceIsANoOp(t *testing.T) {
	specs := []string{"sqlite:" + filepath.Join(t.TempDir(), "m.db")}
	if s := dbtest.MySQLSpec(t); s != "" {
		specs = append(specs, s)
	}
	for _, spec := range specs {
		var first, second bytes.Buffer
		if err := run(context.Background(), []string{"migrate", "-db", spec}, &first); err != nil {
			t.Fatal(err)
		}
		if err := run(context.Background(), []string{"migrate", "-db", spec}, &second); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(first.String(), "applied 0 ") || !strings.HasPrefix(second.String(), "applied 0 ") {
			t.Errorf("%s: first %q, second %q", spec[:6], first.String(), second.String())
		}
	}
}

func TestCreateUser(t *testing.T) {
	spec := "sqlite:" + filepath.Join(t.TempDir(), "u.db")
	cases := []struct {
		args    []string
		wantErr string
		wantOut string
	}{
		// A fresh school has no campus: say so in words, not "FOREIGN KEY constraint failed".
		{[]string{"-role", "kiosk", "-username", "door", "-password", "password123", "-campus", "1"}, "there is no campus 1", ""},
		{[]string{"-role", "cashier", "-username", "desk1", "-password", "password123"}, "the school has none yet", ""},
		{[]string{"-role", "admin", "-username", "boss", "-password", "password123"}, "", "created boss (admin)"},
		{[]string{"create-campus", "-code", "sun", "-name", "阳光校区"}, "", "created campus 阳光校区 (SUN), id 1"},
		{[]string{"create-campus", "-code", "SUN", "-name", "又一个"}, "Another campus uses this code", ""},
		{[]string{"create-campus", "-code", "RIV"}, "name: 必填 / Required", ""},
		// With one campus a cashier gets it without being asked.
		{[]string{"-role", "cashier", "-username", "desk1", "-password", "password123"}, "", "created desk1 (cashier) at campus 阳光校区 (id 1)"},
		{[]string{"-role", "cashier", "-username", "desk1", "-password", "password123"}, "taken", ""},
		{[]string{"-role", "teacher", "-username", "t1", "-password", "password123", "-phone", "123"}, "phone: 请填写 11 位手机号", ""},
		{[]string{"-role", "wizard", "-username", "x1", "-password", "password123"}, "Choose a role", ""},
		{[]string{"-role", "admin", "-username", "x2", "-password", "short"}, "At least 8 characters", ""},
	}
	for _, c := range cases {
		var out bytes.Buffer
		args := append([]string{"create-user", "-db", spec}, c.args...)
		if c.args[0] == "create-campus" {
			args = append([]string{"create-campus", "-db", spec}, c.args[1:]...)
		}
		err := run(context.Background(), args, &out)
		switch {
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%v: err %v, want %q", c.args, err, c.wantErr)
		case c.wantErr == "" && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case !strings.Contains(out.String(), c.wantOut):
			t.Errorf("%v: out %q", c.args, out.String())
		}
	}
}

func TestUnknownCommandAndBadDB(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, &bytes.Buffer{}); err == nil {
		t.Error("unknown command accepted")
	}
	if err := run(context.Background(), []string{"migrate", "-db", "postgres:x"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("bad db spec: %v", err)
	}
}
