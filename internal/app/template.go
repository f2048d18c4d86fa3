// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/template"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// TemplateList is the synced message templates.
type TemplateList struct {
	Templates []template.Template `json:"templates"`
}

// Templates lists the message templates as last synced, by name and
// language, with what the checks found.
func (a *App) Templates(ctx context.Context, actor Actor) (TemplateList, error) {
	if err := actor.can(staff.ReadCampaigns); err != nil {
		return TemplateList{}, err
	}
	ts, err := a.store.Templates(ctx)
	if ts == nil {
		ts = []template.Template{}
	}
	return TemplateList{Templates: ts}, err
}

// SyncTemplates reads every page of the platform's message templates
// (GET /{WABA-ID}/message_templates), stores each language variant in place
// of the one before, and runs the checks a campaign's template must pass on
// the marketing ones: approved, in nb or en, naming the business, offering
// the opt-out and linking to the notice (G-05, R-09, M-05). A template gone
// from the platform stays as last seen.
func (a *App) SyncTemplates(ctx context.Context, actor Actor) (TemplateList, error) {
	if err := actor.can(staff.SyncTemplates); err != nil {
		return TemplateList{}, err
	}
	if a.cfg.WhatsApp == nil {
		return TemplateList{}, refused("no WhatsApp account is set up")
	}
	pts, err := a.cfg.WhatsApp.MessageTemplates(ctx)
	if errors.Is(err, whatsapp.ErrNoBusinessAccount) {
		return TemplateList{}, refused("%v", err)
	} else if err != nil {
		return TemplateList{}, fmt.Errorf("%w: reading the message templates: %w", ErrPlatform, err)
	}
	now := a.now()
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		for _, pt := range pts {
			t := template.FromPlatform(platformOf(pt), now)
			t.Check(a.cfg.BusinessName, a.cfg.PublicURL+"/privacy")
			if err := tx.PutTemplate(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return TemplateList{}, err
	}
	return a.Templates(ctx, actor)
}

// platformOf is the platform's answer in the template package's terms.
func platformOf(m whatsapp.MessageTemplate) template.Platform {
	p := template.Platform{ID: m.ID, Name: m.Name, Language: m.Language, Status: m.Status, Category: m.Category}
	for _, c := range m.Components {
		tc := template.Component{Type: c.Type, Format: c.Format, Text: c.Text}
		for _, b := range c.Buttons {
			tc.Buttons = append(tc.Buttons, template.Button{Type: b.Type, Text: b.Text, URL: b.URL})
		}
		p.Components = append(p.Components, tc)
	}
	return p
}
