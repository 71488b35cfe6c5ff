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

# release_version prints the version of the checkout: git describe of the
# newest tag, the commits since it and the commit ("v1.2.0-3-g1a2b3c4"), or
# the commit alone when there is no tag; "-dirty" when files changed. Builds
# embed it with -ldflags "-X $VERSION_VAR=...".
VERSION_VAR=wetalk/backend/version.Version
release_version() { git -C "$WETALK_ROOT" describe --tags --always --dirty; }

# untagged_re matches what git describe prints when no tag is reachable.
untagged_re='^[0-9a-f]{7,40}(-dirty)?$'

# deb_version prints the Debian form of version $1: no leading "v", "-" as
# "+" (so the whole string is the upstream version, with no Debian revision),
# and "0~git" in front of a bare commit, which sorts before any tag.
deb_version() {
  local v=${1#v}
  [[ $1 =~ $untagged_re || ! $v =~ ^[0-9] ]] && v="0~git$v"
  printf '%s\n' "${v//-/+}"
}

# numeric_version prints the four numbers Windows' VIProductVersion needs
# for version $1: the tag's major.minor.patch and the commits since it
# ("v1.2.0-3-g1a2b3c4" -> 1.2.0.3); 0.0.0.0 without a numeric tag.
numeric_version() {
  local v=${1#v} re='^([0-9]+)(\.([0-9]+))?(\.([0-9]+))?(-([0-9]+)-g[0-9a-f]+)?'
  if [[ ! $1 =~ $untagged_re && $v =~ $re ]]; then
    printf '%d.%d.%d.%d\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]:-0}" "${BASH_REMATCH[5]:-0}" "${BASH_REMATCH[7]:-0}"
  else
    echo 0.0.0.0
  fi
}

# render_icons draws every icon of a release from the one source
# build/icon.svg under build folder $1: appicon.png (the window; Wails makes
# the macOS .icns from it), windows/icon.ico (wetalk.exe and the installer)
# and linux/gen/icons/hicolor (the .deb).
render_icons() {
  local dir=$1 size
  rsvg-convert -w 1024 -h 1024 "$dir/icon.svg" -o "$dir/appicon.png"
  mkdir -p "$dir/windows" "$dir/linux/gen/icons/hicolor/scalable/apps"
  local ico=()
  for size in 16 24 32 48 64 128 256; do
    rsvg-convert -w "$size" -h "$size" "$dir/icon.svg" -o "$dir/windows/icon-$size.png"
    ico+=("$dir/windows/icon-$size.png")
  done
  convert "${ico[@]}" "$dir/windows/icon.ico"
  rm -f "${ico[@]}"
  for size in 16 22 24 32 48 64 128 256 512; do
    mkdir -p "$dir/linux/gen/icons/hicolor/${size}x${size}/apps"
    rsvg-convert -w "$size" -h "$size" "$dir/icon.svg" -o "$dir/linux/gen/icons/hicolor/${size}x${size}/apps/wetalk.png"
  done
  cp "$dir/icon.svg" "$dir/linux/gen/icons/hicolor/scalable/apps/wetalk.svg"
}
