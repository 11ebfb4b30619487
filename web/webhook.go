package web

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
)

// WebhookConfig is the Meta app relance answers webhooks for (meta.app_id, meta.app_secret, meta.verify_token).
type WebhookConfig struct {
	AppID        string
	AppSecret    string
	VerifyToken  string
	NLPThreshold float64
}

// webhookVerify answers Meta's subscription handshake (GET /webhooks/messenger).
func (s *Server) webhookVerify(c *fiber.Ctx) error {
	return s.handshake(c, s.Webhook.VerifyToken)
}

// handshake echoes hub.challenge when hub.verify_token matches the expected token.
func (s *Server) handshake(c *fiber.Ctx, want string) error {
	if c.Query("hub.mode") != "subscribe" || want == "" || !constantTimeEqual(c.Query("hub.verify_token"), want) {
		return fiber.NewError(fiber.StatusForbidden, "verification failed")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(c.Query("hub.challenge"))
}

// webhookReceive stores a delivery for relance's own Meta app (POST /webhooks/messenger).
func (s *Server) webhookReceive(c *fiber.Ctx) error {
	return s.receive(c, s.Webhook.AppID, s.Webhook.AppSecret, "")
}

// receive checks the signature over the raw body, parses it and answers 200 only once its events are
// committed. Meta retries anything else, and the retry is deduplicated. An agency's own app (tenantID set)
// may only deliver for that agency's Pages: it could otherwise write into another agency's conversations.
func (s *Server) receive(c *fiber.Ctx, appID, secret, tenantID string) error {
	// The raw bytes, never inflated: the signature covers exactly what Meta sent. A clone, because the
	// ingester outlives fasthttp's buffer if the request is cancelled.
	body := bytes.Clone(rawBody(c))
	if !conversations.VerifySignature(body, c.Get("X-Hub-Signature-256"), c.Get("X-Hub-Signature"), secret) {
		s.Ingest.Reject("signature")
		return fiber.NewError(fiber.StatusForbidden, "missing or wrong X-Hub-Signature-256")
	}
	o := conversations.ParseOptions{AppID: appID, NLPThreshold: s.Webhook.NLPThreshold}
	if appID != s.Webhook.AppID {
		o.OtherAppIDs = []string{s.Webhook.AppID} // relance's own app speaks for the agency's Pages too
	}
	entries, err := conversations.Parse(body, o)
	if err != nil {
		s.Ingest.Reject("malformed")
		s.Log.Info("webhook body refused", "err", err, "request_id", c.Locals(localRequestID))
		// The parser's words stay in the log: the answer says what is wrong, not how Go noticed it.
		return fiber.NewError(fiber.StatusBadRequest, "malformed webhook body: not a JSON delivery of Messenger events")
	}
	// Meta gives up after 20 s; answering 503 before that lets it retry sooner.
	ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
	defer cancel()
	if _, err := s.Ingest.SubmitFor(ctx, tenantID, entries); err != nil {
		if errors.Is(err, conversations.ErrStopped) || errors.Is(err, context.DeadlineExceeded) {
			return fiber.NewError(fiber.StatusServiceUnavailable, "not stored; retry")
		}
		var refused *conversations.RefusedError
		if errors.As(err, &refused) {
			// Only this delivery failed (its batch-mates were stored); it is kept for inspection and Meta's
			// retry tries again. The database's own words stay in the log.
			msg := "not stored: the database refused a value in this delivery"
			if refused.Kept > 0 {
				msg += "; it is kept for inspection"
			}
			return fiber.NewError(fiber.StatusInternalServerError, msg)
		}
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString("EVENT_RECEIVED")
}

// appWebhookVerify answers the handshake for an app an agency registered (GET /webhooks/messenger/:app_id).
func (s *Server) appWebhookVerify(c *fiber.Ctx) error {
	app, err := s.Store.MetaAppSecrets(c.UserContext(), c.Params("app_id"))
	if err != nil {
		return fiber.NewError(fiber.StatusForbidden, "verification failed")
	}
	return s.handshake(c, app.VerifyToken)
}

// appWebhookReceive stores a delivery for an app an agency registered (POST /webhooks/messenger/:app_id),
// checked with that app's secret. An unknown app gets the same 403 as a bad signature.
func (s *Server) appWebhookReceive(c *fiber.Ctx) error {
	appID := c.Params("app_id")
	app, err := s.Store.MetaAppSecrets(c.UserContext(), appID)
	if err != nil {
		s.Ingest.Reject("signature")
		return fiber.NewError(fiber.StatusForbidden, "missing or wrong X-Hub-Signature-256")
	}
	return s.receive(c, appID, app.Secret, app.TenantID)
}
