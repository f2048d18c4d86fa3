// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import "net/http"

// Class is the retry class of a platform error code, following the class column
// of the table in §2.2 (R, W, S, F, A) split finer where callers act differently.
type Class int

// Retry classes. The zero value is ClassPermanent.
const (
	// ClassPermanent: unknown or "do not retry this send" (e.g. 130472 experiment).
	ClassPermanent Class = iota
	// ClassRateLimited: throughput or call-rate limit (130429, 4, 80007, 613); nothing was
	// sent, slow down and retry (§3.1, §3.5).
	ClassRateLimited
	// ClassPairRateLimited: too many messages to this one recipient (131056); back off
	// for this recipient only, 4^X seconds (§3.2).
	ClassPairRateLimited
	// ClassReengagement: non-template message outside the 24 h customer service
	// window (131047); send a template instead (§1.7).
	ClassReengagement
	// ClassNotOnWhatsApp: undeliverable recipient (131026); mark and suppress.
	ClassNotOnWhatsApp
	// ClassUserStoppedMarketing: the user stopped marketing messages from this
	// business (131050); a marketing suppression until the user resumes (§5.2).
	ClassUserStoppedMarketing
	// ClassMarketingLimited: per-user marketing limit or ecosystem health (131049);
	// wait at least 24 h, never tight-loop (§3.4).
	ClassMarketingLimited
	// ClassTemplate: template missing, paused, disabled or filled wrongly (132xxx).
	ClassTemplate
	// ClassAuth: token or permission problem (0, 3, 10, 190, 200–299); halt and alert.
	ClassAuth
	// ClassAccount: account or number level problem (33, 368, 131031, 131042, 131048 …);
	// halt the campaign and alert.
	ClassAccount
	// ClassInvalidRequest: our request is wrong (100, 131008, 131009, 131021 …); fix it.
	ClassInvalidRequest
	// ClassTransient: server-side trouble (1, 2, 131000, 131016, 131057, 133004, 5xx).
	// Whether a resend is safe depends on APIError.Ambiguous.
	ClassTransient
)

var classNames = [...]string{
	ClassPermanent:            "permanent",
	ClassRateLimited:          "rate_limited",
	ClassPairRateLimited:      "pair_rate_limited",
	ClassReengagement:         "reengagement",
	ClassNotOnWhatsApp:        "not_on_whatsapp",
	ClassUserStoppedMarketing: "user_stopped_marketing",
	ClassMarketingLimited:     "marketing_limited",
	ClassTemplate:             "template",
	ClassAuth:                 "auth",
	ClassAccount:              "account",
	ClassInvalidRequest:       "invalid_request",
	ClassTransient:            "transient",
}

// String returns the snake_case name of the class, e.g. "rate_limited".
func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// MarshalText encodes the class by name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// CodeInfo describes one platform error code: the HTTP status it comes with
// (0 when the reference names none), the title that forms "(#code) title", a
// details text, and its retry class (§2.2).
type CodeInfo struct {
	Code       int
	HTTPStatus int
	Title      string
	Details    string
	Class      Class
}

// Error codes named in §2.2 that callers and the simulator refer to by name.
const (
	CodeAuthException      = 0
	CodeUnknown            = 1
	CodeService            = 2
	CodeTooManyCalls       = 4
	CodeInvalidParameter   = 100
	CodeTokenExpired       = 190
	CodeWABARateLimit      = 80007
	CodeThroughput         = 130429
	CodeSomethingWentWrong = 131000
	CodeRequiredParameter  = 131008
	CodeInvalidValue       = 131009
	CodeServiceUnavailable = 131016
	CodeRecipientIsSender  = 131021
	CodeUndeliverable      = 131026
	CodeReengagement       = 131047
	CodeSpamRateLimit      = 131048
	CodeEcosystemLimit     = 131049
	CodeMarketingStopped   = 131050
	CodeUnsupportedType    = 131051
	CodePairRateLimit      = 131056
	CodeMaintenance        = 131057
	CodeTemplateParamCount = 132000
	CodeTemplateMissing    = 132001
	CodeTemplatePaused     = 132015
	CodeTemplateDisabled   = 132016
)

