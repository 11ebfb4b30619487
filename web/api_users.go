package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// userView is a user as the API shows it, with their roles.
type userView struct {
	ID                 string            `json:"id"`
	Email              string            `json:"email"`
	Name               string            `json:"name"`
	MustChangePassword bool              `json:"must_change_password"`
	CreatedAt          time.Time         `json:"created_at"`
	LastLoginAt        *time.Time        `json:"last_login_at"`
	Disabled           bool              `json:"disabled"`
	DisabledAt         *time.Time        `json:"disabled_at"`
	Roles              []tenancy.Binding `json:"roles"`
}

func (s *Server) userView(tenantID string, u tenancy.User) userView {
	roles := s.Store.Authz().Bindings(tenantID, u.ID)
	if roles == nil {
		roles = []tenancy.Binding{}
	}
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, MustChangePassword: u.MustChangePassword,
		CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt, Disabled: u.DisabledAt != nil, DisabledAt: u.DisabledAt, Roles: roles}
}

// tokenBrief is one of a user's live API tokens as an admin sees it: never its secret.
type tokenBrief struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// userDetail is one user with their live API tokens (GET /api/v1/users/:user).
type userDetail struct {
	userView
	Tokens []tokenBrief `json:"tokens"`
}

// userInput is the body of POST /api/v1/users; without a password a one-time password is generated.
type userInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	BrandID  string `json:"brand_id"`
	Password string `json:"password"`
	// Invite makes the account without a password: the answer carries a one-time link (invite_url) through
	// which the user chooses one.
	Invite bool `json:"invite"`
}

// userCreated is a new user and, when relance chose it, the one-time password to hand over.
type userCreated struct {
	userView
	OneTimePassword string `json:"one_time_password,omitempty"`
	// InviteURL is the one-time link of an invited user, valid until InviteExpiresAt.
	InviteURL       string     `json:"invite_url,omitempty"`
	InviteExpiresAt *time.Time `json:"invite_expires_at,omitempty"`
}

// createUserFrom makes the account; a generated password must be changed at first login.
func (s *Server) createUserFrom(c *fiber.Ctx, in userInput) (userCreated, error) {
	p := principalOf(c)
	nu := tenancy.NewUser{Email: in.Email, Name: in.Name, Role: in.Role, BrandID: in.BrandID, Password: in.Password}
	if in.Invite {
		return s.inviteUser(c, nu)
	}
	if nu.Password == "" {
		nu.Password, nu.MustChangePassword = tenancy.GeneratePassword(), true
	}
	u, err := s.Store.Tenant(p.TenantID).CreateUser(c.UserContext(), nu)
	if err != nil {
		return userCreated{}, err
	}
	out := userCreated{userView: s.userView(p.TenantID, u)}
	if in.Password == "" {
		out.OneTimePassword = nu.Password
	}
	return out, nil
}

// inviteUser makes an account that its user enters through a one-time link.
func (s *Server) inviteUser(c *fiber.Ctx, nu tenancy.NewUser) (userCreated, error) {
	if nu.Password != "" {
		return userCreated{}, &tenancy.ValidationError{Fields: map[string]string{"password": "must be left out of an invitation: the user chooses it"}}
	}
	ts := s.tenantStore(c)
	u, secret, expires, err := ts.InviteUser(c.UserContext(), nu)
	if err != nil {
		return userCreated{}, err
	}
	return userCreated{userView: s.userView(ts.ID(), u), InviteURL: s.linkBase(c) + "/password-reset/" + secret, InviteExpiresAt: &expires}, nil
}

// apiUsers answers GET /api/v1/users.
func (s *Server) apiUsers(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	rows, next, err := s.tenantStore(c).Users(c.UserContext(), cur)
	if err != nil {
		return err
	}
	out := make([]userView, 0, len(rows))
	for _, u := range rows {
		out = append(out, s.userView(p.TenantID, u))
	}
	return c.JSON(listBody{Data: out, NextCursor: next})
}

// apiCreateUser answers POST /api/v1/users.
func (s *Server) apiCreateUser(c *fiber.Ctx) error {
	var in userInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.createUserFrom(c, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// apiUser answers GET /api/v1/users/:user: for agency admins any user, for brand admins their brands' users.
func (s *Server) apiUser(c *fiber.Ctx) error {
	ts := s.tenantStore(c)
	u, err := ts.ManagedUser(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	toks, err := ts.Tokens(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	out := userDetail{userView: s.userView(ts.ID(), u), Tokens: []tokenBrief{}}
	for _, tok := range toks {
		if tok.RevokedAt == nil {
			out.Tokens = append(out.Tokens, tokenBrief{ID: tok.ID, Name: tok.Name, Prefix: tok.Prefix, LastUsedAt: tok.LastUsedAt})
		}
	}
	return c.JSON(out)
}

// roleInput names a role and, for brand roles, the brand.
type roleInput struct {
	Role    string `json:"role"`
	BrandID string `json:"brand_id"`
}

// apiGrantRole answers POST /api/v1/users/:user/roles.
func (s *Server) apiGrantRole(c *fiber.Ctx) error {
	var in roleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ts := s.tenantStore(c)
	if err := ts.GrantRole(c.UserContext(), c.Params("user"), in.Role, in.BrandID); err != nil {
		return err
	}
	u, err := ts.User(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.userView(ts.ID(), u))
}

// apiRevokeRole answers DELETE /api/v1/users/:user/roles?role=&brand_id=.
func (s *Server) apiRevokeRole(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RevokeRole(c.UserContext(), c.Params("user"), c.Query("role"), c.Query("brand_id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
