package loadgen

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// templates are what people write to a Page, in French and English; {phone}, {amount}, {date}, {email}
// and {n} are drawn per message, so that the extractor sees varied numbers, not one cached string.
var templates = []string{
	"Bonjour, vous livrez à Lyon {date} ?",
	"Hi! How much is the spring menu?",
	"Mon numéro est le {phone}, rappelez-moi svp",
	"You can call me on {phone} after 6pm",
	"J'ai payé {amount} mais je n'ai pas reçu de facture",
	"Is the {amount} offer still valid {date}?",
	"Can I book a table for {n} on {date}?",
	"Je voudrais réserver pour {n} personnes {date}, merci !",
	"Écrivez-moi à {email}",
	"ok",
	"Merci beaucoup !",
	"Thanks, see you {date}",
	"C'est combien la livraison pour {amount} de commande ?",
	"My order #{n}{n}{n} hasn't arrived, it was {amount}",
	"Bonsoir, est-ce que vous êtes ouverts {date} ? Mon tel : {phone}",
	"👍",
	"Do you ship to Canada? My number is {phone}",
	"Le code promo ne marche pas, le total fait {amount}",
}

var (
	phones  = []string{"+33 6 %02d %02d %02d %02d", "06 %02d %02d %02d %02d", "+1 415 555 %02d%02d", "07.%02d.%02d.%02d.%02d", "+44 7700 9%02d%02d%02d"}
	amounts = []string{"%d,%02d €", "%d.%02d EUR", "$%d.%02d", "%d€%02d", "£%d.%02d"}
	dates   = []string{"demain", "ce soir", "samedi prochain", "le %d mars", "tomorrow at %dpm", "on Friday", "le %d/0%d", "next Monday", "%d April"}
	emails  = []string{"client%d@example.com", "jean.dupont%d@example.fr", "sam%d@example.org"}
	names   = []string{"Camille", "Alex", "Sam", "Léa"}
)

// text draws one message text.
func (g *gen) text() string {
	t := templates[g.r.IntN(len(templates))]
	if !strings.Contains(t, "{") {
		return t
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		j := strings.IndexByte(t[i:], '}') + i
		switch t[i+1 : j] {
		case "phone":
			f := phones[g.r.IntN(len(phones))]
			fmt.Fprintf(&b, f, g.r.IntN(100), g.r.IntN(100), g.r.IntN(100), g.r.IntN(100))
		case "amount":
			f := amounts[g.r.IntN(len(amounts))]
			fmt.Fprintf(&b, f, 5+g.r.IntN(400), g.r.IntN(100))
		case "date":
			f := dates[g.r.IntN(len(dates))]
			if strings.Contains(f, "%") {
				args := []any{1 + g.r.IntN(12), 1 + g.r.IntN(9)}
				f = fmt.Sprintf(f, args[:strings.Count(f, "%")]...)
			}
			b.WriteString(f)
		case "email":
			fmt.Fprintf(&b, emails[g.r.IntN(len(emails))], g.r.IntN(1000))
		case "n":
			b.WriteString(strconv.Itoa(2 + g.r.IntN(8)))
		}
		t = t[j+1:]
	}
}

// body builds delivery k of n events for page: mostly people writing (some from an ad), the Page answering
// (echoes), and read and delivery receipts and button taps, from senders drawn among g.senders.
func (g *gen) body(page string, k, n int) []byte {
	b := g.buf[:0]
	now := time.Now().UnixMilli()
	b = append(b, `{"object":"page","entry":[{"id":"`...)
	b = append(b, page...)
	b = append(b, `","time":`...)
	b = strconv.AppendInt(b, now, 10)
	b = append(b, `,"messaging":[`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		psid := fmt.Sprintf("7%014d", 100000+g.r.IntN(g.senders))
		mid := fmt.Sprintf("m_%s_%d_%d", g.seed, k, i)
		at := now - int64(n-i)
		switch p := g.r.IntN(100); {
		case p < 10: // the Page answers: a person in the inbox or a bot
			b = fmt.Appendf(b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","is_echo":true,"app_id":263902037430900,"text":%s}}`,
				page, psid, at, mid, strconv.Quote("Bonjour, c'est "+names[g.r.IntN(len(names))]+" : oui, c'est possible !"))
		case p < 17:
			b = fmt.Appendf(b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"read":{"watermark":%d}}`,
				psid, page, at, at-1000)
		case p < 20:
			b = fmt.Appendf(b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"delivery":{"mids":["%s_d"],"watermark":%d}}`,
				psid, page, at, mid, at-500)
		case p < 22:
			b = fmt.Appendf(b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"postback":{"mid":"%s","title":"Voir le menu","payload":"MENU_%d"}}`,
				psid, page, at, mid, g.r.IntN(5))
		case p < 30: // a message from someone who clicked an ad
			b = fmt.Appendf(b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","text":%s},"referral":{"source":"ADS","type":"OPEN_THREAD","ad_id":"238500000000%05d","ref":"camp=spring-var=%c"}}`,
				psid, page, at, mid, strconv.Quote(g.text()), g.r.IntN(20), 'a'+rune(g.r.IntN(3)))
		default:
			b = fmt.Appendf(b, `{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"%s","text":%s}}`,
				psid, page, at, mid, strconv.Quote(g.text()))
		}
	}
	b = append(b, `]}]}`...)
	g.buf = b
	return append([]byte(nil), b...)
}
