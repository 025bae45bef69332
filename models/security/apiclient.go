// Package security holds what protects the school's accounts beyond the
// core: API clients for integrations (their own credentials, role and
// campus, revocable) and the login throttle that locks an account after
// repeated failures.
package security

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// Client is an integration's credentials: it acts as Role at CampusID (nil:
// every campus, only for school-wide roles). Only a hash of its secret is
// kept; the secret is shown once, when it is created.
type Client struct {
	ID         int64
	ClientID   string
	Name       string
	Role       models.Role
	CampusID   *int64
	SecretHash string
	CreatedBy  int64
	CreatedAt  time.Time
	RevokedAt  *time.Time
}

// Campus is the client's campus, 0 for every campus.
func (c Client) Campus() int64 {
	if c.CampusID == nil {
		return 0
	}
	return *c.CampusID
}

// TableName maps Client to its table.
func (Client) TableName() string { return "api_clients" }

// Errors of API clients.
var (
	ErrBadClient      = models.NewError(models.KindUnauthorized, "bad-client", "sec.bad_client")
	ErrDuplicateName  = models.NewError(models.KindConflict, "duplicate-client", "sec.client_duplicate")
	ErrClientRevoked  = models.NewError(models.KindConflict, "client-revoked", "sec.client_revoked")
	errClientNameKey  = "sec.client_name"
	errClientRoleKey  = "err.bad_role"
	errClientScopeKey = "sec.client_campus"
)

// NewClient describes a client to create.
type NewClient struct {
	Name     string
	Role     string
	CampusID int64 // 0: every campus (service_head and admin only)
}

// AsStaff is the staff identity a client's requests act with: its role and
// campus, so every check made of staff applies to it unchanged. The ID is
// 0: no staff account stands behind it.
func (c *Client) AsStaff() *models.StaffUser {
	u := &models.StaffUser{Username: "client:" + c.ClientID, Name: c.Name, Role: c.Role}
	if c.CampusID != nil {
		u.CampusIDs = []int64{*c.CampusID}
	} else if !c.Role.AllCampuses() {
		u.CampusIDs = []int64{}
	}
	return u
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateClient creates a client and returns it with its secret, which is
// not stored and cannot be shown again. The creation is audited.
func CreateClient(ctx context.Context, db *gorm.DB, now time.Time, actor models.Actor, in NewClient) (*Client, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	f := map[string]string{}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 50 {
		f["name"] = errClientNameKey
	}
	role, ok := models.ParseRole(in.Role)
	if !ok {
		f["role"] = errClientRoleKey
	}
	var campus *int64
	if in.CampusID > 0 {
		var n int64
		if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM campuses WHERE id = ?", in.CampusID).Scan(&n).Error; err != nil {
			return nil, "", fmt.Errorf("security: create client: %w", err)
		}
		if n == 0 {
			f["campus_id"] = errClientScopeKey
		}
		id := in.CampusID
		campus = &id
	} else if ok && !role.AllCampuses() {
		f["campus_id"] = errClientScopeKey
	}
	if len(f) > 0 {
		return nil, "", models.Invalid(f)
	}
	secret := "scs_" + models.NewToken(24)
	c := &Client{ClientID: "sc_" + models.NewToken(8), Name: in.Name, Role: role, CampusID: campus,
		SecretHash: hashSecret(secret), CreatedBy: actor.ID, CreatedAt: now.UTC()}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrDuplicateName.Field("name", "sec.client_duplicate")
			}
			return err
		}
		return models.Audit(ctx, tx, now, actor, "api_client.create", "api_client", c.ID,
			fmt.Sprintf("name=%s role=%s campus=%v", c.Name, c.Role, in.CampusID))
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, "", err
		}
		return nil, "", fmt.Errorf("security: create client: %w", err)
	}
	return c, secret, nil
}

// ListClients lists every client, newest first.
func ListClients(ctx context.Context, db *gorm.DB) ([]Client, error) {
	var cs []Client
	if err := db.WithContext(ctx).Order("id DESC").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("security: list clients: %w", err)
	}
	return cs, nil
}

// RevokeClient revokes a client: its tokens stop working at their next
// request. Revoking twice is refused. The revocation is audited.
func RevokeClient(ctx context.Context, db *gorm.DB, now time.Time, actor models.Actor, id int64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE api_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now.UTC(), id)
		if res.Error != nil {
			return fmt.Errorf("security: revoke client: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Raw("SELECT COUNT(*) FROM api_clients WHERE id = ?", id).Scan(&n).Error; err != nil {
				return fmt.Errorf("security: revoke client: %w", err)
			}
			if n == 0 {
				return models.ErrNotFound
			}
			return ErrClientRevoked
		}
		return models.Audit(ctx, tx, now, actor, "api_client.revoke", "api_client", id, "")
	})
}

// dummySecretHash keeps an unknown client id as slow as a wrong secret.
var dummySecretHash = hashSecret("starcard-no-such-client")

// AuthenticateClient checks a client id and secret; a revoked client is
// refused like a wrong secret.
func AuthenticateClient(ctx context.Context, db *gorm.DB, clientID, secret string) (*Client, error) {
	var c Client
	res := db.WithContext(ctx).Where("client_id = ?", strings.TrimSpace(clientID)).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("security: authenticate client: %w", res.Error)
	}
	want := dummySecretHash
	if res.RowsAffected == 1 {
		want = c.SecretHash
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(want)) != 1 || res.RowsAffected != 1 || c.RevokedAt != nil {
		return nil, ErrBadClient
	}
	return &c, nil
}

// GetClient loads a live (not revoked) client by id: every request a
// client's token makes does this, so revocation takes effect at once.
func GetClient(ctx context.Context, db *gorm.DB, id int64) (*Client, error) {
	var c Client
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("security: get client: %w", res.Error)
	}
	if res.RowsAffected == 0 || c.RevokedAt != nil {
		return nil, ErrBadClient
	}
	return &c, nil
}

// AuditCall records one API call made by a client, with its name.
func AuditCall(ctx context.Context, db *gorm.DB, now time.Time, actor models.Actor, c *Client, method, path string, status int) error {
	return models.Audit(ctx, db, now, actor, "api.call", "api_client", c.ID,
		fmt.Sprintf("client=%s %s %s status=%d", c.Name, method, path, status))
}
