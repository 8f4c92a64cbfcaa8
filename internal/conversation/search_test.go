package conversation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/harkdesk/hark/internal/conversation"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/db/dbtest"
	"github.com/harkdesk/hark/internal/workspace"
)

// An agent looks up a customer's contract number, or a word of their
// message, in a message written in Japanese, Chinese or Thai (languages
// the desk reads, written without spaces): the search must find it, as it
// finds the same number in an English message.
func TestSearchFindsWordsAndNumbersInsideTextWrittenWithoutSpaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		now := time.Now()
		ja := w.post(t, w.x, "ja", "kenji", "@brand 朝から光回線つながらないんだけど障害出てますか？契約番号SN0048812", now.Add(-2*time.Minute))
		zh := w.post(t, w.x, "zh", "wei", "@brand 我的包裹还没到，订单号AB7731", now.Add(-time.Minute))
		w.post(t, w.x, "en", "joe", "@brand my contract number is SN0099999", now)
		for q, want := range map[string]int64{"SN0048812": ja, "光回線": ja, "障害": ja, "AB7731": zh, "包裹": zh} {
			page, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Query: q, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Conversations) != 1 || page.Conversations[0].ID != want {
				t.Errorf("searching %q finds %d conversations, want the one that says it", q, len(page.Conversations))
			}
		}
	})
}

// searchCorpus is what customers wrote, one conversation each: text
// without spaces in four scripts, with codes and punctuation glued to it,
// Thai with its vowel and tone marks, and English beside it.
var searchCorpus = []string{
	"@brand 朝から光回線つながらないんだけど障害出てますか？契約番号SN0048812",
	"@brand 我的包裹还没到，订单号AB7731，已经等了两个星期",
	"@brand 包裹到了但是里面的东西坏了 订单AB-7790",
	"@brand สั่งของไปแล้วแต่ยังไม่ได้รับเลยค่ะ เลขพัสดุTH12345",
	"@brand ได้รับของแล้วค่ะ ขอบคุณมาก",
	"@brand 返金はいつになりますか。注文番号ZX-0042、ラーメンセット",
	"@brand 光回線の工事日を変更したい",
	"@brand my parcel SN0099999 never came, refund please",
}

// A search finds a message exactly when the message says what was typed,
// on both databases alike: any part of a run of text written without
// spaces, from one letter up (not from a Thai vowel or tone mark, which
// belongs to the letter before it), and a code glued after it; nothing
// that spans a comma or two runs. The queries are every piece of up to four
// letters of the corpus's runs, each run's end with the code after it, and
// the end of each run with the start of the next.
func TestSearchFindsExactlyWhatTextWithoutSpacesSays(t *testing.T) {
	queries := map[string]bool{}
	for _, text := range searchCorpus {
		runs := unspacedRuns(text)
		for i, r := range runs {
			for n := 1; n <= 4; n++ {
				for k := 0; k+n <= len(r.letters); k++ {
					queries[string(r.letters[k:k+n])] = true
				}
			}
			if r.code != "" {
				queries[string(r.letters[max(0, len(r.letters)-2):])+r.code[:min(3, len(r.code))]] = true
				queries[string(r.letters[len(r.letters)-1:])+r.code] = true
			}
			if i+1 < len(runs) {
				queries[string(r.letters[len(r.letters)-1:])+string(runs[i+1].letters[:1])] = true
			}
		}
	}
	results := map[db.Dialect]map[string][]int{}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		index := map[int64]int{}
		for i, text := range searchCorpus {
			id := w.post(t, w.x, fmt.Sprint("c", i), fmt.Sprint("customer", i), text, time.Now().Add(time.Duration(i-len(searchCorpus))*time.Minute))
			index[id] = i
		}
		found := map[string][]int{}
		for q := range queries {
			if r, _ := utf8.DecodeRuneInString(q); unicode.IsMark(r) {
				// Nobody starts a word with a vowel or tone mark: a search
				// that does is read without it (and marks alone are none).
				delete(queries, q)
				continue
			}
			page, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Query: q, Status: "", Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var got, want []int
			for _, c := range page.Conversations {
				got = append(got, index[c.ID])
			}
			for i, text := range searchCorpus {
				if strings.Contains(strings.ToLower(text), strings.ToLower(q)) {
					want = append(want, i)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("searching %q finds messages %v, want %v", q, got, want)
			}
			found[q] = got
		}
		results[d.Dialect] = found
	})
	if s, p := results[db.SQLite], results[db.Postgres]; s != nil && p != nil {
		for q := range queries {
			if !slices.Equal(s[q], p[q]) {
				t.Errorf("searching %q finds %v on SQLite, %v on PostgreSQL", q, s[q], p[q])
			}
		}
	}
}

// run is a run of letters written without spaces and the ASCII code glued
// after it, if any.
type run struct {
	letters []rune
	code    string
}

