package models

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// A parent adjusts their own contact details in the portal: a new mobile
// number takes effect only once a code sent to that number is typed back
// (so nobody can move a family's notices, or its logins, to a phone they do
// not hold); the e-mail address is the notice preference's.

// NoticePhoneVerify is the notice that carries the code to the new number.
const NoticePhoneVerify = "phone_verify"

// phoneVar is the notice variable naming the number the code goes to.
const phoneVar = "new_phone"

func init() {
	RegisterNoticeEvent(NoticeEvent{Name: NoticePhoneVerify, Vars: []string{"code", "minutes"}, Urgent: true, SMSOnly: true,
		PhoneVar: phoneVar},
		map[string][2]string{
			"zh-CN": {"验证新手机号", "【{{school}}】您正在更换家长端手机号，验证码{{code}}，{{minutes}}分钟内有效。如非本人操作请忽略。"},
			"zh-TW": {"驗證新手機號碼", "【{{school}}】您正在更換家長端手機號碼，驗證碼{{code}}，{{minutes}}分鐘內有效。如非本人操作請忽略。"},
			"en":    {"Verify your new number", "[{{school}}] Your code to change your portal phone number is {{code}}, valid for {{minutes}} minutes. Ignore this if it was not you."},
		})
}

// Expected outcomes of a phone change.
var (
	ErrPhoneSame  = NewError(KindInvalid, "phone-same", "mem2.err_phone_same")
	ErrPhoneTaken = NewError(KindConflict, "phone-taken", "mem2.err_phone_taken")
)

// RequestPhoneChange sends a code to newPhone (at most OTPSendsPerHour per
// hour to one number). The number must be new to the school.
func RequestPhoneChange(ctx context.Context, db *DB, now time.Time, secret []byte, p *GuardianPrincipal, newPhone, ip string) (*OTPSent, error) {
	now = now.UTC()
	np, err := portalPhone(newPhone)
	if err != nil {
		return nil, err
	}
	if np == p.Phone {
		return nil, ErrPhoneSame.Field("phone", ErrPhoneSame.Key)
	}
	out := &OTPSent{Phone: np, Masked: MaskPhone(np), ExpiresAt: now.Add(OTPTTL)}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var taken int64
		if err := tx.Raw("SELECT COUNT(*) FROM guardians WHERE phone = ?", np).Scan(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return ErrPhoneTaken
		}
		var sent []time.Time
		if err := tx.Model(&guardianOTP{}).Where("phone = ? AND created_at > ?", np, now.Add(-time.Hour)).
			Order("created_at").Pluck("created_at", &sent).Error; err != nil {
			return err
		}
		if len(sent) >= OTPSendsPerHour {
			return ErrOTPSendLimit.With(OTPSendsPerHour, minutesUntil(now, sent[len(sent)-OTPSendsPerHour].Add(time.Hour)))
		}
		code := randomDigits(OTPDigits)
		row := guardianOTP{Phone: np, CodeHash: otpHash(secret, np, code), CreatedAt: now, ExpiresAt: out.ExpiresAt, IP: ip}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		sealed, err := SealCode(secret, code)
		if err != nil {
			return err
		}
		return EnqueueNotice(ctx, tx, now, Notice{Event: NoticePhoneVerify, GuardianID: p.GuardianID(),
			Data:      map[string]any{sealedCodeVar: sealed, "minutes": int(OTPTTL / time.Minute), phoneVar: np},
			DedupeKey: fmt.Sprintf("phone_verify:%d", row.ID)})
	})
	if err != nil {
		if _, ok := AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("models: request phone change: %w", err)
	}
	return out, nil
}

// ConfirmPhoneChange checks the code sent to newPhone and moves the parent
// (every guardian record of theirs, their password and their sessions) to
// it. A wrong code counts towards the lock-out of the parent's login.
func ConfirmPhoneChange(ctx context.Context, db *DB, now time.Time, secret []byte, p *GuardianPrincipal, newPhone, code, ip string) error {
	now = now.UTC()
	np, err := portalPhone(newPhone)
	if err != nil {
		return err
	}
	code = strings.TrimSpace(code)
	if len(code) != OTPDigits || strings.Trim(code, "0123456789") != "" {
		return ErrPortalBadCode.Field("code", ErrPortalBadCode.Key)
	}
	hash := otpHash(secret, np, code)
	var refusal error
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		refusal = nil
		l, err := lockLogin(ctx, tx, now, p.Phone)
		if err != nil {
			return err
		}
		if refusal = l.lockedErr(now); refusal != nil {
			return nil
		}
		var rows []guardianOTP
		if err := tx.Where("phone = ? AND used_at IS NULL AND created_at > ?", np, now.Add(-time.Hour)).
			Order("id DESC").Find(&rows).Error; err != nil {
			return err
		}
		var hit *guardianOTP
		live := 0
		for i, r := range rows {
			if !now.Before(r.ExpiresAt) {
				continue
			}
			live++
			if subtle.ConstantTimeCompare([]byte(r.CodeHash), []byte(hash)) == 1 {
				hit = &rows[i]
				break
			}
		}
		if hit == nil {
			if live == 0 {
				refusal = ErrOTPNone
				return nil
			}
			refusal, err = l.fail(ctx, tx, now, ErrOTPWrong)
			return err
		}
		var taken int64
		if err := tx.Raw("SELECT COUNT(*) FROM guardians WHERE phone = ?", np).Scan(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			refusal = ErrPhoneTaken
			return nil
		}
		if err := tx.Model(&guardianOTP{}).Where("id = ?", hit.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		ids := p.GuardianIDs()
		if err := tx.Exec("UPDATE guardians SET phone = ?, updated_at = ? WHERE id IN ?", np, now, ids).Error; err != nil {
			return err
		}
		// The password and the open sessions follow the parent to the new number.
		if err := tx.Exec("DELETE FROM guardian_logins WHERE phone = ?", np).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE guardian_logins SET phone = ?, failed_count = 0, updated_at = ? WHERE phone = ?", np, now, p.Phone).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE guardian_sessions SET phone = ? WHERE phone = ?", np, p.Phone).Error; err != nil {
			return err
		}
		for _, f := range p.FamilyIDs {
			if err := reindexFamily(ctx, tx, f); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, now, p.Actor(ip), "guardian.phone_change", "guardian", p.GuardianID(),
			fmt.Sprintf("from=%s to=%s", MaskPhone(p.Phone), MaskPhone(np)))
	})
	if err != nil {
		return fmt.Errorf("models: confirm phone change: %w", err)
	}
	return refusal
}

// SavePortalEmail changes only the e-mail address of the parent's notice
// preferences (every guardian record of theirs); "" removes it, and e-mail
// notices then go by SMS.
func SavePortalEmail(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip, email string) error {
	prefs, err := PortalNotifyPrefs(ctx, db.R, p)
	if err != nil {
		return err
	}
	prefs.Email = strings.TrimSpace(email)
	if prefs.Email == "" && prefs.Channel == ChannelEmail {
		prefs.Channel = ChannelSMS
	}
	return SavePortalNotifyPrefs(ctx, db, now, p, ip, prefs)
}
