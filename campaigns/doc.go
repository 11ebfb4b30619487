// Package campaigns will hold Click-to-Messenger ads, home-screen ads and sponsored messages: creatives,
// variants, budgets in minor units, flights, cron schedules in the brand's zone, delivery routing and sends.
package campaigns
