// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"time"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// DashboardDays is how many Oslo calendar days the dashboard's daily
// counts cover, today included.
const DashboardDays = 30

// dashboardCampaigns is how many of the newest started campaigns the
// dashboard shows the throughput and delivery of.
const dashboardCampaigns = 10

// Dashboard is what the admin UI's first page shows (issue 23): aggregate
// counts only, never a person or a number.
type Dashboard struct {
	At time.Time `json:"at"`
	// Audience is, per purpose, the contacts whose consent is active.
	Audience []PurposeCount `json:"audience"`
	// Days are the opt-ins and opt-outs of each Oslo calendar day, oldest
	// first, DashboardDays of them ending today.
	Days      []DayCount        `json:"days"`
	Campaigns []CampaignSummary `json:"campaigns"`
	Rights    RightsSummary     `json:"rights"`
	// LastAudit is the newest stored compliance audit; absent before the first.
	LastAudit *AuditResult `json:"last_audit,omitempty"`
}

// PurposeCount is the consented audience of one purpose.
type PurposeCount struct {
	Purpose string `json:"purpose"`
	Active  int64  `json:"active"`
}

// DayCount is one Oslo calendar day's opt-ins (confirmed consents and
// recorded soft opt-ins) and opt-outs (withdrawals and objections).
type DayCount struct {
	Day     string `json:"day"` // 2026-12-06
	OptIns  int64  `json:"opt_ins"`
	OptOuts int64  `json:"opt_outs"`
}

// CampaignSummary is a started campaign's throughput and delivery.
type CampaignSummary struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Status    campaign.Status `json:"status"`
	StartedAt time.Time       `json:"started_at"`
	Audience  int64           `json:"audience"`
	Sent      int64           `json:"sent"` // reached the platform: sent, delivered, read
	Delivered int64           `json:"delivered"`
	Read      int64           `json:"read"`
	Failed    int64           `json:"failed"`
	Skipped   int64           `json:"skipped"`
	// DeliveryRate is delivered (or read) over sent; 0 before any is sent.
	DeliveryRate float64 `json:"delivery_rate"`
	// PerMinute is the messages sent per minute from the start to its
	// finish (or now, while it runs).
	PerMinute float64 `json:"per_minute"`
}

// RightsSummary counts the unanswered rights requests.
type RightsSummary struct {
	Open    int64 `json:"open"`
	NearDue int64 `json:"near_due"`
	Overdue int64 `json:"overdue"`
}

// AuditResult is a stored audit's verdict.
type AuditResult struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Status string    `json:"status"` // pass, warn or fail: its worst finding
	Pass   int       `json:"pass"`
	Warn   int       `json:"warn"`
	Fail   int       `json:"fail"`
}

// Dashboard gathers the dashboard's counts. Every role that works with the
// list may read it: it holds no personal data.
func (a *App) Dashboard(ctx context.Context, actor Actor) (Dashboard, error) {
	if err := actor.can(staff.ReadStats); err != nil {
		return Dashboard{}, err
	}
	now := a.now()
	d := Dashboard{At: now, Audience: []PurposeCount{}, Campaigns: []CampaignSummary{}}
	ps, err := a.store.Purposes(ctx)
	if err != nil {
		return d, err
	}
	active, err := a.store.AudienceByPurpose(ctx)
	if err != nil {
		return d, err
	}
	for _, p := range ps {
		d.Audience = append(d.Audience, PurposeCount{Purpose: p.Key, Active: active[p.Key]})
	}
	days, since := OsloDays(now, DashboardDays)
	hours, err := a.store.ConsentChanges(ctx, since)
	if err != nil {
		return d, err
	}
	d.Days = CountDays(days, hours)
	if d.Campaigns, err = a.campaignSummaries(ctx, now); err != nil {
		return d, err
	}
	rc, err := a.store.RightsCounts(ctx, now)
	if err != nil {
		return d, err
	}
	d.Rights = RightsSummary{Open: rc.Open, NearDue: rc.NearDue, Overdue: rc.Overdue}
	audits, err := a.store.Audits(ctx, 1)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return d, err
	}
	if len(audits) > 0 {
		s := audits[0]
		d.LastAudit = &AuditResult{ID: s.ID, At: s.At, Status: string(s.Summary.Status()), Pass: s.Summary.Pass,
			Warn: s.Summary.Warn, Fail: s.Summary.Fail}
	}
	return d, nil
}

// OsloDays names the n Oslo calendar days ending with the one now falls on,
// oldest first, and returns the instant the first began.
func OsloDays(now time.Time, n int) ([]string, time.Time) {
	local := now.In(campaign.Oslo)
	first := time.Date(local.Year(), local.Month(), local.Day()-(n-1), 0, 0, 0, 0, campaign.Oslo)
	days := make([]string, n)
	for i := range days {
		days[i] = first.AddDate(0, 0, i).Format(time.DateOnly)
	}
	return days, first
}

// CountDays sorts hourly opt-in and opt-out counts into the Oslo calendar
// days named; an hour outside them is left out.
func CountDays(days []string, hours []store.HourCount) []DayCount {
	out := make([]DayCount, len(days))
	at := make(map[string]int, len(days))
	for i, d := range days {
		out[i].Day, at[d] = d, i
	}
	for _, h := range hours {
		i, ok := at[h.Hour.In(campaign.Oslo).Format(time.DateOnly)]
		if !ok {
			continue
		}
		switch h.Kind {
		case ledger.Confirmed, ledger.SoftOptIn:
			out[i].OptIns += h.N
		case ledger.Withdrawn, ledger.Objected:
			out[i].OptOuts += h.N
		}
	}
	return out
}

// campaignSummaries sums up the newest started campaigns.
func (a *App) campaignSummaries(ctx context.Context, now time.Time) ([]CampaignSummary, error) {
	out := []CampaignSummary{}
	before := ""
	for len(out) < dashboardCampaigns {
		cs, err := a.store.Campaigns(ctx, store.CampaignFilter{Before: before, Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			before = c.ID
			if c.StartedAt.IsZero() || len(out) == dashboardCampaigns {
				continue
			}
			counts, err := a.store.CampaignCounts(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			s := CampaignSummary{ID: c.ID, Name: c.Name, Status: c.Status, StartedAt: c.StartedAt, Audience: c.Audience}
			for _, n := range counts {
				switch n.Status {
				case message.Sent:
					s.Sent += n.N
				case message.Delivered:
					s.Sent, s.Delivered = s.Sent+n.N, s.Delivered+n.N
				case message.Read:
					s.Sent, s.Delivered, s.Read = s.Sent+n.N, s.Delivered+n.N, s.Read+n.N
				case message.Failed:
					s.Failed += n.N
				case message.Skipped:
					s.Skipped += n.N
				}
			}
			if s.Sent > 0 {
				s.DeliveryRate = float64(s.Delivered) / float64(s.Sent)
			}
			end := c.FinishedAt
			if end.IsZero() {
				end = now
			}
			if mins := end.Sub(c.StartedAt).Minutes(); mins > 0 {
				s.PerMinute = float64(s.Sent) / mins
			}
			out = append(out, s)
		}
		if len(cs) < 50 {
			break
		}
	}
	return out, nil
}
