"""Issue 16: crafted activation stores that are resealed (their STORE.sha256 recomputed after the change, as someone
editing a store by hand would), run through `glassbox neurons top` in one process per case, so that a native crash in
DuckDB is counted instead of ending the run. Outcomes: a result, a clear one-line error (exit 2; counted apart when it
says DuckDB crashed in the separate check process), an internal error (exit 1), a hang (60 s) or a crash (a signal).
Mutations: bit flips, 8-byte fields set to 0xFF (with and without appended bytes), two equal 8-byte words of one
block set to one new value (their changes cancel in DuckDB's block checksum: the class of the 2026-12-06 DuckDB
crash), a 4 KiB block of random bytes, truncation at a block.
Usage: python3 scripts/store-reseal-fuzz.py GOOD_STORE N SEED [CLI...]
  GOOD_STORE: a store written by `glassbox neurons harvest` (e.g. of stories260K, --max-docs 20)
  CLI: how to start Glassbox (default: dotnet src/Glassbox.Cli/bin/Release/net10.0/Glassbox.Cli.dll)
Writes report-SEED.json beside GOOD_STORE with the counts and every case that was not a result or a clear error."""
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

good_path, N, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
HEADER, BLOCK = 3 * 4096, 262144  # DuckDB's file: a main header and two database headers, then 256 KiB blocks
good = open(good_path, "rb").read()
work = tempfile.mkdtemp(prefix=f"glassbox-reseal-{seed}-")
os.makedirs(work, exist_ok=True)
store = os.path.join(work, "s.duckdb")
cli = sys.argv[4:] or ["dotnet", "src/Glassbox.Cli/bin/Release/net10.0/Glassbox.Cli.dll"]
counts, crashes = {}, []
t0 = time.time()
for i in range(N):
    b = bytearray(good)
    kind = rng.choice(["flip", "ff8", "ff8append", "block", "truncate", "pair"])
    desc = []
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(b)); b[at] ^= 1 << rng.randrange(8); desc.append(("flip", at))
    elif kind == "ff8":
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(b) - 8); b[at:at + 8] = b"\xff" * 8; desc.append(("ff8", at))
    elif kind == "ff8append":  # the class of the 2026-12-06 crash: 8-byte fields set to 0xFF and bytes appended
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(b) - 8); b[at:at + 8] = b"\xff" * 8; desc.append(("ff8", at))
        n = rng.randint(1, 16); b.extend(rng.randrange(256) for _ in range(n)); desc.append(("append", n))
    elif kind == "block":
        at = rng.randrange(len(b) // 4096) * 4096
        b[at:at + 4096] = bytes(rng.randrange(256) for _ in range(4096)); desc.append(("block", at))
    elif kind == "pair":  # two equal 8-byte words of one block set to one new value: DuckDB's block checksum is an
        # XOR of per-word hashes, so the two changes cancel and the block still passes (the 2026-12-06 crash was one)
        blocks = (len(b) - HEADER) // BLOCK
        start = HEADER + rng.randrange(blocks) * BLOCK + 8
        words = {}
        for _ in range(4096):
            at = start + 8 * rng.randrange((BLOCK - 8) // 8)
            words.setdefault(bytes(b[at:at + 8]), []).append(at)
        pairs = [v for v in words.values() if len(set(v)) > 1]
        new = b"\xff" * 8 if rng.random() < 0.5 else bytes(rng.randrange(256) for _ in range(8))
        if pairs:
            for at in sorted(set(rng.choice(pairs)))[:2]:
                b[at:at + 8] = new; desc.append(("pair", at))
    else:
        n = rng.randrange(1, len(b) // 4096) * 4096
        del b[n:]; desc.append(("truncate", n))
    open(store, "wb").write(b)
    open(store + ".sha256", "w").write(f"{hashlib.sha256(b).hexdigest()} {len(b)}\n")
    unit = rng.choice(["0.1", "2.17", "4.100"])
    p = subprocess.run(["timeout", "60"] + cli + ["neurons", "top", "--store", store, "--unit", unit, "--json"],
                       capture_output=True, text=True)
    rc = p.returncode
    err = p.stderr.strip().splitlines()
    outcome = ("result" if rc == 0 else
               "clear error: DuckDB crashed in the check process" if rc == 2 and len(err) == 1 and "crashed DuckDB" in err[0] else
               "clear error" if rc == 2 and len(err) == 1 else
               "hang" if rc == 124 else "internal error" if rc == 1 else
               "clear error, several lines" if rc == 2 else f"crash (rc {rc})")
    counts[outcome] = counts.get(outcome, 0) + 1
    if not outcome.startswith(("result", "clear error")):
        crashes.append({"case": i, "kind": kind, "mutation": desc, "unit": unit, "rc": rc, "stderr": err[-3:]})
    if (i + 1) % 50 == 0:
        print(i + 1, counts, f"{time.time() - t0:.0f} s", flush=True)
json.dump({"cases": N, "seed": seed, "counts": counts, "failures": crashes},
          open(os.path.join(os.path.dirname(os.path.abspath(good_path)), f"report-{seed}.json"), "w"), indent=1)
shutil.rmtree(work)
print("done", counts)
