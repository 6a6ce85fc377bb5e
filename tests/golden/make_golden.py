#!/usr/bin/env python3
"""Golden-file generator for Glassbox's parity tests (tests/Glassbox.Tests/Parity/GoldenFileTests.cs).

An independent, standard-library-only reference forward pass for each model family, written from the semantics of
Hugging Face transformers' modeling code (not from Glassbox's C# runtime):

  gpt2      GPT2LMHeadModel    Conv1D weights stored [in, out]; fused c_attn split q|k|v along the output dim;
                               gelu_new (tanh); pre-LN with layer_norm_epsilon; ln_f; lm_head tied to wte.
  gpt_neox  GPTNeoXForCausalLM fused query_key_value whose output dim is laid out per head as (head, {q,k,v}, head_dim);
                               partial rotary (rotary_pct) with rotate_half on the first rotary_ndims dims of q and k,
                               rotary_emb_base; use_parallel_residual: x + attn(ln1(x)) + mlp(ln2(x)); exact gelu;
                               untied embed_out.
  llama     LlamaForCausalLM   RMSNorm x * rsqrt(mean(x^2) + eps) * w; rotate_half rotary with rope_theta; GQA
                               (num_key_value_heads, kv head j serves query heads j*n_rep .. j*n_rep+n_rep-1, i.e.
                               repeat_kv); SwiGLU down(silu(gate(x)) * up(x)); untied lm_head.
  qwen2     Qwen2ForCausalLM   as llama plus q/k/v biases (no o_proj bias); tied lm_head.
  bert      BertModel          word + position + token_type embeddings, then LayerNorm; post-LN blocks
                               LN(x + attn(x)), LN(h + mlp(h)); exact gelu; layer_norm_eps 1e-12; bidirectional
                               attention with an additive attention_mask (a right-padded second sequence).

Each case is written as a HF-style directory tests/golden/<case>/ with config.json, model.safetensors (F32, keys as
HF's save_pretrained writes them) and golden.json (inputs and reference outputs, batch-major:
logits [batch][pos][vocab] for causal LMs, last_hidden_state [batch][pos][d_model] for BERT).

Weights are drawn from random.Random(seed) and rounded to float32 before use, so the reference computes (in float64)
on exactly the values stored in the file. Deterministic: rerunning rewrites identical files.

Usage: python3 tests/golden/make_golden.py [output_dir]   (default: the directory of this script)
"""

import json
import math
import os
import random
import struct
import sys

# ----------------------------------------------------------------------------------------------------------------------
# float32 helpers and safetensors writer


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def shape_of(t):
    s = []
    while isinstance(t, list):
        s.append(len(t))
        t = t[0]
    return s


def flatten(t):
    if not isinstance(t, list):
        return [t]
    out = []
    for x in t:
        out.extend(flatten(x))
    return out


