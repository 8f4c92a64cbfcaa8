package health

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"
)

// An account is quiet when nothing has arrived for a stretch in which, by
// its own weeks, something would have. Inboxes follow the week, busy in
// office hours and silent at night and at weekends, so a silence is held
// against the same hours of the weeks before it, never against the gaps
// of its last busy hour: that alarm rang every evening, and an alarm that
// is always on is one agents learn to ignore.
var (
	// QuietChance is how unlikely a silence must be, by the weeks before
	// it, to be quiet. Arrivals are taken as random at a rate known only
	// from those weeks: k weeks that held n five-minute spans with an event
	// over the same hours put the chance of none at (k/(k+1))^n, under 1%
	// when two weeks held 12 or more (one week, 7), so a few weeks of a
	// quiet account do not pass for a certainty.
	QuietChance = 0.01
	// QuietWeeks is how many weeks before a silence are compared. Of three
	// the busiest over the silence's hours is set aside, so a campaign's
	// week does not make ordinary lulls look like faults, and new hours
	// are learnt in two weeks.
	QuietWeeks = 3
	// MinQuiet is the shortest silence ever flagged.
	MinQuiet = time.Hour
	// MinHistory is how many events an account needs before it is judged.
	MinHistory int64 = 20
)

const (
	hourMS    = int64(time.Hour / time.Millisecond)
	spanMS    = int64(5 * time.Minute / time.Millisecond)
	weekHours = 7 * 24
)

// HoursEvery is how often the hour-by-hour counts are written. They judge
// silences of an hour or more, so a minute's delay costs nothing, and one
// write a minute for each account, not one every FlushEvery, keeps them
// cheap; a crash loses a minute of them, which only makes a week look a
// little quieter than it was.
var HoursEvery = time.Minute

type hourKey struct{ account, hour int64 }

type hourTally struct {
	events int64
	spans  int64 // a bit for each five-minute span of the hour that had an event
}

// countHour counts a flush's events into the hour of its last one; s.mu
// is held.
func (s *Store) countHour(accountID int64, t *tally) {
	k := hourKey{accountID, t.lastEvent / hourMS}
	h := s.hours[k]
	if h == nil {
		h = &hourTally{}
		s.hours[k] = h
	}
	h.events += int64(t.events)
	h.spans |= 1 << (t.lastEvent % hourMS / spanMS)
}

// flushHours adds the counted hours to the account_hours rows and, once an
// hour for each account, deletes its hours older than the weeks compared.
func (s *Store) flushHours(ctx context.Context) error {
	s.mu.Lock()
	hours := s.hours
	s.hours = map[hourKey]*hourTally{}
	var prune []hourKey
	for k := range hours {
		if s.pruned[k.account] < k.hour {
			s.pruned[k.account] = k.hour
			prune = append(prune, k)
		}
	}
	s.mu.Unlock()
	for k, h := range hours {
		if _, err := s.db.W.ExecContext(ctx, s.q("RecordHour"), k.account, k.hour, h.events, h.spans); err != nil {
			return fmt.Errorf("record the hours of account %d: %w", k.account, err)
		}
	}
	for _, k := range prune {
		if _, err := s.db.W.ExecContext(ctx, s.q("PruneHours"), k.account, k.hour-int64(QuietWeeks+1)*weekHours); err != nil {
			return fmt.Errorf("prune the hours of account %d: %w", k.account, err)
		}
	}
	return nil
}

// usual is what the weeks before a silence held over the same hours.
type usual struct {
	busy   float64 // five-minute spans with an event
	events float64
	weeks  int
}

// chance is the chance of a silence, by the weeks: see QuietChance.
func (u usual) chance() float64 {
	if u.weeks == 0 {
		return 1
	}
	return math.Pow(float64(u.weeks)/float64(u.weeks+1), u.busy)
}

func (u usual) plus(v usual) usual  { return usual{u.busy + v.busy, u.events + v.events, u.weeks} }
func (u usual) minus(v usual) usual { return usual{u.busy - v.busy, u.events - v.events, u.weeks} }

// week is one past week of an account, by hour of the week.
type week struct{ busy, events [weekHours]int64 }

