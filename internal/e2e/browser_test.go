// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// chromium finds Debian's Chromium; without it the browser test skips,
// unless SAMTYKKE_TEST_BROWSER=require (as CI sets) makes that a failure.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SAMTYKKE_TEST_BROWSER") == "require" {
		t.Fatal("Chromium is required (SAMTYKKE_TEST_BROWSER=require) but not installed: apt-get install chromium")
	}
	t.Skip("Chromium not installed; skipping the browser test (set SAMTYKKE_TEST_BROWSER=require to fail instead)")
	return ""
}

// TestBrowserOptInConfirmWithdraw: a person fills the opt-in form in a real
// browser, confirms from their WhatsApp (the simulator) and withdraws in the
// preference centre (issue 3 point 7).
func TestBrowserOptInConfirmWithdraw(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	h := start(t, storetest.SQLite)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.DisableGPU, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// The form: nothing ticked until the person ticks it (C-08).
	if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/optin"), chromedp.WaitVisible(`input[name="phone"]`)); err != nil {
		t.Fatal(err)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`Array.from(document.querySelectorAll('input[type=checkbox]')).map(e => e.checked)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(checked) != 3 {
		t.Fatalf("%d checkboxes, want two purposes and the age box", len(checked))
	}
	for i, c := range checked {
		if c {
			t.Fatalf("checkbox %d is ticked before the person ticked it", i)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`input[name="purpose"][value="offers"]`),
		chromedp.Click(`input[name="age_confirmed"]`),
		chromedp.SendKeys(`input[name="phone"]`, "912 34 567"),
		chromedp.Submit(`input[name="phone"]`),
		chromedp.WaitVisible(`img[src^="data:image/png"]`),
	); err != nil {
		t.Fatal(err)
	}
	started, err := chromedp.Run(ctx, chromedp.OuterHTML("html"))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "started.png")
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(shot, png, 0o600)
		if dir := os.Getenv("SAMTYKKE_TEST_SCREENSHOTS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "optin-started.png"), png, 0o600)
		}
	}
	code := regexp.MustCompile(`JA ([2-9A-HJKMNP-Z]{6})`).FindStringSubmatch(started)
	if code == nil || !strings.Contains(started, "wa.me/"+h.sim.DisplayNumber()) {
		t.Fatalf("the started page has no code or click-to-chat link:\n%s", started)
	}
	id := h.contactID(kari)
	if g := h.gate(id, "offers"); g.Reason != consent.ReasonPending {
		t.Fatalf("gate after the form = %+v; want pending", g)
	}

	// The person sends the prefilled text from their own WhatsApp.
	h.write(kari, "JA "+code[1])
	if g := h.gate(id, "offers"); !g.Allowed {
		t.Fatalf("gate after confirming = %+v", g)
	}
	h.waitFor("the receipt", func() bool { return len(h.textsTo(kari)) == 1 })
	var req whatsapp.MessageRequest
	if err := json.Unmarshal(h.textsTo(kari)[0].Request, &req); err != nil || req.Text == nil {
		t.Fatalf("receipt request: %v", err)
	}
	link := regexp.MustCompile(`http://\S+/preferences/\S+`).FindString(req.Text.Body)
	if link == "" {
		t.Fatalf("the receipt has no preference-centre link: %q", req.Text.Body)
	}

	// The preference centre: one click withdraws.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitReady(`form input[name="purpose"][value="offers"]`),
		chromedp.Submit(`form input[name="purpose"][value="offers"]`),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitVisible(`main`),
	); err != nil {
		t.Fatal(err)
	}
	after, err := chromedp.Run(ctx, chromedp.OuterHTML("main"))
	if err != nil {
		t.Fatal(err)
	}
	if g := h.gate(id, "offers"); g.Allowed || g.Reason != consent.ReasonWithdrawn {
		t.Fatalf("gate after the click = %+v; want withdrawn", g)
	}
	if !strings.Contains(after, "Trukket tilbake") && !strings.Contains(after, "trukket tilbake") {
		t.Logf("preference page after withdrawing:\n%s", after)
	}
	t.Logf("screenshot of the started page: %s", shot)
}
