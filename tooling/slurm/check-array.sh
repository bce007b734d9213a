#!/usr/bin/env bash
# Runs deploy/slurm-array.sbatch as written on a single-node Slurm cluster of this machine (local-cluster.sh): the
# smoke suite as a 3-task array (--array=1-3), then merges the shards strictly and compares the merged rows with an
# unsharded run of the same suite, field by field (wallMs aside). Needs root and a built checkout (pnpm build).
#   sudo tooling/slurm/check-array.sh
# Results go to a temporary GSH_REPO (links to this checkout's apps/ and packages/), so a checkout's own
# bench-results/ is never touched; it is removed at the end (GSH_SLURM_KEEP=1 keeps it, with the daemons' logs).
# The daemons it started are stopped on exit. Exit 0 when every check passed.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$REPO/tooling/slurm"
[ -f "$REPO/apps/gsh/dist/bin.js" ] || { echo "slurm check: build first (pnpm build)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/gsh-slurm-check.XXXXXX)"
export GSH_SLURM_DIR="$WORK/cluster"
export SLURM_CONF="$GSH_SLURM_DIR/slurm.conf"
cleanup() {
  "$HERE/local-cluster.sh" stop || true
  [ -n "${GSH_SLURM_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
"$HERE/local-cluster.sh" start

# The job's working directory: this checkout's code, a fresh bench-results/.
ln -s "$REPO/apps" "$WORK/apps"
ln -s "$REPO/packages" "$WORK/packages"
ln -s "$REPO/node_modules" "$WORK/node_modules"
ln -s "$REPO/package.json" "$WORK/package.json"

# The script asks for 2 CPUs and 8 GB per task; a smaller machine gets what it has (options on the command line
# override #SBATCH lines; the script itself runs unchanged).
cpus="$(nproc)"
mem_mb="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
fit=()
[ "$cpus" -ge 2 ] || fit+=(--cpus-per-task=1)
[ "$mem_mb" -ge 8192 ] || fit+=(--mem="$((mem_mb / 2))M")

echo "slurm check: sbatch --array=1-3 deploy/slurm-array.sbatch (GSH_SUITE=smoke) ${fit[*]:-}"
sbatch --wait --array=1-3 --output="$WORK/task-%a.log" --chdir="$WORK" "${fit[@]}" \
  --export=ALL,GSH_SUITE=smoke,GSH_REPO="$WORK" "$REPO/deploy/slurm-array.sbatch"
for i in 1 2 3; do
  grep -q "shard $((i - 1))/3 from slurm's variables" "$WORK/task-$i.log" \
    || { echo "slurm check: task $i did not run shard $((i - 1))/3:" >&2; cat "$WORK/task-$i.log" >&2; exit 1; }
done

node "$REPO/apps/gsh/dist/bin.js" merge "$WORK"/bench-results/smoke/shard-{0,1,2}-of-3 --out "$WORK/merged" >/dev/null
node "$REPO/apps/gsh/dist/bin.js" bench --suite smoke --out "$WORK/full" --workers "$cpus" --no-report >/dev/null
node "$HERE/same-rows.mjs" "$WORK/merged/results.jsonl" "$WORK/full/results.jsonl"
echo "slurm check: passed (3 array tasks, strict merge, rows equal to the unsharded run)"
