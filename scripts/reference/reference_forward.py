#!/usr/bin/env python3
"""An independent numpy reference of the transformer forward pass that Speculum's engine computes.

It reads the GGUF file with the PyPI `gguf` package and dequantizes every weight with
`gguf.quants.dequantize` (nothing is shared with the Swift/C engine), then runs the qwen2 / llama
block as llama.cpp defines it (shared/notes/gguf-and-models.md §4), and Gemma 3's variant of it
(embedding × √n_embd; per-head RMS norms on q and k; RMS norms on the attention and feed-forward
outputs; tanh-GELU gate; blocks 5, 11, 17 … global with rope base 1e6, the others a 512-token sliding
window with rope base 1e4; these constants are in the published configuration, not the GGUF):
  x = embedding[token]
  per block: h = rmsnorm(x)·w; q,k,v = Wq h (+bq), Wk h (+bk), Wv h (+bv); rotate q,k;
             x += Wo · softmax(q·kᵀ/√d + mask) v          (query head h reads KV head h // group)
             h = rmsnorm(x)·w; x += W_down (silu(W_gate h) ⊙ W_up h)
  logits = W_out · rmsnorm(x)·w
Two arithmetic modes:
  exact — activations in f32 (float64 for norms and softmax), weights dequantized exactly;
  q8    — before every product with a quantized weight, the activations are rounded as llama.cpp
          does (per 32 to Q8_0 for Q4_0/Q5_0/Q8_0 weights, per 256 to Q8_K for K-quants), with the
          rounding rules the engine documents in ckernels.h. Dot products are then exact sums of
          dequantized values, which is what integer dot products compute.
"""
import numpy as np
from gguf import GGUFReader, GGMLQuantizationType as T
from gguf.quants import dequantize

Q8_0_WEIGHTS = {T.Q4_0, T.Q5_0, T.Q8_0}
Q8_K_WEIGHTS = {T.Q4_K, T.Q5_K, T.Q6_K}


