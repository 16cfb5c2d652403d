#!/bin/bash
# Build a reproducible initramfs for the Porchlight appliance. Rootless-friendly (no mounts/chroot).
# usage: build-initramfs.sh OUT.cpio.zst   (env: X=extracted debs dir, BIN=porchlight, SOURCE_DATE_EPOCH)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath -m "${1:?out file}")
X=${X:-$HERE/x}
BIN=${BIN:-$HERE/porchlight}
KVER=$(ls "$X/kernel/lib/modules")
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH}"
export SOURCE_DATE_EPOCH LC_ALL=C TZ=UTC
R=$(mktemp -d); trap 'rm -rf "$R"' EXIT
umask 022
mkdir -p "$R"/{bin,dev,proc,sys,run,tmp,data,etc,root,usr/share/udhcpc,lib/modules/$KVER,var}
ln -s bin "$R/sbin"; ln -s ../bin "$R/usr/bin"; ln -s ../bin "$R/usr/sbin"
chmod 1777 "$R/tmp"; chmod 0700 "$R/root"
# busybox + applet symlinks (list taken from the arm64 binary itself, under qemu-user)
install -m 0755 "$X/bb/bin/busybox" "$R/bin/busybox"
for a in $(qemu-aarch64-static "$R/bin/busybox" --list); do
  [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
install -m 0755 "$BIN" "$R/bin/porchlight"
install -m 0755 "$HERE/src/init" "$R/init"
install -m 0755 "$HERE/src/udhcpc.script" "$R/usr/share/udhcpc/default.script"
install -m 0644 "$HERE/src/modules" "$R/etc/modules"
echo "$SOURCE_DATE_EPOCH" > "$R/etc/build-epoch"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
printf '127.0.0.1\tlocalhost porchlight\n::1\tlocalhost\n' > "$R/etc/hosts"
ln -s /run/resolv.conf "$R/etc/resolv.conf"
ln -s /proc/mounts "$R/etc/mtab"
# kernel modules: close the list over modules.dep
MD="$X/kernel/lib/modules/$KVER"
want=$(grep -v "^#" "${MODLIST:-$HERE/src/modules}" | tr "-" "_")
declare -A seen=()
queue=()
for m in $want; do
  p=$(awk -F: -v m="$m" '{n=$1; sub(/.*\//,"",n); sub(/\.ko.*$/,"",n); gsub(/-/,"_",n); if (n==m) {print $1; exit}}' "$MD/modules.dep")
  if [ -z "$p" ]; then
    grep -q "/${m//_/[-_]}\.ko" "$MD/modules.builtin" && continue
    echo "module $m: not found" >&2; exit 1
  fi
  queue+=("$p")
done
while [ ${#queue[@]} -gt 0 ]; do
  p=${queue[0]}; queue=("${queue[@]:1}")
  [ -n "${seen[$p]:-}" ] && continue
  seen[$p]=1
  for d in $(grep "^$p:" "$MD/modules.dep" | cut -d: -f2-); do queue+=("$d"); done
done
for p in "${!seen[@]}"; do
  mkdir -p "$R/lib/modules/$KVER/$(dirname "$p")"
  cp "$MD/$p" "$R/lib/modules/$KVER/$p"
done
cp "$MD"/modules.{builtin,builtin.modinfo,order} "$R/lib/modules/$KVER/"
depmod -b "$R" "$KVER"
rm -f "$R/lib/modules/$KVER"/*.bin "$R/lib/modules/$KVER/modules.builtin.modinfo"
echo "modules: ${#seen[@]} files, $(du -sk "$R/lib/modules" | cut -f1) KiB" >&2
# reproducible archive: fixed mtimes, sorted names, uid/gid 0, no inode numbers leaking
find "$R" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
( cd "$R" && find . -mindepth 1 -printf '%P\n' | sort | cpio -o -H newc -R 0:0 --reproducible --quiet ) \
  | zstd -q -19 -T1 --no-progress > "$OUT"
echo "initramfs: $OUT $(stat -c %s "$OUT") bytes, uncompressed $(du -sk --apparent-size "$R" | cut -f1) KiB" >&2
