package email

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/harkdesk/hark/internal/ingest"
	"github.com/harkdesk/hark/internal/workspace"
)

// defaultSubjectThreadDays is how recent a same-subject conversation must
// be for a reply without threading headers to join it, when the account's
// subject_thread_days does not say.
const defaultSubjectThreadDays = 14

// subjectWindow reads the account's subject_thread_days. The stage runs for
// every account and has no connector, so it reads the account's config.
func subjectWindow(a workspace.Account) time.Duration {
	var cfg Config
	if json.Unmarshal(a.Config, &cfg) != nil || cfg.SubjectThreadDays <= 0 {
		cfg.SubjectThreadDays = defaultSubjectThreadDays
	}
	return time.Duration(cfg.SubjectThreadDays) * 24 * time.Hour
}

// Stage is the ingest stage for e-mail: it records the sender
// authentication verdicts as labels (shown beside the message) and, as the
// last threading resort, points a "Re:" message that carries no known
// Message-ID at the sender's recent conversation with the same subject.
func (s *Store) Stage() ingest.Stage {
	return ingest.Stage{Name: "email", Phase: ingest.BeforeCommit, Run: s.runStage}
}

func (s *Store) runStage(ctx context.Context, b *ingest.Batch) error {
	for _, it := range b.Items {
		if it.Err != nil || (it.Account.Channel != "email" && it.Account.Channel != "form") {
			continue
		}
		var r Raw
		if json.Unmarshal(it.Msg.Raw, &r) != nil || r.MessageID == "" {
			continue // not parsed by this package
		}
		if it.Account.Channel == "email" {
			if err := s.toForm(ctx, it); err != nil {
				return err
			}
		}
		if it.Labels == nil {
			it.Labels = map[string]any{}
		}
		if r.Auth != (AuthResults{}) {
			it.Labels["email_auth"] = r.Auth
			it.Labels["email_authenticated"] = r.Auth.Pass()
		}
		if !IsReplySubject(it.Msg.Subject) {
			continue
		}
		pid, err := s.SubjectThread(ctx, it.Account.WorkspaceID, it.Account.ID, it.Msg.Author.Email, it.Msg.Subject, time.Now().Add(-subjectWindow(it.Account)))
		if err != nil {
			return err
		}
		if pid != "" && pid != it.Msg.ProviderID {
			// Last: any real reference that matches still wins.
			it.Msg.References = append(it.Msg.References, pid)
		}
	}
	return nil
}

// toForm moves an e-mail that answers a website-form conversation (our
// reply was sent from this mailbox on the form's behalf) onto the form's
// account, so it threads there instead of opening an e-mail conversation.
func (s *Store) toForm(ctx context.Context, it *ingest.Item) error {
	var refs []string
	for _, r := range append([]string{it.Msg.ReplyTo}, it.Msg.References...) {
		if strings.HasPrefix(r, "form.") || strings.HasPrefix(r, "hark.") {
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	rows, err := s.db.R.QueryContext(ctx, s.q("FormAccounts"), it.Account.WorkspaceID)
	if err != nil {
		return fmt.Errorf("list form accounts: %w", err)
	}
	var forms []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		forms = append(forms, id)
	}
	rows.Close()
	for _, id := range forms {
		for _, r := range refs {
			var one int
			err := s.db.R.QueryRowContext(ctx, s.q("HasMessage"), id, r).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("find form message: %w", err)
			}
			a, err := workspace.New(s.db).Account(ctx, id)
			if err != nil {
				return err
			}
			it.Account = a
			return nil
		}
	}
	return nil
}
