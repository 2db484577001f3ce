# --- the MPI step, and a clean stop before the time limit ------------------------------------------
# Slurm sends SIGUSR1 to this script alone (the B: of --signal) {{signal_seconds}} s before the time
# limit; it is forwarded to the MPI step: preconv-mpi starts no new point, records its running
# points as interrupted, writes its checkpoint and exits with status 3, and the job requeues itself
# (below) or ends. At the limit itself (and on `scancel`) every process of the job gets SIGTERM,
# which preconv-mpi handles the same way; srun, however, answers SIGTERM by killing its tasks, and
# mpirun kills its ranks some seconds later, so only the points already finished are kept then (the
# journal holds them). Either way, submitting the job again resumes the run: no finished point is
# computed twice.
step_pid=""
stop_signal=""
on_signal() {
    stop_signal=$1
    echo "preconv-slurm: SIG$1 at $(date '+%F %T'); asking preconv-mpi to checkpoint and stop" >&2
    if [[ -n $step_pid ]]; then kill -USR1 "$step_pid" 2>/dev/null || true; fi
}
trap 'on_signal USR1' USR1
trap 'on_signal TERM' TERM

# Open MPI started by srun names its shared-memory segments after a job id that can be the same for
# every srun-launched job (0 with Open MPI 4.1 and PMIx 4): two jobs on one node would share them and
# crash. Every step gets a directory of its own for them, on every node of the job.
steps=0
on_nodes() {   # on_nodes CMD...: runs CMD once on every node of the job
    if ((${SLURM_JOB_NUM_NODES:-1} > 1)); then
        srun --nodes="$SLURM_JOB_NUM_NODES" --ntasks-per-node=1 --ntasks="$SLURM_JOB_NUM_NODES" "$@"
    else
        "$@"
    fi
}

# step ARGS...: `preconv-mpi ARGS...` on every rank of the allocation; returns its exit status.
step() {
    if [[ -n $stop_signal ]]; then return 3; fi
    local shm=/dev/shm
    [[ -d $shm && -w $shm ]] || shm=${TMPDIR:-/tmp}
    steps=$((steps + 1))
    shm=$shm/preconv.${SLURM_JOB_ID:-0}.${SLURM_RESTART_COUNT:-0}.$$.$steps
    on_nodes mkdir -p "$shm"
    export OMPI_MCA_btl_vader_backing_directory=$shm OMPI_MCA_osc_sm_backing_directory=$shm
    case $launcher in
        # srun starts one rank per task of the allocation; Open MPI programs need its PMIx plugin
        srun) srun --mpi=pmix "$preconv" "$@" & ;;
        # Open MPI's mpirun reads the allocation from Slurm and starts SLURM_NTASKS ranks; give the
        # ranks time to checkpoint when mpirun itself gets SIGTERM (it kills them 1 s later by default;
        # 20 s stays below Slurm's default KillWait of 30 s)
        mpirun) OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-20} mpirun "$preconv" "$@" & ;;
        *) echo "preconv-slurm: unknown launcher '$launcher' (srun or mpirun)" >&2; return 2 ;;
    esac
    step_pid=$!
    local status
    wait "$step_pid"; status=$?
    # a trapped signal interrupts `wait` (status > 128) while the step still runs: wait again
    while ((status > 128)) && kill -0 "$step_pid" 2>/dev/null; do wait "$step_pid"; status=$?; done
    if ((status > 128)); then wait "$step_pid"; status=$?; fi
    step_pid=""
    on_nodes rm -rf "$shm"
    return "$status"
}

# finish STATUS: ends the job with preconv-mpi's status (0 done, 1 some point failed, 2 bad input,
# 3 stopped with a checkpoint, 4 aborted by the watchdog: a group of ranks made no progress for
# resources.watchdog, a stopped or hung rank). After a stop or an abort the job requeues itself while restarts remain
# (Slurm holds a requeued job for about two minutes before it starts again).
finish() {
    local status=$1
    case $status in
        0) echo "preconv-slurm: finished at $(date '+%F %T')" >&2 ;;
        3|4) if ((status == 4)); then echo "preconv-slurm: aborted by the watchdog (a stopped or hung rank; see the log above)" >&2; fi
           if ((${SLURM_RESTART_COUNT:-0} < max_requeues)); then
               echo "preconv-slurm: stopped with a checkpoint; requeueing (restart $((${SLURM_RESTART_COUNT:-0} + 1)) of $max_requeues)" >&2
               # the requeue ends this script at once (SIGTERM)
               trap 'exit 0' TERM
               if scontrol requeue "$SLURM_JOB_ID"; then sleep 60 & wait $!; exit 0; fi
               trap 'on_signal TERM' TERM
           fi
           echo "preconv-slurm: stopped with a checkpoint; submit this script again to resume the run" >&2 ;;
        *) echo "preconv-slurm: preconv-mpi exited with status $status (details: preconv-mpi status $run_dir)" >&2 ;;
    esac
    exit "$status"
}