def write_safetensors(path, tensors):
    """Hand-written safetensors: u64 LE header length, JSON header (sorted keys, padded with spaces to 8 bytes),
    then the raw little-endian float32 data in the same order."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        flat = flatten(t)
        data = struct.pack("<%df" % len(flat), *flat)
        header[name] = {"dtype": "F32", "shape": shape_of(t), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    hjson = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------------------------------
# random parameters (float32-rounded)


class Init:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def matrix(self, rows, cols, std):
        return [[f32(self.rng.gauss(0.0, std)) for _ in range(cols)] for _ in range(rows)]

    def vector(self, n, std, mean=0.0):
        return [f32(mean + self.rng.gauss(0.0, std)) for _ in range(n)]

    def linear(self, out_f, in_f):
        """nn.Linear weight [out, in] with unit-scale outputs."""
        return self.matrix(out_f, in_f, 1.0 / math.sqrt(in_f))

    def norm_w(self, n):
        return self.vector(n, 0.1, 1.0)

    def bias(self, n):
        return self.vector(n, 0.1)


def transpose(m):
    return [list(r) for r in zip(*m)]


# ----------------------------------------------------------------------------------------------------------------------
# pure-Python tensor ops on lists; activations are [pos][features]


def linear(x, w, b=None):
    """y = x W^T + b with W [out, in] (nn.Linear convention)."""
    out = []
    for row in x:
        y = [sum(a * c for a, c in zip(row, wr)) for wr in w]
        if b is not None:
            y = [v + bb for v, bb in zip(y, b)]
        out.append(y)
    return out


def conv1d(x, w, b):
    """HF Conv1D: y = x W + b with W stored [in, out]."""
    n_out = len(w[0])
    out = []
    for row in x:
        y = [b[j] for j in range(n_out)]
        for i, a in enumerate(row):
            wi = w[i]
            for j in range(n_out):
                y[j] += a * wi[j]
        out.append(y)
    return out


def add(a, b):
    return [[u + v for u, v in zip(ra, rb)] for ra, rb in zip(a, b)]


def layer_norm(x, w, b, eps):
    out = []
    for row in x:
        n = len(row)
        mu = sum(row) / n
        var = sum((v - mu) ** 2 for v in row) / n  # biased variance, as nn.LayerNorm
        inv = 1.0 / math.sqrt(var + eps)
        out.append([(v - mu) * inv * wi + bi for v, wi, bi in zip(row, w, b)])
    return out


def rms_norm(x, w, eps):
    out = []
    for row in x:
        ms = sum(v * v for v in row) / len(row)
        inv = 1.0 / math.sqrt(ms + eps)
        out.append([v * inv * wi for v, wi in zip(row, w)])
    return out


def gelu_exact(v):
    return 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0)))


def gelu_new(v):
    return 0.5 * v * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (v + 0.044715 * v ** 3)))


def silu(v):
    return v / (1.0 + math.exp(-v))


def rotary_tables(rot_dim, base, n_pos):
    """HF rotary: inv_freq = 1 / base^(arange(0, dim, 2)/dim); emb = cat(freqs, freqs); cos/sin [pos][rot_dim]."""
    inv = [1.0 / (base ** (i / rot_dim)) for i in range(0, rot_dim, 2)]
    cos, sin = [], []
    for p in range(n_pos):
        freqs = [p * f for f in inv]
        emb = freqs + freqs
        cos.append([math.cos(e) for e in emb])
        sin.append([math.sin(e) for e in emb])
    return cos, sin


def apply_rotary(vec, cos_p, sin_p, rot_dim):
    """q_embed = q * cos + rotate_half(q) * sin on the first rot_dim dims; rotate_half(x) = cat(-x2, x1)."""
    rot = vec[:rot_dim]
    half = rot_dim // 2
    rh = [-v for v in rot[half:]] + rot[:half]
    out = [r * c + h * s for r, h, c, s in zip(rot, rh, cos_p, sin_p)]
    return out + vec[rot_dim:]


def attention(q, k, v, n_heads, n_kv, head_dim, causal, key_mask=None, rotary=None):
    """q [pos][n_heads*head_dim], k/v [pos][n_kv*head_dim]; returns z [pos][n_heads*head_dim] (heads concatenated).
    rotary = (cos, sin, rot_dim) applies rotate-half rotary to q and k per head. key_mask [pos] of 0/1 adds
    (1 - mask) * finfo(float32).min to the scores, as HF's extended attention mask."""
    seq = len(q)
    n_rep = n_heads // n_kv
    scale = 1.0 / math.sqrt(head_dim)
    neg = -3.4028234663852886e38
    heads_q = [[row[h * head_dim:(h + 1) * head_dim] for row in q] for h in range(n_heads)]
    heads_k = [[row[h * head_dim:(h + 1) * head_dim] for row in k] for h in range(n_kv)]
    heads_v = [[row[h * head_dim:(h + 1) * head_dim] for row in v] for h in range(n_kv)]
    if rotary is not None:
        cos, sin, rd = rotary
        heads_q = [[apply_rotary(r, cos[p], sin[p], rd) for p, r in enumerate(hq)] for hq in heads_q]
        heads_k = [[apply_rotary(r, cos[p], sin[p], rd) for p, r in enumerate(hk)] for hk in heads_k]
    z = [[] for _ in range(seq)]
    for h in range(n_heads):
        kvh = h // n_rep  # repeat_kv: expand (kv, n_rep) then reshape -> query head h reads kv head h // n_rep
        hq, hk, hv = heads_q[h], heads_k[kvh], heads_v[kvh]
        for i in range(seq):
            scores = []
            for j in range(seq):
                if causal and j > i:
                    scores.append(None)
                    continue
                s = sum(a * b for a, b in zip(hq[i], hk[j])) * scale
                if key_mask is not None and not key_mask[j]:
                    s += neg
                scores.append(s)
            m = max(s for s in scores if s is not None)
            e = [0.0 if s is None else math.exp(s - m) for s in scores]
            tot = sum(e)
            p = [x / tot for x in e]
            z[i].extend(sum(p[j] * hv[j][d] for j in range(seq)) for d in range(head_dim))
    return z


