package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// livez answers 200 while the process serves requests.
func (s *Server) livez(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "alive"})
}

// readyz answers 200 when the database answers and every migration is applied; a load balancer sends no
// traffic to an instance that cannot serve it.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unreachable"})
	}
	current, err := s.DB.Current(ctx)
	if err != nil || !current {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "migrations pending"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
