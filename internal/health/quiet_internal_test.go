package health

import (
	"context"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/workspace"
)

// These tests write weeks of events through the real flushes and the
// account_hours upsert, one flush per event as the 2-second flush does at
// these volumes, with the event times set as the tallies would have them.

func newAccount(t *testing.T, d *db.DB) workspace.Account {
	t.Helper()
	ctx := context.Background()
	wss := workspace.New(d)
	ws, err := wss.Create(ctx, "shop-"+strconv.FormatInt(db.NewID(), 36), "Shop")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

// flushAt records n events that came at at, as one flush; their hours are
// written when health is next read, as they would be within a minute.
func flushAt(t *testing.T, s *Store, accountID int64, n int, at time.Time) {
	t.Helper()
	s.mu.Lock()
	s.pending[accountID] = &tally{events: n, lastEvent: at.UnixMilli(), lastWebhook: at.UnixMilli()}
	s.mu.Unlock()
	if err := s.flushEvents(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// officeHours records an event every ten minutes from open until close
// o'clock, local time, on each weekday from the day of from until before to.
func officeHours(t *testing.T, s *Store, accountID int64, from, to time.Time, open, close int) {
	t.Helper()
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
		for m := open * 60; m < close*60; m += 10 {
			if at := midnight.Add(time.Duration(m) * time.Minute); !at.Before(from) && at.Before(to) {
				flushAt(t, s, accountID, 1, at)
			}
		}
	}
}

func healthAt(t *testing.T, s *Store, acct workspace.Account, at time.Time) Report {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := s.Of(context.Background(), acct, at)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// A review (alerts at low volume, like a spike alert's): an account that is
// busy in office hours and silent every night and weekend, as most brand
// inboxes are, is silent at 23:00 as it always is; "quiet" should mean the
// provider stopped delivering, not that it is night. The rhythm, a moving
// average of the last few gaps, flagged it every evening from about 19:20
// and all weekend: an alarm that is always on is one agents learn to
// ignore, and then a page that really stopped goes unseen.
func TestAnAccountQuietAtNightAsEveryNightIsNotFlagged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		wss := workspace.New(d)
		ws, _ := wss.Create(ctx, "shop", "Shop")
		acct, _, _ := wss.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "shop"})
		s := New(d, nil)
		london, _ := time.LoadLocation("Europe/London")
		monday := time.Date(2026, 11, 16, 0, 0, 0, 0, london)
		for day := range 12 { // two working weeks, the weekend between silent
			if wd := monday.AddDate(0, 0, day).Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			for m := 9 * 60; m < 18*60; m += 10 {
				at := monday.AddDate(0, 0, day).Add(time.Duration(m) * time.Minute)
				s.pending[acct.ID] = &tally{events: 1, lastEvent: at.UnixMilli(), lastWebhook: at.UnixMilli()}
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, at := range []time.Time{
			monday.AddDate(0, 0, 11).Add(23 * time.Hour), // the second Friday, 23:00
			monday.AddDate(0, 0, 12).Add(12 * time.Hour), // the second Saturday, noon
		} {
			r, err := s.Of(ctx, acct, at)
			if err != nil {
				t.Fatal(err)
			}
			if r.Quiet {
				t.Errorf("%s: flagged %q when it has been silent at this hour every week so far (rhythm %s)",
					at.Format("Mon 15:04"), r.Warnings, dur(r.RhythmMS))
			}
		}
	})
}

