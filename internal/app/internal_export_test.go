// SPDX-License-Identifier: AGPL-3.0-only

package app

// ImportBatch is importBatch, for tests that span several of an import's
// transactions.
const ImportBatch = importBatch

// SettingsReads is how many times the settings row was read.
func (a *App) SettingsReads() int64 { return a.settingsReads.Load() }
