// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// TestMessageTemplates (issue 23): templates created through POST
// /{WABA-ID}/message_templates are listed by GET, page by page with Graph's
// after cursor, read whole by the client, and outlive a restart of the
// simulator (its templates file); a wrong business account is refused.
func TestMessageTemplates(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), sim.TemplatesFileName)
	var url string
	start := func() (*whatsapp.Client, func()) {
		s, err := sim.New(sim.Config{TemplatesFile: file})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s)
		url = srv.URL
		c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: "t", PhoneNumberID: sim.DefaultPhoneNumberID,
			BusinessAccountID: sim.DefaultBusinessAccountID, Pipeline: -1})
		if err != nil {
			t.Fatal(err)
		}
		return c, func() { srv.Close(); s.Close() }
	}
	ctx := context.Background()
	c, stop := start()
	for i := range 130 { // more than one page of 100
		tpl := whatsapp.MessageTemplate{Name: fmt.Sprintf("tilbud_%03d", i), Language: "nb", Category: "MARKETING",
			Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: fmt.Sprintf("Tilbud %d fra Butikken AS", i)},
				{Type: "FOOTER", Text: "Svar STOPP for å melde deg av"}}}
		got, err := c.CreateMessageTemplate(ctx, tpl)
		if err != nil || got.ID == "" || got.Status != "APPROVED" {
			t.Fatalf("create %d: %+v, %v", i, got, err)
		}
	}
	if _, err := c.CreateMessageTemplate(ctx, whatsapp.MessageTemplate{Name: "Bad Name", Language: "nb"}); err == nil {
		t.Error("a template without a body and with a bad name was created")
	}
	stop()

	c, stop = start() // a restart: the templates are read from the file
	defer stop()
	ts, err := c.MessageTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 130 || ts[0].Name != "tilbud_000" || ts[129].Name != "tilbud_129" {
		t.Fatalf("listed %d templates (%+v ...); want all 130 in order", len(ts), ts[:min(1, len(ts))])
	}
	if b := ts[7].Components; len(b) != 2 || b[0].Text != "Tilbud 7 fra Butikken AS" || b[1].Type != "FOOTER" || ts[7].ID == "" {
		t.Errorf("template 7 = %+v", ts[7])
	}
	wrong, _ := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: url, Token: "t", PhoneNumberID: "1", BusinessAccountID: "999", Pipeline: -1})
	if _, err := wrong.MessageTemplates(ctx); err == nil {
		t.Error("another business account's templates were listed")
	}
	other, _ := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: "http://127.0.0.1:1", Token: "t", PhoneNumberID: "1", Pipeline: -1})
	if _, err := other.MessageTemplates(ctx); err == nil {
		t.Error("a client with no business account listed templates")
	}
}
