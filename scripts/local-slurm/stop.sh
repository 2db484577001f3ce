#!/usr/bin/env bash
# Stops the cluster of scripts/local-slurm/start.sh: cancels its jobs, stops slurmd and slurmctld
# (and munged if start.sh started it) by the PIDs in their pid files, then removes its directory
# (PRECONV_SLURM_KEEP=1 keeps it, e.g. to read the logs). Safe to run twice or after a failed start.
set -uo pipefail

dir=${PRECONV_SLURM_DIR:-/tmp/preconv-local-slurm}
conf=$dir/slurm.conf
export SLURM_CONF=$conf
say() { echo "local-slurm: $*" >&2; }

# alive PID NAME: a live (not zombie; daemons are reaped late by PID 1) process called NAME
alive() {
    [[ -n $1 && -r /proc/$1/status ]] || return 1
    [[ $(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) != Z ]] || return 1
    [[ $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]]
}

# stop PIDFILE NAME: SIGTERM, up to 10 s, then SIGKILL
stop() {
    [[ -s $1 ]] || return 0
    local pid; pid=$(<"$1")
    alive "$pid" "$2" || return 0
    say "stopping $2 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do alive "$pid" "$2" || return 0; sleep 0.1; done
    say "$2 (pid $pid) ignored SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
}

[[ -d $dir ]] || { say "nothing to stop ($dir does not exist)"; exit 0; }

# jobs first, while slurmctld can still cancel them
if [[ -s $dir/slurmctld.pid ]] && alive "$(<"$dir/slurmctld.pid")" slurmctld; then
    mapfile -t jobs < <(squeue -h -o %A 2>/dev/null)
    if ((${#jobs[@]} > 0)); then
        say "cancelling job(s) ${jobs[*]}"
        scancel "${jobs[@]}" 2>/dev/null
        for _ in $(seq 150); do [[ -z $(squeue -h -o %A 2>/dev/null) ]] && break; sleep 0.2; done
    fi
fi

stop "$dir/slurmd.pid" slurmd
stop "$dir/slurmctld.pid" slurmctld

# step daemons left behind (only when slurmctld was dead and could not cancel): those of this
# cluster carry SLURM_CONF=$conf in their environment; kill them and the job processes under them
tree() { local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; tree "$c"; done; }
for p in $(ps -eo pid=,comm= | awk '$2 == "slurmstepd" {print $1}'); do
    alive "$p" slurmstepd || continue
    if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then
        victims=("$p" $(tree "$p"))
        say "killing a stray slurmstepd and its processes: ${victims[*]}"
        kill -KILL "${victims[@]}" 2>/dev/null
    fi
done

# munged only if start.sh started it (its pid was copied into $dir)
stop "$dir/munged.pid" munged

if [[ ${PRECONV_SLURM_KEEP:-0} == 1 ]]; then
    say "stopped; kept $dir"
else
    rm -rf "$dir"
    say "stopped"
fi