def unembed(x, w):
    return linear(x, w)


# ----------------------------------------------------------------------------------------------------------------------
# families


def gpt2_case(seed):
    d, layers, heads, d_mlp, vocab, n_pos, eps = 32, 2, 4, 64, 64, 16, 1e-5
    dh = d // heads
    init = Init(seed)
    config = {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": d, "n_layer": layers, "n_head": heads,
        "n_inner": d_mlp, "n_positions": n_pos, "n_ctx": n_pos, "vocab_size": vocab, "layer_norm_epsilon": eps,
        "activation_function": "gelu_new", "tie_word_embeddings": True, "scale_attn_weights": True,
        "bos_token_id": 0, "eos_token_id": 0,
    }
    t = {"transformer.wte.weight": init.matrix(vocab, d, 1.0), "transformer.wpe.weight": init.matrix(n_pos, d, 0.5)}
    for l in range(layers):
        h = "transformer.h.%d." % l
        t[h + "ln_1.weight"] = init.norm_w(d)
        t[h + "ln_1.bias"] = init.bias(d)
        t[h + "attn.c_attn.weight"] = init.matrix(d, 3 * d, 1.0 / math.sqrt(d))  # Conv1D [in, out]
        t[h + "attn.c_attn.bias"] = init.bias(3 * d)
        t[h + "attn.c_proj.weight"] = init.matrix(d, d, 1.0 / math.sqrt(d))
        t[h + "attn.c_proj.bias"] = init.bias(d)
        t[h + "ln_2.weight"] = init.norm_w(d)
        t[h + "ln_2.bias"] = init.bias(d)
        t[h + "mlp.c_fc.weight"] = init.matrix(d, d_mlp, 1.0 / math.sqrt(d))
        t[h + "mlp.c_fc.bias"] = init.bias(d_mlp)
        t[h + "mlp.c_proj.weight"] = init.matrix(d_mlp, d, 1.0 / math.sqrt(d_mlp))
        t[h + "mlp.c_proj.bias"] = init.bias(d)
    t["transformer.ln_f.weight"] = init.norm_w(d)
    t["transformer.ln_f.bias"] = init.bias(d)
    ids = [[3, 17, 42, 5, 63, 0, 29, 11]]

    def forward(seq):
        wte, wpe = t["transformer.wte.weight"], t["transformer.wpe.weight"]
        x = [[a + b for a, b in zip(wte[tok], wpe[p])] for p, tok in enumerate(seq)]
        for l in range(layers):
            h = "transformer.h.%d." % l
            a_in = layer_norm(x, t[h + "ln_1.weight"], t[h + "ln_1.bias"], eps)
            qkv = conv1d(a_in, t[h + "attn.c_attn.weight"], t[h + "attn.c_attn.bias"])
            q = [r[:d] for r in qkv]
            k = [r[d:2 * d] for r in qkv]
            v = [r[2 * d:] for r in qkv]
            z = attention(q, k, v, heads, heads, dh, causal=True)
            x = add(x, conv1d(z, t[h + "attn.c_proj.weight"], t[h + "attn.c_proj.bias"]))
            m_in = layer_norm(x, t[h + "ln_2.weight"], t[h + "ln_2.bias"], eps)
            hid = [[gelu_new(u) for u in r] for r in conv1d(m_in, t[h + "mlp.c_fc.weight"], t[h + "mlp.c_fc.bias"])]
            x = add(x, conv1d(hid, t[h + "mlp.c_proj.weight"], t[h + "mlp.c_proj.bias"]))
        x = layer_norm(x, t["transformer.ln_f.weight"], t["transformer.ln_f.bias"], eps)
        return unembed(x, wte)  # lm_head tied to wte

    return config, t, {"input_ids": ids, "logits": [forward(s) for s in ids]}


