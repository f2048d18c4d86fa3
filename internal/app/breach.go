// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// BreachView is a breach of the register as staff and the API see it.
type BreachView struct {
	ID               string                   `json:"id"`
	Title            string                   `json:"title"`
	Description      string                   `json:"description,omitempty"`
	Cause            string                   `json:"cause,omitempty"`
	Source           string                   `json:"source,omitempty"`
	Categories       []breach.Category        `json:"categories"`
	OccurredAt       *time.Time               `json:"occurred_at,omitempty"`
	OccurredUntil    *time.Time               `json:"occurred_until,omitempty"`
	DiscoveredAt     *time.Time               `json:"discovered_at,omitempty"`
	AwareAt          time.Time                `json:"aware_at"`
	DeadlineAt       time.Time                `json:"deadline_at"`
	DataCategories   []string                 `json:"data_categories"`
	PeopleCategories []string                 `json:"people_categories"`
	PeopleApprox     int64                    `json:"people_approx,omitempty"`
	RecordsApprox    int64                    `json:"records_approx,omitempty"`
	DataLocation     string                   `json:"data_location,omitempty"`
	Consequences     string                   `json:"consequences,omitempty"`
	MeasuresTaken    string                   `json:"measures_taken,omitempty"`
	MeasuresProposed string                   `json:"measures_proposed,omitempty"`
	Risk             breach.Risk              `json:"risk"`
	RiskReason       string                   `json:"risk_reason,omitempty"`
	MustNotify       bool                     `json:"must_notify"`
	MustTellPeople   bool                     `json:"must_tell_people"`
	NotifiedAt       *time.Time               `json:"notified_at,omitempty"`
	Reference        string                   `json:"reference,omitempty"`
	DelayReason      string                   `json:"delay_reason,omitempty"`
	Late             bool                     `json:"late"`
	DueSoon          bool                     `json:"due_soon"`
	Overdue          bool                     `json:"overdue"`
	PeopleExemption  breach.Exemption         `json:"people_exemption,omitempty"`
	ContactPoint     string                   `json:"contact_point,omitempty"`
	PeopleNotice     map[string]breach.Notice `json:"people_notice"`
	State            breach.State             `json:"state"`
	CreatedAt        time.Time                `json:"created_at"`
	UpdatedAt        time.Time                `json:"updated_at"`
	ClosedAt         *time.Time               `json:"closed_at,omitempty"`
	CreatedBy        string                   `json:"created_by"`
	// People and Steps come with a single breach, not in lists.
	People *breach.PeopleTold `json:"people,omitempty"`
	Steps  []BreachStep       `json:"steps,omitempty"`
}

// BreachStep is one recorded step of a breach's handling.
type BreachStep = RegisterStep

