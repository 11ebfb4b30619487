// Package scheduler will run robfig/cron timers with exactly-once claims per job and slot in the database,
// a durable job queue with leases, and run history, so that several instances share the work safely.
package scheduler
