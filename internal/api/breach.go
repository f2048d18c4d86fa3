// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"net/http"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/httpx"
)

// breachIn is a breach as a client records or changes it; an absent field
// is not given (on a change: left as it is).
type breachIn struct {
	Title            *string                   `json:"title"`
	Description      *string                   `json:"description"`
	Cause            *string                   `json:"cause"`
	Source           *string                   `json:"source"`
	Categories       *[]string                 `json:"categories"`
	OccurredAt       *time.Time                `json:"occurred_at"`
	OccurredUntil    *time.Time                `json:"occurred_until"`
	DiscoveredAt     *time.Time                `json:"discovered_at"`
	AwareAt          *time.Time                `json:"aware_at"`
	DataCategories   *[]string                 `json:"data_categories"`
	PeopleCategories *[]string                 `json:"people_categories"`
	PeopleApprox     *int64                    `json:"people_approx"`
	RecordsApprox    *int64                    `json:"records_approx"`
	DataLocation     *string                   `json:"data_location"`
	Consequences     *string                   `json:"consequences"`
	MeasuresTaken    *string                   `json:"measures_taken"`
	MeasuresProposed *string                   `json:"measures_proposed"`
	Risk             *string                   `json:"risk"`
	RiskReason       *string                   `json:"risk_reason"`
	DelayReason      *string                   `json:"delay_reason"`
	PeopleExemption  *string                   `json:"people_exemption"`
	ContactPoint     *string                   `json:"contact_point"`
	PeopleNotice     *map[string]breach.Notice `json:"people_notice"`
	State            *string                   `json:"state"`
}

func (in breachIn) input() app.BreachInput {
	return app.BreachInput{Title: in.Title, Description: in.Description, Cause: in.Cause, Source: in.Source,
		Categories: in.Categories, OccurredAt: in.OccurredAt, OccurredUntil: in.OccurredUntil, DiscoveredAt: in.DiscoveredAt,
		AwareAt: in.AwareAt, DataCategories: in.DataCategories, PeopleCategories: in.PeopleCategories,
		PeopleApprox: in.PeopleApprox, RecordsApprox: in.RecordsApprox, DataLocation: in.DataLocation,
		Consequences: in.Consequences, MeasuresTaken: in.MeasuresTaken, MeasuresProposed: in.MeasuresProposed,
		Risk: in.Risk, RiskReason: in.RiskReason, DelayReason: in.DelayReason, PeopleExemption: in.PeopleExemption,
		ContactPoint: in.ContactPoint, PeopleNotice: in.PeopleNotice, State: in.State}
}

func (s *Server) createBreach(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in breachIn
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.RecordBreach(r.Context(), actor, in.input())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) listBreaches(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	out, err := s.app.Breaches(r.Context(), actor, r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"breaches": out})
	return nil
}

func (s *Server) getBreach(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	out, err := s.app.Breach(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) updateBreach(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in breachIn
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.UpdateBreach(r.Context(), actor, r.PathValue("id"), in.input())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) breachNotified(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		NotifiedAt  *time.Time `json:"notified_at"`
		Reference   string     `json:"reference"`
		DelayReason string     `json:"delay_reason"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.MarkNotified(r.Context(), actor, r.PathValue("id"),
		app.NotificationInput{At: in.NotifiedAt, Reference: in.Reference, DelayReason: in.DelayReason})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) notifyPeople(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		ContactIDs []string `json:"contact_ids"`
		All        bool     `json:"all"`
		Purpose    string   `json:"purpose"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.NotifyPeople(r.Context(), actor, r.PathValue("id"),
		app.PeopleSelection{ContactIDs: in.ContactIDs, All: in.All, Purpose: in.Purpose})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if out.Walking {
		status = http.StatusAccepted // the queue tells them, in batches
	}
	httpx.WriteJSON(w, status, out)
	return nil
}

func (s *Server) breachReport(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	q := r.URL.Query()
	format, lang := q.Get("format"), q.Get("lang")
	switch {
	case format != "" && format != "md" && format != "json":
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "format must be md or json")
	case lang != "" && lang != "nb" && lang != "en":
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "lang must be nb or en")
	}
	rep, err := s.app.BreachReport(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if format == "json" {
		httpx.WriteJSON(w, http.StatusOK, rep)
		return nil
	}
	md, err := rep.Markdown(lang)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(md)
	return err
}