func unspacedRuns(text string) []run {
	var runs []run
	rs := []rune(text)
	for i := 0; i < len(rs); {
		if !conversation.Unspaced(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && conversation.Unspaced(rs[j]) {
			j++
		}
		k := j
		for k < len(rs) && rs[k] < 128 && (unicode.IsLetter(rs[k]) || unicode.IsDigit(rs[k])) {
			k++
		}
		runs = append(runs, run{letters: rs[i:j], code: string(rs[j:k])})
		i = k
	}
	return runs
}

// An edited message is found by its new words, not its old ones, and an
// agent's reply in Japanese is found like a customer's message.
func TestSearchFollowsEditsAndRepliesWrittenWithoutSpaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.stubLabels()
		ctx := context.Background()
		zh := w.post(t, w.x, "zh", "wei", "@brand 我的包裹还没到", time.Now().Add(-2*time.Minute))
		ja := w.post(t, w.x, "ja", "kenji", "@brand 返金はまだですか", time.Now().Add(-time.Minute))
		if _, err := w.convs.ApplyRevision(ctx, w.x.ID, "zh", conversation.RevisionEdited, "@brand 订单已经取消了", time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.convs.Reply(ctx, conversation.ReplyInput{ConversationID: ja, UserID: w.agent.ID, Text: "大変申し訳ございません。確認いたします"}); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string][]int64{"包裹": nil, "取消": {zh}, "申し訳": {ja}, "確認": {ja}} {
			page, err := w.convs.List(ctx, conversation.Filter{WorkspaceID: w.ws.ID, Query: q, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, c := range page.Conversations {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("searching %q finds %v, want %v", q, got, want)
			}
		}
	})
}

// The migration that cut text written without spaces for the index does
// so for the messages stored before it, as the application does for new
// ones, and they are found.
func TestSearchFindsMessagesStoredBeforeTheMigration(t *testing.T) {
	for _, dialect := range dbtest.Dialects(t) {
		t.Run(strings.ToLower(string(dialect)), func(t *testing.T) {
			ms, err := db.Migrations(dialect)
			if err != nil {
				t.Fatal(err)
			}
			v := slices.IndexFunc(ms, func(m db.Migration) bool { return strings.HasSuffix(m.Name, "_search_unspaced.sql") }) + 1
			if v == 0 {
				t.Fatal("no search_unspaced migration")
			}
			d := dbtest.OpenAt(t, dialect, v-1)
			ctx := context.Background()
			ws, err := workspace.New(d).Create(ctx, "brand", "Brand")
			if err != nil {
				t.Fatal(err)
			}
			acct, _, err := workspace.New(d).AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "brand", Purpose: "service"})
			if err != nil {
				t.Fatal(err)
			}
			texts := append(slices.Clone(searchCorpus), "", "AB-12 3.5 a@b.jp 包", "ไม่", "(包裹)")
			convs := map[int64]string{}
			for i, text := range texts {
				conv, now := db.NewID(), db.Now()+int64(i)
				for _, q := range []string{
					"INSERT INTO contacts (id, workspace_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
					"INSERT INTO conversations (id, workspace_id, account_id, channel, contact_id, visibility, status, last_message_at, created_at, updated_at) VALUES (?, ?, ?, 'x', ?, 'public', 'open', ?, ?, ?)",
					"INSERT INTO messages (id, workspace_id, conversation_id, account_id, direction, provider_id, text, sent_at, received_at) VALUES (?, ?, ?, ?, 'in', ?, ?, ?, ?)",
				} {
					var args []any
					switch {
					case strings.Contains(q, "contacts"):
						args = []any{conv, ws.ID, now, now}
					case strings.Contains(q, "conversations"):
						args = []any{conv, ws.ID, acct.ID, conv, now, now, now}
					default:
						args = []any{db.NewID(), ws.ID, conv, acct.ID, fmt.Sprint("m", i), text, now, now}
					}
					if _, err := d.W.ExecContext(ctx, db.Rebind(dialect, q), args...); err != nil {
						t.Fatal(err)
					}
				}
				convs[conv] = text
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			rows, err := d.R.QueryContext(ctx, "SELECT text, search_text FROM messages")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var text, search string
				if err := rows.Scan(&text, &search); err != nil {
					t.Fatal(err)
				}
				if want := conversation.SearchText(text); search != want {
					t.Errorf("the migration indexes %q as %q, the application as %q", text, search, want)
				}
				n++
			}
			if rows.Close(); n != len(texts) {
				t.Fatalf("%d messages after the migration, want %d", n, len(texts))
			}
			store := conversation.New(d)
			for q, want := range map[string]string{"障害": texts[0], "TH12345": texts[3], "AB7731": texts[1], "ラーメン": texts[5], "refund": texts[7]} {
				page, err := store.List(ctx, conversation.Filter{WorkspaceID: ws.ID, Query: q, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Conversations) != 1 || convs[page.Conversations[0].ID] != want {
					t.Errorf("after the migration searching %q finds %d conversations, want %q", q, len(page.Conversations), want)
				}
			}
		})
	}
}

// The migration's SQL reads the same letters as the application's Go.
func TestUnspacedClassMatchesTheMigrations(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		ms, err := db.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ms, func(m db.Migration) bool { return strings.HasSuffix(m.Name, "_search_unspaced.sql") })
		if i < 0 {
			t.Fatalf("%s: no search_unspaced migration", d)
		}
		if n := strings.Count(ms[i].SQL, conversation.UnspacedClass()); n != 4 {
			t.Errorf("%s: %s holds the class of letters written without spaces %d times, want 4", d, ms[i].Name, n)
		}
		if n := strings.Count(ms[i].SQL, conversation.UnspacedMarkClass()); n != 1 {
			t.Errorf("%s: %s holds the class of their marks %d times, want 1", d, ms[i].Name, n)
		}
	}
}