// A webhook that stops in office hours is flagged within the hour, in the
// admin's terms; one that stopped over the weekend is flagged by eleven on
// Monday, the first hour being allowed for a late start or a clock change.
func TestAWebhookDeadInOfficeHoursIsFlaggedWithinAnHour(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		acct := newAccount(t, d)
		s := New(d, nil)
		monday := time.Date(2026, 9, 7, 0, 0, 0, 0, london)
		dies := monday.AddDate(0, 0, 23).Add(10*time.Hour + time.Second) // the fourth Wednesday, just after 10:00
		officeHours(t, s, acct.ID, monday, dies, 9, 18)
		if r := healthAt(t, s, acct, dies.Add(40*time.Minute)); r.Quiet {
			t.Errorf("40 minutes in: flagged %q, when it often goes that long", r.Warnings)
		}
		r := healthAt(t, s, acct, dies.Add(time.Hour))
		want := "quiet: nothing has arrived for 60 minutes; at these hours about 6 usually arrive"
		if !r.Quiet || r.Status != "warning" || len(r.Warnings) != 1 || r.Warnings[0] != want {
			t.Errorf("an hour in: quiet %v, status %s, warnings %q; want %q", r.Quiet, r.Status, r.Warnings, want)
		}

		other := newAccount(t, d)
		officeHours(t, s, other.ID, monday, monday.AddDate(0, 0, 19), 9, 18) // three weeks, then nothing
		next := monday.AddDate(0, 0, 21)
		if r := healthAt(t, s, other, next.Add(10*time.Hour)); r.Quiet {
			t.Errorf("Monday 10:00: flagged %q an hour into the morning", r.Warnings)
		}
		if r := healthAt(t, s, other, next.Add(11*time.Hour)); !r.Quiet || !strings.Contains(r.Warnings[0], "nothing has arrived for 2 days") {
			t.Errorf("Monday 11:00: quiet %v %q, with nothing since Friday", r.Quiet, r.Warnings)
		}
	})
}

// An account with a few messages a day, at random hours, is not flagged
// when a day goes by without one, as days do; nothing for several working
// days is flagged.
func TestALowVolumeAccountIsNotFlaggedAtRandom(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		acct := newAccount(t, d)
		s := New(d, nil)
		rnd := rand.New(rand.NewPCG(7, 11))
		monday := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		// Customers writing independently, three a day on average between
		// 08:00 and 20:00 on weekdays and one every other weekend day.
		var at []time.Time
		for day := range 7 * 6 {
			perDay := 3.0
			if wd := monday.AddDate(0, 0, day).Weekday(); wd == time.Saturday || wd == time.Sunday {
				perDay = 0.5
			}
			for m := 8 * 60; m < 20*60; m++ {
				if rnd.Float64() < perDay/(12*60) {
					at = append(at, monday.AddDate(0, 0, day).Add(time.Duration(m)*time.Minute))
				}
			}
		}
		flagged := 0
		next := 0
		for h := monday.Add(21 * 24 * time.Hour); h.Before(monday.AddDate(0, 0, 42)); h = h.Add(time.Hour) {
			for ; next < len(at) && at[next].Before(h); next++ {
				flushAt(t, s, acct.ID, 1, at[next])
			}
			if r := healthAt(t, s, acct, h); r.Quiet {
				flagged++
				t.Logf("%s: flagged %q", h.Format("Mon 2 Jan 15:04"), r.Warnings)
			}
		}
		if flagged > 0 {
			t.Errorf("flagged at %d of the hours of three ordinary weeks", flagged)
		}

		// Then nothing at all, from the seventh Monday on.
		stopped := monday.AddDate(0, 0, 42)
		for ; next < len(at) && at[next].Before(stopped); next++ {
			flushAt(t, s, acct.ID, 1, at[next])
		}
		if r := healthAt(t, s, acct, stopped.AddDate(0, 0, 2).Add(20*time.Hour)); !r.Quiet {
			t.Errorf("nothing from Monday to Wednesday evening: not flagged (%q)", r.Warnings)
		}
	})
}