def round_q8_0(x):
    """Rows of x (…, n) rounded as Q8_0 then dequantized: d = amax/127 (stored fp16), q = roundf(x/d)."""
    b = x.reshape(x.shape[:-1] + (-1, 32)).astype(np.float32)
    amax = np.abs(b).max(axis=-1, keepdims=True)
    d = (amax / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    v = (b * inv).astype(np.float32).astype(np.float64)
    q = np.sign(v) * np.floor(np.abs(v) + 0.5)          # roundf: half away from zero
    d16 = d.astype(np.float16).astype(np.float32)
    return (q.astype(np.float32) * d16).reshape(x.shape)


def round_q8_K(x):
    """Rows rounded as Q8_K: iscale = −127/max (max = the signed element of largest |x|), q = min(127, rint(iscale·x))."""
    b = x.reshape(x.shape[:-1] + (-1, 256)).astype(np.float32)
    idx = np.abs(b).argmax(axis=-1)[..., None]
    mx = np.take_along_axis(b, idx, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        iscale = np.where(mx != 0, np.float32(-127) / mx, np.float32(0)).astype(np.float32)
        q = np.minimum(np.rint((iscale * b).astype(np.float32)), 127)   # rint: half to even
        d = np.where(mx != 0, np.float32(1) / iscale, np.float32(0)).astype(np.float32)
    return (d * q.astype(np.float32)).astype(np.float32).reshape(x.shape)


class Weight:
    def __init__(self, tensor):
        self.type = tensor.tensor_type
        rows = int(tensor.shape[1]) if len(tensor.shape) > 1 else 1
        self.w = dequantize(tensor.data, self.type).reshape(rows, -1).astype(np.float32)  # (out, in)

    def __call__(self, x, mode):
        if mode == "q8" and self.type in Q8_0_WEIGHTS:
            x = round_q8_0(x)
        elif mode == "q8" and self.type in Q8_K_WEIGHTS:
            x = round_q8_K(x)
        # f32 BLAS products: relative error ~1e-6, far below the 0.1-logit bound the tests use
        return np.asarray(x, dtype=np.float32) @ self.w.T


class Model:
    def __init__(self, path):
        r = GGUFReader(path)
        self.fields = r.fields
        arch = self.str("general.architecture")
        assert arch in ("qwen2", "llama", "gemma3"), f"unsupported architecture {arch}"
        self.arch = arch
        g = lambda k, d=None: self.num(f"{arch}.{k}", d)
        self.n_embd, self.n_layer, self.n_head = g("embedding_length"), g("block_count"), g("attention.head_count")
        self.n_kv = g("attention.head_count_kv", self.n_head)
        self.hd = g("attention.key_length", self.n_embd // self.n_head)
        self.eps = np.float32(g("attention.layer_norm_rms_epsilon"))
        self.base = np.float32(g("rope.freq_base", 10000.0))
        self.neox = arch in ("qwen2", "gemma3")
        self.gemma = arch == "gemma3"
        self.window = g("attention.sliding_window") if self.gemma else None
        self.local_base = np.float32(10000.0)
        t = {x.name: x for x in r.tensors}
        vec = lambda n: dequantize(t[n].data, t[n].tensor_type).reshape(-1).astype(np.float32)
        self.embd = Weight(t["token_embd.weight"])
        self.out = Weight(t["output.weight"]) if "output.weight" in t else self.embd
        self.out_norm = vec("output_norm.weight")
        self.layers = []
        for i in range(self.n_layer):
            p = f"blk.{i}."
            L = {k: Weight(t[p + k + ".weight"]) for k in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")}
            for k in ("attn_norm", "ffn_norm") + (("attn_q_norm", "attn_k_norm", "post_attention_norm", "post_ffw_norm") if self.gemma else ()):
                L[k] = vec(p + k + ".weight")
            for k in ("attn_q", "attn_k", "attn_v"):
                L[k + ".bias"] = vec(p + k + ".bias") if p + k + ".bias" in t else None
            self.layers.append(L)

    def str(self, k):
        f = self.fields[k]
        return bytes(f.parts[f.data[0]]).decode()

    def num(self, k, default=None):
        if k not in self.fields:
            return default
        f = self.fields[k]
        return f.parts[f.data[0]][0].item()

    def rmsnorm(self, x, w):
        ms = (x.astype(np.float64) ** 2).mean(axis=-1, keepdims=True)
        return (x / np.sqrt(ms + self.eps)).astype(np.float32) * w

    def is_local(self, layer):
        return self.window is not None and layer % 6 != 5

    def rope_angles(self, positions, base):
        """(n, hd/2) angles: theta_0 = pos, theta_{i+1} = theta_i · base^(−2/hd), iterated in f32 as llama.cpp."""
        scale = np.float32(base) ** np.float32(-2.0 / self.hd)
        out = np.zeros((len(positions), self.hd // 2), dtype=np.float32)
        theta = np.array(positions, dtype=np.float32)
        for i in range(self.hd // 2):
            out[:, i] = theta
            theta = (theta * scale).astype(np.float32)
        return out

    def rotate(self, x, ang):
        """x: (n, heads, hd). neox pairs (i, i + hd/2); llama pairs (2i, 2i + 1)."""
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        if self.neox:
            a, b = x[..., : self.hd // 2], x[..., self.hd // 2:]
        else:
            a, b = x[..., 0::2], x[..., 1::2]
        ra, rb = a * c - b * s, a * s + b * c
        y = np.empty_like(x)
        if self.neox:
            y[..., : self.hd // 2], y[..., self.hd // 2:] = ra, rb
        else:
            y[..., 0::2], y[..., 1::2] = ra, rb
        return y

    def forward(self, tokens, cache, mode, want_logits=True):
        """Evaluates tokens after the cached ones (causal). cache: list of (K, V) per layer, extended in place."""
        n, past = len(tokens), (cache[0][0].shape[0] if cache and cache[0] is not None else 0)
        x = self.embd.w[np.array(tokens)].copy()                   # (n, n_embd): a row lookup, no rounding
        if self.gemma:
            x = x * np.float32(np.sqrt(np.float32(self.n_embd)))
        ang = self.rope_angles(range(past, past + n), self.base)
        local_ang = self.rope_angles(range(past, past + n), self.local_base)
        group = self.n_head // self.n_kv
        mask = np.triu(np.full((n, past + n), -np.inf, dtype=np.float32), k=past + 1)
        local_mask = mask.copy()
        if self.window is not None:   # query position past+i does not see key position j when past+i − j ≥ window
            qpos = np.arange(past, past + n)[:, None]
            local_mask[qpos - np.arange(past + n)[None, :] >= self.window] = -np.inf
        for li, L in enumerate(self.layers):
            local = self.is_local(li)
            h = self.rmsnorm(x, L["attn_norm"])
            q, k, v = L["attn_q"](h, mode), L["attn_k"](h, mode), L["attn_v"](h, mode)
            if L["attn_q.bias"] is not None:
                q, k, v = q + L["attn_q.bias"], k + L["attn_k.bias"], v + L["attn_v.bias"]
            q, k = q.reshape(n, self.n_head, self.hd), k.reshape(n, self.n_kv, self.hd)
            if self.gemma:
                q, k = self.rmsnorm(q, L["attn_q_norm"]), self.rmsnorm(k, L["attn_k_norm"])
            q = self.rotate(q, local_ang if local else ang)
            k = self.rotate(k, local_ang if local else ang)
            v = v.reshape(n, self.n_kv, self.hd)
            if cache[li] is None:
                cache[li] = (k, v)
            else:
                cache[li] = (np.concatenate([cache[li][0], k]), np.concatenate([cache[li][1], v]))
            K, V = cache[li]
            att = np.empty((n, self.n_head, self.hd), dtype=np.float32)
            for hh in range(self.n_head):
                kv = hh // group
                s = (q[:, hh, :].astype(np.float64) @ K[:, kv, :].T.astype(np.float64)) / np.sqrt(self.hd) + (local_mask if local else mask)
                s = np.exp(s - s.max(axis=-1, keepdims=True))
                p = s / s.sum(axis=-1, keepdims=True)
                att[:, hh, :] = (p @ V[:, kv, :].astype(np.float64)).astype(np.float32)
            o = L["attn_output"](att.reshape(n, -1), mode)
            x = x + (self.rmsnorm(o, L["post_attention_norm"]) if self.gemma else o)
            h = self.rmsnorm(x, L["ffn_norm"])
            g, u = L["ffn_gate"](h, mode), L["ffn_up"](h, mode)
            g64 = g.astype(np.float64)
            if self.gemma:   # tanh-approximated GELU
                act = 0.5 * g64 * (1 + np.tanh(0.7978845608028654 * g64 * (1 + 0.044715 * g64 * g64)))
            else:            # SiLU
                act = g64 / (1 + np.exp(-g64))
            f = L["ffn_down"](act.astype(np.float32) * u, mode)
            x = x + (self.rmsnorm(f, L["post_ffw_norm"]) if self.gemma else f)
        if not want_logits:
            return None
        return self.out(self.rmsnorm(x, self.out_norm), mode)