func (a *App) breachView(i breach.Incident) BreachView {
	now := a.now()
	v := BreachView{ID: i.ID, Title: i.Title, Description: i.Description, Cause: i.Cause, Source: i.Source,
		Categories: nonNil(i.Categories), OccurredAt: optTime(i.OccurredAt), OccurredUntil: optTime(i.OccurredUntil),
		DiscoveredAt: optTime(i.DiscoveredAt), AwareAt: i.AwareAt, DeadlineAt: i.DeadlineAt(),
		DataCategories: nonNil(i.DataCategories), PeopleCategories: nonNil(i.PeopleCategories),
		PeopleApprox: i.PeopleApprox, RecordsApprox: i.RecordsApprox, DataLocation: i.DataLocation,
		Consequences: i.Consequences, MeasuresTaken: i.MeasuresTaken, MeasuresProposed: i.MeasuresProposed,
		Risk: i.Risk, RiskReason: i.RiskReason, MustNotify: i.MustNotify(), MustTellPeople: i.MustTell(),
		NotifiedAt: optTime(i.NotifiedAt), Reference: i.Reference, DelayReason: i.DelayReason, Late: i.Late(),
		DueSoon: i.NearlyDue(now), Overdue: i.Overdue(now), PeopleExemption: i.Exemption, ContactPoint: i.ContactPoint,
		PeopleNotice: i.People, State: i.State, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
		ClosedAt: optTime(i.ClosedAt), CreatedBy: i.CreatedBy}
	if v.PeopleNotice == nil {
		v.PeopleNotice = map[string]breach.Notice{}
	}
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// breachErr maps the rules' errors onto the app's.
func breachErr(err error) error { return registerErr(err, breach.ErrInvalid, breach.ErrRefused) }

// BreachInput is a breach as staff record or change it: a nil field is not
// given (on a change: left as it is).
type BreachInput struct {
	Title            *string
	Description      *string
	Cause            *string
	Source           *string
	Categories       *[]string
	OccurredAt       *time.Time
	OccurredUntil    *time.Time
	DiscoveredAt     *time.Time
	AwareAt          *time.Time
	DataCategories   *[]string
	PeopleCategories *[]string
	PeopleApprox     *int64
	RecordsApprox    *int64
	DataLocation     *string
	Consequences     *string
	MeasuresTaken    *string
	MeasuresProposed *string
	Risk             *string
	RiskReason       *string
	DelayReason      *string
	PeopleExemption  *string
	ContactPoint     *string
	PeopleNotice     *map[string]breach.Notice
	State            *string // open or closed; only on a change
}

// apply sets the given fields on i.
func (in BreachInput) apply(i breach.Incident) breach.Incident {
	str := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	tm := func(dst *time.Time, src *time.Time) {
		if src != nil {
			*dst = src.UTC().Truncate(time.Microsecond)
		}
	}
	list := func(dst *[]string, src *[]string) {
		if src != nil {
			*dst = make([]string, len(*src))
			for n, s := range *src {
				(*dst)[n] = strings.TrimSpace(s)
			}
		}
	}
	str(&i.Title, in.Title)
	str(&i.Description, in.Description)
	str(&i.Cause, in.Cause)
	str(&i.Source, in.Source)
	if in.Categories != nil {
		i.Categories = make([]breach.Category, len(*in.Categories))
		for n, c := range *in.Categories {
			i.Categories[n] = breach.Category(c)
		}
	}
	tm(&i.OccurredAt, in.OccurredAt)
	tm(&i.OccurredUntil, in.OccurredUntil)
	tm(&i.DiscoveredAt, in.DiscoveredAt)
	tm(&i.AwareAt, in.AwareAt)
	list(&i.DataCategories, in.DataCategories)
	list(&i.PeopleCategories, in.PeopleCategories)
	if in.PeopleApprox != nil {
		i.PeopleApprox = *in.PeopleApprox
	}
	if in.RecordsApprox != nil {
		i.RecordsApprox = *in.RecordsApprox
	}
	str(&i.DataLocation, in.DataLocation)
	str(&i.Consequences, in.Consequences)
	str(&i.MeasuresTaken, in.MeasuresTaken)
	str(&i.MeasuresProposed, in.MeasuresProposed)
	if in.Risk != nil {
		i.Risk = breach.Risk(*in.Risk)
	}
	str(&i.RiskReason, in.RiskReason)
	str(&i.DelayReason, in.DelayReason)
	if in.PeopleExemption != nil {
		i.Exemption = breach.Exemption(*in.PeopleExemption)
	}
	str(&i.ContactPoint, in.ContactPoint)
	if in.PeopleNotice != nil {
		i.People = map[string]breach.Notice{}
		for lang, n := range *in.PeopleNotice {
			i.People[lang] = breach.Notice{What: strings.TrimSpace(n.What), Consequences: strings.TrimSpace(n.Consequences),
				Advice: strings.TrimSpace(n.Advice)}
		}
	}
	return i
}

// checkBreach checks an incident as it would be stored: the rules, and that
// each text people would be told fits one WhatsApp template.
func (a *App) checkBreach(i breach.Incident) error {
	if err := i.Check(a.now(), phone.Mentions); err != nil {
		return breachErr(err)
	}
	for lang, n := range i.People {
		text := breachNoticeText(lang, a.controller().Name, n, a.contactPoint(i))
		if c := utf8.RuneCountInString(text); c > maxTemplateBody {
			return invalid("people_notice.%s: the message would be %d characters; a WhatsApp template holds %d", lang, c, maxTemplateBody)
		}
	}
	return nil
}

// maxTemplateBody is the most a template's body may hold (WhatsApp
// reference §1.3).
const maxTemplateBody = 1024

// RecordBreach records a breach in the register (B-04), with the moment the
// controller became aware of it: the 72 hours run from there (B-01). title
// and aware_at are required; the rest may follow. An unassessed risk counts
// as one that must be notified.
func (a *App) RecordBreach(ctx context.Context, actor Actor, in BreachInput) (BreachView, error) {
	if err := actor.can(staff.WriteBreaches); err != nil {
		return BreachView{}, err
	}
	if in.State != nil && *in.State != string(breach.Open) {
		return BreachView{}, invalid("a breach is recorded open; close it once handled")
	}
	now := a.now()
	i := in.apply(breach.Incident{ID: newID(), Risk: breach.RiskUnassessed, State: breach.Open, CreatedAt: now, UpdatedAt: now,
		CreatedBy: actor.String()})
	if err := a.checkBreach(i); err != nil {
		return BreachView{}, err
	}
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.CreateBreach(ctx, i); err != nil {
			return err
		}
		note := fmt.Sprintf("aware %s, deadline %s; risk %s", stamp(i.AwareAt), stamp(i.DeadlineAt()), i.Risk)
		return a.breachStep(ctx, tx, i.ID, actor, "recorded", note)
	})
	if err != nil {
		return BreachView{}, err
	}
	return a.Breach(ctx, actor, i.ID)
}