// An inbox whose hours move from 09-18 to 13-22 is not flagged in the
// mornings it no longer works once it has kept the new hours two weeks,
// and by then a silence in the evenings it now works is flagged, within
// two hours: two weeks are less sure evidence than three.
func TestNewHoursAreLearntInTwoWeeks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		acct := newAccount(t, d)
		s := New(d, nil)
		monday := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		changed := monday.AddDate(0, 0, 21)
		officeHours(t, s, acct.ID, monday, changed, 9, 18)
		officeHours(t, s, acct.ID, changed, changed.AddDate(0, 0, 14), 13, 22)
		wednesday := changed.AddDate(0, 0, 16)
		officeHours(t, s, acct.ID, wednesday.AddDate(0, 0, -2), wednesday, 13, 22)
		if r := healthAt(t, s, acct, wednesday.Add(12*time.Hour+55*time.Minute)); r.Quiet {
			t.Errorf("12:55, before the new opening: flagged %q", r.Warnings)
		}
		dies := wednesday.Add(19*time.Hour + time.Second)
		officeHours(t, s, acct.ID, wednesday, dies, 13, 22)
		if r := healthAt(t, s, acct, dies.Add(2*time.Hour)); !r.Quiet {
			t.Errorf("silent from 19:00 to 21:00, in the new hours: not flagged (%q)", r.Warnings)
		}
	})
}

// A campaign's week, six times as busy, does not make the ordinary lulls
// of the weeks after it look like faults.
func TestACampaignWeekDoesNotMakeLullsFaults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		acct := newAccount(t, d)
		s := New(d, nil)
		every := func(from, to time.Time, gap time.Duration) {
			for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
				for at := day.Add(9 * time.Hour); at.Before(day.Add(18*time.Hour)) && at.Before(to); at = at.Add(gap) {
					flushAt(t, s, acct.ID, 1, at)
				}
			}
		}
		monday := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		every(monday, monday.AddDate(0, 0, 5), 5*time.Minute) // the campaign
		every(monday.AddDate(0, 0, 7), monday.AddDate(0, 0, 12), 30*time.Minute)
		every(monday.AddDate(0, 0, 14), monday.AddDate(0, 0, 19), 30*time.Minute)
		wednesday := monday.AddDate(0, 0, 23)
		every(monday.AddDate(0, 0, 21), wednesday, 30*time.Minute)
		lull := wednesday.Add(14 * time.Hour)
		every(wednesday, lull.Add(time.Second), 30*time.Minute)
		if r := healthAt(t, s, acct, lull.Add(2*time.Hour)); r.Quiet {
			t.Errorf("two hours without one of its two an hour: flagged %q", r.Warnings)
		}
	})
}

// A mailbox polled every half hour brings its mail in batches: a batch is
// one arrival, so one poll that finds nothing is not a fault, and hours of
// polls that find nothing are.
func TestABatchIsOneArrival(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		acct := newAccount(t, d)
		s := New(d, nil)
		monday := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
		last := monday.AddDate(0, 0, 23).Add(11 * time.Hour)
		for at := monday; !at.After(last); at = at.Add(30 * time.Minute) {
			flushAt(t, s, acct.ID, 10, at)
		}
		if r := healthAt(t, s, acct, last.Add(time.Hour)); r.Quiet {
			t.Errorf("one poll found nothing: flagged %q", r.Warnings)
		}
		if r := healthAt(t, s, acct, last.Add(4*time.Hour)); !r.Quiet || !strings.Contains(r.Warnings[0], "about 80 usually arrive") {
			t.Errorf("nothing for four hours: quiet %v %q", r.Quiet, r.Warnings)
		}
	})
}

// Clocks changing move an office's hours by one in UTC, in which hours are
// kept: neither the evening after the spring change nor the morning after
// the autumn one is flagged.
func TestClocksChangingIsNotQuiet(t *testing.T) {
	for _, monday := range []time.Time{
		time.Date(2026, 3, 30, 0, 0, 0, 0, london),  // British Summer Time began the day before
		time.Date(2026, 10, 26, 0, 0, 0, 0, london), // and ended
	} {
		t.Run(monday.Format("Jan"), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				acct := newAccount(t, d)
				s := New(d, nil)
				officeHours(t, s, acct.ID, monday.AddDate(0, 0, -21), monday, 9, 18)
				for day := range 3 {
					date := monday.AddDate(0, 0, day)
					morning := time.Date(date.Year(), date.Month(), date.Day(), 9, 0, 0, 0, london)
					if r := healthAt(t, s, acct, morning); r.Quiet {
						t.Errorf("%s: flagged %q", morning.Format("Mon 2 Jan 15:04 MST"), r.Warnings)
					}
					officeHours(t, s, acct.ID, date, date.AddDate(0, 0, 1), 9, 18)
					evening := time.Date(date.Year(), date.Month(), date.Day(), 23, 0, 0, 0, london)
					if r := healthAt(t, s, acct, evening); r.Quiet {
						t.Errorf("%s: flagged %q", evening.Format("Mon 2 Jan 15:04 MST"), r.Warnings)
					}
				}
			})
		})
	}
}

