// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// DPIAView is the DPIA as staff see it: the newest saved version (or, when
// none is saved, a draft, Version 0), whether the purposes changed since
// (Art. 35(11)), and the screening as the figures stand now.
type DPIAView struct {
	dpia.Document
	Saved       bool           `json:"saved"`
	NeedsReview bool           `json:"needs_review"`
	Current     dpia.Screening `json:"current_screening"`
}

// Screening screens the processing against WP248 and Art. 35(3) from the
// live figures (D-01).
func (a *App) Screening(ctx context.Context, answers map[string]dpia.Answer) (dpia.Screening, error) {
	contacts, err := a.store.CountContacts(ctx)
	if err != nil {
		return dpia.Screening{}, err
	}
	active, err := a.store.CountActiveConsents(ctx)
	if err != nil {
		return dpia.Screening{}, err
	}
	purposes, err := a.store.Purposes(ctx)
	if err != nil {
		return dpia.Screening{}, err
	}
	f := dpia.Figures{Contacts: contacts, ActiveConsents: active, MinAge: a.cfg.MinAge, Tags: len(a.cfg.Tags),
		ExistingCustomers: slices.ContainsFunc(purposes, func(p consent.Purpose) bool { return p.Basis == consent.BasisExistingCustomer })}
	return dpia.Screen(f, answers, a.now()), nil
}

// purposesHash is the hash a DPIA keeps of the purposes it was written for.
func (a *App) purposesHash(ctx context.Context) (string, error) {
	purposes, err := a.store.Purposes(ctx)
	if err != nil {
		return "", err
	}
	var keys []string
	for _, p := range purposes {
		keys = append(keys, strings.Join([]string{p.Key, string(p.Channel), string(p.Basis), strings.Join(p.Fields, "+")}, "|"))
	}
	return dpia.HashPurposes(keys), nil
}

// DPIA is a version of the DPIA (0: the newest), or a draft made from the
// record of processing and the screening when none is saved (D-02).
func (a *App) DPIA(ctx context.Context, actor Actor, version int) (DPIAView, error) {
	if err := actor.can(staff.ReadRecords); err != nil {
		return DPIAView{}, err
	}
	if version < 0 {
		return DPIAView{}, invalid("version must be a positive number")
	}
	current, err := a.Screening(ctx, nil)
	if err != nil {
		return DPIAView{}, err
	}
	hash, err := a.purposesHash(ctx)
	if err != nil {
		return DPIAView{}, err
	}
	d, err := a.store.DPIA(ctx, version)
	switch {
	case errors.Is(err, store.ErrNotFound) && version == 0:
		rec, err := a.record(ctx)
		if err != nil {
			return DPIAView{}, err
		}
		d = dpia.Draft(rec, current, hash, actor.String(), a.now())
		return DPIAView{Document: d, Current: current}, nil
	case err != nil:
		return DPIAView{}, err
	}
	return DPIAView{Document: d, Saved: true, NeedsReview: d.NeedsReview(hash), Current: current}, nil
}

// DPIAInput is what a reviewer writes: the four parts, the risk register,
// the DPO's advice and their own answers to screening criteria.
type DPIAInput struct {
	Description     string                 `json:"description"`
	Necessity       string                 `json:"necessity"`
	RisksSummary    string                 `json:"risks_summary"`
	MeasuresSummary string                 `json:"measures_summary"`
	Risks           []dpia.Risk            `json:"risks"`
	DPOAdvice       string                 `json:"dpo_advice"`
	Answers         map[string]dpia.Answer `json:"answers"`
}

// SaveDPIA saves a new version of the DPIA: screened again with the
// reviewer's answers, stamped with the purposes it covers, refused when a
// part of Art. 35(7) or a CNIL risk is missing.
func (a *App) SaveDPIA(ctx context.Context, actor Actor, in DPIAInput) (DPIAView, error) {
	if err := actor.can(staff.WriteDPIA); err != nil {
		return DPIAView{}, err
	}
	for id := range in.Answers {
		if !slices.ContainsFunc(append(slices.Clone(dpia.WP248), dpia.Art35_3...), func(c dpia.Criterion) bool { return c.ID == id }) {
			return DPIAView{}, invalid("answers: %q is not a screening criterion", id)
		}
	}
	s, err := a.Screening(ctx, in.Answers)
	if err != nil {
		return DPIAView{}, err
	}
	hash, err := a.purposesHash(ctx)
	if err != nil {
		return DPIAView{}, err
	}
	d := dpia.Document{At: a.now(), Author: actor.String(), Screening: s, Description: in.Description, Necessity: in.Necessity,
		RisksSummary: in.RisksSummary, MeasuresSummary: in.MeasuresSummary, Risks: in.Risks, DPOAdvice: in.DPOAdvice, PurposesHash: hash}
	for _, r := range d.Risks {
		d.Consultation = d.Consultation || r.High()
	}
	if err := d.Check(); err != nil {
		return DPIAView{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		prev, err := tx.DPIA(ctx, 0)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			d.Version = prev.Version
		}
		d.Version++
		return tx.AddDPIA(ctx, d)
	})
	if err != nil {
		return DPIAView{}, err
	}
	return a.DPIA(ctx, actor, d.Version)
}

// DPIAVersions lists the saved versions, newest first.
func (a *App) DPIAVersions(ctx context.Context, actor Actor) ([]store.DPIAVersion, error) {
	if err := actor.can(staff.ReadRecords); err != nil {
		return nil, err
	}
	vs, err := a.store.DPIAVersions(ctx)
	if vs == nil {
		vs = []store.DPIAVersion{}
	}
	return vs, err
}
