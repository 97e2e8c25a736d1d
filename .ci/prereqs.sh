# Sourced by .ci/serve and .ci/test: installs what a fresh machine of this kind lacks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "Missing: $*. Install them with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1 && [ -z "${KEPU_PG_BIN:-}" ]; then
    echo "Installing PostgreSQL server binaries (apt-get install postgresql)..."
    apt_install postgresql
  fi
  # The Debian package starts a cluster of its own; we run private ones and don't need it.
}

need_dotnet() {
  command -v dotnet >/dev/null 2>&1 || { echo "The .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 1; }
}

need_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Installing Node.js and npm..."
    apt_install nodejs npm
  fi
}

need_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "Installing Chromium for the console's browser tests (apt-get install chromium)..."
    apt_install chromium
  fi
  # Without a CJK font the console's Chinese renders as empty boxes in the screenshots.
  if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    echo "Installing a Chinese font for the browser tests' screenshots (fonts-wqy-microhei)..."
    apt_install fonts-wqy-microhei fontconfig
  fi
}

# The console's charting library (ECharts), served by the app itself from node_modules: installed here, never kept in git.
need_console_libs() {
  need_node
  (cd "$ROOT/src/WechatKepu.Server/console-libs" && npm ci --no-audit --no-fund --loglevel=error)
}
