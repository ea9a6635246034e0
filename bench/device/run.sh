#!/bin/bash
# Same-machine comparison of Graft and PEFT on the synthetic 7B (run on the accelerator machine).
set -o pipefail
cd "$(dirname "$0")/.."
W=/tmp/w; mkdir -p $W
python3 -c "import lzma,shutil; shutil.copyfileobj(lzma.open('.devcarry/node.xz'), open('/tmp/node','wb'))" && chmod +x /tmp/node
export GRAFT_KERNELS_WASM=$PWD/resources/kernels.wasm PYTHONUNBUFFERED=1
/tmp/node --version; nproc
/tmp/node .devcarry/gen.mjs $W || exit 1
du -sh $W/base
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
t=$(now); cp -r $W/base $W/cp; sync; echo "cp+sync $(since $t) s"; rm -rf $W/cp
graft() { t=$(now); /tmp/node .devcarry/job.mjs --case merge --base $W/base --adapter $W/adapter --out $1 --worker-file $PWD/.devcarry/graft-worker.mjs; echo "graft process wall $(since $t) s"; }
graft $W/graft1
t=$(now); python3 .devcarry/peft_merge.py $W/base $W/adapter $W/peft; echo "peft process wall $(since $t) s"
rm -rf $W/graft1; sync
graft $W/graft
python3 .devcarry/compare.py $W/graft $W/peft
