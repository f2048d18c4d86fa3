// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/template"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// CreateCampaign stores a draft campaign after checking its template: it must
// name the business, offer the opt-out in each language and link to the
// notice (G-05, R-09, M-05). A template marked Synced, given by its name
// alone, is the synced message template of that name, refused unless it is
// a marketing template whose every variant passed those checks. Its tags,
// all declared, narrow the audience to the contacts that carry any of them;
// a start time must not be past.
func (a *App) CreateCampaign(ctx context.Context, actor Actor, c campaign.Campaign) (campaign.Campaign, error) {
	if err := actor.can(staff.WriteCampaigns); err != nil {
		return c, err
	}
	if c.Template.Synced {
		if len(c.Template.Languages) > 0 || len(c.Template.Params) > 0 {
			return c, invalid("a synced template is given by its name alone: its text is the platform's")
		}
		synced, err := a.store.Templates(ctx)
		if err != nil {
			return c, err
		}
		if c.Template, err = template.Campaign(c.Template.Name, synced); err != nil {
			return c, fmt.Errorf("%w: %w", ErrRefused, err)
		}
	}
	if !c.ScheduledAt.IsZero() && c.ScheduledAt.Before(a.now()) {
		return c, invalid("scheduled_at %s is in the past", c.ScheduledAt.Format(time.RFC3339))
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	tags, err := a.checkTags(c.Tags)
	if err != nil {
		return c, err
	}
	c.Tags = nil
	if len(tags) > 0 {
		c.Tags = tags
	}
	p, err := a.store.Purpose(ctx, c.Purpose)
	if errors.Is(err, store.ErrNotFound) {
		return c, invalid("unknown purpose %q", c.Purpose)
	} else if err != nil {
		return c, err
	}
	if p.Channel != consent.WhatsApp {
		return c, refused("purpose %q is not on WhatsApp", p.Key)
	}
	if c.Sender != "" { // the default number is checked when the campaign starts
		if _, err := a.sendingNumber(c.Sender); err != nil {
			return c, err
		}
	}
	if err := c.Template.Lint(a.controller().Name, a.cfg.PublicURL+"/privacy", p.Fields); err != nil {
		return c, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	c.ID, c.Status, c.CreatedAt, c.Audience, c.Walked = newID(), campaign.Draft, a.now(), 0, false
	c.StartedAt, c.FinishedAt = time.Time{}, time.Time{}
	return c, a.store.Tx(ctx, func(tx store.Tx) error { return tx.CreateCampaign(ctx, c) })
}

// CampaignView is a campaign with its progress (API.md).
type CampaignView struct {
	campaign.Campaign
	Counts   map[message.Status]int64 `json:"counts"`
	Skipped  map[string]int64         `json:"skipped_by_reason"`
	Failed   map[string]int64         `json:"failed_by_reason"`
	Progress float64                  `json:"progress"` // share of the audience that has an outcome
	// Fallbacks counts, by the person's language, the messages that went in
	// another language because the template has no variant in theirs.
	Fallbacks map[string]int64 `json:"language_fallbacks"`
}

// Campaign returns a campaign with its counts.
func (a *App) Campaign(ctx context.Context, actor Actor, id string) (CampaignView, error) {
	if err := actor.can(staff.ReadCampaigns); err != nil {
		return CampaignView{}, err
	}
	c, err := a.store.Campaign(ctx, id)
	if err != nil {
		return CampaignView{}, err
	}
	counts, err := a.store.CampaignCounts(ctx, id)
	if err != nil {
		return CampaignView{}, err
	}
	v := CampaignView{Campaign: c, Counts: map[message.Status]int64{}, Skipped: map[string]int64{}, Failed: map[string]int64{}}
	for _, st := range []message.Status{message.Queued, message.Sending, message.Sent, message.Delivered, message.Read,
		message.Failed, message.Skipped, message.Unknown} {
		v.Counts[st] = 0
	}
	var done, rows int64
	for _, n := range counts {
		rows += n.N
		v.Counts[n.Status] += n.N
		switch n.Status {
		case message.Skipped:
			v.Skipped[n.Reason] += n.N
		case message.Failed:
			v.Failed[n.Reason] += n.N
		}
		if n.Status != message.Queued && n.Status != message.Sending {
			done += n.N
		}
	}
	// While the walk goes on, the contacts it has not reached have no
	// message yet: queued, or never to be sent once cancelled.
	if rest := c.Audience - rows; !c.Walked && rest > 0 {
		if c.Status == campaign.Cancelled {
			v.Counts[message.Skipped] += rest
			v.Skipped["campaign cancelled"] += rest
			done += rest
		} else {
			v.Counts[message.Queued] += rest
		}
	}
	if c.Audience > 0 {
		v.Progress = min(1, float64(done)/float64(c.Audience))
	}
	v.Fallbacks, err = a.languageFallbacks(ctx, c)
	return v, err
}

// languageFallbacks counts the people whose language the campaign's template
// lacks (they get bokmål, or the variant there is); a template with a variant
// in every language a contact can have needs no count.
func (a *App) languageFallbacks(ctx context.Context, c campaign.Campaign) (map[string]int64, error) {
	out := map[string]int64{}
	complete := true
	for _, lang := range contact.Languages {
		_, ok := c.Template.Languages[lang]
		complete = complete && ok
	}
	if complete {
		return out, nil
	}
	byLang, err := a.store.CampaignLanguages(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for lang, n := range byLang {
		if _, ok := c.Template.Languages[lang]; !ok && n > 0 {
			out[lang] = n
		}
	}
	return out, nil
}

// CampaignAction is start, pause, resume or cancel.
func (a *App) CampaignAction(ctx context.Context, actor Actor, id, action string) (CampaignView, error) {
	if err := actor.can(staff.WriteCampaigns); err != nil {
		return CampaignView{}, err
	}
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.LockCampaign(ctx, id)
		if err != nil {
			return err
		}
		cursor, err := tx.CampaignCursor(ctx, id)
		if err != nil {
			return err
		}
		from := map[string][]campaign.Status{
			"start": {campaign.Draft}, "pause": {campaign.Running}, "resume": {campaign.Paused},
			"cancel": {campaign.Draft, campaign.Running, campaign.Paused},
		}[action]
		if from == nil {
			return invalid("action must be start, pause, resume or cancel")
		}
		ok := false
		for _, st := range from {
			ok = ok || c.Status == st
		}
		if !ok {
			return fmt.Errorf("%w: cannot %s a campaign that is %s", store.ErrConflict, action, c.Status)
		}
		switch action {
		case "start", "resume":
			if action == "start" {
				c.StartedAt = a.now()
			}
			c.Status = campaign.Running
			opts := &river.InsertOpts{}
			if c.ScheduledAt.After(a.now()) {
				opts.ScheduledAt = c.ScheduledAt
			}
			if err := tx.Enqueue(ctx, job.DispatchCampaign{CampaignID: id}, opts); err != nil {
				return err
			}
		case "pause":
			c.Status = campaign.Paused
		case "cancel":
			c.Status, c.FinishedAt = campaign.Cancelled, a.now()
			if _, err := tx.SkipQueued(ctx, id, "campaign cancelled", a.now()); err != nil {
				return err
			}
		}
		return tx.UpdateCampaign(ctx, c, cursor)
	})
	if err != nil {
		return CampaignView{}, err
	}
	return a.Campaign(ctx, actor, id)
}

// inBatches runs batch, which changes up to limit rows, in transactions of
// 10,000 rows until fewer are left, and adds up the rows changed.
func (a *App) inBatches(ctx context.Context, batch func(tx store.Tx, limit int) (int64, error)) (int64, error) {
	var total int64
	for {
		var n int64
		err := a.store.Tx(ctx, func(tx store.Tx) error {
			var err error
			n, err = batch(tx, 10000)
			return err
		})
		total += n
		if err != nil || n < 10000 {
			return total, err
		}
	}
}

// SettleUnknown ends as failed the messages whose outcome stayed unknown
// longer than any status webhook can take: every message ends known, and
// none is sent again to find out (reference §6: no idempotency key). A late
// delivered or read webhook still moves them on.
func (a *App) SettleUnknown(ctx context.Context) (int64, error) {
	before := a.now().Add(-a.cfg.UnknownAfter)
	title := fmt.Sprintf("no status from the platform within %s; not re-sent", days(a.cfg.UnknownAfter))
	return a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
		n, err := tx.SettleUnknown(ctx, before, title, a.now(), limit)
		a.noteSettled(tx, n)
		return n, err
	})
}

