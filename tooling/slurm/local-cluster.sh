#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for checking deploy/slurm-array.sbatch on a real scheduler.
#   sudo tooling/slurm/local-cluster.sh start    installs Debian's slurm-wlm and munge if missing, writes a munge key
#                                                (if there is none) and a slurm.conf for this host's CPUs and memory
#                                                under $GSH_SLURM_DIR, starts munged, slurmctld and slurmd
#   sudo tooling/slurm/local-cluster.sh stop     stops the daemons it started (by their recorded process ids)
# Client commands need the same config: export SLURM_CONF="$GSH_SLURM_DIR/slurm.conf" (printed by start).
# Needs root (daemons, /etc/munge). Nothing outside $GSH_SLURM_DIR is changed except a munge key created when absent.
set -euo pipefail
STATE="${GSH_SLURM_DIR:-/tmp/gsh-slurm}"
CONF="$STATE/slurm.conf"
export SLURM_CONF="$CONF"

die() { echo "local-cluster: $*" >&2; exit 1; }

stop() {
  for name in slurmd slurmctld munged; do
    local f="$STATE/$name.pid"
    [ -f "$f" ] || continue
    local pid; pid="$(cat "$f")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
  done
}

start() {
  [ "$(id -u)" = "0" ] || die "needs root (it installs packages and starts daemons)"
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null; } \
      || die "could not install slurm-wlm and munge"
  fi
  mkdir -p "$STATE/ctld" "$STATE/d"
  # munge: a key (1024 random bytes, owned by munge, mode 400) and munged as the munge user.
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid || die "munged did not start"
    for _ in $(seq 1 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    cp /run/munge/munged.pid "$STATE/munged.pid"
    munge -n | unmunge >/dev/null || die "munge does not work"
  fi
  local host cpus mem
  host="$(hostname -s)"
  cpus="$(nproc)"
  # RealMemory below the machine's (90% of MemTotal, in MB), so slurmd never finds less than configured.
  mem="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
  cat >"$CONF" <<CONF
ClusterName=gsh-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  /usr/sbin/slurmctld -f "$CONF" || die "slurmctld did not start (see $STATE/slurmctld.log)"
  /usr/sbin/slurmd -f "$CONF" || die "slurmd did not start (see $STATE/slurmd.log)"
  for _ in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      echo "local-cluster: $host idle ($cpus CPUs, ${mem} MB); export SLURM_CONF=$CONF"
      return 0
    fi
    sleep 0.5
  done
  sinfo >&2 || true
  die "the node did not become idle within 30 s (see $STATE/slurmctld.log and $STATE/slurmd.log)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
