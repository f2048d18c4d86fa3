// SPDX-License-Identifier: AGPL-3.0-only

// Package api is samtykke's JSON API (API.md): bearer tokens with roles, one
// routing table, JSON errors, health and metrics, and the OpenAPI document
// that describes every route.
package api

import (
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/staff"
)

//go:embed openapi.json
var openapi []byte

// Server serves the API.
type Server struct {
	app      *app.App
	log      *slog.Logger
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// MetricsToken is the bearer token /metrics takes (SAMTYKKE_METRICS_TOKEN);
	// empty refuses every scrape. No staff token opens /metrics.
	MetricsToken string
}

// New makes the API server; reg receives its metrics and is served at /metrics.
func New(a *app.App, log *slog.Logger, reg *prometheus.Registry) *Server {
	s := &Server{app: a, log: log, registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samtykke_http_requests_total",
			Help: "HTTP requests by route pattern and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "samtykke_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	reg.MustRegister(s.requests, s.latency)
	return s
}

// route is one entry of the routing table.
type route struct {
	pattern string // "METHOD /path/{param}"
	public  bool   // no token needed
	handler func(w http.ResponseWriter, r *http.Request, actor app.Actor) error
}

func (s *Server) routes() []route {
	return []route{
		{pattern: "GET /healthz", public: true, handler: s.healthz},
		{pattern: "GET /readyz", public: true, handler: s.readyz},
		{pattern: "GET /api/openapi.json", public: true, handler: s.openAPI},
		{pattern: "GET " + portability.SchemaPath, public: true, handler: s.subjectPackageSchema},

		{pattern: "POST /api/v1/purposes", handler: s.createPurpose},
		{pattern: "GET /api/v1/purposes", handler: s.listPurposes},
		{pattern: "GET /api/v1/tags", handler: s.listTags},
		{pattern: "POST /api/v1/notices", handler: s.createNotice},
		{pattern: "GET /api/v1/notices", handler: s.listNotices},
		{pattern: "POST /api/v1/notices/{id}/publish", handler: s.publishNotice},

		{pattern: "POST /api/v1/contacts", handler: s.createContact},
		{pattern: "GET /api/v1/contacts", handler: s.listContacts},
		{pattern: "GET /api/v1/contacts/{id}", handler: s.getContact},
		{pattern: "POST /api/v1/contacts/lookup", handler: s.lookupContact},
		{pattern: "GET /api/v1/contacts/{id}/consents", handler: s.contactConsents},
		{pattern: "POST /api/v1/contacts/{id}/reveal", handler: s.revealContact},
		{pattern: "GET /api/v1/contacts/{id}/accesses", handler: s.contactAccesses},
		{pattern: "PUT /api/v1/contacts/{id}/tags", handler: s.setContactTags},
		{pattern: "PATCH /api/v1/contacts/{id}", handler: s.rectifyContact},
		{pattern: "POST /api/v1/contacts/{id}/number", handler: s.changeNumber},
		{pattern: "POST /api/v1/contacts/{id}/number/confirm", handler: s.confirmNumber},
		{pattern: "POST /api/v1/contacts/{id}/restriction", handler: s.restrictContact},
		{pattern: "GET /api/v1/contacts/{id}/restrictions", handler: s.contactRestrictions},
		{pattern: "GET /api/v1/contacts/{id}/package", handler: s.subjectPackage},

		{pattern: "POST /api/v1/consents", handler: s.recordConsent},
		{pattern: "POST /api/v1/consents/withdraw", handler: s.withdraw},
		{pattern: "GET /api/v1/consents/{id}/receipt", handler: s.consentReceipt},
		{pattern: "GET /api/v1/gate", handler: s.gate},
		{pattern: "POST /api/v1/imports", handler: s.createImport},
		{pattern: "GET /api/v1/imports/{id}", handler: s.getImport},

		{pattern: "POST /api/v1/campaigns", handler: s.createCampaign},
		{pattern: "GET /api/v1/campaigns", handler: s.listCampaigns},
		{pattern: "GET /api/v1/campaigns/{id}/audience", handler: s.campaignAudience},
		{pattern: "GET /api/v1/campaigns/{id}/preview", handler: s.campaignPreview},
		{pattern: "GET /api/v1/campaigns/{id}", handler: s.getCampaign},
		{pattern: "POST /api/v1/campaigns/{id}/start", handler: s.campaignAction("start")},
		{pattern: "POST /api/v1/campaigns/{id}/pause", handler: s.campaignAction("pause")},
		{pattern: "POST /api/v1/campaigns/{id}/resume", handler: s.campaignAction("resume")},
		{pattern: "POST /api/v1/campaigns/{id}/cancel", handler: s.campaignAction("cancel")},

		{pattern: "GET /api/v1/exports", handler: s.exportList},
		{pattern: "GET /api/v1/dashboard", handler: s.dashboard},
		{pattern: "GET /api/v1/replies", handler: s.listReplies},
		{pattern: "GET /api/v1/replies/{id}", handler: s.getReply},
		{pattern: "POST /api/v1/replies/{id}/answer", handler: s.answerReply},
		{pattern: "GET /api/v1/templates", handler: s.listTemplates},
		{pattern: "POST /api/v1/templates/sync", handler: s.syncTemplates},

		{pattern: "GET /api/v1/ropa", handler: s.getRopa},
		{pattern: "GET /api/v1/dpia", handler: s.getDPIA},
		{pattern: "PUT /api/v1/dpia", handler: s.putDPIA},
		{pattern: "GET /api/v1/dpia/versions", handler: s.dpiaVersions},
		{pattern: "POST /api/v1/audits", handler: s.runAudit},
		{pattern: "GET /api/v1/audits", handler: s.listAudits},
		{pattern: "GET /api/v1/audits/{id}", handler: s.getAudit},

		{pattern: "POST /api/v1/requests", handler: s.createRequest},
		{pattern: "GET /api/v1/requests", handler: s.listRequests},
		{pattern: "GET /api/v1/requests/{id}", handler: s.getRequest},
		{pattern: "GET /api/v1/requests/{id}/export", handler: s.requestPackage},
		{pattern: "POST /api/v1/requests/{id}/extend", handler: s.extendRequest},
		{pattern: "POST /api/v1/requests/{id}/complete", handler: s.completeRequest},
		{pattern: "POST /api/v1/requests/{id}/refuse", handler: s.refuseRequest},

		{pattern: "POST /api/v1/breaches", handler: s.createBreach},
		{pattern: "GET /api/v1/breaches", handler: s.listBreaches},
		{pattern: "GET /api/v1/breaches/{id}", handler: s.getBreach},
		{pattern: "PATCH /api/v1/breaches/{id}", handler: s.updateBreach},
		{pattern: "POST /api/v1/breaches/{id}/notified", handler: s.breachNotified},
		{pattern: "POST /api/v1/breaches/{id}/notify-people", handler: s.notifyPeople},
		{pattern: "GET /api/v1/breaches/{id}/report", handler: s.breachReport},

		{pattern: "GET /api/v1/processor-tasks", handler: s.listProcessorTasks},
		{pattern: "POST /api/v1/processor-tasks/{id}/done", handler: s.finishProcessorTask},
		{pattern: "GET /api/v1/retention/log", handler: s.retentionLog},

		{pattern: "GET /api/v1/tokens", handler: s.listTokens},
		{pattern: "POST /api/v1/tokens", handler: s.createToken},
		{pattern: "POST /api/v1/tokens/{id}/revoke", handler: s.revokeToken},
	}
}

// Register adds the API's routes and /metrics to mux.
func (s *Server) Register(mux *http.ServeMux) {
	routes := s.routes()
	for _, rt := range routes {
		mux.Handle(rt.pattern, s.wrap(rt))
	}
	mux.Handle("GET /metrics", s.metrics(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	mux.Handle("/api/", s.unrouted(routes))
}

// methods are those a request may be refused with 405 for; Allow lists
// those of them that a path answers to.
var methods = []string{http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodOptions,
	http.MethodPatch, http.MethodPost, http.MethodPut}

// unrouted answers the requests under /api/ that no route takes: 405 with
// Allow when the path is a route's with another method (RFC 9110 §15.5.6),
// else 404; both in the JSON error shape. The mux sends them all here, as
// "/api/" matches every method, so the routes are matched again, on a mux
// of their own, one method at a time.
func (s *Server) unrouted(routes []route) http.Handler {
	own := http.NewServeMux()
	patterns := map[string]bool{}
	for _, rt := range routes {
		own.Handle(rt.pattern, http.NotFoundHandler())
		patterns[rt.pattern] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range methods {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
			if _, pattern := own.Handler(probe); patterns[pattern] { // HEAD finds the GET route's pattern
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			httpx.WriteError(w, r, s.log, httpx.Errorf(http.StatusNotFound, "not_found", "no such API route"))
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		httpx.WriteError(w, r, s.log, httpx.Errorf(http.StatusMethodNotAllowed, "method_not_allowed",
			"this route does not take this method; it takes %s", strings.Join(allow, ", ")))
	})
}

// Observe records a finished request in the metrics.
func (s *Server) Observe(r *http.Request, status int, d time.Duration) {
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	s.latency.WithLabelValues(route).Observe(d.Seconds())
}

// bearer reads the token of an Authorization header. The scheme's name is
// case-insensitive (RFC 9110 §11.1); one or more spaces follow it.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
}

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor := app.Actor{RequestID: httpx.RequestID(r.Context())}
		if !rt.public {
			token, ok := bearer(r.Header.Get("Authorization"))
			a, err := s.app.Authenticate(r.Context(), token)
			if !ok || err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="samtykke"`)
				if err == nil {
					err = app.ErrUnauthenticated
				}
				httpx.WriteError(w, r, s.log, err)
				return
			}
			a.RequestID = actor.RequestID
			actor = a
			if err := allowed(rt.pattern, a.Role); err != nil {
				httpx.WriteError(w, r, s.log, err)
				return
			}
		}
		if err := rt.handler(w, r, actor); err != nil {
			httpx.WriteError(w, r, s.log, err)
		}
	})
}

// metrics lets through only a request with the metrics token: the series
// name no person, but they show the service's size and activity.
func (s *Server) metrics(h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r.Header.Get("Authorization"))
		got := sha256.Sum256([]byte(token))
		if !ok || s.MetricsToken == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="samtykke-metrics"`)
			httpx.WriteError(w, r, s.log, httpx.Errorf(http.StatusUnauthorized, "unauthenticated",
				"/metrics takes the metrics token (SAMTYKKE_METRICS_TOKEN) as a bearer token"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// allowed applies the written policy (staff.Policy) at the edge, before a
// handler reads the body: a refused role gets 403 whatever it sent, and a
// route the policy does not list is refused to everyone (S-02). The app
// checks the same permissions again.
func allowed(pattern string, role staff.Role) error {
	need, ok := staff.Policy[pattern]
	if !ok {
		return fmt.Errorf("%w: %s is not in the written policy (internal/staff/policy.go)", app.ErrForbidden, pattern)
	}
	if !role.Can(need) {
		return fmt.Errorf("%w: role %q may not %s", app.ErrForbidden, role, need)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ app.Actor) error {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ app.Actor) error {
	backend, err := s.app.Ready(r.Context())
	if err != nil {
		return err // 503 not_ready, by the error table
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready", "backend": backend})
	return nil
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request, _ app.Actor) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapi)
	return err
}
