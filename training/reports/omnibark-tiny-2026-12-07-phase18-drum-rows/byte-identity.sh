#!/usr/bin/env bash
# Plain and steered speech of the 50 held-out sentences from two models, no watermark (its session number is
# random, so marked files always differ), compared byte for byte. Run from training/ after a release build:
#   bash reports/omnibark-tiny-2026-12-07-phase18-drum-rows/byte-identity.sh ../models/omnibark-tiny CANDIDATE_DIR OUT
set -euo pipefail -f   # -f: no globbing, so "[slow]" stays a style tag
A_MODEL=$1 B_MODEL=$2 OUT=$3
BIN=../.build/release/omnibark
mkdir -p "$OUT"
python3 -c "
import json
rows = [json.loads(l) for l in open('data/steer/manifest.jsonl')]
for r in [r for r in rows if r['split'] == 'heldout' and r['rate'] == 'normal'][:50]: print(r['text'])" > "$OUT/sentences.txt"
M=../models/omnibark-tiny; A=(--adapters $M/adapters.safetensors --clip $M/clip)
declare -A SETTINGS=(
  [f32]="speak --weights f32" [bf16]="speak --weights bf16" [int8]="speak --weights int8" [q4]="speak --weights q4"
  [live]="live --weights f32 --mode live"
  [slow]="speak ${A[*]} --style [slow]" [fast]="speak ${A[*]} --style [fast]"
  [ref-fast]="speak ${A[*]} --reference-audio $M/examples/fast.wav" [image-slow]="speak ${A[*]} --image $M/examples/slow.png"
  [knock]="speak ${A[*]} --control $M/examples/knock.json" [beat]="speak ${A[*]} --control $M/examples/beat.json")
for name in f32 bf16 int8 q4 live slow fast ref-fast image-slow knock beat; do
  read -r command flags <<< "${SETTINGS[$name]}"
  same=0 i=0
  while IFS= read -r text; do
    for side in a b; do
      model=$A_MODEL; [ $side = b ] && model=$B_MODEL
      file="$OUT/$side-$name-$i.wav"
      if [ "$command" = live ]; then sink=(--sink "wav:$file"); else sink=(--out "$file"); fi
      # shellcheck disable=SC2086
      "$BIN" $command --model "$model" --seed 1 --no-watermark $flags "--text=$text" "${sink[@]}" > /dev/null 2>&1
    done
    cmp -s "$OUT/a-$name-$i.wav" "$OUT/b-$name-$i.wav" && same=$((same + 1))
    i=$((i + 1))
  done < "$OUT/sentences.txt"
  echo "$name: $same of $i byte-identical"
done | tee "$OUT/summary.txt"
