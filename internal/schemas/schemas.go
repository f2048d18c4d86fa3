// SPDX-License-Identifier: AGPL-3.0-only

// Package schemas holds the JSON Schemas samtykke publishes under /schemas/,
// as files the OpenAPI document can refer to both on disk (its linter) and
// over HTTP (clients resolve "../schemas/..." against /api/openapi.json).
package schemas

import _ "embed"

// SubjectPackage is the JSON Schema of the access and portability package
// served at /schemas/subject-package.json.
//
//go:embed subject-package.json
var SubjectPackage []byte
