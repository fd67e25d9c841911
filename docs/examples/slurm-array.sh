#!/usr/bin/env bash
# A ninr sweep as a Slurm job array: one array task per job of the sweep's plan.
#   1. Write the plan once on the login node (prints N, the number of jobs):
#        ./bin/ninr.js sweep spec.json --executor index --out "$SWEEP"
#   2. Submit with the array sized to the plan:   sbatch --array=0-$((N-1)) slurm-array.sh
#   3. Merge and report:   ./bin/ninr.js collect --spec spec.json --out "$SWEEP"
#      (collect names missing or failed indices in --array syntax: resubmit just those).
# Each task reads its index from SLURM_ARRAY_TASK_ID; a job already finished is skipped, and a
# failing job exits 2 (Slurm marks the task FAILED). $SWEEP must be on a shared filesystem.
#SBATCH --job-name=ninr-sweep
#SBATCH --cpus-per-task=1   # a job trains on one core
#SBATCH --mem=6G
#SBATCH --time=04:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
cd "${NINR_DIR:-$HOME/ninr}"               # the repo, after npm ci
SWEEP="${SWEEP:-$PWD/runs/sweep}"
exec ./bin/ninr.js run-index --spec "${SPEC:-spec.json}" --out "$SWEEP"
