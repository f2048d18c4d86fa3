// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// MaxPage is the most rows a list returns in one page.
const MaxPage = 200

// CampaignPage is one page of the campaign list: newest first; Next, when
// set, is the cursor of the page after.
type CampaignPage struct {
	Campaigns []campaign.Campaign `json:"campaigns"`
	Next      string              `json:"next,omitempty"`
}

// Campaigns lists the campaigns newest first, of one status when status is
// set, a page of limit (0: 50) after the cursor (issue 23).
func (a *App) Campaigns(ctx context.Context, actor Actor, status, cursor string, limit int) (CampaignPage, error) {
	if err := actor.can(staff.ReadCampaigns); err != nil {
		return CampaignPage{}, err
	}
	switch campaign.Status(status) {
	case "", campaign.Draft, campaign.Running, campaign.Paused, campaign.Cancelled, campaign.Done:
	default:
		return CampaignPage{}, invalid("state must be draft, running, paused, cancelled or done")
	}
	limit, err := pageSize(limit)
	if err != nil {
		return CampaignPage{}, err
	}
	cs, err := a.store.Campaigns(ctx, store.CampaignFilter{Status: campaign.Status(status), Before: cursor, Limit: limit + 1})
	if err != nil {
		return CampaignPage{}, err
	}
	page := CampaignPage{Campaigns: cs}
	if len(cs) > limit {
		page.Campaigns, page.Next = cs[:limit], cs[limit-1].ID
	}
	if page.Campaigns == nil {
		page.Campaigns = []campaign.Campaign{}
	}
	return page, nil
}

// pageSize checks a page's size: 0 is 50.
func pageSize(limit int) (int, error) {
	switch {
	case limit == 0:
		return 50, nil
	case limit < 0 || limit > MaxPage:
		return 0, invalid("limit must be from 1 to %d", MaxPage)
	}
	return limit, nil
}

// Audience is how many contacts a campaign would reach if it started now.
type Audience struct {
	CampaignID string    `json:"campaign_id"`
	Count      int64     `json:"count"`
	CountedAt  time.Time `json:"counted_at"`
}

// CampaignAudience counts the contacts a campaign would reach now: active
// consent for its purpose, narrowed by its language and tags. The gate
// still decides each message when it is sent (G-01).
func (a *App) CampaignAudience(ctx context.Context, actor Actor, id string) (Audience, error) {
	if err := actor.can(staff.ReadCampaigns); err != nil {
		return Audience{}, err
	}
	// On a reader: the count reads the whole audience, and on SQLite a
	// write transaction would hold withdrawals back meanwhile.
	c, err := a.store.Campaign(ctx, id)
	if err != nil {
		return Audience{}, err
	}
	n, err := a.store.CountAudience(ctx, c)
	return Audience{CampaignID: id, Count: n, CountedAt: a.now()}, err
}

// CampaignPreview is a campaign's template in each of its languages, as a
// person would read it, footer included.
type CampaignPreview struct {
	CampaignID string             `json:"campaign_id"`
	Template   string             `json:"template"`
	Previews   []campaign.Preview `json:"previews"`
}

// PreviewCampaign renders a campaign's template in each language, its
// parameters filled with example values (no person's data).
func (a *App) PreviewCampaign(ctx context.Context, actor Actor, id string) (CampaignPreview, error) {
	if err := actor.can(staff.ReadCampaigns); err != nil {
		return CampaignPreview{}, err
	}
	c, err := a.store.Campaign(ctx, id)
	if err != nil {
		return CampaignPreview{}, err
	}
	return CampaignPreview{CampaignID: id, Template: c.Template.Name, Previews: c.Template.Previews()}, nil
}
