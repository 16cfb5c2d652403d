#!/bin/bash
# usage: boot-raspi3b.sh INITRD SDIMG ; QEMU -M raspi3b with the real DTB, USB CDC-ethernet NIC
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LOG=${LOG:-$HERE/out/qemu-raspi3b.log}
start=$(date +%s.%N)
timeout ${QEMU_TIMEOUT:-300} qemu-system-aarch64 -M raspi3b -m 1G -nographic \
  -kernel "$HERE/x/kernel/boot/vmlinuz-6.1.0-56-arm64" \
  -dtb "$HERE/x/kernel/usr/lib/linux-image-6.1.0-56-arm64/broadcom/bcm2837-rpi-3-b.dtb" \
  -initrd "$1" -drive file="$2",if=sd,format=raw \
  -append "${APPEND:-console=ttyAMA0,115200 earlycon=pl011,0x3f201000 loglevel=6 dwc_otg.lpm_enable=0}" \
  -usb -device usb-net,netdev=n \
  -netdev user,id=n,restrict=on,hostfwd=tcp:127.0.0.1:18081-:80 </dev/null >"$LOG" 2>&1 &
QPID=$!
ok=0
for i in $(seq 1 ${POLLS:-2400}); do
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' http://127.0.0.1:18081/ 2>/dev/null)
  if [ -n "$code" ] && [ "$code" != 000 ]; then ok=1; break; fi
  kill -0 $QPID 2>/dev/null || break
  sleep 0.1
done
end=$(date +%s.%N)
[ $ok = 1 ] && printf 'HTTP %s after %.1f s\n' "$code" "$(echo "$end - $start" | bc)" || echo "NO ANSWER after $(echo "$end - $start" | bc) s"
sleep ${HOLD:-1}
kill $QPID 2>/dev/null; wait $QPID 2>/dev/null