// share is how much of an hour (since the Unix epoch) a silence covers.
type share struct {
	hour     int64
	fraction float64
}

// usualOver returns what the weeks before an account's last event held over
// the hours from it until now: the last QuietWeeks weeks but the busiest
// over those hours, or the one or two weeks there are. Hours the account
// has no week of yet (it is younger than a week) count as nothing, so it
// is judged only on hours it has been seen through.
func (s *Store) usualOver(ctx context.Context, accountID, last, now int64) (usual, error) {
	end := last / hourMS // the weeks end before the hour of the last event
	var first int64
	if err := s.db.R.QueryRowContext(ctx, s.q("FirstHour"), accountID).Scan(&first); err != nil {
		return usual{}, err
	}
	if first < 0 || first >= end {
		return usual{}, nil
	}
	weeks := 1
	for weeks < QuietWeeks && end-int64(weeks+1)*weekHours >= first {
		weeks++
	}
	past := make([]week, weeks)
	rows, err := s.db.R.QueryContext(ctx, s.q("HoursOf"), accountID, end-int64(weeks)*weekHours, end)
	if err != nil {
		return usual{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var hour, events, spans int64
		if err := rows.Scan(&hour, &events, &spans); err != nil {
			return usual{}, err
		}
		w := &past[(end-1-hour)/weekHours]
		w.busy[hour%weekHours] += int64(bits.OnesCount64(uint64(spans)))
		w.events[hour%weekHours] += events
	}
	if err := rows.Err(); err != nil {
		return usual{}, err
	}

	var silence []share
	for h := last / hourMS; h*hourMS < now; h++ {
		silence = append(silence, share{h, float64(min(now, (h+1)*hourMS)-max(last, h*hourMS)) / float64(hourMS)})
	}
	if weeks >= 3 {
		busiest, most := 0, -1.0
		for i := range past {
			if b := past[i].over(silence).busy; b > most {
				busiest, most = i, b
			}
		}
		past = slices.Delete(past, busiest, busiest+1)
	}
	var pooled week
	for _, w := range past {
		for h := range weekHours {
			pooled.busy[h] += w.busy[h]
			pooled.events[h] += w.events[h]
		}
	}
	u := pooled.over(silence)
	u.weeks = len(past)
	return u, nil
}

// over returns what the week held over a silence's hours, read as
// expecting the least it fairly can: each part of the silence an hour
// early or late, and the two parts split at any hour, since clocks change
// (hours are kept in UTC) and a day that starts or ends late is no fault.
func (w *week) over(silence []share) usual {
	shifts := [...]int64{-1, 0, 1}
	at := func(sh share, d int64) usual {
		slot := ((sh.hour+d)%weekHours + weekHours) % weekHours
		return usual{busy: sh.fraction * float64(w.busy[slot]), events: sh.fraction * float64(w.events[slot])}
	}
	least := func(a, b usual) usual {
		if b.busy < a.busy {
			return b
		}
		return a
	}
	var total, upTo [len(shifts)]usual // by shift: over the whole silence, and before its k-th hour
	for _, sh := range silence {
		for i, d := range shifts {
			total[i] = total[i].plus(at(sh, d))
		}
	}
	best := total[1]
	for k := 0; ; k++ {
		before, after := upTo[0], total[0].minus(upTo[0])
		for i := range shifts {
			before, after = least(before, upTo[i]), least(after, total[i].minus(upTo[i]))
		}
		best = least(best, before.plus(after))
		if k == len(silence) {
			return best
		}
		for i, d := range shifts {
			upTo[i] = upTo[i].plus(at(silence[k], d))
		}
	}
}

// judgeQuiet flags a silence the account's weeks say is unlikely.
func (r *Report) judgeQuiet(now int64, u usual) {
	if u.chance() >= QuietChance {
		return
	}
	r.Quiet = true
	r.Warnings = append(r.Warnings, fmt.Sprintf("quiet: nothing has arrived for %s; at these hours about %d usually arrive",
		dur(now-r.LastEventAt), int64(math.Round(u.events/float64(u.weeks)))))
}
