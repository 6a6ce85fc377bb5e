#!/bin/bash
# Coverage-guided fuzzing of Glassbox readers with SharpFuzz + AFL++ (docs/reliability.md).
# Needs: Debian's afl++ (apt-get install afl++) and the SharpFuzz tool (dotnet tool install --global SharpFuzz.CommandLine).
# Usage: scripts/afl.sh TARGET [SECONDS]   TARGET = safetensors | conllu | tsv | jsonl | blimp | tokenizer | config |
#   llama2c | llama2c-tokenizer | vocab | merges | index | sae-config;
# findings land in out/afl/TARGET.
set -euo pipefail
target=${1:?target: safetensors, conllu, tsv, jsonl, blimp, tokenizer, config, llama2c, llama2c-tokenizer, vocab, merges, index or sae-config}
seconds=${2:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/out/afl/$target
bin=$work/bin
rm -rf "$bin" && mkdir -p "$work/in"
dotnet build "$root/fuzz/Glassbox.Fuzz" -c Release -o "$bin" > "$work/build.log"
# index and sae-config read fixed partner files (a sharded tiny Llama, a tiny SAE's weights) made here, with the seed,
# by the build before it is instrumented (instrumented code may only run inside the fuzzing loop).
export GLASSBOX_FUZZ_WORK=$work/fixed
if [[ $target == index || $target == sae-config ]]; then
  rm -rf "$GLASSBOX_FUZZ_WORK" && mkdir -p "$GLASSBOX_FUZZ_WORK"
  "$bin/Glassbox.Fuzz" "$target" --seed "$work/in/seed.json"
fi
# Glassbox.Core is not instrumented: its module initializer runs before SharpFuzz maps the coverage memory (an
# instrumented initializer crashes with an access violation).
for dll in Glassbox.Runtime.dll Glassbox.Data.dll Glassbox.Neurons.dll; do
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
  config)
    printf '{"model_type":"llama","hidden_size":16,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":50,"max_position_embeddings":32,"rope_theta":10000.0,"rms_norm_eps":1e-5,"tie_word_embeddings":false}' > "$work/in/llama.json"
    printf '{"model_type":"gpt2","n_embd":16,"n_layer":2,"n_head":4,"n_positions":32,"vocab_size":50}' > "$work/in/gpt2.json"
    ;;
  llama2c)
    # dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocabulary 10 (shared classifier), 6 positions: 1,104 floats
    python3 - "$work/in/tiny.bin" <<'PY'
import struct, sys
floats = 80 + 16 + 128 + 64 + 64 + 128 + 16 + 192 + 192 + 192 + 8 + 24
open(sys.argv[1], 'wb').write(struct.pack('<7i', 8, 12, 2, 2, 1, 10, 6) + struct.pack('<%df' % floats, *[0.01 * (i % 7) for i in range(floats)]))
PY
    ;;
  llama2c-tokenizer)
    python3 - "$work/in/tok.bin" <<'PY'
import struct, sys
pieces = [b'<unk>', b'<s>', b'</s>'] + [b'<0x%02X>' % b for b in range(4)] + [b'h', b'e', b'l', b'o', b' ', b'he', b'll', b'hell']
out = struct.pack('<i', max(len(p) for p in pieces))
for i, p in enumerate(pieces):
    out += struct.pack('<fi', float(-i), len(p)) + p
open(sys.argv[1], 'wb').write(out)
PY
    ;;
  vocab)
    printf '{"h":0,"e":1,"l":2,"o":3,"he":4,"ll":5,"<|endoftext|>":6}' > "$work/in/vocab.json"
    ;;
  merges)
    printf '#version: 0.2\nh e\nl l\n' > "$work/in/merges.txt"
    ;;
  index | sae-config) ;; # seed written above
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1
timeout $((seconds + 60)) afl-fuzz -i "$work/in" -o "$work/findings" -t 10000 -m none -V "$seconds" \
  -- "$bin/Glassbox.Fuzz" "$target" > "$work/afl.log" 2>&1 || true
grep -E "execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg" "$work/findings/default/fuzzer_stats" || tail -20 "$work/afl.log"