def neox_case(seed):
    d, layers, heads, d_mlp, vocab, n_pos, eps, pct, base = 32, 2, 4, 64, 64, 32, 1e-5, 0.5, 10000
    dh = d // heads
    rot = int(dh * pct)
    init = Init(seed)
    config = {
        "model_type": "gpt_neox", "architectures": ["GPTNeoXForCausalLM"], "hidden_size": d,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": d_mlp, "vocab_size": vocab,
        "max_position_embeddings": n_pos, "rotary_pct": pct, "rotary_emb_base": base, "use_parallel_residual": True,
        "layer_norm_eps": eps, "hidden_act": "gelu", "attention_bias": True, "tie_word_embeddings": False,
        "bos_token_id": 0, "eos_token_id": 0,
    }
    t = {"gpt_neox.embed_in.weight": init.matrix(vocab, d, 1.0)}
    for l in range(layers):
        h = "gpt_neox.layers.%d." % l
        t[h + "input_layernorm.weight"] = init.norm_w(d)
        t[h + "input_layernorm.bias"] = init.bias(d)
        t[h + "post_attention_layernorm.weight"] = init.norm_w(d)
        t[h + "post_attention_layernorm.bias"] = init.bias(d)
        t[h + "attention.query_key_value.weight"] = init.linear(3 * d, d)  # [heads*3*dh, d], rows (head, qkv, dh)
        t[h + "attention.query_key_value.bias"] = init.bias(3 * d)
        t[h + "attention.dense.weight"] = init.linear(d, d)
        t[h + "attention.dense.bias"] = init.bias(d)
        t[h + "mlp.dense_h_to_4h.weight"] = init.linear(d_mlp, d)
        t[h + "mlp.dense_h_to_4h.bias"] = init.bias(d_mlp)
        t[h + "mlp.dense_4h_to_h.weight"] = init.linear(d, d_mlp)
        t[h + "mlp.dense_4h_to_h.bias"] = init.bias(d)
    t["gpt_neox.final_layer_norm.weight"] = init.norm_w(d)
    t["gpt_neox.final_layer_norm.bias"] = init.bias(d)
    t["embed_out.weight"] = init.matrix(vocab, d, 1.0)
    ids = [[7, 1, 60, 33, 33, 2, 48, 19]]
    cos, sin = rotary_tables(rot, base, n_pos)

    def forward(seq):
        x = [list(t["gpt_neox.embed_in.weight"][tok]) for tok in seq]
        for l in range(layers):
            h = "gpt_neox.layers.%d." % l
            a_in = layer_norm(x, t[h + "input_layernorm.weight"], t[h + "input_layernorm.bias"], eps)
            qkv = linear(a_in, t[h + "attention.query_key_value.weight"], t[h + "attention.query_key_value.bias"])
            # view(..., heads, 3*dh): per head [q | k | v]
            q = [sum((r[hh * 3 * dh:hh * 3 * dh + dh] for hh in range(heads)), []) for r in qkv]
            k = [sum((r[hh * 3 * dh + dh:hh * 3 * dh + 2 * dh] for hh in range(heads)), []) for r in qkv]
            v = [sum((r[hh * 3 * dh + 2 * dh:hh * 3 * dh + 3 * dh] for hh in range(heads)), []) for r in qkv]
            z = attention(q, k, v, heads, heads, dh, causal=True, rotary=(cos, sin, rot))
            attn = linear(z, t[h + "attention.dense.weight"], t[h + "attention.dense.bias"])
            m_in = layer_norm(x, t[h + "post_attention_layernorm.weight"], t[h + "post_attention_layernorm.bias"], eps)
            hid = [[gelu_exact(u) for u in r] for r in linear(m_in, t[h + "mlp.dense_h_to_4h.weight"], t[h + "mlp.dense_h_to_4h.bias"])]
            mlp = linear(hid, t[h + "mlp.dense_4h_to_h.weight"], t[h + "mlp.dense_4h_to_h.bias"])
            x = add(add(x, attn), mlp)  # use_parallel_residual
        x = layer_norm(x, t["gpt_neox.final_layer_norm.weight"], t["gpt_neox.final_layer_norm.bias"], eps)
        return unembed(x, t["embed_out.weight"])

    return config, t, {"input_ids": ids, "logits": [forward(s) for s in ids]}


