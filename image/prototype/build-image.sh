#!/bin/bash
# Assemble a Raspberry Pi (arm64) SD-card image without root: FAT32 boot + ext4 data, MBR.
# usage: build-image.sh OUTDIR     (env: SOURCE_DATE_EPOCH, X, BIN)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath -m "${1:?outdir}"); mkdir -p "$OUT"
X=${X:-$HERE/x}
KVER=$(ls "$X/kernel/lib/modules")
: "${SOURCE_DATE_EPOCH:?}"
export SOURCE_DATE_EPOCH LC_ALL=C TZ=UTC E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
BOOT_MIB=256; DATA_MIB=256; START=2048          # sectors of 512 bytes; 1 MiB alignment
VOLID=504f5243                                  # "PORC"; also the MBR disk id
FS_UUID=8c1f5d1e-7a43-4e1b-9d2c-706f7263686c    # fixed ext4 UUID
HASH_SEED=5a0b6c0d-3e4f-4a1b-8c2d-706f72636801  # fixed ext4 directory hash seed
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

# 1. initramfs
"$HERE/build-initramfs.sh" "$W/initrd.zst"

# 2. boot partition content (flat: the firmware wants DTBs in the root with upstream_kernel=1)
B=$W/boot; mkdir -p "$B"
FW=$X/fw/usr/lib/raspi-firmware
cp "$FW"/{bootcode.bin,start.elf,fixup.dat,start_cd.elf,fixup_cd.dat,start4.elf,fixup4.dat,start4cd.elf,fixup4cd.dat} "$B/"
cp "$X/kernel/usr/lib/linux-image-$KVER/broadcom/"*.dtb "$B/"
cp "$X/kernel/boot/vmlinuz-$KVER" "$B/vmlinuz"
cp "$W/initrd.zst" "$B/initrd.zst"
cp "$HERE/src/config.txt" "$HERE/src/cmdline.txt" "$B/"
find "$B" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
cp -a "$B" "$OUT/boot-files.tmp" && rm -rf "$OUT/boot-files" && mv "$OUT/boot-files.tmp" "$OUT/boot-files"

# 3. FAT32 image: fixed volume id, --invariant (no time-based fields), mcopy -m keeps mtimes,
#    and mtools reads SOURCE_DATE_EPOCH for anything else it stamps
mkfs.vfat -C -F 32 -n PORCHBOOT --invariant -i $VOLID "$W/boot.vfat" $((BOOT_MIB*1024)) >/dev/null
( cd "$B" && for f in $(ls | sort); do mcopy -m -Q -i "$W/boot.vfat" "$f" "::$f"; done )

# 4. ext4 data partition: empty apart from lost+found; fixed UUID, fake time, fixed hash seed
mke2fs -q -F -t ext4 -L porchlight-data -U $FS_UUID -E root_owner=0:0 -m 1 "$W/data.ext4" ${DATA_MIB}M
debugfs -w -R "ssv hash_seed $HASH_SEED" "$W/data.ext4" >/dev/null 2>&1
tune2fs -L porchlight-data "$W/data.ext4" >/dev/null   # rewrites the backup superblocks from the primary

# 5. disk: MBR with fixed disk id, partitions copied in with dd
IMG=$OUT/porchlight-sdcard.img
BOOT_S=$((BOOT_MIB*2048)); DATA_S=$((DATA_MIB*2048))
rm -f "$IMG"; truncate -s $(( (START + BOOT_S + DATA_S) * 512 )) "$IMG"
sfdisk -q --no-reread --no-tell-kernel "$IMG" <<SF
label: dos
label-id: 0x$VOLID
unit: sectors
sector-size: 512
start=$START, size=$BOOT_S, type=c, bootable
start=$((START+BOOT_S)), size=$DATA_S, type=83
SF
dd if="$W/boot.vfat" of="$IMG" bs=1M seek=$((START/2048)) conv=notrunc,sparse status=none
dd if="$W/data.ext4" of="$IMG" bs=1M seek=$(((START+BOOT_S)/2048)) conv=notrunc,sparse status=none
cp "$W/initrd.zst" "$OUT/initrd.zst"
zstd -q -f -19 -T1 "$IMG" -o "$IMG.zst"
( cd "$OUT" && sha256sum porchlight-sdcard.img porchlight-sdcard.img.zst initrd.zst > SHA256SUMS )
ls -l "$IMG" "$IMG.zst" "$OUT/initrd.zst" >&2
