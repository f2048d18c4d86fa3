// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// controllerSetting is the settings key of the controller's details made
// at the first run.
const controllerSetting = "controller"

// controller is the controller as the service names it now: the
// configuration's, or the first run's once made.
func (a *App) controller() controller.Controller { return *a.ctrl.Load() }

// Controller is the controller's details as the service uses them.
func (a *App) Controller() controller.Controller { return a.controller() }

// storedController is what the first run keeps of the controller: the
// name and organisation number (the rest stays in the configuration).
type storedController struct {
	Name      string `json:"name"`
	OrgNumber string `json:"org_number,omitempty"`
}

// SettingsRefresh is how often serve re-reads the settings (WatchSettings):
// the longest a replica shows the controller's old details after another
// replica changed them.
const SettingsRefresh = 5 * time.Second

// LoadSettings takes the controller's details made at the first run (issue
// 23 point 2) over those of the configuration: one read of one row. serve
// calls it at start, then every SettingsRefresh (WatchSettings).
func (a *App) LoadSettings(ctx context.Context) error {
	// Held over the read and the apply, so that a read made before this
	// replica's Setup committed is never applied after it.
	a.settingsMu.Lock()
	defer a.settingsMu.Unlock()
	a.settingsReads.Add(1)
	v, err := a.store.Setting(ctx, controllerSetting)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var sc storedController
	if err := json.Unmarshal([]byte(v), &sc); err != nil {
		return fmt.Errorf("setting %s: %w", controllerSetting, err)
	}
	a.applyController(sc)
	return nil
}

// WatchSettings calls LoadSettings every interval until ctx ends, so that
// details set up on another replica reach this one without a restart: one
// query an interval, none a request. A failed read keeps the details held.
func (a *App) WatchSettings(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := a.LoadSettings(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("settings", "error", err)
		}
	}
}

func (a *App) applyController(sc storedController) {
	c := a.controller()
	c.Name, c.OrgNumber = sc.Name, sc.OrgNumber
	a.ctrl.Store(&c)
}

// SetUp reports whether the service is set up: a privacy notice is
// published in bokmål, so the opt-in page is open.
func (a *App) SetUp(ctx context.Context) (bool, error) {
	_, err := a.store.CurrentNotice(ctx, "nb")
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// SetupInput is the first run's form: who the controller is and a first
// purpose (created unless one of that key exists).
type SetupInput struct {
	Name      string
	OrgNumber string
	Purpose   consent.Purpose
}

// Setup keeps the controller's name and organisation number (checked: nine
// digits, modulus 11) and creates the first purpose, in one transaction;
// the privacy notices are drafted and published next, by the notice use
// cases. It needs the rights to write purposes and notices (an admin or
// the DPO).
func (a *App) Setup(ctx context.Context, actor Actor, in SetupInput) error {
	if err := actor.can(staff.WritePurposes); err != nil {
		return err
	}
	if err := actor.can(staff.WriteNotices); err != nil {
		return err
	}
	sc := storedController{Name: strings.TrimSpace(in.Name), OrgNumber: strings.ReplaceAll(strings.TrimSpace(in.OrgNumber), " ", "")}
	switch {
	case sc.Name == "" || len(sc.Name) > 200:
		return invalid("the business name must be 1 to 200 characters")
	case !controller.ValidOrgNumber(sc.OrgNumber):
		return invalid("the organisation number must be nine digits with a valid check digit (modulus 11)")
	}
	in.Purpose.CreatedAt = a.now()
	if err := in.Purpose.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	body, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.PutSetting(ctx, controllerSetting, string(body), actor.String(), a.now()); err != nil {
			return err
		}
		existing, err := a.store.Purposes(ctx)
		if err != nil {
			return err
		}
		for _, p := range existing {
			if p.Key == in.Purpose.Key {
				return nil
			}
		}
		return tx.CreatePurpose(ctx, in.Purpose)
	})
	if err != nil {
		return err
	}
	a.settingsMu.Lock()
	a.applyController(sc)
	a.settingsMu.Unlock()
	return nil
}

// PublicURL is how people reach the public pages (a campaign's text links
// to its privacy notice there).
func (a *App) PublicURL() string { return a.cfg.PublicURL }
