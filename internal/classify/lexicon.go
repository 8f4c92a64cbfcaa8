package classify

import "strings"

// lexicon is a compact sentiment lexicon written for customer messages:
// +1 for words that praise or please, -1 for words that complain or hurt.
// The models learn their own weights; the lexicon adds a feature that
// generalises to words rare in the training data, and it names the words
// behind a decision. (No VADER module is in the offline module cache, so
// the list is our own.)
var lexicon = func() map[string]int8 {
	m := map[string]int8{}
	for _, w := range strings.Fields(`good great awesome amazing excellent love loved lovely loving loves best better
		nice happy glad thanks thank thankyou thx ty appreciate appreciated wonderful fantastic perfect brilliant
		superb friendly helpful kind smooth easy fast quick comfortable clean beautiful cool fun enjoy enjoyed
		enjoying pleased impressed recommend recommended favorite favourite outstanding incredible delighted excited
		exciting glorious gorgeous grateful yay wow congrats congratulations win winning won stellar polite
		courteous professional efficient reliable worth pleasant relaxing fabulous lol haha hahaha sweet gem hero
		heroes rock rocks rocked bless blessed blessing safe proud excellent terrific phenomenal marvelous
		marvellous exceptional splendid awesomeness fave luv cheers kudos props shoutout hooray woohoo yummy
		delicious tasty beauty cute adorable hilarious funny laugh smile smiling smiles joy joyful cheerful
		celebrate celebrating success successful successfully solved resolved fixed quickly promptly generous
		genuine lucky fortunate wins winner inspiring inspired hope hopefully hoping peace positive fresh
		ready legend legendary epic awesome excellent flawless seamless impressive satisfied refreshing
		upgrade upgraded free bonus worthy glad gladly welcome welcomed support supportive caring care
		excellence admire admired adore adored amazed astonishing attractive awesomeness brave bright brilliance
		calm charming cheer clever comfy confident convenient cozy creative dazzling dear dedicated delight
		delightful dope dreamy eager elegant enjoyable entertaining enthusiastic excite fabulous fair faithful
		fascinating fave favor favour fine finest flawless fond fortunately gain generosity gentle gift gifted
		goodness gracious great greatest handy harmony healthy heartwarming helped helps honest honored honoured
		hug hugs ideal improve improved improvement incredible innovative kindness laughing liked likes lovin
		loyal magic magical masterpiece merry miracle neat nicest optimistic outstanding paradise passion
		passionate patient pleasure plus popular powerful precious pretty prize promising prosper proud quality
		rad recommendable relief relieved remarkable respect respected rewarding rich romantic satisfying saved
		savior sensational sexy shine shiny skilled smart smooth spectacular stunning stylish super superior
		supported sure surprise surprised swift talented thankful thrilled thrive tremendous triumph trust
		trusted unbeatable unreal useful valuable victory vibrant warm wealthy well-done wise wonder wonderfully
		worked works wow yum`) {
		m[w] = 1
	}
	for _, w := range strings.Fields(`bad worst terrible horrible awful hate hated hating hates poor rude slow late
		delayed delay delays cancelled canceled cancellation broken broke disappointed disappointing disappointment
		angry annoyed annoying frustrated frustrating frustration upset sad sucks suck sucked sucky useless
		ridiculous unacceptable pathetic joke fail failed failing failure fails waiting waited lost missing stuck
		stranded problem problems issue issues error errors crash crashed crashes wrong damaged dirty incompetent
		nightmare disgusting disgusted garbage trash shame shameful worse hell horrendous lousy mess messed ugh
		smh wtf furious livid sick tired overcharged scam scammed ripoff complaint complain complaining
		unhelpful dead died outage lied lie lying liar ignored ignoring ignore mistake sorry shocking appalling
		hurt hurts pain painful cry crying cried tears scared afraid fear fears worried worry worse fake
		stupid dumb idiot idiots crap crappy shit shitty fuck fucking fucked damn dammit bullshit sucks hell
		boring bored lame meh fml rip died death killed kill killing war attack attacks terror terrorist
		sad sadly unfortunately unfortunate miss missed missing lonely depressed depressing tragic tragedy
		insane outrageous disgrace disgraceful embarrassing awful horrid poorly slowest rudest worst
		cancel refund refunds charged charge fee fees declined denied stolen fraud hack hacked spam
		wasted waste annoy irritated irritating mad pissed ugly hates gross nasty disaster terrible
		abandoned abuse abused abysmal aggravated aggravating alarming anger angry annoyance anxious apology
		arrogant ashamed atrocious awkward bitter blame blamed bleh broke bug buggy bugs careless chaos cheated
		cheap clueless collapse concerned confused confusing corrupt costly crappy creepy crisis critical cruel
		cursed damage dangerous dead deadly decline defective delete denied depressing desperate destroyed
		difficult dire disaster disgust dishonest dislike dismal dissatisfied distress disturbing doubt drop
		dreadful dull evil exhausted expensive failure faulty fault filthy fired flawed forgot forgotten fraud
		freezing frozen fuming glitch glitches grief grr grumpy guilty harass harsh hassle hate headache
		helpless hideous hopeless horrific hostile hungry idiotic ignorant ill impatient impossible inaccurate
		inadequate incorrect inconvenience inconvenient insult insulting invalid jealous kill lag laggy lazy
		leak leaking lose loser losing loss lousy malfunction mediocre miserable misleading missed mistreated
		moron nervous noisy nonsense obnoxious offensive overpriced panic pathetic penalty pissed poorly
		pointless problem protest punish rage regret reject rejected ripped risk rotten rubbish ruin ruined
		sadness scary screwed selfish shitty shocked sloppy slowly smell smelly sorry spoiled stole stress
		stressed stressful struggle struggling stuck suffer suffering suspended tedious terrible threat
		threatened tired trouble troubled ugh unable unavailable unfair unhappy unreliable unresponsive
		unsafe unusable upset useless vile violated violence wack weak weird whine worried worrying worthless
		wreck wrecked yikes`) {
		m[w] = -1
	}
	return m
}()

