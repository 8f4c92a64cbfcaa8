// Package smtptest runs a small SMTP server for tests, which takes mail and
// fails on cue as real servers do: down, refusing, stalled, or dropping the
// connection before the message or after it, with the answer lost.
package smtptest

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a running server.
type Server struct {
	// Addr is where it listens, host:port.
	Addr string
	// Got has each message taken, as the client wrote it between DATA
	// and the final dot.
	Got   <-chan string
	greet time.Duration
	got   chan string
	tries atomic.Int32
	down  atomic.Bool
	hold  atomic.Bool
	rcpt  atomic.Pointer[string]
	end   atomic.Pointer[string]
	cut   atomic.Pointer[string]
}

// Start listens until the test ends. greet delays each greeting, so that
// two senders' dialogues overlap.
func Start(t testing.TB, greet time.Duration) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 16)
	s := &Server{Addr: ln.Addr().String(), Got: got, got: got, greet: greet}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// SetDown makes the server greet with 421, as one down or refusing for now.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Hold makes the server greet and then answer nothing, as one overloaded.
func (s *Server) Hold(hold bool) { s.hold.Store(hold) }

// Refuse makes answer ("550 5.1.1 no such mailbox") the reply to every
// RCPT, or with cmd ".", to the end of every message.
func (s *Server) Refuse(cmd, answer string) {
	if cmd == "." {
		s.end.Store(&answer)
		return
	}
	s.rcpt.Store(&answer)
}

// Cut drops the connection at a point of each dialogue: "data", on the
// DATA command (nothing was sent), or "answer", once the whole message
// came and before the server answers (it may have been delivered). ""
// drops none.
func (s *Server) Cut(at string) { s.cut.Store(&at) }

// Tries counts the connections taken.
func (s *Server) Tries() int { return int(s.tries.Load()) }

// Mails returns the messages taken so far and within wait.
func (s *Server) Mails(wait time.Duration) []string {
	var out []string
	deadline := time.After(wait)
	for {
		select {
		case m := <-s.got:
			out = append(out, m)
			continue
		default:
		}
		select {
		case m := <-s.got:
			out = append(out, m)
		case <-deadline:
			return out
		}
	}
}

func (s *Server) cutAt(point string) bool {
	at := s.cut.Load()
	return at != nil && *at == point
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	s.tries.Add(1)
	time.Sleep(s.greet)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	if s.down.Load() {
		say("421 down for maintenance")
		return
	}
	say("220 sink")
	if s.hold.Load() {
		io.Copy(io.Discard, c) // until the client gives up
		return
	}
	r := bufio.NewReader(c)
	var data strings.Builder
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line != ".\r\n" {
				data.WriteString(line)
				continue
			}
			inData = false
			switch {
			case s.cutAt("answer"):
				return
			case s.end.Load() != nil:
				say(*s.end.Load())
			default:
				s.got <- data.String()
				say("250 ok")
			}
			data.Reset()
			continue
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "RCPT") && s.rcpt.Load() != nil:
			say(*s.rcpt.Load())
		case cmd == "DATA":
			if s.cutAt("data") {
				return
			}
			inData = true
			say("354 go on")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}
