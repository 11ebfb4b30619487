// Package audiences turns a brand's Messenger history into retargeting audiences: the rule model of DESIGN
// §5 (Parse), its compiler to one parameterized statement over the contacts (Compile), previews with the
// reachability breakdown, numbered snapshots that campaigns send to (Build, Import), member listings and
// exports, and the Syncer that keeps a Meta custom audience equal to the latest snapshot.
package audiences
