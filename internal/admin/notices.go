// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// noticesPage is every notice by language, newest first: the current one,
// the version history and the drafts (T-01).
type noticesPage struct {
	base
	Languages []noticeLang
}

func (*noticesPage) view() string { return "notices" }

// noticeLang is one language's notices, newest first.
type noticeLang struct {
	Lang    string
	Notices []noticeRow
}

// noticeRow is a notice in the history, with the one it follows (for a
// diff).
type noticeRow struct {
	notice.Notice
	Current bool
	PrevID  string // the version before, or for a draft the current one
}

func (p *Pages) notices(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadNotices) {
		return forbid(staff.ReadNotices)
	}
	all, err := p.app.Notices(r.Context())
	if err != nil {
		return err
	}
	pg := &noticesPage{base: p.base(r, "/admin/notices")}
	for _, lang := range []string{"nb", "en"} {
		nl := noticeLang{Lang: lang}
		prev := ""
		for _, n := range all { // oldest first
			if n.Language != lang {
				continue
			}
			nl.Notices = append(nl.Notices, noticeRow{Notice: n, PrevID: prev})
			if n.Version > 0 {
				prev = n.ID
			}
		}
		slices.Reverse(nl.Notices)
		for i := range nl.Notices {
			if nl.Notices[i].Version > 0 {
				nl.Notices[i].Current = true
				break
			}
		}
		pg.Languages = append(pg.Languages, nl)
	}
	p.render(w, r, http.StatusOK, pg)
	return nil
}

// findNotice is one notice by id.
func (p *Pages) findNotice(r *request, id string) (notice.Notice, error) {
	all, err := p.app.Notices(r.Context())
	if err != nil {
		return notice.Notice{}, err
	}
	for _, n := range all {
		if n.ID == id {
			return n, nil
		}
	}
	return notice.Notice{}, fmt.Errorf("notice %s: %w", id, store.ErrNotFound)
}

// noticeEditPage is the notice editor: the summary and a section per Art.
// 13 item, with the completeness shown beside it (as you type, with
// JavaScript; on submit, always).
type noticeEditPage struct {
	base
	Notice   notice.Notice
	Sections []editSection
	Items    []itemState
	Missing  int
	Error    string
}

func (*noticeEditPage) view() string { return "notice_edit" }

// editSection is one section of the editor: its item and its text.
type editSection struct {
	Item        notice.Item
	Title, Body string
}

// itemState is an Art. 13 item and whether the notice has it.
type itemState struct {
	Item    string
	Present bool
}

// completeness lists every required item (and the summary) with whether n
// has it: the check PublishNotice applies.
func completeness(n notice.Notice) ([]itemState, int) {
	missing := n.Missing()
	var out []itemState
	for _, it := range append(slices.Clone(notice.Required), "summary") {
		out = append(out, itemState{Item: string(it), Present: !slices.Contains(missing, it)})
	}
	return out, len(missing)
}

// editorSections is n's sections in the order of notice.Required, one per
// item, with an empty one for an item n lacks.
func editorSections(n notice.Notice) []editSection {
	var out []editSection
	for _, it := range notice.Required {
		s := editSection{Item: it}
		for _, have := range n.Sections {
			if have.Item == it {
				s.Title, s.Body = have.Title, have.Body
			}
		}
		out = append(out, s)
	}
	return out
}

// noticeNew serves GET /admin/notices/new?lang=&from=: an editor started
// from the notice named by from, or from the language's current notice, or
// from the sample.
func (p *Pages) noticeNew(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteNotices) {
		return forbid(staff.WriteNotices)
	}
	lang := "nb"
	if r.URL.Query().Get("language") == "en" {
		lang = "en"
	}
	var start notice.Notice
	if from := r.URL.Query().Get("from"); from != "" {
		n, err := p.findNotice(r, from)
		if err != nil {
			return err
		}
		start = n
	} else if cur, err := p.app.PublishedNotices(r.Context(), lang); err == nil {
		start = cur[0]
	} else {
		start = p.sample(r, lang)
	}
	return p.showEditor(w, r, http.StatusOK, start, "")
}

// sample is the sample notice for the controller as configured and the
// purposes as they stand.
func (p *Pages) sample(r *request, lang string) notice.Notice {
	c := p.app.Controller()
	in := notice.SampleInput{Business: c.Name, OrgNumber: c.OrgNumber, Contact: strings.Trim(strings.Join([]string{c.Address, c.Email}, ", "), ", "), DPO: c.DPO.Email}
	if ps, err := p.app.Purposes(r.Context(), r.Actor); err == nil {
		for _, pu := range ps {
			in.Purposes = append(in.Purposes, pu.Description.In(lang))
		}
	}
	return notice.Sample(lang, in)
}

func (p *Pages) showEditor(w http.ResponseWriter, r *request, status int, n notice.Notice, msg string) error {
	items, missing := completeness(n)
	p.render(w, r, status, &noticeEditPage{base: p.base(r, "/admin/notices"), Notice: n, Sections: editorSections(n),
		Items: items, Missing: missing, Error: msg})
	return nil
}

