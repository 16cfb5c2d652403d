#!/bin/bash
# usage: boot-virt.sh INITRD [extra qemu args...]; boots, polls http, prints timing, kills qemu.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
INITRD=$1; shift
LOG=${LOG:-$HERE/out/qemu-virt.log}
PORT=${PORT:-18080}
APPEND=${APPEND:-console=ttyAMA0 quiet loglevel=4 porchlight.nodata}
start=$(date +%s.%N)
timeout ${QEMU_TIMEOUT:-120} qemu-system-aarch64 -M virt -cpu cortex-a53 -smp ${SMP:-1} -m 512 -nographic \
  -kernel "${KERNEL:-$HERE/x/kernel/boot/vmlinuz-6.1.0-56-arm64}" -initrd "$INITRD" \
  -append "$APPEND" \
  -netdev user,id=n,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:80,hostfwd=tcp:127.0.0.1:18443-:443 -device virtio-net-device,netdev=n \
  "$@" </dev/null >"$LOG" 2>&1 &
QPID=$!
ok=0
for i in $(seq 1 ${POLLS:-900}); do
  code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' http://127.0.0.1:$PORT/ 2>/dev/null)
  if [ -n "$code" ] && [ "$code" != 000 ]; then ok=1; break; fi
  kill -0 $QPID 2>/dev/null || break
  sleep 0.1
done
end=$(date +%s.%N)
if [ $ok = 1 ]; then
  printf 'HTTP %s after %.2f s\n' "$code" "$(echo "$end - $start" | bc)"
  curl -s -m 5 -D - -o "$HERE/out/index.html" http://127.0.0.1:$PORT/ | head -5
else
  echo "NO ANSWER after $(echo "$end - $start" | bc) s"
fi
sleep ${HOLD:-1}
kill $QPID 2>/dev/null; wait $QPID 2>/dev/null
echo "--- log tail"; tail -n ${TAILN:-25} "$LOG"