def llama_like_case(seed, model_type):
    qwen = model_type == "qwen2"
    d, layers, heads, kv, d_mlp, vocab, n_pos, eps = 32, 2, 4, 2, 48, 64, 32, 1e-6
    base = 1000000.0 if qwen else 10000.0
    tied = qwen
    dh = d // heads
    init = Init(seed)
    config = {
        "model_type": model_type, "architectures": ["Qwen2ForCausalLM" if qwen else "LlamaForCausalLM"],
        "hidden_size": d, "intermediate_size": d_mlp, "num_hidden_layers": layers, "num_attention_heads": heads,
        "num_key_value_heads": kv, "vocab_size": vocab, "max_position_embeddings": n_pos, "rms_norm_eps": eps,
        "rope_theta": base, "hidden_act": "silu", "tie_word_embeddings": tied, "bos_token_id": 1, "eos_token_id": 2,
    }
    if qwen:
        config["use_sliding_window"] = False
    else:
        config["attention_bias"] = False
        config["mlp_bias"] = False
    t = {"model.embed_tokens.weight": init.matrix(vocab, d, 1.0)}
    for l in range(layers):
        h = "model.layers.%d." % l
        t[h + "input_layernorm.weight"] = init.norm_w(d)
        t[h + "self_attn.q_proj.weight"] = init.linear(heads * dh, d)
        t[h + "self_attn.k_proj.weight"] = init.linear(kv * dh, d)
        t[h + "self_attn.v_proj.weight"] = init.linear(kv * dh, d)
        if qwen:
            t[h + "self_attn.q_proj.bias"] = init.bias(heads * dh)
            t[h + "self_attn.k_proj.bias"] = init.bias(kv * dh)
            t[h + "self_attn.v_proj.bias"] = init.bias(kv * dh)
        t[h + "self_attn.o_proj.weight"] = init.linear(d, heads * dh)
        t[h + "post_attention_layernorm.weight"] = init.norm_w(d)
        t[h + "mlp.gate_proj.weight"] = init.linear(d_mlp, d)
        t[h + "mlp.up_proj.weight"] = init.linear(d_mlp, d)
        t[h + "mlp.down_proj.weight"] = init.linear(d, d_mlp)
    t["model.norm.weight"] = init.norm_w(d)
    if not tied:
        t["lm_head.weight"] = init.matrix(vocab, d, 1.0)
    ids = [[1, 14, 9, 55, 23, 40, 6, 31]]
    cos, sin = rotary_tables(dh, base, n_pos)

    def forward(seq):
        x = [list(t["model.embed_tokens.weight"][tok]) for tok in seq]
        for l in range(layers):
            h = "model.layers.%d." % l
            a_in = rms_norm(x, t[h + "input_layernorm.weight"], eps)
            q = linear(a_in, t[h + "self_attn.q_proj.weight"], t.get(h + "self_attn.q_proj.bias"))
            k = linear(a_in, t[h + "self_attn.k_proj.weight"], t.get(h + "self_attn.k_proj.bias"))
            v = linear(a_in, t[h + "self_attn.v_proj.weight"], t.get(h + "self_attn.v_proj.bias"))
            z = attention(q, k, v, heads, kv, dh, causal=True, rotary=(cos, sin, dh))
            x = add(x, linear(z, t[h + "self_attn.o_proj.weight"]))
            m_in = rms_norm(x, t[h + "post_attention_layernorm.weight"], eps)
            g = linear(m_in, t[h + "mlp.gate_proj.weight"])
            u = linear(m_in, t[h + "mlp.up_proj.weight"])
            hid = [[silu(a) * b for a, b in zip(gr, ur)] for gr, ur in zip(g, u)]
            x = add(x, linear(hid, t[h + "mlp.down_proj.weight"]))
        x = rms_norm(x, t["model.norm.weight"], eps)
        return unembed(x, t["model.embed_tokens.weight"] if tied else t["lm_head.weight"])

    return config, t, {"input_ids": ids, "logits": [forward(s) for s in ids]}


