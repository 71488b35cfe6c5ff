# lib.sh: shared settings for the scripts in this folder; source it, don't run it.
# It sets no traps and starts nothing.

# Repository root, whatever the caller's working directory.
WETALK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export WETALK_ROOT

# Go as installed on the machine image, even when the caller's PATH lacks it.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
export DEBIAN_FRONTEND=noninteractive

# Build tags of the desktop binary (Debian 12 ships WebKitGTK 4.1 only).
DESKTOP_TAGS=desktop,production,webkit2_41
DESKTOP_BIN=build/bin/wetalk
HEADLESS_BIN=build/bin/wetalk-headless

# announce prints one clear line saying what the script does next.
announce() { printf '==> %s: %s\n' "$(basename "$0")" "$*"; }

# die prints an error and exits non-zero.
die() { printf 'ERROR %s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }
