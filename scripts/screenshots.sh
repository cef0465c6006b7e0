#!/usr/bin/env bash
# Refreshes docs/screenshots/ by walking every page and dialog of the API Keys area in headless Chromium (1280×800).
set -euo pipefail
cd "$(dirname "$0")/.."
FIELDCAMP_SCREENSHOTS="$PWD/docs/screenshots" dotnet test tests/E2E --filter "FullyQualifiedName~ScreenshotTests"
