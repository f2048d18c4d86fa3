// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// answerRows counts what an answer leaves: answers, messages and access-log
// entries of the answer action. A refused answer changes none of them.
func (tb *bundle) answerRows(t *testing.T) [3]int64 {
	t.Helper()
	return [3]int64{tb.b.Int(t, tb.store, "SELECT count(*) FROM answers"),
		tb.b.Int(t, tb.store, "SELECT count(*) FROM messages WHERE kind = 'answer'"),
		tb.b.Int(t, tb.store, "SELECT count(*) FROM access_log WHERE action = 'answer'")}
}

// TestAnswerReply (issue 23 point 2): staff answer a person's message with
// free text while the 24-hour service window their last message opened is
// open (reference §1.7). The answer arrives at the platform (the
// simulator) as a text message, not a template and never marketing; its
// text is sealed (not in the database files), in the access log, in the
// person's package, and purged with the replies' period
// (RT-01). A role without the permission, bad text, a stranger, a closed
// window, a restricted contact, a suppressed number (invariant 9)
// and an erased contact are refused before anything is stored or
// sent, with a clear error.
func TestAnswerReply(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, s := withSim(t, b, app.Config{})
		tb.seed(t)
		ctx := tb.ctx
		kari := tb.consented(t, "+47 912 34 567").ContactID
		write := func(from, text string) string {
			t.Helper()
			tb.now = tb.now.Add(time.Minute)
			if d, err := s.Inbound(sim.Inbound{From: from, Text: text}); err != nil || !d.Delivered {
				t.Fatalf("inbound: delivered %v, %v", d.Delivered, err)
			}
			page, err := tb.app.Replies(ctx, admin, "", 1)
			if err != nil || len(page.Replies) != 1 {
				t.Fatalf("the reply is not stored: %+v, %v", page, err)
			}
			return page.Replies[0].ID
		}
		question := write("4791234567", "Hei! Når åpner butikken i morgen?")
		stranger := write("4741234567", "Hvem er dette?")
		const answer = "Vi åpner klokka 9 i morgen. Velkommen!"
		sent := len(s.Messages(""))

		refusals := []struct {
			name  string
			actor app.Actor
			reply string
			text  string
			want  error
		}{
			{"an integrator", integrator, question, answer, app.ErrForbidden},
			{"an auditor", app.Actor{Name: "revisor", Role: staff.Auditor}, question, answer, app.ErrForbidden},
			{"no text", marketer, question, "  \n ", app.ErrInvalid},
			{"too long", marketer, question, strings.Repeat("a", reply.MaxAnswer+1), app.ErrInvalid},
			{"no such reply", marketer, "0190c0de-0000-7000-8000-000000000000", answer, store.ErrNotFound},
			{"a stranger's message", marketer, stranger, answer, app.ErrRefused},
		}
		for _, r := range refusals {
			if _, err := tb.app.AnswerReply(ctx, r.actor, r.reply, r.text); !errors.Is(err, r.want) {
				t.Errorf("%s: %v; want %v", r.name, err, r.want)
			}
		}
		if got := tb.answerRows(t); got != [3]int64{} {
			t.Fatalf("refused answers left %v answers, messages, accesses", got)
		}

		// The marketer answers; the message goes as text.
		v, err := tb.app.AnswerReply(ctx, marketer, question, answer)
		if err != nil {
			t.Fatal(err)
		}
		if v.ContactID != kari || v.ReplyID != question || v.Text != answer || v.Status != message.Queued {
			t.Errorf("answer = %+v", v)
		}
		if got := tb.answerRows(t); got != [3]int64{1, 1, 1} {
			t.Errorf("after the answer: %v answers, messages, accesses; want one each", got)
		}
		if err := tb.app.SendMessage(ctx, v.MessageID); err != nil {
			t.Fatal(err)
		}
		// It counts against the number's throughput as a campaign's
		// messages do (§3.1): a token borrowed from the number's bucket,
		// which a campaign on it then waits for.
		if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM rate_buckets WHERE sender = $1 AND tokens < $2`,
			sim.DefaultPhoneNumberID, 8.0); n != 1 {
			t.Errorf("the number's bucket after the answer: %d rows below its burst of 8; want 1", n)
		}
		ms := s.Messages("4791234567")
		last := ms[len(ms)-1]
		if len(s.Messages("")) != sent+1 || last.Type != "text" || last.TemplateName != "" || last.Category == "marketing" ||
			!bytes.Contains(last.Request, []byte("Vi åpner klokka 9")) {
			t.Fatalf("the simulator got %+v; want the answer as text", last)
		}
		delivered := func(st message.Status) bool { // the simulator's status webhooks may have come already
			return st == message.Sent || st == message.Delivered || st == message.Read
		}
		if m, err := tb.store.Message(ctx, v.MessageID); err != nil || !delivered(m.Status) || m.Kind != message.Answer {
			t.Errorf("the answer's message = %+v, %v; want a sent answer", m, err)
		}
		for _, f := range b.Files(t, tb.store) {
			if data, _ := os.ReadFile(f); bytes.Contains(data, []byte("klokka 9")) {
				t.Errorf("%s holds the answer's text in clear", f)
			}
		}
		conv, err := tb.app.ReplyConversation(ctx, marketer, question)
		if err != nil || len(conv.Answers) != 1 || conv.Answers[0].Text != answer || !delivered(conv.Answers[0].Status) ||
			len(conv.Replies) != 1 || !conv.WindowOpen || conv.Refusal != "" || conv.Reply.From != "+47 9** ** *67" {
			t.Errorf("the conversation = %+v, %v", conv, err)
		}
		p, err := tb.app.SubjectPackage(ctx, dpo, kari, "innsynsbegjæring sak 7")
		if err != nil || len(p.Answers) != 1 || p.Answers[0].Text != answer || p.Answers[0].ReplyID != question {
			t.Errorf("the package's answers = %+v, %v", p.Answers, err)
		}

		// 24 hours after her last message the window is closed: refused
		// before anything is stored or sent, naming why.
		tb.now = tb.now.Add(reply.ServiceWindow)
		before, sentBefore := tb.answerRows(t), len(s.Messages(""))
		_, err = tb.app.AnswerReply(ctx, marketer, question, answer)
		if !errors.Is(err, reply.ErrWindowClosed) || !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "template") {
			t.Errorf("an answer after the window: %v; want window closed", err)
		}
		if c, err := tb.app.ReplyConversation(ctx, marketer, question); err != nil || c.WindowOpen || c.Refusal != "window_closed" {
			t.Errorf("the conversation after the window: %+v, %v", c, err)
		}
		// A newer message opens it again: the old one may be answered.
		tb.now = tb.now.Add(time.Hour)
		write("4791234567", "Hallo?")
		v2, err := tb.app.AnswerReply(ctx, admin, question, "Beklager at vi svarer sent!")
		if err != nil {
			t.Fatalf("an answer in the window the new message opened: %v", err)
		}
		// Queued, but it waits past the window: it fails without leaving.
		tb.now = tb.now.Add(reply.ServiceWindow)
		if err := tb.app.SendMessage(ctx, v2.MessageID); err != nil {
			t.Fatal(err)
		}
		if m, _ := tb.store.Message(ctx, v2.MessageID); m.Status != message.Failed || !strings.Contains(m.ErrorTitle, "window") {
			t.Errorf("an answer sent after the window = %+v; want failed, not sent", m)
		}
		if n := len(s.Messages("")); n != sentBefore {
			t.Errorf("%d messages reached the simulator after the window", n-sentBefore)
		}
		if got := tb.answerRows(t); got[0] != before[0]+1 {
			t.Errorf("answers after the window: %v, before %v", got, before)
		}

		// Restricted: refused; lifted: allowed.
		write("4791234567", "Er dere der?")
		if _, err := tb.app.Restrict(ctx, dpo, kari, true, "personen bestrider opplysningene"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.AnswerReply(ctx, marketer, question, answer); !errors.Is(err, app.ErrRefused) {
			t.Errorf("an answer to a restricted contact: %v; want refused", err)
		}
		if c, _ := tb.app.ReplyConversation(ctx, marketer, question); c.Refusal != "restricted" {
			t.Errorf("the conversation of a restricted contact says %q", c.Refusal)
		}
		if _, err := tb.app.Restrict(ctx, dpo, kari, false, "opplysningene er rettet"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.AnswerReply(ctx, marketer, question, answer); err != nil {
			t.Errorf("an answer once the restriction is lifted: %v", err)
		}
		// STOPP puts the number on the suppression list: nothing more goes.
		write("4791234567", "STOPP")
		before = tb.answerRows(t)
		if _, err := tb.app.AnswerReply(ctx, marketer, question, answer); !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "suppression") {
			t.Errorf("an answer to a suppressed number: %v; want refused", err)
		}
		// Erased: the message is gone, and so is every answer.
		if _, err := tb.app.Erase(ctx, admin, kari, "the person asked to be erased"); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.AnswerReply(ctx, marketer, question, answer); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an answer to an erased contact: %v; want not found", err)
		}
		if got := tb.answerRows(t); got[0] != 0 || got[1] != before[1] {
			t.Errorf("after erasure: %v answers, messages, accesses; want no answer left, no message added", got)
		}
	})
}

// TestAnswersFollowRepliesRetention (RT-01): staff's answers are deleted by
// the retention run once the replies' period has passed, a line of their
// own in the retention log; younger ones stay.
func TestAnswersFollowRepliesRetention(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, s := withSim(t, b, app.Config{})
		tb.seed(t)
		ctx := tb.ctx
		kari := tb.consented(t, "+47 912 34 567").ContactID
		ask := func(text string) string {
			t.Helper()
			if _, err := s.Inbound(sim.Inbound{From: "4791234567", Text: text}); err != nil {
				t.Fatal(err)
			}
			page, err := tb.app.Replies(ctx, admin, "", 1)
			if err != nil || len(page.Replies) != 1 {
				t.Fatalf("no reply: %+v, %v", page, err)
			}
			return page.Replies[0].ID
		}
		old := ask("Har dere åpent på søndag?")
		if _, err := tb.app.AnswerReply(ctx, marketer, old, "Nei, dessverre."); err != nil {
			t.Fatal(err)
		}
		tb.now = tb.now.Add(retention.Days(20))
		young := ask("Og lørdag?")
		if _, err := tb.app.AnswerReply(ctx, marketer, young, "Ja, 10 til 16."); err != nil {
			t.Fatal(err)
		}
		tb.now = tb.now.Add(retention.Days(11)) // the first pair is 31 days old, the second 11
		rep, err := tb.app.RunRetention(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var purged int64
		for _, e := range rep.Entries {
			if e.Class == retention.ClassAnswers {
				purged += e.Count
				if e.Rule != retention.RuleAnswers {
					t.Errorf("the answers' entry names rule %q", e.Rule)
				}
			}
		}
		left, err := tb.store.ContactAnswers(ctx, kari)
		if err != nil {
			t.Fatal(err)
		}
		if purged != 1 || len(left) != 1 || left[0].ReplyID != young {
			t.Errorf("retention purged %d answers, left %+v; want the old one gone, the young one kept", purged, left)
		}
	})
}
