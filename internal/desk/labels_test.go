package desk

import (
	"strings"
	"testing"
)

// TestSpamBadgeFollowsTheClassifier: a message the classifier filed as
// other for one pitch phrase (spam 0.35) shows the spam badge and its
// score on hover, as one scored higher does; a lower score shows neither.
func TestSpamBadgeFollowsTheClassifier(t *testing.T) {
	for _, tc := range []struct {
		spam float64
		want bool
	}{{0.35, true}, {0.7, true}, {0.2, false}, {0, false}} {
		l := shownLabels{Intent: "other", IntentProbs: map[string]float64{"other": 0.8}, Spam: tc.spam,
			Why: []string{"reads as spam or a pitch"}}
		if l.Spammy() != tc.want || strings.Contains(l.Explain(), "; spam ") != tc.want {
			t.Errorf("spam %v: badge %v, hover %q; want the badge and the score %v", tc.spam, l.Spammy(), l.Explain(), tc.want)
		}
	}
}
