// Package nlp turns Messenger text into the nine entities relance reasons about (greetings, bye, thanks,
// datetime, location, amount_of_money, phone_number, email, url).
//
// Two sources feed the same Entity type, so that downstream code (audiences, campaign triggers, the inbox UI)
// never has to care where an entity came from:
//
//   - ParseMeta reads the NLP block Meta attaches to webhook messages, in any of the three shapes Meta has used
//     (2017 "nlp.entities", 2020+ "wit$" names, and "nlpv2"), because old and new Pages still deliver all three.
//   - Extract is relance's own rule-based extractor, for history imported from elsewhere (which never carries
//     Meta NLP) and for Pages where Meta's NLP is switched off. It covers English and French.
//
// Neither function returns an error or panics on hostile input: NLP is an enrichment, and a bad payload must
// never block the ingestion of the message itself.
package nlp
