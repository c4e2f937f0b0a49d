#!/usr/bin/env bash
# Rebuilds pipeline/confidence-model.json and the receipt and invoice bars of
# pipeline/thresholds.json from the data they were fitted on, end to end:
#   1. every document read once and cached (OCR is the slow part: ~10 min on 2 cores for SROIE),
#   2. scored with the rules' own confidences, with the signals the model reads,
#      and the SROIE fitting half once more as a team lives it (eval --learn), so the model
#      sees what agreeing and disagreeing vendor memory is worth,
#   3. the model fitted on the fitting halves and the generated set (k-fold by document),
#   4. the bars chosen together on its out-of-fold probabilities.
# The odd halves of sroie-dev and einvoice-dev and samples/inbox are never fitted on: they
# are what `paperline eval --half odd` reports.
#   bash bench/rebuild-confidence-model.sh [WORK_DIR]   (default /tmp/paperline-fit)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/paperline-fit}"
data="${PAPERLINE_DATASETS:-$(cd .. && pwd)/shared/datasets}"
[ -d "$data/sroie-dev" ] || data=/work/shared/datasets
mkdir -p "$work/reads"
# Scored against the default bars alone, so what the model is fitted on does not depend on the
# bars a previous fit chose (which decide what the replay sends to review, and so what it learns).
node -e 'const t=require("./pipeline/thresholds.json");for(const k of Object.keys(t.types))t.types[k]={};process.stdout.write(JSON.stringify(t,null,2))' > "$work/floor-thresholds.json"
[ -f "$data/einvoice-dev/metadata.jsonl" ] || npx tsx bench/einvoice-metadata.ts --dataset "$data/einvoice-dev"
[ -f "$work/gen/metadata.jsonl" ] || npx tsx samples/generate.ts --out "$work/gen" --count 150 --seed 7
for set in sroie:"$data/sroie-dev" einv:"$data/einvoice-dev" gen:"$work/gen" inbox:samples/inbox; do
  name="${set%%:*}"; dir="${set#*:}"
  npx tsx bench/dump-reads.ts --dir "$dir" --out "$work/reads/$name" --skip-existing
  npx tsx bench/score-reads.ts --dir "$dir" --reads "$work/reads/$name" --confidence-model none \
    --thresholds "$work/floor-thresholds.json" --scores "$work/$name.json" > /dev/null
done
npx tsx bench/score-reads.ts --dir "$data/sroie-dev" --reads "$work/reads/sroie" --confidence-model none \
  --thresholds "$work/floor-thresholds.json" --learn --half even --scores "$work/sroie-learn-even.json" > /dev/null
npx tsx bench/fit-confidence.ts \
  --train "$work/sroie.json:even" --train "$work/sroie-learn-even.json:all" \
  --train "$work/einv.json:even" --train "$work/gen.json:all" \
  --held "$work/sroie.json:odd" --held "$work/einv.json:odd" --held "$work/inbox.json:all" \
  --oof "$work/oof.json" --write
for type in receipt invoice; do
  npx tsx bench/calibrate.ts "$work/oof.json" --type "$type" --fit all --joint --write \
    --thresholds pipeline/thresholds.json
done
# The project's formatter has the last word on committed JSON.
npx biome format --write pipeline/confidence-model.json pipeline/thresholds.json > /dev/null