// noticeFromForm reads the editor's fields: a section per item, empty ones
// left out.
func noticeFromForm(r *http.Request) notice.Notice {
	n := notice.Notice{Language: r.PostFormValue("language"), Summary: strings.TrimSpace(r.PostFormValue("summary"))}
	for _, it := range notice.Required {
		title := strings.TrimSpace(r.PostFormValue("title_" + string(it)))
		body := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("body_"+string(it)), "\r\n", "\n"))
		if title != "" || body != "" {
			n.Sections = append(n.Sections, notice.Section{Item: it, Title: title, Body: body})
		}
	}
	return n
}

// noticeCreate serves POST /admin/notices: the draft is stored (POST
// /api/v1/notices's use case), then shown with its publish button.
func (p *Pages) noticeCreate(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteNotices) {
		return forbid(staff.WriteNotices)
	}
	n := noticeFromForm(r.Request)
	saved, err := p.app.CreateNotice(r.Context(), r.Actor, n)
	if err != nil {
		if msg, ok := formError(err); ok {
			return p.showEditor(w, r, httpx.Classify(err).Status, n, msg)
		}
		return err
	}
	return seeOther(w, r, "/admin/notices/"+saved.ID, "notice_saved")
}

// noticeCheck serves POST /admin/notices/check: the editor's fields' Art. 13
// completeness as JSON, for the editor's script. It stores nothing.
func (p *Pages) noticeCheck(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteNotices) {
		return forbid(staff.WriteNotices)
	}
	n := noticeFromForm(r.Request)
	missing := n.Missing()
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = string(m)
	}
	b := p.base(r, "")
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"missing": names,
		"summary": completenessSummary(&b, len(missing)),
		"words":   map[string]string{"ok": b.T("admin.notice.item_ok"), "missing": b.T("admin.notice.item_missing")}})
	return nil
}

// completenessSummary says how many items are missing, in words.
func completenessSummary(b *base, missing int) string {
	if missing == 0 {
		return b.T("admin.notice.complete")
	}
	return b.T("admin.notice.incomplete", "n", fmt.Sprint(missing))
}

// Summary is the editor's completeness in words.
func (pg *noticeEditPage) Summary() string { return completenessSummary(&pg.base, pg.Missing) }

// noticePage shows one notice, and for a draft its completeness and the
// publish button.
type noticePage struct {
	base
	Notice  notice.Notice
	Items   []itemState
	Missing int
	Error   string
}

func (*noticePage) view() string { return "notice" }

// Summary is the notice's completeness in words.
func (pg *noticePage) Summary() string { return completenessSummary(&pg.base, pg.Missing) }

func (p *Pages) notice(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadNotices) {
		return forbid(staff.ReadNotices)
	}
	n, err := p.findNotice(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	items, missing := completeness(n)
	p.render(w, r, http.StatusOK, &noticePage{base: p.base(r, "/admin/notices"), Notice: n, Items: items, Missing: missing})
	return nil
}

// noticePublish serves POST /admin/notices/{id}/publish (POST
// /api/v1/notices/{id}/publish's use case): a notice that lacks an item is
// refused, and shown again with what it lacks.
func (p *Pages) noticePublish(w http.ResponseWriter, r *request) error {
	if !r.can(staff.WriteNotices) {
		return forbid(staff.WriteNotices)
	}
	id := r.PathValue("id")
	if _, err := p.app.PublishNotice(r.Context(), r.Actor, id); err != nil {
		msg, ok := formError(err)
		if !ok {
			return err
		}
		n, ferr := p.findNotice(r, id)
		if ferr != nil {
			return err
		}
		items, missing := completeness(n)
		p.render(w, r, httpx.Classify(err).Status, &noticePage{base: p.base(r, "/admin/notices"), Notice: n, Items: items,
			Missing: missing, Error: msg})
		return nil
	}
	return seeOther(w, r, "/admin/notices", "notice_published")
}

// noticeDiffPage is the line diff between two notices.
type noticeDiffPage struct {
	base
	A, B  notice.Notice
	Lines []notice.DiffLine
}

func (*noticeDiffPage) view() string { return "notice_diff" }

// Version names a notice's version, or says it is a draft.
func (pg *noticeDiffPage) Version(n notice.Notice) string {
	if n.Version == 0 {
		return pg.T("admin.notices.draft")
	}
	return fmt.Sprint(n.Version)
}

// noticeDiff serves GET /admin/notices/diff?a=&b=.
func (p *Pages) noticeDiff(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadNotices) {
		return forbid(staff.ReadNotices)
	}
	a, err := p.findNotice(r, r.URL.Query().Get("a"))
	if err != nil {
		return err
	}
	b, err := p.findNotice(r, r.URL.Query().Get("b"))
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, &noticeDiffPage{base: p.base(r, "/admin/notices"), A: a, B: b, Lines: notice.Diff(a, b)})
	return nil
}