// codeTable follows §2.2 for codes and HTTP statuses; titles and details are
// the English texts of the Meta error-code page ([ERR]) as far as known.
var codeTable = map[int]CodeInfo{
	0:       {0, 401, "AuthException", "We were unable to authenticate the app user.", ClassAuth},
	1:       {1, 400, "API Unknown", "Invalid request or possible server error.", ClassTransient},
	2:       {2, 503, "API Service", "Temporary due to downtime or due to being overloaded.", ClassTransient},
	3:       {3, 500, "API Method", "Capability or permissions issue.", ClassAuth},
	4:       {4, 400, "API Too Many Calls", "The app has reached its API call rate limit.", ClassRateLimited},
	10:      {10, 403, "Permission Denied", "Permission is either not granted or has been removed.", ClassAuth},
	33:      {33, 400, "Parameter value is not valid", "The business phone number has been deleted.", ClassAccount},
	100:     {100, 400, "Invalid parameter", "The request included one or more unsupported or misspelled parameters.", ClassInvalidRequest},
	190:     {190, 401, "Access token has expired", "Your access token has expired.", ClassAuth},
	368:     {368, 403, "Temporarily blocked for policies violations", "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.", ClassAccount},
	613:     {613, 400, "Calls to this API have exceeded the rate limit.", "Calls to this API have exceeded the rate limit.", ClassRateLimited},
	80007:   {80007, 400, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit.", ClassRateLimited},
	130429:  {130429, 400, "Rate limit hit", "Cloud API message throughput has been reached.", ClassRateLimited},
	130472:  {130472, 400, "User's number is part of an experiment", "Message was not sent as part of an experiment.", ClassPermanent},
	130497:  {130497, 403, "Business account is restricted from messaging users in this country", "The WhatsApp Business Account is restricted from messaging users in certain countries.", ClassAccount},
	131000:  {131000, 500, "Something went wrong", "Message failed to send due to an unknown error.", ClassTransient},
	131008:  {131008, 400, "Required parameter is missing", "The request is missing a required parameter.", ClassInvalidRequest},
	131009:  {131009, 400, "Parameter value is not valid", "One or more parameter values are invalid.", ClassInvalidRequest},
	131016:  {131016, 500, "Service unavailable", "A service is temporarily unavailable.", ClassTransient},
	131021:  {131021, 400, "Recipient cannot be sender", "Sender and recipient phone number is the same.", ClassInvalidRequest},
	131026:  {131026, 400, "Message Undeliverable", "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; the recipient has not accepted the new Terms of Service and Privacy Policy; the recipient is using an old WhatsApp version.", ClassNotOnWhatsApp},
	131030:  {131030, 400, "Recipient phone number not in allowed list", "Add recipient phone number to recipient list and try again.", ClassInvalidRequest},
	131031:  {131031, 403, "Account has been locked", "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy, or data in the request could not be verified against the account.", ClassAccount},
	131037:  {131037, 400, "WhatsApp provided number needs display name approval before message can be sent.", "The 555 business phone number needs an approved display name before it can send messages.", ClassAccount},
	131042:  {131042, 400, "Business eligibility payment issue", "Message failed to send because there were one or more errors related to your payment method.", ClassAccount},
	131045:  {131045, 500, "Incorrect certificate", "Message failed to send due to a phone number registration error.", ClassAccount},
	131047:  {131047, 400, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.", ClassReengagement},
	131048:  {131048, 400, "Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam.", ClassAccount},
	131049:  {131049, 400, "This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain healthy ecosystem engagement, the message failed to be delivered.", ClassMarketingLimited},
	131050:  {131050, 400, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business", "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business", ClassUserStoppedMarketing},
	131051:  {131051, 400, "Unsupported message type", "Unsupported message type.", ClassInvalidRequest},
	131052:  {131052, 400, "Media download error", "Unable to download the media sent by the user.", ClassInvalidRequest},
	131053:  {131053, 400, "Media upload error", "Unable to upload the media used in the message.", ClassInvalidRequest},
	131056:  {131056, 400, "(Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.", ClassPairRateLimited},
	131057:  {131057, 500, "Account in maintenance mode", "Business Account is in maintenance mode. This could be due to a throughput upgrade.", ClassTransient},
	132000:  {132000, 400, "Number of parameters does not match the expected number of params", "The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.", ClassTemplate},
	132001:  {132001, 404, "Template name does not exist in the translation", "The template does not exist in the specified language or the template has not been approved.", ClassTemplate},
	132005:  {132005, 400, "Translated text too long", "Translated text is too long.", ClassTemplate},
	132007:  {132007, 400, "Format character policy violated", "Template content violates a WhatsApp policy.", ClassTemplate},
	132012:  {132012, 400, "Parameter format does not match format in the created template", "Variable parameter values formatted incorrectly.", ClassTemplate},
	132015:  {132015, 400, "Template is Paused", "Template is paused due to low quality so it cannot be sent in a template message.", ClassTemplate},
	132016:  {132016, 400, "Template is Disabled", "Template has been paused too many times due to low quality and is now permanently disabled.", ClassTemplate},
	133004:  {133004, 503, "Server Temporarily Unavailable", "Server is temporarily unavailable.", ClassTransient},
	133010:  {133010, 400, "Phone number Not Registered", "The phone number is not registered on the WhatsApp Business Platform.", ClassAccount},
	133016:  {133016, 400, "Account register deregister rate limit exceeded", "Registration or deregistration failed because there were too many attempts for this phone number in a short period of time.", ClassAccount},
	135000:  {135000, 400, "Generic user error", "Message failed to send because of an unknown error with your request parameters.", ClassInvalidRequest},
	2494100: {2494100, 0, "Account is in maintenance mode", "The business phone number is in maintenance mode. Try again in a few minutes.", ClassTransient},
}

// LookupCode returns what §2.2 says about an error code. Codes 200–299 share one
// entry; any other 132xxx code is a template error. ok is false for codes the
// reference does not name.
func LookupCode(code int) (info CodeInfo, ok bool) {
	if info, ok := codeTable[code]; ok {
		return info, true
	}
	switch {
	case code >= 200 && code <= 299:
		return CodeInfo{code, http.StatusForbidden, "API Permission", "Permission is either not granted or has been removed.", ClassAuth}, true
	case code >= 132000 && code <= 132999:
		return CodeInfo{code, http.StatusBadRequest, "Template error", "The template could not be used.", ClassTemplate}, true
	}
	return CodeInfo{Code: code, Class: ClassPermanent}, false
}

// ClassOf returns the retry class of a code as it appears in a webhook
// (statuses[].errors[].code, §2.1), where there is no HTTP status.
func ClassOf(code int) Class {
	info, _ := LookupCode(code)
	return info.Class
}
