#!/usr/bin/env bash
# Installs EdgeTracker's native dependencies, idempotently, on Debian 12 (x64 or arm64):
#   - Debian packages: GStreamer (core, base, good, libav, tools), libturbojpeg0, mosquitto and its clients,
#     ffmpeg, and chromium (for the web page's tests);
#   - ONNX Runtime's CPU build (libonnxruntime.so.1) from the npm package onnxruntime-node, at a pinned
#     version whose tarball checksum is verified, into the git-ignored .native/ folder that the build copies
#     next to the binaries.
# An operator with their own ONNX Runtime (a Jetson build with TensorRT and CUDA) sets
# EDGETRACKER_ONNXRUNTIME=/path/to/libonnxruntime.so.1 (or the daemon's Inference:OnnxRuntimePath); then
# nothing is downloaded.
# Options: --no-browser skips chromium (not needed to run the daemon).
set -euo pipefail

ORT_VERSION=1.22.0
ORT_TARBALL_SHA256=8007ce525b5b185b77d2b4103d3ec147ecef6d861eb14726d0bdda5e2947dbd7

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
with_browser=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) with_browser=0 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

log() { printf 'install-deps: %s\n' "$*"; }

# ---- Debian packages -------------------------------------------------------------------------------------
packages=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
          libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 libturbojpeg0 mosquitto mosquitto-clients ffmpeg
          iproute2 procps)
[ "$with_browser" = 1 ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi
# The packaged mosquitto service would hold port 1883 and is not ours: tests and the demo start their own.

# ---- ONNX Runtime ----------------------------------------------------------------------------------------
if [ -n "${EDGETRACKER_ONNXRUNTIME:-}" ]; then
  [ -f "$EDGETRACKER_ONNXRUNTIME" ] || { echo "install-deps: EDGETRACKER_ONNXRUNTIME='$EDGETRACKER_ONNXRUNTIME' does not exist" >&2; exit 1; }
  log "using the operator's ONNX Runtime at $EDGETRACKER_ONNXRUNTIME; nothing downloaded"
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "install-deps: no ONNX Runtime build for $(uname -m) in onnxruntime-node" >&2; exit 1 ;;
esac
dest="$root/.native/onnxruntime/linux-$arch"
stamp="$dest/.version"
if [ -f "$dest/libonnxruntime.so.1" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ORT_VERSION" ]; then
  log "ONNX Runtime $ORT_VERSION present in .native/onnxruntime/linux-$arch"
  exit 0
fi

cache="$root/.native/cache"
mkdir -p "$cache" "$dest"
tarball="$cache/onnxruntime-node-$ORT_VERSION.tgz"
if [ ! -f "$tarball" ] || ! echo "$ORT_TARBALL_SHA256  $tarball" | sha256sum -c --status; then
  log "fetching onnxruntime-node@$ORT_VERSION from the npm registry"
  rm -f "$tarball"
  (cd "$cache" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
fi
if ! echo "$ORT_TARBALL_SHA256  $tarball" | sha256sum -c --status; then
  echo "install-deps: checksum mismatch for $tarball (expected $ORT_TARBALL_SHA256, got $(sha256sum "$tarball" | cut -d' ' -f1))" >&2
  rm -f "$tarball"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp" "package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
mv -f "$tmp/package/bin/napi-v6/linux/$arch/libonnxruntime.so.1" "$dest/libonnxruntime.so.1"
echo "$ORT_VERSION" > "$stamp"
log "ONNX Runtime $ORT_VERSION (CPU, linux-$arch) installed into .native/onnxruntime/linux-$arch"
