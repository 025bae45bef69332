package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// importChunk is how many rows go to the database per batch of inserts.
const importChunk = 500

type memberTag struct {
	MemberID int64
	Tag      string
}

func (memberTag) TableName() string { return "member_tags" }

// bulkCreateMembers is CreateMember for many validated rows of new families
// at once: the same rows (family, guardians, consent, member, lifecycle,
// tags, card, search terms, audit) written with batched inserts, a few
// dozen statements per 500 rows instead of about twenty per row, so a
// 10,000-row import stays well inside its time budget on MySQL too. Rows
// must have passed PreviewImport; rows sharing a phone become one family.
func bulkCreateMembers(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, rows []ImportRow,
	families map[string]int64, progress func(done int)) error {
	tx = tx.WithContext(ctx)
	consent, err := CurrentConsent(ctx, tx)
	if err != nil {
		return err
	}
	famPhones := map[int64][]string{}
	for start := 0; start < len(rows); start += importChunk {
		chunk := rows[start:min(start+importChunk, len(rows))]
		// Families and their guardians, for phones not seen before.
		var newFams []Family
		var famRows []ImportRow
		for _, r := range chunk {
			if _, ok := families[r.Phone]; ok {
				continue
			}
			families[r.Phone] = -1 // claimed by this chunk
			newFams = append(newFams, Family{Name: r.Member.Name + "家", CreatedAt: now, UpdatedAt: now})
			famRows = append(famRows, r)
		}
		if len(newFams) > 0 {
			if err := tx.CreateInBatches(&newFams, importChunk).Error; err != nil {
				return fmt.Errorf("models: import families: %w", err)
			}
			var gs []Guardian
			var consents []bool
			for i, f := range newFams {
				families[famRows[i].Phone] = f.ID
				for _, g := range famRows[i].Member.Guardians {
					gs = append(gs, Guardian{FamilyID: f.ID, Name: g.Name, Phone: g.Phone, Relation: g.Relation,
						Occupation: g.Occupation, Position: g.Position, Payer: g.Payer, CreatedAt: now, UpdatedAt: now})
					consents = append(consents, g.Consent)
					famPhones[f.ID] = append(famPhones[f.ID], g.Phone)
				}
			}
			if err := tx.CreateInBatches(&gs, importChunk).Error; err != nil {
				return fmt.Errorf("models: import guardians: %w", err)
			}
			var grants []ConsentGrant
			for i, g := range gs {
				if consents[i] {
					if consent == nil {
						return ErrNoConsentText
					}
					grants = append(grants, ConsentGrant{GuardianID: g.ID, ConsentVersionID: consent.ID, GrantedAt: now,
						Channel: "import", ActorType: actor.Type, ActorID: actor.ID})
				}
			}
			if len(grants) > 0 {
				if err := tx.CreateInBatches(&grants, importChunk).Error; err != nil {
					return fmt.Errorf("models: import consent: %w", err)
				}
			}
		}
		// Members.
		ms := make([]Member, len(chunk))
		for i, r := range chunk {
			in := r.Member
			var classID *int64
			if in.ClassID != 0 {
				id := in.ClassID
				classID = &id
			}
			bd, _ := ParseBirthDate(in.BirthDate, now)
			lc := in.Lifecycle
			if lc == "" {
				lc = LifecycleEnrolled
			}
			ms[i] = Member{FamilyID: families[r.Phone], CampusID: in.CampusID, ClassID: classID, Name: in.Name,
				Gender: in.Gender, BirthDate: bd, Lifecycle: lc, Tier: "silver", Grade: "normal", Notes: in.Notes,
				ReferralSource: in.ReferralSource, CreatedAt: now, UpdatedAt: now}
		}
		if err := tx.CreateInBatches(&ms, importChunk).Error; err != nil {
			return fmt.Errorf("models: import members: %w", err)
		}
		// Lifecycle, tags, audit.
		var hist []LifecycleEntry
		var tags []memberTag
		var audits []AuditEntry
		ids := make([]int64, len(ms))
		for i, m := range ms {
			ids[i] = m.ID
			hist = append(hist, LifecycleEntry{MemberID: m.ID, ToStatus: m.Lifecycle, At: now, ActorType: actor.Type, ActorID: actor.ID})
			for _, t := range normalizeTags(chunk[i].Member.Tags) {
				tags = append(tags, memberTag{MemberID: m.ID, Tag: t})
			}
			audits = append(audits, AuditEntry{At: now, ActorType: actor.Type, ActorID: actor.ID, Action: "member.create",
				ObjectType: "member", ObjectID: m.ID, CampusID: actor.CampusID, IP: actor.IP,
				Detail: fmt.Sprintf("family=%d campus=%d import", m.FamilyID, m.CampusID)})
		}
		if err := tx.CreateInBatches(&hist, importChunk).Error; err != nil {
			return fmt.Errorf("models: import lifecycle: %w", err)
		}
		if len(tags) > 0 {
			if err := tx.CreateInBatches(&tags, importChunk).Error; err != nil {
				return fmt.Errorf("models: import tags: %w", err)
			}
		}
		if err := tx.CreateInBatches(&audits, importChunk).Error; err != nil {
			return fmt.Errorf("models: import audit: %w", err)
		}
		// Cards: numbers unique in the batch and not on file.
		nos, err := freshCardNumbers(ctx, tx, len(ms))
		if err != nil {
			return err
		}
		cards := make([]Card, len(ms))
		for i, m := range ms {
			cards[i] = Card{MemberID: m.ID, CardNo: nos[i], Version: 1, Status: CardActive, IssuedAt: now}
		}
		if err := tx.CreateInBatches(&cards, importChunk).Error; err != nil {
			return fmt.Errorf("models: import cards: %w", err)
		}
		if err := tx.Exec(`UPDATE members SET card_id = (SELECT MAX(c.id) FROM cards c WHERE c.member_id = members.id AND c.status = ?)
			WHERE id IN ?`, CardActive, ids).Error; err != nil {
			return fmt.Errorf("models: import cards: %w", err)
		}
		// Search terms.
		var terms []searchRow
		for i, m := range ms {
			for _, t := range MemberTerms(m.Name, famPhones[m.FamilyID], cards[i].CardNo) {
				terms = append(terms, searchRow{Term: t, MemberID: m.ID, CampusID: m.CampusID})
			}
		}
		if err := tx.CreateInBatches(&terms, importChunk).Error; err != nil {
			return fmt.Errorf("models: import search terms: %w", err)
		}
		if progress != nil {
			progress(start + len(chunk))
		}
	}
	return nil
}

// freshCardNumbers draws n card numbers that differ from each other and
// from every number on file.
func freshCardNumbers(ctx context.Context, tx *gorm.DB, n int) ([]string, error) {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		want := n - len(out)
		var batch []string
		for len(batch) < want {
			if no := NewCardNo(); !seen[no] {
				seen[no] = true
				batch = append(batch, no)
			}
		}
		var taken []string
		if err := tx.WithContext(ctx).Raw("SELECT card_no FROM cards WHERE card_no IN ?", batch).Scan(&taken).Error; err != nil {
			return nil, fmt.Errorf("models: card numbers: %w", err)
		}
		bad := make(map[string]bool, len(taken))
		for _, t := range taken {
			bad[t] = true
		}
		for _, no := range batch {
			if !bad[no] {
				out = append(out, no)
			}
		}
	}
	return out, nil
}
