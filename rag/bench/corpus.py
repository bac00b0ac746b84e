"""The ``rag bench search`` corpora: every CMRC2018 + DRCD dev paragraph once, then perturbed
copies up to the size asked, and vectors for them (real for sources, noised for copies)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.bench.common import SETS
from rag.ingest.documents import Document

PERTURB_SHARE = 0.1


def load_sources(bench_dir: Path, per_set: int = 0):
    """Bench paragraphs (the first ``per_set`` of each set; 0 = all) and their questions."""
    from rag.ingest.squad import load_squad
    docs, questions = [], []
    for name in SETS:
        d, q = load_squad(Path(bench_dir) / f"{name}.json")
        d = d[:per_set] if per_set else d
        kept = {x.name for x in d}
        docs += d
        questions += [x for x in q if x.doc in kept]
    return docs, questions


def perturb(text: str, rng: np.random.Generator, alphabet: np.ndarray, weights: np.ndarray) -> str:
    """Replace PERTURB_SHARE of the Han characters by others of the corpus's frequency.
    Han for Han keeps every sentence end, so a copy chunks exactly like its source."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    han = np.flatnonzero((cps >= 0x4E00) & (cps <= 0x9FFF))
    picked = han[rng.random(len(han)) < PERTURB_SHARE]
    cps[picked] = rng.choice(alphabet, size=len(picked), p=weights)
    return cps.tobytes().decode("utf-32-le")


def han_alphabet(docs) -> tuple[np.ndarray, np.ndarray]:
    cps = np.frombuffer("".join(d.text for d in docs).encode("utf-32-le"), dtype=np.uint32)
    values, counts = np.unique(cps[(cps >= 0x4E00) & (cps <= 0x9FFF)], return_counts=True)
    return values, counts / counts.sum()


def corpus_plan(chunks_per_source: np.ndarray, size: int, seed: int) -> list[tuple[int, int]]:
    """(source row, copy number; 0 for the source itself) of every document of the corpus:
    every source once and perturbed copies up to ``size`` chunks, in random order. The order
    matters: a copy often ties with its source on BM25 (no replaced character touches the
    question's words), and both our ranking and rank-bm25's break ties by position, so
    sources first would favour ours."""
    rng = np.random.default_rng(seed)
    n = len(chunks_per_source)
    plan, total, copy = [(row, 0) for row in range(n)], int(chunks_per_source.sum()), 0
    order = rng.permutation(n)
    while total < size:
        row = int(order[copy % n])
        plan.append((row, copy // n + 1))
        total += int(chunks_per_source[row])
        copy += 1
    return [plan[i] for i in rng.permutation(len(plan))]


def corpus_documents(sources, plan, seed: int):
    """The documents of ``plan``, made one at a time as they are asked for (a million-chunk
    corpus never sits in memory); each copy perturbed by its own seeded generator."""
    import hashlib
    alphabet, weights = han_alphabet(sources)
    for row, copy in plan:
        if copy == 0:
            yield sources[row]
            continue
        text = perturb(sources[row].text, np.random.default_rng([seed, row, copy]), alphabet, weights)
        name = f"{sources[row].name}~{copy}"
        yield Document(name, f"synthetic#{name}", text, "utf-8", hashlib.sha256(text.encode()).hexdigest())


def make_corpus(sources, chunks_per_source: np.ndarray, size: int, seed: int):
    """(documents, source row of each, whether each is a copy) of corpus_plan, as lists."""
    plan = corpus_plan(chunks_per_source, size, seed)
    return (list(corpus_documents(sources, plan, seed)), np.asarray([row for row, _ in plan], dtype=np.int64),
            np.asarray([copy > 0 for _, copy in plan]))


def noise_sigma(cosine: float, dim: int) -> float:
    """Per-dimension noise that gives a unit vector this expected cosine to its noisy copy:
    cos = 1 / sqrt(1 + dim * sigma^2)."""
    return float(np.sqrt((1 / cosine ** 2 - 1) / dim))


def synthesize_vectors(source_vectors: list[np.ndarray], source_rows, prepared, sigma: float,
                       rng: np.random.Generator) -> np.ndarray:
    """Real vectors for source chunks, noised copies of them for copies' chunks (``name~n``);
    ``source_rows``: source name -> its row in ``source_vectors``."""
    out = np.empty((len(prepared.chunks), source_vectors[0].shape[1]), dtype=np.float32)
    chunk_no, last_doc = 0, None
    for i, chunk in enumerate(prepared.chunks):
        chunk_no = chunk_no + 1 if chunk.doc == last_doc else 0
        last_doc = chunk.doc
        source, _, copy = chunk.doc.partition("~")
        src = source_vectors[source_rows[source]]
        out[i] = src[min(chunk_no, len(src) - 1)]
        if copy:
            out[i] += rng.normal(0, sigma, out.shape[1]).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def calibrate_noise(sources, source_vectors, embedder, settings, seed: int, sample: int = 32) -> dict:
    """Cosine between the real vectors of perturbed copies and their sources' chunks."""
    from rag.ingest.prepare import prepare
    rng = np.random.default_rng(seed + 2)
    alphabet, weights = han_alphabet(sources)
    rows = rng.choice(len(sources), sample, replace=False)
    copies = [Document(f"copy-{r}", "", perturb(sources[r].text, rng, alphabet, weights), "utf-8", f"h{r}")
              for r in rows]
    prepared = prepare(copies, settings.chunking)
    by_doc: dict[str, list] = {}
    for c in prepared.chunks:
        by_doc.setdefault(c.doc, []).append(c.search_text)
    cosines = []
    for r, copy in zip(rows, copies):
        vecs = embedder.embed_passages(by_doc.get(copy.name, []))
        src = source_vectors[r]
        cosines += [float(v @ src[min(j, len(src) - 1)]) for j, v in enumerate(vecs)]
    mean = float(np.mean(cosines))
    return {"copies": sample, "chunks": len(cosines), "cosine_mean": round(mean, 4),
            "sigma": noise_sigma(mean, source_vectors[0].shape[1])}
