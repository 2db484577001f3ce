#!/usr/bin/env python3
"""Scan benchmark: config/gaas-fast.yaml on 2 ranks with and without warm starts.

Prints and writes results/bench/scan.json: wall time and total SCF iterations of both runs and
their ratios (target: warm ≤ 0.6 × cold iterations). Usage: scripts/bench_scan.py [BIN] [RANKS]
"""
import json, os, re, shutil, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/release/preconv-mpi")
ranks = sys.argv[2] if len(sys.argv) > 2 else "2"
env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
work = tempfile.mkdtemp(prefix="bench-scan-")
results = {}
for label, extra in [("warm", []), ("cold", ["--no-warm-start"])]:
    out_dir = os.path.join(work, label)
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", ranks, binary, "run",
           os.path.join(root, "config/gaas-fast.yaml"), "--set", f"output.directory={out_dir}"] + extra
    t0 = time.time()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"{label} run failed ({p.returncode}): {p.stderr}")
    with open(os.path.join(out_dir, "summary.json")) as f:
        points = json.load(f)["points"]
    iterations = sum(pt.get("scf_iterations") or 0 for pt in points)
    results[label] = {"wall_s": round(wall, 2), "scf_iterations": iterations, "points": len(points),
                      "point_wall_s": round(sum(pt["wall_time_s"] for pt in points), 2)}
    print(f"{label}: {len(points)} points, {iterations} SCF iterations, {wall:.1f} s wall")
ratio_it = results["warm"]["scf_iterations"] / results["cold"]["scf_iterations"]
ratio_wall = results["warm"]["wall_s"] / results["cold"]["wall_s"]
results.update(ranks=int(ranks), config="config/gaas-fast.yaml", iteration_ratio=round(ratio_it, 3),
               wall_ratio=round(ratio_wall, 3), target_ratio=0.6)
print(f"warm/cold: SCF iterations {ratio_it:.2f} (target ≤ 0.6), wall time {ratio_wall:.2f}")
os.makedirs(os.path.join(root, "results/bench"), exist_ok=True)
with open(os.path.join(root, "results/bench/scan.json"), "w") as f:
    json.dump(results, f, indent=2, sort_keys=True)
shutil.rmtree(work, ignore_errors=True)