// An account younger than a week is judged only on the hours it has been
// seen through: silent on its first Thursday, it is not flagged, as
// nothing says Thursdays are busy; silent through its second Monday
// morning, it is by noon.
func TestAYoungAccountIsJudgedOnTheHoursItHasSeen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		acct := newAccount(t, d)
		s := New(d, nil)
		monday := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
		dies := monday.AddDate(0, 0, 3).Add(10*time.Hour + time.Second)
		officeHours(t, s, acct.ID, monday, dies, 9, 18)
		if r := healthAt(t, s, acct, dies.Add(13*time.Hour)); r.Quiet {
			t.Errorf("its first Thursday, 23:00: flagged %q", r.Warnings)
		}
		if r := healthAt(t, s, acct, monday.AddDate(0, 0, 7).Add(12*time.Hour)); !r.Quiet {
			t.Errorf("its second Monday, noon: not flagged (%q)", r.Warnings)
		}

		// With fewer than MinHistory events it is not judged at all.
		few := newAccount(t, d)
		officeHours(t, s, few.ID, monday, monday.Add(9*time.Hour+time.Duration(MinHistory-2)*10*time.Minute), 9, 18)
		if r := healthAt(t, s, few, monday.AddDate(0, 0, 7).Add(12*time.Hour)); r.Quiet {
			t.Errorf("%d events: flagged %q", r.EventsTotal, r.Warnings)
		}
	})
}

// Nodes flush the same account at once; the hours' counts are added in the
// database, so none is lost.
func TestTwoNodesFlushingAtOnceLoseNoCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		acct := newAccount(t, d)
		other, err := db.Open(ctx, d.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		start := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
		const flushes = 90
		at := func(node, i int) time.Time { // two hours, node 0 in spans 0-6 and node 1 in 4-10
			return start.Add(time.Duration(i%2)*time.Hour + time.Duration(node*4+i%7)*5*time.Minute)
		}
		type row struct{ events, spans int64 }
		want := map[int64]row{}
		for node := range 2 {
			for i := range flushes {
				h := at(node, i).UnixMilli() / hourMS
				want[h] = row{want[h].events + 2, want[h].spans | 1<<(at(node, i).Minute()/5)}
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*flushes+2)
		for node, s := range []*Store{New(d, nil), New(other, nil)} {
			wg.Go(func() {
				for i := range flushes {
					s.mu.Lock()
					s.pending[acct.ID] = &tally{events: 2, lastEvent: at(node, i).UnixMilli()}
					s.mu.Unlock()
					flush := s.flushEvents // the hours counted in memory,
					if i%3 == 0 {
						flush = s.Flush // and now and then written
					}
					if err := flush(ctx); err != nil {
						errs <- err
					}
				}
				if err := s.Flush(ctx); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got := map[int64]row{}
		rows, err := d.R.QueryContext(ctx, `SELECT hour, events, spans FROM account_hours WHERE account_id = `+strconv.FormatInt(acct.ID, 10))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var h int64
			var r row
			if err := rows.Scan(&h, &r.events, &r.spans); err != nil {
				t.Fatal(err)
			}
			got[h] = r
		}
		var total int64
		if err := d.R.QueryRowContext(ctx, `SELECT events_total FROM account_health WHERE account_id = `+strconv.FormatInt(acct.ID, 10)).Scan(&total); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) || total != 2*2*flushes {
			t.Errorf("hours %v, %d events in all; want %v, %d", got, total, want, 2*2*flushes)
		}
	})
}