func stamp(t time.Time) string { return t.In(breach.Oslo).Format("2006-01-02 15:04 MST") }

func (a *App) breachStep(ctx context.Context, tx store.Tx, id string, actor Actor, action, note string) error {
	return tx.AddBreachStep(ctx, breach.Step{BreachID: id, At: a.now(), Actor: actor.String(), Action: action, Note: note})
}

// UpdateBreach changes a breach as its handling goes on: what is learnt,
// the risk assessed, the delay's reason, the texts people will be told, or
// closing it (only once assessed and, with a risk, notified). Every change
// is recorded with what changed; a moved awareness keeps both times.
func (a *App) UpdateBreach(ctx context.Context, actor Actor, id string, in BreachInput) (BreachView, error) {
	if err := actor.can(staff.WriteBreaches); err != nil {
		return BreachView{}, err
	}
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		old, err := tx.LockBreach(ctx, id)
		if err != nil {
			return err
		}
		i := in.apply(old)
		if in.State != nil {
			switch st := breach.State(*in.State); {
			case st == breach.Closed && old.State != breach.Closed:
				i.State, i.ClosedAt = st, a.now()
			case st == breach.Open && old.State != breach.Open:
				i.State, i.ClosedAt = st, time.Time{}
			case st != breach.Open && st != breach.Closed:
				return invalid("state must be open or closed")
			}
		}
		if err := a.checkBreach(i); err != nil {
			return err
		}
		changes := breach.Changes(old, i)
		if len(changes) == 0 {
			return nil
		}
		i.UpdatedAt = a.now()
		if err := tx.UpdateBreach(ctx, i); err != nil {
			return err
		}
		action := "changed"
		switch {
		case i.State == breach.Closed && old.State != breach.Closed:
			action = "closed"
		case i.State == breach.Open && old.State == breach.Closed:
			action = "reopened"
		}
		return a.breachStep(ctx, tx, id, actor, action, strings.Join(changes, "; "))
	})
	if err != nil {
		return BreachView{}, err
	}
	return a.Breach(ctx, actor, id)
}

// Breaches lists the register, the most recent awareness first; state
// filters (open, closed).
func (a *App) Breaches(ctx context.Context, actor Actor, state string) ([]BreachView, error) {
	return registerList(ctx, actor, staff.ReadBreaches, func(ctx context.Context) ([]breach.Incident, error) {
		f := store.BreachFilter{}
		switch st := breach.State(state); st {
		case "":
		case breach.Open, breach.Closed:
			f.State = st
		default:
			return nil, invalid("state must be open or closed")
		}
		return a.store.Breaches(ctx, f)
	}, a.breachView)
}

// Breach reads one breach with the people told and every step.
func (a *App) Breach(ctx context.Context, actor Actor, id string) (BreachView, error) {
	return registerEntry(ctx, actor, staff.ReadBreaches, id, a.store.Breach, a.store.BreachSteps,
		func(i breach.Incident, steps []breach.Step) (BreachView, error) {
			notices, err := a.store.BreachNotices(ctx, id)
			if err != nil {
				return BreachView{}, err
			}
			v := a.breachView(i)
			people := breach.NewReport(i, a.controller(), notices, a.now()).People
			v.People = &people
			for _, s := range steps {
				v.Steps = append(v.Steps, BreachStep{At: s.At, Actor: s.Actor, Action: s.Action, Note: s.Note})
			}
			return v, nil
		})
}

