// Package bench measures Hark's hot paths against plain baselines measured in
// the same run: ingest throughput against a batched insert of the same rows,
// and the inbox's first page over a large, bulk-built data set.
package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/ingest"
)

// Delivery is one inbound message as a webhook would hand it over: for the
// channel account at index Account of the run's accounts.
type Delivery struct {
	Account int
	Msg     ingest.Message
}

// The accounts a workload spreads over: public mentions and DMs arrive on
// the X account, posts on the Facebook page, mail on the support address.
const (
	AcctX = iota
	AcctFacebook
	AcctEmail
	numAccounts
)

var accountSpecs = [numAccounts]struct{ channel, handle string }{
	{"x", "AcmeAir"}, {"facebook", "acmeair"}, {"email", "help@acme.test"},
}

var (
	openers = []string{"@AcmeAir", "Hi,", "Hello team,", "Hey", "Ugh.", "Quick question:", "Thanks!", "Still waiting:"}
	nouns   = []string{"bag", "flight", "refund", "seat", "booking", "voucher", "gate", "crew", "upgrade", "meal", "lounge", "ticket", "app", "check-in", "delay", "connection"}
	verbs   = []string{"never arrived", "was cancelled", "is delayed again", "got lost", "was rebooked", "did not load", "was great", "charged me twice", "is missing", "needs changing"}
	places  = []string{"Boston", "Lisbon", "Denver", "Toronto", "Madrid", "Austin", "Dublin", "Chicago", "Porto", "Seattle"}
	tails   = []string{"please help", "any update?", "this is the third time", "DM me", "order AC-%d", "flight AC%d", "thank you so much", "not happy", "can someone call me", "see photo"}
)

// The same, in Japanese and Chinese: no spaces between words, the order
// number glued to them.
var (
	jaNouns  = []string{"荷物", "予約", "返金", "座席", "航空券", "乗り継ぎ", "バウチャー", "ラウンジ"}
	jaVerbs  = []string{"がまだ届きません", "が取り消されました", "がまた遅れています", "をなくしました", "が勝手に変更されました", "について教えてください"}
	jaPlaces = []string{"成田", "羽田", "関西", "福岡", "那覇", "札幌"}
	jaTails  = []string{"予約番号AC%d", "至急お願いします", "三回目です", "返信ください", "ありがとうございます"}
	zhNouns  = []string{"行李", "航班", "退款", "座位", "订单", "代金券", "机票"}
	zhVerbs  = []string{"还没到", "被取消了", "又延误了", "丢了", "被改签了", "有问题"}
	zhPlaces = []string{"北京", "上海", "广州", "深圳", "成都", "杭州"}
	zhTails  = []string{"订单号AC%d", "请尽快处理", "已经第三次了", "谢谢", "请回复我"}
)

// textWithoutSpaces writes a customer message of one to three sentences
// in Japanese or Chinese.
func textWithoutSpaces(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("@AcmeAir ")
	ja := r.IntN(2) == 0
	for s := 0; s < 1+r.IntN(3); s++ {
		t := ""
		if ja {
			b.WriteString(jaPlaces[r.IntN(len(jaPlaces))] + "発の便の" + jaNouns[r.IntN(len(jaNouns))] + jaVerbs[r.IntN(len(jaVerbs))] + "。")
			t = jaTails[r.IntN(len(jaTails))]
		} else {
			b.WriteString("我从" + zhPlaces[r.IntN(len(zhPlaces))] + "出发的" + zhNouns[r.IntN(len(zhNouns))] + zhVerbs[r.IntN(len(zhVerbs))] + "，")
			t = zhTails[r.IntN(len(zhTails))]
		}
		if strings.Contains(t, "%d") {
			t = fmt.Sprintf(t, 100+r.IntN(9900))
		}
		b.WriteString(t + "。")
	}
	return b.String()
}

