package classify

import "strings"

// Phrase lists, as bits of features.hits.
const (
	hitPeer    = 1 << iota // asks other people, not the company
	hitAsk                 // asks the company to act
	hitService             // names what customers write to companies about
	hitSpam                // pitches, baits or scams
	hitBrand               // names a well-known brand or product
	hitVent                // vents: worst, ridiculous, never again
	hitInvite              // invites people along: anyone going, who wants to come
	hitMore    = 1 << 7    // a longer phrase continues this prefix
)

// phraseIndex maps the hash of every phrase and of every prefix of one to
// the lists it ends (and hitMore when longer phrases continue it), so one
// pass over the tokens finds every phrase with about one map look-up per
// token.
var phraseIndex = map[uint32]uint8{}

// addPhrases indexes the |-separated phrases, written as the normaliser
// spells them (lower case, no apostrophes, <num> for numbers).
func addPhrases(bit uint8, list string) bool {
	for _, p := range strings.Split(list, "|") {
		words := strings.Fields(p)
		h := family('p')
		for i, w := range words {
			if i > 0 {
				phraseIndex[h] |= hitMore
				h = (h ^ ' ') * fnvPrime
			}
			h = hashString(h, w)
		}
		phraseIndex[h] |= bit
	}
	return true
}

// findPhrases sets f.hits and counts the spam phrases.
func (f *features) findPhrases() {
	for i := range f.toks {
		h := family('p')
		for j := i; j < len(f.toks); j++ {
			if j > i {
				h = (h ^ ' ') * fnvPrime
			}
			h = hashBytes(h, f.word(j))
			v, ok := phraseIndex[h]
			if !ok {
				break
			}
			f.hits |= v &^ hitMore
			if v&hitSpam != 0 {
				f.spamHits++
			}
			if v&hitMore == 0 {
				break
			}
		}
	}
}

var _ = addPhrases(hitPeer, `anyone | anybody | any one | does any | has any | recommend | recommendations | suggestions for |
	you guys think | which is better | should i get | should i buy | is it just me | am i the only | thoughts on | advice on |
	what do you all | who else | fellow | question for | worth it | best way | whats the best | which airline | which one |
	has anybody | have you guys | alguien | quelquun | jemand | qualcuno | iemand`) &&
	addPhrases(hitAsk, `can you | could you | can u | could u | would you | will you | please | pls | plz | help | how do i |
	how can i | how long | when will | when can | why is | why did | why does | why are | where is | wheres | is there |
	do you | dm | dm me | direct message | i need | need to | want to | refund | cancel | rebook | change my | fix |
	reply | respond | let me know | any update | any news | status of | what happened`) &&
	addPhrases(hitService, `order | orders | flight | flights | bag | bags | luggage | account | service | customer | help |
	refund | app | card | delivery | delivered | package | parcel | booking | booked | ticket | tickets | seat | plane |
	store | product | price | support | agent | staff | crew | phone | internet | wifi | bill | charged | payment |
	subscription | update | website | site | cancel | cancelled | delayed | late | airline | airport | hotel | shop |
	bought | buy | purchase | dm | thanks | thank | delay | delays | shipping | shipped | sale | deal | deals | price |
	plan | upgrade | release | launch | launches | announces | announced | brand | company | device | laptop | tv`) &&
	addPhrases(hitVent, `worst | never again | ridiculous | unacceptable | pathetic | joke | disgrace | shame | terrible |
	awful | hate | sucks | suck | wtf | smh | thanks for nothing | disappointed | disappointing | fail | yet again | inept |
	rude | horrible | useless | incompetent | nightmare | disgusting | ashamed | fed up | sick of | tired of |
	thanks for ignoring | thank you for ignoring | thanks for losing | thank you for losing | thanks for cancelling |
	thank you for cancelling | thanks for canceling | thank you for canceling | thanks for the delay |
	thank you for the delay | thanks for ruining | thank you for ruining | thanks for wasting | thank you for wasting |
	thanks for making me wait | thank you for making me wait | thanks for leaving me | thank you for leaving me`) &&
	addPhrases(hitBrand, `apple | iphone | ipad | ipod | mac | macbook | samsung | galaxy | google | android | pixel | amazon |
	kindle | prime | netflix | starbucks | mcdonalds | microsoft | windows | xbox | playstation | ps4 | ps5 | sony | nike |
	adidas | verizon | at&t | sprint | tmobile | comcast | xfinity | walmart | target | uber | lyft | facebook | twitter |
	instagram | spotify | itunes | nokia | blackberry | dell | hp | lenovo | chipotle | subway | delta | ups | fedex | usps |
	ebay | paypal | tesla | disney | hulu | youtube | ikea | costco | airbnb | expedia | visa | mastercard | amex | bank |
	airlines | nintendo | wwe | bmw | ford | toyota | honda`) &&
	// A prefix matches every longer phrase ("anyone want" covers "anyone
	// want to go"); the rule reads these only after a peer phrase.
	addPhrases(hitInvite, `anyone going | anybody going | anyone else going | anyone want | anybody want | anyone wanna |
	anybody wanna | anyone trying to go | anybody trying to go | anyone interested in going | anyone coming |
	anybody coming`) &&
	addPhrases(hitSpam, `follow back | followback | f4f | follow me | free followers | giveaway | airdrop | crypto | bitcoin |
	btc | nft | earn <num> | make money | dm for promo | promo code | click here | check out my | onlyfans | casino |
	investment opportunity | whatsapp me | telegram | work from home | limited offer | retweet to win | rt to win |
	giving away | get it here | were hiring | we are hiring | apply at | apply now | join our | deals and promotions |
	enter to win | contest | you have been selected | youve been selected | claim your prize | claim your reward |
	dm us to collab | dm to collab | dm us for collab | dm for collab | dm for a collab | buy followers |
	cheap followers | real followers | grow your account | grow your page | subscribe to my channel |
	passive income | binary options | double your money | guaranteed profit | sugar daddy | giveaways |
	link in my bio | seo services | seo agency | seo optimization | we offer seo`)
