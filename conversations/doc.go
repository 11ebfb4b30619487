// Package conversations will hold Messenger webhook parsing and signature checks, durable batched ingestion,
// contacts with the aggregates audiences need, messages, referrals, NLP entities and the messaging policy
// (reachability) of DESIGN §2. It is laid out now so that the foundation's imports point the right way.
package conversations
