package tenancy

import "context"

// Actor is who makes a change and from where; the audit log records it.
type Actor struct {
	// UserID is empty for the command line and the system.
	UserID string
	// Label is what the audit log shows: an e-mail, "cli" or "system".
	Label string
	// IP is the client address for web requests.
	IP string
	// RequestID ties the entry to the request log.
	RequestID string
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's actor, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Label: "system"}
}
