// Package sandbox will be an in-process fake Graph API that answers the same HTTP as Meta and simulates
// delivery, so that relance runs end to end on a machine that cannot reach Meta.
package sandbox
