package nlp

import (
	"fmt"
	"regexp"
	"sort"
	"testing"
	"time"
)

func TestRegexCostTmp(t *testing.T) {
	set := loadLabelled(t)
	var texts [][]byte
	for _, l := range set {
		texts = append(texts, []byte(newDoc(l.Text).f))
	}
	res := map[string]time.Duration{}
	all := map[string]*regexp.Regexp{"landmark": reLandmark, "locative": reLocative, "streetFR": reStreetFR, "moneyPrefix": reMoneyPrefix, "moneySuffix": reMoneySuffix, "moneyWords": reMoneyWords, "bye": reBye, "greet": reGreetings, "thanks": reThanks, "phone": rePhoneCandidate, "urlbare": reURLBare, "emailSpelled": reEmailSpelled, "frclockwords": reFRClockWords}
	for i, re := range datePatterns {
		all[fmt.Sprint("date", i)] = re
	}
	for name, re := range all {
		st := time.Now()
		for k := 0; k < 5; k++ {
			for _, tx := range texts {
				re.FindAllIndex(tx, -1)
			}
		}
		res[name] = time.Since(st) / 5
	}
	var names []string
	for n := range res {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return res[names[i]] > res[names[j]] })
	for _, n := range names[:15] {
		t.Log(n, res[n])
	}
}
