// Package audiences will hold the rule model of DESIGN §5, its compiler to one SQL statement, previews with
// reachability breakdowns, materialized snapshots, scheduled refresh and Meta custom audience sync.
package audiences
