// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ErrVerifyFailed is returned by Verify when the receiver does not complete the handshake.
var ErrVerifyFailed = errors.New("sim: webhook verification failed")

// Verify performs the webhook verification handshake against a receiver the way
// the platform does when a callback URL is saved (§4.2): GET callbackURL with
// hub.mode=subscribe, a random hub.challenge and hub.verify_token. It succeeds
// only on HTTP 200 whose body is exactly the challenge.
func (s *Server) Verify(ctx context.Context, callbackURL, verifyToken string) error {
	u, err := url.Parse(callbackURL)
	if err != nil {
		return fmt.Errorf("%w: callback URL: %w", ErrVerifyFailed, err)
	}
	ch := challenge()
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", ch)
	q.Set("hub.verify_token", verifyToken)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerifyFailed, err)
	}
	req.Header["User-Agent"] = userAgent
	resp, err := s.hooks.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerifyFailed, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("%w: read answer: %w", ErrVerifyFailed, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: receiver answered %d", ErrVerifyFailed, resp.StatusCode)
	}
	if string(body) != ch {
		return fmt.Errorf("%w: the answer is not the challenge", ErrVerifyFailed)
	}
	return nil
}
