#!/usr/bin/env bash
# Refreshes docs/screenshots/: the accessibility walk captures every page and dialog of the dashboard in headless
# Chromium, at 1280×800 and 390×844, in light and dark mode; the leaked-key walk adds its steps (leak-*.png, incidents.png),
# the owner journeys their pages (13 quarterly audit, 14 audit log, 15 key policy, 16–17 team, scope use, sign-in), and
# the webhook journey its own (08-webhooks*: list, add dialog, secret, an endpoint before and after its test delivery).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f docs/screenshots/*.png
FIELDCAMP_SCREENSHOTS="$PWD/docs/screenshots" dotnet test tests/E2E --filter "FullyQualifiedName~ApiReferenceTests|FullyQualifiedName~AccessibilityTests|FullyQualifiedName~LeakedKeyTests|FullyQualifiedName~QuarterlyAuditTests|FullyQualifiedName~AuditLogTests|FullyQualifiedName~KeyPolicyTests|FullyQualifiedName~TeamTests|FullyQualifiedName~ScopeUseTests|FullyQualifiedName~SignInTests|FullyQualifiedName~WebhookTests"
