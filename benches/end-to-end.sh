#!/usr/bin/env bash
# End-to-end measurement of the release binary on generated estates: median wall time and
# peak RSS of `kubepath scan DIR --format json > /dev/null` over RUNS runs, and the floor
# (the same files read once by serde_json into IgnoredAny: `floor` bin of kubepath-benches).
# Usage: benches/end-to-end.sh [SIZES...]   SIZE = PODSxPRINCIPALS, e.g. 30000x1000
# Env: RUNS (default 5), ESTATES (default /tmp/kubepath-estates), SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
ESTATES=${ESTATES:-/tmp/kubepath-estates}
SEED=${SEED:-1}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000x1000 30000x1000 100000x10000)
cargo build --release --locked -q --bin kubepath -p kubepath -p kubepath-samples -p kubepath-benches --bins
bin=target/release
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # prints "wall_s rss_mb" for one run of "$@"
  /usr/bin/time -f '%e %M' -o /tmp/kubepath-time.$$ "$@" > /dev/null
  awk '{printf "%s %.0f\n", $1, $2/1024}' /tmp/kubepath-time.$$
}
printf '| estate | input | scan wall (median) | scan peak RSS | floor wall | ratio |\n| --- | --- | --- | --- | --- | --- |\n'
for size in "${SIZES[@]}"; do
  pods=${size%x*}; principals=${size#*x}
  dir="$ESTATES/$size-s$SEED"
  [ -d "$dir" ] || "$bin/kubepath-samples" --pods "$pods" --principals "$principals" --seed "$SEED" --out "$dir" > /dev/null
  walls=(); rsss=(); floors=()
  for _ in $(seq "$RUNS"); do
    read -r w r < <(measure "$bin/kubepath" scan "$dir" --format json)
    walls+=("$w"); rsss+=("$r")
    read -r f _ < <(measure "$bin/floor" "$dir")
    floors+=("$f")
  done
  w=$(printf '%s\n' "${walls[@]}" | median); r=$(printf '%s\n' "${rsss[@]}" | median)
  f=$(printf '%s\n' "${floors[@]}" | median)
  mb=$(du -smL "$dir" | cut -f1)
  printf '| %s pods + %s principals | %s MB | %s s | %s MB | %s s | %.1fx |\n' "$pods" "$principals" "$mb" "$w" "$r" "$f" "$(echo "$w / $f" | bc -l)"
done