// isEmoticon reports whether s starts with an emoticon (";)" is a wink,
// not a Greek question mark).
func isEmoticon(s string) bool { _, n := emoticon(s); return n > 0 }

// emoticon returns a sentiment token for an emoticon starting s, and its
// length in bytes (0 when there is none).
func emoticon(s string) (string, int) {
	for _, e := range posEmoticons {
		if len(s) >= len(e) && s[:len(e)] == e {
			return "<emo+>", len(e)
		}
	}
	for _, e := range negEmoticons {
		if len(s) >= len(e) && s[:len(e)] == e {
			return "<emo->", len(e)
		}
	}
	return "", 0
}

var (
	posEmoticons = []string{":-)", ":)", ":D", ":-D", ";)", ";-)", ":P", ":p", "<3", "=)", ":]", "(:"}
	negEmoticons = []string{":-(", ":(", ":'(", ":/", ":-/", ">:(", ":|", "=(", "):"}
)

// emojiToken maps the emoji customers use most to sentiment tokens.
func emojiToken(r rune) string {
	if r < 0x2600 {
		return ""
	}
	switch {
	case strings.ContainsRune("😀😃😄😁😆😊🙂😍🥰😘❤💕💖💙💚💛💜👍👏🙌🎉✨🔥💯😎🤩🥳☺😇🤗💪🙏", r):
		return "<emo+>"
	case strings.ContainsRune("😠😡🤬😤😞😟😢😭😩😫😒🙄👎💔😱😣😖😕🤦😔😪🤮🤢💩", r):
		return "<emo->"
	case strings.ContainsRune("😂🤣", r):
		return "<emo-laugh>"
	case r >= 0x1F300 && r <= 0x1FAFF:
		return "<emoji>"
	}
	return ""
}
