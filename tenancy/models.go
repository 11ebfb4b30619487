package tenancy

import "time"

// Tenant is an agency: the unit of isolation.
type Tenant struct {
	ID        string    `gorm:"primaryKey" json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a person who logs in; one user belongs to one tenant. An e-mail is unique within a tenant only: the
// same person may hold separate accounts in two agencies, and an agency cannot learn of the other one.
type User struct {
	ID                 string     `gorm:"primaryKey" json:"id"`
	TenantID           string     `json:"-"`
	Email              string     `json:"email"`
	Name               string     `json:"name"`
	PasswordHash       string     `json:"-"`
	MustChangePassword bool       `json:"must_change_password"`
	DisabledAt         *time.Time `json:"disabled_at,omitempty"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	// ResetHash is the hash of a pending password-reset link's secret, valid until ResetExpiresAt.
	ResetHash      string     `json:"-"`
	ResetExpiresAt *time.Time `json:"-"`
}

// Brand is an advertiser an agency works for.
type Brand struct {
	ID       string `gorm:"primaryKey" json:"id"`
	TenantID string `json:"-"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	Timezone string `json:"timezone"`
	Policy   string `json:"policy"`
	// Settings are the brand's campaign settings (approval, quiet hours, frequency cap).
	Settings  BrandSettings `json:"settings"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// Page is a Facebook Page connected to a brand; its access token is stored encrypted.
type Page struct {
	ID             string    `gorm:"primaryKey" json:"id"`
	TenantID       string    `json:"-"`
	BrandID        string    `json:"brand_id"`
	PageID         string    `json:"page_id"`
	Name           string    `json:"name"`
	AccessTokenEnc string    `json:"-"`
	TokenHint      string    `json:"token_hint"`
	CreatedAt      time.Time `json:"connected_at"`
	// VerifiedAt is when the Page was connected with a token Meta confirmed as the Page's own; nil for Pages
	// connected before relance checked it.
	VerifiedAt *time.Time `json:"verified_at"`
}

// AdAccount is a Meta ad account (act_…) a brand spends through.
type AdAccount struct {
	ID        string `gorm:"primaryKey" json:"id"`
	TenantID  string `json:"-"`
	BrandID   string `json:"brand_id"`
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
	Currency  string `json:"currency"`
	Timezone  string `json:"timezone"`
	// AccessTokenEnc is the sealed Marketing API token ("" when none was given); TokenHint its last characters.
	AccessTokenEnc string    `json:"-"`
	TokenHint      string    `json:"token_hint"`
	CreatedAt      time.Time `json:"created_at"`
}

// APIToken is a bearer token acting as its user; only its hash is stored.
type APIToken struct {
	ID         string     `gorm:"primaryKey" json:"id"`
	TenantID   string     `json:"-"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	TokenHash  string     `json:"-"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Session is a logged-in browser; the cookie holds a secret whose hash is the key.
type Session struct {
	IDHash     string `gorm:"primaryKey"`
	TenantID   string
	UserID     string
	CSRFToken  string `gorm:"column:csrf_token"`
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// AuditEntry records one change: who, where, what, when.
type AuditEntry struct {
	ID         string    `gorm:"primaryKey" json:"id"`
	TenantID   string    `json:"-"`
	BrandID    string    `json:"brand_id"`
	ActorID    string    `json:"actor_id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Summary    string    `json:"summary"`
	IP         string    `json:"ip"`
	RequestID  string    `json:"request_id"`
	CreatedAt  time.Time `json:"created_at"`
}

// TableName keeps GORM off its pluralizer for this table.
func (AuditEntry) TableName() string { return "audit_log" }
