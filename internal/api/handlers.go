// SPDX-License-Identifier: AGPL-3.0-only

package api

import (
	"cmp"
	"net/http"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
)

func (s *Server) createPurpose(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var p consent.Purpose
	if err := httpx.ReadJSON(w, r, &p); err != nil {
		return err
	}
	p, err := s.app.CreatePurpose(r.Context(), actor, p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) listPurposes(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	ps, err := s.app.Purposes(r.Context(), actor)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"purposes": ps})
	return nil
}

type noticeDraft struct {
	Language string           `json:"language"`
	Summary  string           `json:"summary"`
	Sections []notice.Section `json:"sections"`
}

func (s *Server) createNotice(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var d noticeDraft
	if err := httpx.ReadJSON(w, r, &d); err != nil {
		return err
	}
	n, err := s.app.CreateNotice(r.Context(), actor, notice.Notice{Language: d.Language, Summary: d.Summary, Sections: d.Sections})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) listNotices(w http.ResponseWriter, r *http.Request, _ app.Actor) error {
	ns, err := s.app.Notices(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"notices": ns})
	return nil
}

func (s *Server) publishNotice(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	n, err := s.app.PublishNotice(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, n)
	return nil
}

type contactIn struct {
	Phone     string   `json:"phone"`
	Language  string   `json:"language"`
	FirstName string   `json:"first_name"`
	Tags      []string `json:"tags"`
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in contactIn
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	id, created, err := s.app.CreateContact(r.Context(), actor, app.NewContact(in))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, map[string]any{"id": id, "created": created})
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	c, err := s.app.Contact(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) setContactTags(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Tags *[]string `json:"tags"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	if in.Tags == nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "tags is required: the full list, [] to remove every tag")
	}
	tags, err := s.app.SetContactTags(r.Context(), actor, r.PathValue("id"), *in.Tags)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "tags": tags})
	return nil
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	ts, err := s.app.Tags(r.Context(), actor)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"tags": ts})
	return nil
}

func (s *Server) lookupContact(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Phone  string `json:"phone"`
		Reason string `json:"reason"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	id, err := s.app.Lookup(r.Context(), actor, in.Phone, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": id})
	return nil
}

func (s *Server) contactConsents(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	h, err := s.app.ConsentHistory(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, h)
	return nil
}

// consentReceipt serves the signed receipt of a confirmed consent event,
// byte for byte what the person gets (L-04).
func (s *Server) consentReceipt(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	sr, err := s.app.ReceiptFor(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(sr.JSON)
	return err
}

func (s *Server) revealContact(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	number, err := s.app.Reveal(r.Context(), actor, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "phone": number})
	return nil
}

func (s *Server) contactAccesses(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	es, err := s.app.Accesses(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"accesses": es})
	return nil
}

type consentIn struct {
	ContactID     string          `json:"contact_id"`
	Phone         string          `json:"phone"`
	Language      string          `json:"language"`
	Purpose       string          `json:"purpose"`
	Method        string          `json:"method"`
	CollectedAt   time.Time       `json:"collected_at"`
	NoticeVersion int             `json:"notice_version"`
	AgeConfirmed  bool            `json:"age_confirmed"`
	Evidence      ledger.Evidence `json:"evidence"`
}

func (s *Server) recordConsent(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in consentIn
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.RecordConsent(r.Context(), actor, app.ConsentInput{
		Subject: app.Subject{ContactID: in.ContactID, Phone: in.Phone, Language: in.Language},
		Purpose: in.Purpose, Method: in.Method, CollectedAt: in.CollectedAt, NoticeVersion: in.NoticeVersion,
		AgeConfirmed: in.AgeConfirmed, Evidence: in.Evidence,
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) withdraw(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in struct {
		ContactID string `json:"contact_id"`
		Phone     string `json:"phone"`
		Purpose   string `json:"purpose"`
		Method    string `json:"method"`
	}
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.Withdraw(r.Context(), actor, app.WithdrawInput{
		Subject: app.Subject{ContactID: in.ContactID, Phone: in.Phone}, Purpose: in.Purpose, Method: in.Method})
	if err != nil {
		return err
	}
	if out.States == nil { // a number that is not a contact has no states: [], as documented
		out.States = []consent.State{}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) gate(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	q := r.URL.Query()
	id, purpose := q.Get("contact_id"), q.Get("purpose")
	if id == "" || purpose == "" {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "contact_id and purpose are required")
	}
	d, err := s.app.Gate(r.Context(), actor, id, purpose)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

type campaignIn struct {
	Name     string            `json:"name"`
	Purpose  string            `json:"purpose"`
	Template campaign.Template `json:"template"`
	Language string            `json:"language"`
	Tags     []string          `json:"tags"`
	// Audience is API.md's name for the narrowing: {language, tags}. The
	// same two fields are also taken at the top level.
	Audience    *audienceIn      `json:"audience"`
	ScheduledAt time.Time        `json:"scheduled_at"`
	Window      *campaign.Window `json:"window"`
	Sender      string           `json:"sender"`
	// SyncedTemplate names a synced message template to send, in place of
	// a template given with its text.
	SyncedTemplate string `json:"synced_template"`
}

type audienceIn struct {
	Language string   `json:"language"`
	Tags     []string `json:"tags"`
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	var in campaignIn
	if err := httpx.ReadJSON(w, r, &in); err != nil {
		return err
	}
	if a := in.Audience; a != nil {
		if (in.Language != "" && a.Language != "") || (in.Tags != nil && a.Tags != nil) {
			return httpx.Errorf(http.StatusBadRequest, "invalid_input", "give language and tags either in audience or at the top level, not both")
		}
		in.Language = cmp.Or(in.Language, a.Language)
		if a.Tags != nil {
			in.Tags = a.Tags
		}
	}
	if in.SyncedTemplate != "" {
		if in.Template.Name != "" || len(in.Template.Languages) > 0 {
			return httpx.Errorf(http.StatusBadRequest, "invalid_input", "give either template or synced_template, not both")
		}
		in.Template = campaign.Template{Name: in.SyncedTemplate, Synced: true}
	}
	c, err := s.app.CreateCampaign(r.Context(), actor, campaign.Campaign{Name: in.Name, Purpose: in.Purpose,
		Template: in.Template, Language: in.Language, Tags: in.Tags, ScheduledAt: in.ScheduledAt, Window: in.Window, Sender: in.Sender})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
	v, err := s.app.Campaign(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) campaignAction(action string) func(http.ResponseWriter, *http.Request, app.Actor) error {
	return func(w http.ResponseWriter, r *http.Request, actor app.Actor) error {
		v, err := s.app.CampaignAction(r.Context(), actor, r.PathValue("id"), action)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, v)
		return nil
	}
}
