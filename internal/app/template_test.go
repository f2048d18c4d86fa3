// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/template"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// TestSyncTemplates (issue 23, G-05, R-09, M-05): a sync stores every
// language variant the platform lists, with its body, footer and opt-out
// button; a marketing template that offers no opt-out or does not link to
// the notice is stored with the problems named; a second sync replaces, not
// duplicates; a marketer may sync, an integrator may not.
func TestSyncTemplates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb, s := withSim(t, b, app.Config{BusinessName: "Butikken AS"})
		good := "Tilbud fra Butikken AS: https://butikk.example/privacy"
		for _, tpl := range []sim.Template{
			{Name: "jul", Language: "nb", Category: "MARKETING", Components: []whatsapp.TemplateComponent{
				{Type: "BODY", Text: good}, {Type: "FOOTER", Text: "Svar STOPP for å melde deg av"}}},
			{Name: "jul", Language: "en", Category: "MARKETING", Components: []whatsapp.TemplateComponent{
				{Type: "BODY", Text: "Offers from Butikken AS: https://butikk.example/privacy"},
				{Type: "BUTTONS", Buttons: []whatsapp.TemplateButton{{Type: "MARKETING_OPT_OUT", Text: "Stop promotions"}}}}},
			{Name: "uten_stopp", Language: "nb", Category: "MARKETING", Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Kjøp nå!"}}},
		} {
			if err := s.AddTemplate(tpl); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tb.app.SyncTemplates(tb.ctx, integrator); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("an integrator synced: %v", err)
		}
		for range 2 {
			if _, err := tb.app.SyncTemplates(tb.ctx, marketer); err != nil {
				t.Fatal(err)
			}
		}
		l, err := tb.app.Templates(tb.ctx, marketer)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]template.Template{}
		for _, x := range l.Templates {
			if _, dup := byKey[x.Name+"/"+x.Language]; dup {
				t.Errorf("%s/%s listed twice", x.Name, x.Language)
			}
			byKey[x.Name+"/"+x.Language] = x
		}
		nb, en, bad := byKey["jul/nb"], byKey["jul/en"], byKey["uten_stopp/nb"]
		if nb.Footer != "Svar STOPP for å melde deg av" || nb.Body != good || len(nb.Problems) != 0 || nb.PlatformID == "" {
			t.Errorf("jul/nb = %+v; want its footer and no problem", nb)
		}
		if !en.OptOut || len(en.Problems) != 0 {
			t.Errorf("jul/en = %+v; want the opt-out button and no problem", en)
		}
		if len(bad.Problems) != 3 {
			t.Errorf("uten_stopp problems = %q; want business, opt-out and notice named", bad.Problems)
		}
		// samtykke's own service templates (UTILITY, AUTHENTICATION) are listed, not checked.
		if c, ok := byKey[app.ConfirmationTemplate+"/nb"]; !ok || len(c.Problems) != 0 {
			t.Errorf("the confirmation template: %+v, listed %v", c, ok)
		}
		if !slices.IsSortedFunc(l.Templates, func(x, y template.Template) int {
			if x.Name != y.Name {
				return compare(x.Name, y.Name)
			}
			return compare(x.Language, y.Language)
		}) {
			t.Error("the list is not by name and language")
		}
	})
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