// BreachCounts counts the open, due-soon and overdue breaches for /metrics.
func (a *App) BreachCounts(ctx context.Context) (breach.Counts, error) {
	return a.store.BreachCounts(ctx, a.now())
}

// NotificationInput is Datatilsynet notified of a breach.
type NotificationInput struct {
	At          *time.Time // when (default now)
	Reference   string     // the notification's reference in Altinn
	DelayReason string     // why after the 72 hours, when it was
}

// MarkNotified records that Datatilsynet was notified (B-01): the first
// notification stops the clock, and one after the 72 hours needs the
// reasons for the delay (Art. 33(1)); later ones are recorded as
// supplements (Art. 33(4)).
func (a *App) MarkNotified(ctx context.Context, actor Actor, id string, in NotificationInput) (BreachView, error) {
	if err := actor.can(staff.WriteBreaches); err != nil {
		return BreachView{}, err
	}
	n := breach.Notification{At: a.now(), Reference: strings.TrimSpace(in.Reference), DelayReason: in.DelayReason}
	if in.At != nil {
		n.At = in.At.UTC().Truncate(time.Microsecond)
	}
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		old, err := tx.LockBreach(ctx, id)
		if err != nil {
			return err
		}
		i, supplement, err := breach.Notify(old, n, a.now())
		if err != nil {
			return breachErr(err)
		}
		if err := a.checkBreach(i); err != nil {
			return err
		}
		note := "Datatilsynet notified " + stamp(n.At)
		if n.Reference != "" {
			note += ", reference " + n.Reference
		}
		action := "notified"
		switch {
		case supplement:
			action = "supplemented"
		case i.Late():
			note += fmt.Sprintf("; %s after the deadline: %s", n.At.Sub(i.DeadlineAt()).Round(time.Minute), i.DelayReason)
		default:
			note += "; within the 72 hours"
		}
		if len(breach.Changes(old, i)) > 0 {
			i.UpdatedAt = a.now()
			if err := tx.UpdateBreach(ctx, i); err != nil {
				return err
			}
		}
		return a.breachStep(ctx, tx, id, actor, action, note)
	})
	if err != nil {
		return BreachView{}, err
	}
	return a.Breach(ctx, actor, id)
}

// BreachReport drafts the Art. 33(3) notification of a breach (B-02) from
// the register and the controller's configuration.
func (a *App) BreachReport(ctx context.Context, actor Actor, id string) (breach.Report, error) {
	if err := actor.can(staff.ReadBreaches); err != nil {
		return breach.Report{}, err
	}
	i, err := a.store.Breach(ctx, id)
	if err != nil {
		return breach.Report{}, err
	}
	notices, err := a.store.BreachNotices(ctx, id)
	if err != nil {
		return breach.Report{}, err
	}
	return breach.NewReport(i, a.controller(), notices, a.now()), nil
}

// contactPoint is whom people and Datatilsynet ask about a breach, in one
// line: the breach's own contact point, else the configured DPO's (Art.
// 33(3)(b)); empty when neither is set.
func (a *App) contactPoint(i breach.Incident) string {
	if i.ContactPoint != "" {
		return i.ContactPoint
	}
	d := a.controller().DPO
	var parts []string
	for _, p := range []string{d.Name, d.Email, d.Phone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if d.Empty() {
		return ""
	}
	return strings.Join(parts, ", ")
}

// breachNoticeText is what a person is told (catalog msg.breach_notice, the
// body of the template samtykke_breach_notice).
func breachNoticeText(lang, business string, n breach.Notice, contact string) string {
	return i18n.T(lang, "msg.breach_notice", "business", business, "what", n.What, "consequences", n.Consequences,
		"advice", n.Advice, "contact", contact)
}

// missingNoticeLanguages lists the languages people can have that a
// breach's notice lacks.
func missingNoticeLanguages(i breach.Incident) []string {
	var out []string
	for _, lang := range breach.Languages {
		if _, ok := i.People[lang]; !ok {
			out = append(out, lang)
		}
	}
	return slices.Clip(out)
}
