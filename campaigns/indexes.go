package campaigns

// The partial indexes of campaign_sends (migration 00039) hold only the rows past some step, so that a
// slot's routing writes none of them. SQLite uses a partial index only when the query's WHERE carries the
// index's terms as written, with literal values: the queries that need one add its terms from here
// (harmless beside a narrower condition on the same column). Keep them equal to the migration's text.

// goneTerm is campaign_sends_gone's term: a send that may have gone (the frequency cap counts these; the
// settle sweep moves them on).
func goneTerm(col string) string {
	return col + " IN ('" + SendSending + "', '" + SendUnknown + "', '" + SendSent + "', '" + SendDelivered + "', '" +
		SendRead + "', '" + SendReplied + "')"
}

// adQueueTerms are campaign_sends_ad_queue's terms: a send waiting for an ad (ads_only, or paid under
// meta-2017), with alias the table's alias ("s.") or empty.
func adQueueTerms(alias string) string {
	return alias + "status = '" + SendQueued + "' AND " + alias + "route IN ('" + RouteAdsOnly + "', '" + RoutePaid + "')"
}