// days spells a duration in whole days when it is one, for people.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// sendingNumber is the client of a sending number: the default for "", or one of the
// configured further numbers.
func (a *App) sendingNumber(id string) (*whatsapp.Client, error) {
	if id == "" || (a.cfg.WhatsApp != nil && a.cfg.WhatsApp.PhoneNumberID() == id) {
		if a.cfg.WhatsApp == nil {
			return nil, refused("no WhatsApp sending number is set up")
		}
		return a.cfg.WhatsApp, nil
	}
	for _, c := range a.cfg.Senders {
		if c.PhoneNumberID() == id {
			return c, nil
		}
	}
	return nil, invalid("sender %q is not a configured sending number", id)
}

// SendingNumber is a number a campaign may send from: the business's own,
// never a person's.
type SendingNumber struct {
	ID      string // its phone-number id, a campaign's sender
	Default bool   // the main number (a campaign with no sender uses it)
	Display string // the number people see, when known (the main one's)
}

// SendingNumbers lists the main number first, then the further ones.
func (a *App) SendingNumbers() []SendingNumber {
	var out []SendingNumber
	if a.cfg.WhatsApp != nil {
		out = append(out, SendingNumber{ID: a.cfg.WhatsApp.PhoneNumberID(), Default: true, Display: a.cfg.BusinessNumber})
	}
	for _, c := range a.cfg.Senders {
		if a.cfg.WhatsApp == nil || c.PhoneNumberID() != a.cfg.WhatsApp.PhoneNumberID() {
			out = append(out, SendingNumber{ID: c.PhoneNumberID()})
		}
	}
	return out
}
