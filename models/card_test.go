package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

func TestCardNumberCheckDigitCatchesTypos(t *testing.T) {
	for i := 0; i < 200; i++ {
		no := models.NewCardNo()
		if len(no) != models.CardNoLen || !models.ValidCardNo(no) {
			t.Fatalf("generated %q is not valid", no)
		}
		// Every single-digit change is caught.
		for pos := 1; pos < len(no); pos++ {
			for d := byte('0'); d <= '9'; d++ {
				if d == no[pos] {
					continue
				}
				typo := no[:pos] + string(d) + no[pos+1:]
				if models.ValidCardNo(typo) {
					t.Fatalf("typo %q of %q passes the check", typo, no)
				}
			}
		}
		// Swapping two different neighbours is caught (except 0↔9, Luhn's blind spot).
		for pos := 1; pos+1 < len(no); pos++ {
			a, b := no[pos], no[pos+1]
			if a == b || (a == '0' && b == '9') || (a == '9' && b == '0') {
				continue
			}
			swap := no[:pos] + string(b) + string(a) + no[pos+2:]
			if models.ValidCardNo(swap) {
				t.Fatalf("swap %q of %q passes the check", swap, no)
			}
		}
	}
	if models.LuhnDigit("7992739871") != '3' { // the textbook example 79927398713
		t.Fatal("Luhn digit of the textbook example is wrong")
	}
}

func TestCardTokenIsShortSignedAndAlphanumeric(t *testing.T) {
	no := models.NewCardNo()
	tok := models.CardToken(memSecret, no, 3)
	if len(tok) > 38 { // QR version 2-M holds 38 alphanumeric characters
		t.Fatalf("token %q is %d chars: QR would grow past version 2", tok, len(tok))
	}
	for _, r := range tok {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			t.Fatalf("token %q leaves the QR alphanumeric alphabet at %q", tok, r)
		}
	}
	if got, v, err := models.ParseCardToken(memSecret, tok); err != nil || got != no || v != 3 {
		t.Fatalf("parse own token: %s %d %v", got, v, err)
	}
	if _, _, err := models.ParseCardToken(memSecret, strings.ToLower(tok)); err != nil {
		t.Fatalf("a scanner that lower-cases the token: %v", err)
	}
	other := models.NewCardNo()
	forged := []string{
		models.CardToken([]byte("another-secret-another-secret-xx"), no, 3), // wrong key
		strings.Replace(tok, no, other, 1),                                  // another card's number, same mac
		strings.Replace(tok, ":3:", ":4:", 1),                               // bumped version
		tok[:len(tok)-1] + damaged(tok[len(tok)-1]),                         // damaged mac
		"SC1:" + no,                            // no mac
		no,                                     // not a token at all
		strings.Replace(tok, ":3:", ":03:", 1), // padded version (issue 11)
		strings.Replace(tok, ":3:", ":+3:", 1), // signed version
		strings.Replace(tok, ":3:", ": 3:", 1), // spaced version
	}
	for _, f := range forged {
		if _, _, err := models.ParseCardToken(memSecret, f); !errors.Is(err, models.ErrUnknownCard) {
			t.Errorf("forged %q: %v", f, err)
		}
	}
}

func TestFreezeAndReplaceCard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		m := s.child(t, "张小明", "13912341234", true)
		v := s.view(t, m.ID)
		oldQR := models.CardToken(memSecret, v.CardNo, v.CardVersion)
		if _, err := models.ResolveCard(ctx, db.R, memSecret, memLoc, models.CardInput{QR: oldQR}); err != nil {
			t.Fatalf("live card refused: %v", err)
		}
		// Lost: frozen at once, twice is harmless.
		lostAt := memNow.Add(30 * time.Minute)
		for i := 0; i < 2; i++ {
			c, err := models.FreezeCard(ctx, db, lostAt.Add(time.Duration(i)*time.Minute), memActor, m.ID)
			if err != nil || c.Status != models.CardFrozen {
				t.Fatalf("freeze %d: %v %v", i, c, err)
			}
		}
		_, err := models.ResolveCard(ctx, db.R, memSecret, memLoc, models.CardInput{QR: oldQR})
		e, ok := models.AsError(err)
		if !errors.Is(err, models.ErrCardFrozen) || !ok || len(e.Args) != 1 || e.Args[0] != "2026-11-02 08:31" {
			t.Fatalf("frozen card: %v (args %v)", err, e)
		}
		if s.view(t, m.ID).Status != "frozen" {
			t.Fatal("member status is not frozen")
		}
		// Replace: new number and QR; the old ones say when they were replaced.
		var nc *models.Card
		err = db.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			nc, err = models.ReplaceCard(ctx, tx, memNow.Add(time.Hour), memActor, m.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if nc.CardNo == v.CardNo || nc.Status != models.CardActive {
			t.Fatalf("new card %+v", nc)
		}
		for _, in := range []models.CardInput{{QR: oldQR}, {CardNo: v.CardNo}} {
			_, err := models.ResolveCard(ctx, db.R, memSecret, memLoc, in)
			e, _ := models.AsError(err)
			if !errors.Is(err, models.ErrCardReplaced) || e.Args[0] != "2026-11-02 09:01" {
				t.Fatalf("old card %+v: %v", in, err)
			}
		}
		nv := s.view(t, m.ID)
		if nv.CardNo != nc.CardNo || nv.Status != "active" {
			t.Fatalf("member after replace: %s %s", nv.CardNo, nv.Status)
		}
		if _, err := models.ResolveCard(ctx, db.R, memSecret, memLoc, models.CardInput{QR: models.CardToken(memSecret, nc.CardNo, nc.Version)}); err != nil {
			t.Fatalf("new card refused: %v", err)
		}
		// Search finds the new number, not the old one.
		ids, _, _ := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: nc.CardNo})
		old, _, _ := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: v.CardNo})
		if len(ids) != 1 || len(old) != 0 {
			t.Fatalf("search new %v old %v", ids, old)
		}
		// A typo in a typed number is told apart from an unknown card.
		typo := nc.CardNo[:5] + string('0'+(nc.CardNo[5]-'0'+1)%10) + nc.CardNo[6:]
		if _, err := models.ResolveCard(ctx, db.R, memSecret, memLoc, models.CardInput{CardNo: typo}); !errors.Is(err, models.ErrCardCheck) {
			t.Fatalf("typo: %v", err)
		}
	})
}

func TestCardPNGIsCachedPerVersion(t *testing.T) {
	dir := t.TempDir()
	ci := models.CardImages{Dir: dir, Secret: memSecret}
	no := models.NewCardNo()
	a, err := ci.PNG(no, 1)
	if err != nil || len(a) < 100 || string(a[1:4]) != "PNG" {
		t.Fatalf("png: %d bytes, %v", len(a), err)
	}
	b, _ := ci.PNG(no, 1)
	c, _ := ci.PNG(no, 2)
	if string(a) != string(b) {
		t.Fatal("cached image differs")
	}
	if string(a) == string(c) {
		t.Fatal("a new version drew the same QR")
	}
	if ci.ETag(no, 1) == ci.ETag(no, 2) {
		t.Fatal("ETag does not change with the version")
	}
}

// damaged is another mac character than c (a token ending in "A" must not be
// "damaged" into itself).
func damaged(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
