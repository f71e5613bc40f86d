#!/usr/bin/env bash
# The SLURM test (issue 18), `npm run test:cluster`: starts a private single-node SLURM cluster on
# this machine (munged + slurmctld + slurmd, every file in a temporary folder, this user, nproc CPUs),
# runs test/cluster/slurm_e2e.ts against it (sharded refine / eval / refine-coco as array jobs,
# merged, compared byte for byte with single-process runs; one task cancelled mid-run with scancel
# and resubmitted) and stops the daemons at the end, whatever happened.
# Ends with one line: `cluster test: passed`, `cluster test: FAILED (…)` or `cluster test: SKIPPED (…)`
# (exit 0, 1, 0). Skipped only when SLURM or MUNGE is not installed (Debian: slurm-wlm, munge).
# Environment: SEGREFINER_CLUSTER_N (scenes, default 12), SEGREFINER_CLUSTER_KEEP=1 keeps the folder.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

missing=()
for cmd in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel; do
  command -v "$cmd" > /dev/null || [ -x "/usr/sbin/$cmd" ] || missing+=("$cmd")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cluster test: SKIPPED (not installed: ${missing[*]}; on Debian: apt-get install slurm-wlm munge)"
  exit 0
fi
PATH="$PATH:/usr/sbin"

work=$(mktemp -d /tmp/segrefiner-slurm-XXXXXX)
chmod 711 "$work" # munged wants every folder above its socket searchable and not writable by others
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/logs"
chmod 711 "$work/munge"
me=$(id -un)
host=$(hostname -s)
cpus=$(nproc)

stop_daemons() {
  for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2> /dev/null
  done
  [ -S "$work/munge/munge.socket" ] && munged --socket="$work/munge/munge.socket" --stop > /dev/null 2>&1
  sleep 1
  if [ "${SEGREFINER_CLUSTER_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap stop_daemons EXIT
fail() {
  echo "$1"
  for log in "$work"/logs/*.log; do [ -f "$log" ] && { echo "--- tail of $log"; tail -n 15 "$log"; }; done
  echo "cluster test: FAILED ($1)"
  exit 1
}

# A free TCP port for each daemon (nothing answers on it).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
  done
  echo 6817
}
ctld_port=$(free_port)
slurmd_port=$(free_port)

mungekey --create --keyfile="$work/munge/munge.key" || fail "mungekey could not create a key"
munged --socket="$work/munge/munge.socket" --key-file="$work/munge/munge.key" --pid-file="$work/munge/munged.pid" \
  --seed-file="$work/munge/munged.seed" --log-file="$work/logs/munged.log" || fail "munged did not start"

export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" << EOF
# A single-node test cluster: no accounting daemon, no cgroups; jobs run as $me.
ClusterName=segrefiner-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$me
SlurmdUser=$me
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
MinJobAge=900
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld || fail "slurmctld did not start"
slurmd || fail "slurmd did not start"
for _ in $(seq 60); do
  sinfo -h -o '%T' 2> /dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 1
done
sinfo -h -o '%T' 2> /dev/null | grep -qE '^(idle|mixed|allocated)' || fail "the node did not come up: $(sinfo -h 2>&1)"
echo "SLURM $(sinfo -V | cut -d' ' -f2) up: node $host, $cpus CPUs, partition test (conf $SLURM_CONF)"

npm run build --silent > "$work/logs/build.log" 2>&1 || fail "npm run build failed"
# One thread per process, in the single runs and in every task, so both do the same arithmetic.
export SEGREFINER_THREADS=1
node -r tsx/cjs "$root/test/cluster/slurm_e2e.ts" "$work/e2e" || fail "test/cluster/slurm_e2e.ts failed"
echo "cluster test: passed"