// text writes a customer message of one to three sentences (60-250 bytes).
func text(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(openers[r.IntN(len(openers))])
	for s := 0; s < 1+r.IntN(3); s++ {
		fmt.Fprintf(&b, " my %s from %s %s,", nouns[r.IntN(len(nouns))], places[r.IntN(len(places))], verbs[r.IntN(len(verbs))])
		t := tails[r.IntN(len(tails))]
		if strings.Contains(t, "%d") {
			t = fmt.Sprintf(t, 100+r.IntN(9900))
		}
		b.WriteString(" " + t + ".")
	}
	return b.String()
}

// Workload returns n deliveries as a busy brand sees them: a crowd of authors
// of whom some write often (follow-ups land in their open thread), replies to
// earlier posts, DMs and e-mail threads, and about 5% redeliveries of
// messages already sent. The same seed gives the same workload.
func Workload(n int, seed uint64) []Delivery {
	r := rand.New(rand.NewPCG(seed, 0x4841524b))
	authors := max(n/4, 10)
	start := time.Now().Add(-time.Duration(n) * 40 * time.Millisecond)
	out := make([]Delivery, 0, n)
	var sent []int // indexes of first deliveries, for replies and redeliveries
	for i := 0; len(out) < n; i++ {
		if len(sent) > 100 && r.IntN(100) < 5 {
			// A provider redelivers something recent.
			out = append(out, out[sent[len(sent)-1-r.IntN(100)]])
			continue
		}
		// Squaring skews towards low numbers: a few authors write a lot.
		f := r.Float64()
		a := int(f * f * float64(authors))
		at := start.Add(time.Duration(i) * 40 * time.Millisecond)
		d := Delivery{Msg: ingest.Message{ProviderID: fmt.Sprintf("p%d", i), Text: text(r), SentAt: at}}
		switch k := r.IntN(100); {
		case k < 15: // e-mail
			d.Account = AcctEmail
			d.Msg.ProviderID = fmt.Sprintf("<m%d@mail.example>", i)
			d.Msg.Author = ingest.Author{Email: fmt.Sprintf("Customer%d@Example.com", a), Name: fmt.Sprintf("Customer %d", a)}
			d.Msg.Subject = "About my " + nouns[a%len(nouns)]
			if ref := recent(r, out, sent, AcctEmail); ref != "" && r.IntN(2) == 0 {
				d.Msg.Subject = "Re: " + d.Msg.Subject
				d.Msg.References = []string{ref}
			}
		case k < 30: // Facebook comments
			d.Account = AcctFacebook
			d.Msg.Author = ingest.Author{ID: fmt.Sprintf("fb%d", a), Name: fmt.Sprintf("Customer %d", a)}
			if r.IntN(3) == 0 {
				d.Msg.ReplyTo = recent(r, out, sent, AcctFacebook)
			}
		default: // X: mentions, replies in public threads, DMs
			d.Account = AcctX
			d.Msg.Author = ingest.Author{ID: fmt.Sprintf("%d", 1000+a), Handle: fmt.Sprintf("cust%d", a), Name: fmt.Sprintf("Customer %d", a), Followers: int64(a % 5000)}
			switch {
			case k < 50:
				d.Msg.Visibility = "private"
			case k < 65:
				d.Msg.ReplyTo = recent(r, out, sent, AcctX)
			}
		}
		d.Msg.Raw = json.RawMessage(fmt.Sprintf(`{"id":%q,"author":%q,"received":%d,"kind":"webhook"}`, d.Msg.ProviderID, d.Msg.Author.Name, at.UnixMilli()))
		sent = append(sent, len(out))
		out = append(out, d)
	}
	return out
}

// recent picks the provider id of a recent first delivery on the account.
func recent(r *rand.Rand, out []Delivery, sent []int, acct int) string {
	for try := 0; try < 8 && len(sent) > 0; try++ {
		d := out[sent[len(sent)-1-r.IntN(min(len(sent), 500))]]
		if d.Account == acct && d.Msg.Visibility != "private" {
			return d.Msg.ProviderID
		}
	}
	return ""
}
