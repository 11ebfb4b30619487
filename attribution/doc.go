// Package attribution holds what a brand's conversations lead to (DESIGN §5 "Attribution"): conversions
// reported by the brand (API, CSV import) and their forwarding to Meta's Conversions API for business
// messaging; conversations and the touches that tie them to campaigns; credit by model and window.
//
// Decisions:
//   - A conversion is idempotent on the brand's external_id: the same id again answers the stored conversion
//     (200, not 201) and changes nothing, whatever else the request says — a retried request must not count
//     twice, and a different request with a reused id is the caller's bug, not a new sale.
//   - It names a contact relance knows (its id, or the Page and PSID); a person relance never talked with
//     cannot be credited to anything, so an unknown contact is refused (422), not stored.
//   - Values are exact decimal strings in the currency's units ("49.90"), stored in ISO minor units; commas,
//     exponents, negative values and more decimals than the currency has are refused.
//   - Forwarding sends each conversion at most once: it is claimed (pending → sending) before the call, and
//     a call whose answer was lost leaves it failed ("answer lost"), never re-sent, since Meta does not
//     deduplicate. Meta rejects a whole batch for one bad event, so a rejected batch is split in halves until
//     the bad events are alone; the others go through.
//   - Conversations and touches are derived in the ingest transaction (Tracker.Observer) by the same code
//     that rebuilds them from history (Tracker.Rebuild). The silence before an event is measured from the
//     contact's latest user event before the batch: last_interaction_at, or a later one still queued in
//     contact_fold_queue when contacts are folded after the commit (conversations.LastInteractions), so that
//     inline and folded ingestion give the same conversations. No state table, one read per batch, one row
//     per new conversation. An event that arrives late and out of order is not placed exactly until a rebuild.
//   - Silence is the contact's: the Page's own messages (campaign sends included) do not keep a conversation
//     open, or every broadcast would hide the returning conversations it causes.
//   - A conversation has no id: its contact and start name it, and touches carry that start.
//   - Credit is computed when read, from touches: a model and window never change a stored row.
package attribution
