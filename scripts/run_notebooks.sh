#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless with the tslab kernel; fails on the first cell error
# (runtime or TypeScript type error). Executed copies go to $NOTEBOOK_OUT (default .ci/out/notebooks).
# Needs: Jupyter (Debian: jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel),
# `npm ci` (which builds dist/, the notebooks' import), and the kernel from scripts/install_tslab_kernel.js.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${NOTEBOOK_OUT:-$root/.ci/out/notebooks}"
mkdir -p "$out"
export JUPYTER_PATH="$root/.jupyter/share/jupyter"
export PYDEVD_DISABLE_FILE_VALIDATION=1
[ -d "$JUPYTER_PATH/kernels/tslab" ] || node "$root/scripts/install_tslab_kernel.js"
jupyter="$(command -v jupyter || echo /usr/bin/jupyter)"
status=0
for nb in "$root"/notebooks/*.ipynb; do
  name="$(basename "$nb" .ipynb)"
  start=$(date +%s)
  # The kernel starts in the notebook's folder, so `../dist` resolves as in an interactive session.
  if "$jupyter" nbconvert --to notebook --execute "$nb" --output-dir "$out" --output "$name.out" \
      --ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.kernel_name=tslab > "$out/$name.log" 2>&1; then
    echo "notebook ok     $name ($(( $(date +%s) - start )) s)"
  else
    echo "notebook FAILED $name; last lines of $out/$name.log:"
    tail -n 30 "$out/$name.log"
    status=1
  fi
done
exit $status
