// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// rightsPage lists the rights requests of a state (open by default), each
// with its deadline in Norway's time (T-03); the API's GET
// /api/v1/rights-requests use case.
type rightsPage struct {
	base
	State    string
	States   []string
	Requests []app.RightsView
}

func (*rightsPage) view() string { return "rights" }

// rightsStates are the filters the list offers: a state, or the open
// requests near their deadline or past it; "all" is every request.
var rightsStates = []string{"open", "near_due", "overdue", "unverified", "done", "refused", "all"}

func (p *Pages) rights(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadRights) {
		return forbid(staff.ReadRights)
	}
	state := cmp.Or(r.URL.Query().Get("state"), "open")
	if !slices.Contains(rightsStates, state) {
		return httpx.Errorf(http.StatusBadRequest, "invalid_input", "state must be one of %s", strings.Join(rightsStates, ", "))
	}
	filter := state
	if state == "all" || state == "near_due" || state == "overdue" {
		filter = ""
	}
	rs, err := p.app.RightsRequests(r.Context(), r.Actor, filter)
	if err != nil {
		return err
	}
	if state == "near_due" || state == "overdue" {
		rs = slices.DeleteFunc(rs, func(v app.RightsView) bool {
			return !(state == "overdue" && v.Overdue || state == "near_due" && v.NearDue)
		})
	}
	p.render(w, r, http.StatusOK, &rightsPage{base: p.base(r, "/admin/rights"), State: state, States: rightsStates, Requests: rs})
	return nil
}

// rightsRequestPage is one request with its steps and, for a role that may
// answer it, the forms that extend, complete or refuse it.
type rightsRequestPage struct {
	base
	Request  app.RightsView
	ToldHows []string // how a person may be told of an extension
	Now      string   // now, as the told-at field's default
	Error    string
}

func (*rightsRequestPage) view() string { return "rights_request" }

func (p *Pages) rightsRequest(w http.ResponseWriter, r *request) error {
	return p.showRightsRequest(w, r, http.StatusOK, "")
}

func (p *Pages) showRightsRequest(w http.ResponseWriter, r *request, status int, msg string) error {
	if !r.can(staff.ReadRights) {
		return forbid(staff.ReadRights)
	}
	v, err := p.app.RightsRequest(r.Context(), r.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.render(w, r, status, &rightsRequestPage{base: p.base(r, "/admin/rights"), Request: v, Error: msg,
		ToldHows: []string{"whatsapp", "letter", "email", "phone"}, Now: p.now().In(p.zone).Format(localLayout)})
	return nil
}

// rightsAction serves POST /admin/rights/{id}/{action}: extend (one or two
// months, with the reason told to the person), complete (the answer) or
// refuse (the reason, which names the right to complain to Datatilsynet);
// the use cases of the API's routes of the same names (T-03).
func (p *Pages) rightsAction(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteRights) {
		return forbid(staff.WriteRights)
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	var err error
	switch action {
	case "extend":
		months, _ := strconv.Atoi(r.PostFormValue("months"))
		in := app.ExtensionInput{Months: months, Reason: strings.TrimSpace(r.PostFormValue("reason")), ToldHow: r.PostFormValue("told_how")}
		if told, terr := time.ParseInLocation(localLayout, r.PostFormValue("told_at"), p.zone); terr == nil {
			in.ToldAt = &told
		}
		_, err = p.app.ExtendRequest(r.Context(), r.Actor, id, in)
	case "complete":
		_, err = p.app.CompleteRequest(r.Context(), r.Actor, id, strings.TrimSpace(r.PostFormValue("answer")))
	case "refuse":
		_, err = p.app.RefuseRequest(r.Context(), r.Actor, id, strings.TrimSpace(r.PostFormValue("reason")))
	default:
		return httpx.Errorf(http.StatusNotFound, "not_found", "no such action")
	}
	if err != nil {
		if msg, ok := formError(err); ok {
			return p.showRightsRequest(w, r, httpx.Classify(err).Status, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/rights/"+id, "rights_"+action)
}
