// Package scheduler runs cron jobs exactly once per slot, however many instances run it.
//
// A job is a (kind, key) pair with a cron spec and a time zone, listed by its kind's Source (e.g. every
// audience with a refresh cron). robfig/cron is only the in-process timer that wakes an instance at a slot;
// the exactly-once guarantee comes from the database: each slot (the time the schedule named, not the time
// a timer fired) is a row of scheduler_runs, and instances claim it by inserting that row, which only one
// insert can do. A claim carries a lease its instance renews while the handler runs; when an instance dies
// mid-run, the lease lapses and another instance takes the slot over. Slots that fell while no instance ran
// are handled by the Missed policy. Every slot's row is also its run history.
//
// Tick does all of this for a given time, so that tests drive it with a simulated clock; the timer and the
// background loop call the same code with the real time.
package scheduler
