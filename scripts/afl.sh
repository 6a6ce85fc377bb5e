#!/bin/bash
# Coverage-guided fuzzing of Glassbox readers with SharpFuzz + AFL++ (docs/reliability.md).
# Needs: Debian's afl++ (apt-get install afl++) and the SharpFuzz tool (dotnet tool install --global SharpFuzz.CommandLine).
# Usage: scripts/afl.sh TARGET [SECONDS]   TARGET = safetensors | conllu | tsv | jsonl | blimp | tokenizer;
# findings land in out/afl/TARGET.
set -euo pipefail
target=${1:?target: safetensors, conllu, tsv, jsonl, blimp or tokenizer}
seconds=${2:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/out/afl/$target
bin=$work/bin
rm -rf "$bin" && mkdir -p "$work/in"
dotnet build "$root/fuzz/Glassbox.Fuzz" -c Release -o "$bin" > "$work/build.log"
# Glassbox.Core is not instrumented: its module initializer runs before SharpFuzz maps the coverage memory (an
# instrumented initializer crashes with an access violation).
for dll in Glassbox.Runtime.dll Glassbox.Data.dll; do
  "${HOME}/.dotnet/tools/sharpfuzz" "$bin/$dll" > /dev/null
done
case $target in
  safetensors)
    python3 - "$work/in/seed.safetensors" <<'PY'
import json, struct, sys
data = struct.pack('<6f', 1, 2, 3, 4, 5, 6)
header = json.dumps({"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                     "__metadata__": {"format": "pt"}}).encode()
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(header)) + header + data)
PY
    ;;
  conllu)
    printf '# text = The dog runs .\n1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n2\tdog\tdog\tNOUN\tNN\tNumber=Sing\t3\tnsubj\t_\t_\n3\truns\trun\tVERB\tVBZ\t_\t0\troot\t_\t_\n4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_\n\n' > "$work/in/seed.conllu"
    ;;
  tsv)
    printf 'sentence\tlabel\nthe dog runs .\t1\nthe dogs run .\t0\n' > "$work/in/seed.tsv"
    ;;
  jsonl)
    printf '{"text":"the dog runs .","label":"sing"}\n{"text":"the dogs run .","label":"plur"}\n' > "$work/in/seed.jsonl"
    ;;
  blimp)
    printf '{"sentence_good":"Who should Derek hug?","sentence_bad":"Who should Derek hug Richard?","UID":"island","linguistics_term":"island_effects","pairID":"0"}\n' > "$work/in/seed.jsonl"
    ;;
  tokenizer)
    printf '{"model":{"type":"WordPiece","vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"the":4,"dog":5,"##s":6}}}' > "$work/in/wordpiece.json"
    printf '{"added_tokens":[{"id":6,"content":"<|endoftext|>"}],"model":{"type":"BPE","vocab":{"h":0,"e":1,"l":2,"o":3,"he":4,"ll":5},"merges":["h e","l l"]}}' > "$work/in/bpe.json"
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1
timeout $((seconds + 60)) afl-fuzz -i "$work/in" -o "$work/findings" -t 10000 -m none -V "$seconds" \
  -- "$bin/Glassbox.Fuzz" "$target" > "$work/afl.log" 2>&1 || true
grep -E "execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg" "$work/findings/default/fuzzer_stats" || tail -20 "$work/afl.log"
