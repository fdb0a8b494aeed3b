#!/usr/bin/env bash
# Installs EdgeTracker as a systemd service on Debian/Ubuntu/JetPack (x64 or arm64):
#   1. publishes the daemon (self-contained, so the device needs no .NET runtime) into the prefix, or copies a
#      publish made elsewhere (--from);
#   2. creates the system user 'edgetracker' (groups video and i2c for cameras and the pan-tilt head);
#   3. puts the configuration in /etc/edgetracker (an existing one is kept) and checks it;
#   4. installs systemd/edgetracker.service and enables and starts it.
# Usage: sudo systemd/install.sh [--prefix /opt/edgetracker] [--config FILE] [--framework-dependent]
#                                [--from DIR] [--no-enable] [--root DIR]
#   --config FILE           the configuration to install (default config/edgetracker.json) if none exists yet
#   --framework-dependent   publish for an installed .NET 10 runtime instead of self-contained
#   --from DIR              install DIR, the output of an earlier `dotnet publish` of src/EdgeTracker (a device
#                           without the .NET SDK), instead of publishing here
#   --no-enable             install only; do not enable or start the service
#   --root DIR              install into DIR as if it were / (staging, packaging, tests); implies --no-enable
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/opt/edgetracker
config="$root_dir/config/edgetracker.json"
self_contained=true
enable=1
dest=""
from=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --framework-dependent) self_contained=false; shift ;;
    --from) from=$(realpath -m "$2"); shift 2 ;;
    --no-enable) enable=0; shift ;;
    --root) dest=$(realpath -m "$2"); enable=0; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
log() { printf 'install.sh: %s\n' "$*"; }
[ -f "$config" ] || { echo "install.sh: configuration '$config' does not exist" >&2; exit 1; }
if [ -n "$from" ] && [ ! -x "$from/edgetracker" ]; then
  echo "install.sh: '$from' holds no published edgetracker executable" >&2; exit 1
fi
if [ -z "$dest" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (sudo), or use --root DIR to stage an install" >&2; exit 1
fi

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64|arm64) rid=linux-arm64 ;;
  *) echo "install.sh: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

# 1. Publish (into a scratch folder, so a failed build leaves a running service alone). ONNX Runtime's library
#    comes along (copied next to the binary by the build); a Jetson operator points Inference:OnnxRuntimePath at
#    JetPack's TensorRT-enabled build instead.
if [ -z "$from" ]; then
  from=$(mktemp -d)
  trap 'rm -rf "$from"' EXIT
  log "publishing for $rid (self-contained: $self_contained)"
  bash "$root_dir/scripts/install-deps.sh" --no-browser
  dotnet publish "$root_dir/src/EdgeTracker/EdgeTracker.csproj" -c Release -r "$rid" --self-contained "$self_contained" \
    -o "$from" -nologo -v q
fi
# Replacing the files of a running daemon crashes it (its libraries are mapped): stop it first; step 4 restarts it.
if [ -z "$dest" ] && command -v systemctl >/dev/null && systemctl is-active --quiet edgetracker.service; then
  log "stopping the running edgetracker.service to replace its files"
  systemctl stop edgetracker.service
fi
log "installing the publish in $from into $dest$prefix"
install -d -m 0755 "$dest$prefix"
# Owned by root whoever built it, readable and executable by the service user, writable by nobody else.
cp -R --preserve=mode,timestamps,links "$from/." "$dest$prefix/"
chmod -R u+rwX,go+rX,go-w "$dest$prefix"
[ -n "$dest" ] || chown -R root:root "$prefix"

# 2. The system user, in the groups that own /dev/video* and /dev/i2c-* (created if the board has no i2c group yet).
if [ -z "$dest" ]; then
  getent group i2c >/dev/null || groupadd --system i2c
  getent group video >/dev/null || groupadd --system video
  if ! id edgetracker >/dev/null 2>&1; then
    log "creating system user edgetracker"
    useradd --system --home-dir /var/lib/edgetracker --no-create-home --shell /usr/sbin/nologin --user-group edgetracker
  fi
  usermod -a -G video,i2c edgetracker
fi

# 3. Configuration: never overwrite the operator's; readable by the service only (it may hold the MQTT password).
install -d -m 0750 "$dest/etc/edgetracker"
if [ -f "$dest/etc/edgetracker/edgetracker.json" ]; then
  log "keeping the existing $dest/etc/edgetracker/edgetracker.json"
else
  install -m 0640 "$config" "$dest/etc/edgetracker/edgetracker.json"
  log "installed $config as $dest/etc/edgetracker/edgetracker.json"
fi
if [ -z "$dest" ]; then
  chown -R root:edgetracker /etc/edgetracker
  runuser -u edgetracker -- "$prefix/edgetracker" run --config /etc/edgetracker/edgetracker.json --check
else
  "$dest$prefix/edgetracker" run --config "$dest/etc/edgetracker/edgetracker.json" --check
fi

# 4. The unit, pointing at the prefix.
install -d "$dest/etc/systemd/system"
sed "s|/opt/edgetracker/edgetracker|$prefix/edgetracker|g" "$root_dir/systemd/edgetracker.service" > "$dest/etc/systemd/system/edgetracker.service"
chmod 0644 "$dest/etc/systemd/system/edgetracker.service"
if command -v systemd-analyze >/dev/null; then
  if [ -z "$dest" ]; then
    systemd-analyze verify /etc/systemd/system/edgetracker.service
  else
    # verify needs the unit's executable where ExecStart says: check a copy pointing into the staging root.
    check=$(mktemp -d)
    sed "s|$prefix/edgetracker|$dest$prefix/edgetracker|g" "$dest/etc/systemd/system/edgetracker.service" > "$check/edgetracker.service"
    systemd-analyze verify "$check/edgetracker.service"
    rm -rf "$check"
  fi
fi
if [ "$enable" = 1 ]; then
  systemctl daemon-reload
  systemctl enable edgetracker.service
  # restart, not enable --now: that leaves an already running (old) daemon alone. Returns once READY=1 arrived.
  systemctl restart edgetracker.service
  log "started; follow it with: journalctl -u edgetracker -f   (status: systemctl status edgetracker)"
else
  log "installed into ${dest:-/}; enable with: systemctl daemon-reload && systemctl enable --now edgetracker"
fi
