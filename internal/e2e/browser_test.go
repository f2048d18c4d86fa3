// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
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

// browser starts a headless Chromium for the test, with a fresh profile; it
// stops when the test ends or after a minute.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 60*time.Second)
}

// browserFor is browser for a test that may take up to d.
func browserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.DisableGPU, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, d)
	t.Cleanup(cancel)
	return ctx
}

// TestBrowserOptInConfirmWithdraw: a person fills the opt-in form in a real
// browser, confirms from their WhatsApp (the simulator) and withdraws in the
// preference centre (C-08: nothing ticked; C-05: withdrawing is as easy
// as consenting).
func TestBrowserOptInConfirmWithdraw(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	h := start(t, storetest.SQLite)

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

// TestBrowserEmbeddedOptIn: the opt-in form works inside another site's
// frame, where the browser sends no SameSite cookie, and a form on another
// site that posts to samtykke is refused and changes nothing (the cookieless
// CSRF defence of internal/web/csrf.go; invariant 8). localhost and
// 127.0.0.1 are different sites to the browser.
func TestBrowserEmbeddedOptIn(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	h := start(t, storetest.SQLite)
	token := formToken(t, h.srv.URL+"/optin")
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, `<!DOCTYPE html><title>Butikken</title><h1>Butikken</h1>
<iframe id="signup" src="%s/optin" width="600" height="1200"></iframe>`, h.srv.URL)
		case "/forged":
			fmt.Fprintf(w, `<!DOCTYPE html><title>Vinn en premie</title>
<form method="post" action="%s/optin"><input type="hidden" name="csrf" value="%s">
<input type="hidden" name="lang" value="nb"><input type="hidden" name="notice_version" value="1">
<input type="hidden" name="phone" value="%s"><input type="hidden" name="purpose" value="news">
<input type="hidden" name="age_confirmed" value="yes"><button id="win">Vinn</button></form>`, h.srv.URL, token, ola)
		}
	}))
	t.Cleanup(shop.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(shop.URL, "http://"))
	shopURL := "http://localhost:" + port

	if err := chromedp.Do(ctx, chromedp.Navigate(shopURL+"/"), chromedp.WaitVisible(`#signup`)); err != nil {
		t.Fatal(err)
	}
	// Chromium runs the cross-site frame in its own process: attach to it.
	var frame target.ID
	h.waitFor("the opt-in frame", func() bool {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, h.srv.URL+"/optin") {
				frame = info.TargetID
				return true
			}
		}
		return false
	})
	fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(frame))
	defer cancel()
	if err := chromedp.Do(fctx,
		chromedp.WaitVisible(`input[name="phone"]`),
		chromedp.Click(`input[name="purpose"][value="offers"]`),
		chromedp.Click(`input[name="age_confirmed"]`),
		chromedp.SendKeys(`input[name="phone"]`, "912 34 567"),
		chromedp.Submit(`input[name="phone"]`),
		chromedp.WaitVisible(`p.code, main > p > a[href^="/optin"]`),
	); err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(fctx, chromedp.OuterHTML("main"))
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`JA ([2-9A-HJKMNP-Z]{6})`).FindStringSubmatch(page)
	if code == nil {
		t.Fatalf("the framed form did not start an opt-in; the frame shows:\n%s", page)
	}
	id := h.contactID(kari)
	if g := h.gate(id, "offers"); g.Reason != consent.ReasonPending {
		t.Fatalf("gate after the framed form = %+v; want pending", g)
	}

	// Another site's form posting to samtykke, with a valid form token: the
	// browser says cross-site, and nothing is recorded.
	before := h.count(`SELECT count(*) FROM consent_events`)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(shopURL+"/forged"),
		chromedp.WaitVisible(`#win`),
		chromedp.Click(`#win`),
		chromedp.WaitVisible(`main`), // samtykke's answer; the forged page has none
	); err != nil {
		t.Fatal(err)
	}
	refused, err := chromedp.Run(ctx, chromedp.OuterHTML("main"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "et annet nettsted") {
		t.Errorf("the forged post's answer does not say it came from another site:\n%s", refused)
	}
	if n := h.count(`SELECT count(*) FROM consent_events`); n != before {
		t.Fatalf("the forged post recorded %d consent events", n-before)
	}
	if n := h.count(`SELECT count(*) FROM contacts`); n != 1 {
		t.Fatalf("%d contacts after the forged post, want 1", n)
	}
}

// formToken is the CSRF field of the form at url, as anyone may fetch it.
func formToken(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no csrf field at %s", url)
	}
	return string(m[1])
}