def bert_case(seed):
    d, layers, heads, d_mlp, vocab, n_pos, n_types, eps = 32, 2, 4, 64, 64, 16, 2, 1e-12
    dh = d // heads
    init = Init(seed)
    config = {
        "model_type": "bert", "architectures": ["BertModel"], "hidden_size": d, "num_hidden_layers": layers,
        "num_attention_heads": heads, "intermediate_size": d_mlp, "vocab_size": vocab,
        "max_position_embeddings": n_pos, "type_vocab_size": n_types, "layer_norm_eps": eps, "hidden_act": "gelu",
        "position_embedding_type": "absolute", "pad_token_id": 0,
    }
    t = {
        "embeddings.word_embeddings.weight": init.matrix(vocab, d, 1.0),
        "embeddings.position_embeddings.weight": init.matrix(n_pos, d, 0.5),
        "embeddings.token_type_embeddings.weight": init.matrix(n_types, d, 0.5),
        "embeddings.LayerNorm.weight": init.norm_w(d),
        "embeddings.LayerNorm.bias": init.bias(d),
    }
    for l in range(layers):
        h = "encoder.layer.%d." % l
        for proj in ("query", "key", "value"):
            t[h + "attention.self.%s.weight" % proj] = init.linear(d, d)
            t[h + "attention.self.%s.bias" % proj] = init.bias(d)
        t[h + "attention.output.dense.weight"] = init.linear(d, d)
        t[h + "attention.output.dense.bias"] = init.bias(d)
        t[h + "attention.output.LayerNorm.weight"] = init.norm_w(d)
        t[h + "attention.output.LayerNorm.bias"] = init.bias(d)
        t[h + "intermediate.dense.weight"] = init.linear(d_mlp, d)
        t[h + "intermediate.dense.bias"] = init.bias(d_mlp)
        t[h + "output.dense.weight"] = init.linear(d, d_mlp)
        t[h + "output.dense.bias"] = init.bias(d)
        t[h + "output.LayerNorm.weight"] = init.norm_w(d)
        t[h + "output.LayerNorm.bias"] = init.bias(d)
    # Second sequence is right-padded (pad id 0) and masked out.
    ids = [[2, 13, 37, 8, 50, 21, 3], [2, 44, 19, 3, 0, 0, 0]]
    mask = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0]]
    types = [[0, 0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0]]

    def forward(seq, m, tt):
        we, pe, te = (t["embeddings.word_embeddings.weight"], t["embeddings.position_embeddings.weight"],
                      t["embeddings.token_type_embeddings.weight"])
        x = [[a + b + c for a, b, c in zip(we[tok], pe[p], te[ty])] for p, (tok, ty) in enumerate(zip(seq, tt))]
        x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
        for l in range(layers):
            h = "encoder.layer.%d." % l
            q = linear(x, t[h + "attention.self.query.weight"], t[h + "attention.self.query.bias"])
            k = linear(x, t[h + "attention.self.key.weight"], t[h + "attention.self.key.bias"])
            v = linear(x, t[h + "attention.self.value.weight"], t[h + "attention.self.value.bias"])
            z = attention(q, k, v, heads, heads, dh, causal=False, key_mask=m)
            a = linear(z, t[h + "attention.output.dense.weight"], t[h + "attention.output.dense.bias"])
            x = layer_norm(add(a, x), t[h + "attention.output.LayerNorm.weight"], t[h + "attention.output.LayerNorm.bias"], eps)
            hid = [[gelu_exact(u) for u in r] for r in linear(x, t[h + "intermediate.dense.weight"], t[h + "intermediate.dense.bias"])]
            o = linear(hid, t[h + "output.dense.weight"], t[h + "output.dense.bias"])
            x = layer_norm(add(o, x), t[h + "output.LayerNorm.weight"], t[h + "output.LayerNorm.bias"], eps)
        return x

    out = [forward(s, m, tt) for s, m, tt in zip(ids, mask, types)]
    return config, t, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "last_hidden_state": out}


CASES = {
    "gpt2": lambda: gpt2_case(1001),
    "gpt_neox": lambda: neox_case(1002),
    "llama": lambda: llama_like_case(1003, "llama"),
    "qwen2": lambda: llama_like_case(1004, "qwen2"),
    "bert": lambda: bert_case(1005),
}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, make in CASES.items():
        config, tensors, golden = make()
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
            f.write("\n")
        write_safetensors(os.path.join(d, "model.safetensors"), tensors)
        golden = dict(golden, case=name, generator="tests/golden/make_golden.py")
        with open(os.path.join(d, "golden.json"), "w") as f:
            json.dump(golden, f, sort_keys=True)
            f.write("\n")
        size = sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))
        print("%-9s %6d bytes  %d tensors" % (name, size, len(tensors)))


if __name__ == "__main__":
    main()
