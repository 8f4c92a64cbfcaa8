package email

import (
	"context"
	"errors"
	"net/textproto"
	"time"

	"github.com/harkdesk/hark/internal/channel"
	"github.com/harkdesk/hark/internal/smtp"
)

// Transport delivers a written message; SMTP in production, a recorder in
// tests that do not need the protocol.
type Transport interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// SMTP sends over SMTP submission, its failures in the outbox's terms.
type SMTP struct {
	Config  smtp.Config
	Timeout time.Duration
}

func (s *SMTP) client() *smtp.Client { return &smtp.Client{Config: s.Config, Timeout: s.Timeout} }

// Check connects and authenticates without sending, for health reports.
func (s *SMTP) Check(ctx context.Context) error {
	return classifySMTP(s.client().Check(ctx))
}

// Send delivers msg. SMTP 4xx answers and network failures are temporary;
// 5xx answers are not. Only a failure after the whole message went may
// have delivered it (channel.MarkReached): before, the server holds only
// a session, so the outbox sends again.
func (s *SMTP) Send(ctx context.Context, from string, to []string, msg []byte) error {
	err := s.client().Send(ctx, from, to, msg)
	if smtp.Unsure(err) {
		channel.MarkReached(ctx)
	}
	return classifySMTP(err)
}

// classifySMTP turns an SMTP reply into a SendError the outbox understands.
func classifySMTP(err error) error {
	var answer *textproto.Error
	if errors.As(err, &answer) {
		return &channel.SendError{Temporary: answer.Code >= 400 && answer.Code < 500, Status: answer.Code, Message: answer.Msg}
	}
	return err
}
