"""Dense search with FAISS, exact or approximate by the store's plan (rag.stores.plan).

Below ``plan.FLAT_BELOW`` chunks the vectors are searched exactly (a few ms at 50k on two
cores). Above it an IVF index with 8-bit scalar-quantized lists (a quarter of the
float32 size) proposes ``rescore`` candidates from the ``probe`` nearest of ``lists``
cells, and those are re-scored exactly from the float32 vectors on disk, so the
scores fusion sees are exact cosines. The plan is recorded in the index manifest.
Recall@10 against exact search and the latency of both: ``rag bench search``.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np

from rag.stores.plan import VectorPlan

IVF_FILE = "vectors.ivf"
# One OpenMP thread per query: on two cores more gain nothing, and the threads faiss wakes
# keep spinning afterwards, slowing the query embedding beside them (python3 eval/faiss_threads.py)
SEARCH_THREADS = 1


@contextmanager
def search_threads(threads: int | None = None):
    """Run the faiss calls inside with ``threads`` (default SEARCH_THREADS) OpenMP threads, then
    restore the count (builds stay multi-threaded)."""
    faiss = _faiss()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads or SEARCH_THREADS)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _faiss():
    try:
        import faiss
    except ImportError as exc:  # a declared dependency; only a broken install lacks it
        from rag.errors import ConfigError
        raise ConfigError("faiss is not installed; install it with: pip install faiss-cpu") from exc
    return faiss


class VectorSearch:
    """Top-k inner product over L2-normalized vectors by ``plan``. ``vectors`` may be an
    array or a storage.ArrayFile; the flat plan needs it in memory."""

    def __init__(self, plan: VectorPlan, vectors, dim: int, ivf=None, threads: int | None = None):
        faiss = _faiss()
        self.plan, self.vectors, self.ivf = plan, vectors, ivf
        self.threads = threads   # OpenMP threads per search (None: SEARCH_THREADS)
        if plan.kind == "flat":
            self.flat = faiss.IndexFlatIP(dim)
            if len(vectors):
                self.flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        elif ivf is None:
            raise ValueError(f"the {plan.kind} plan needs its IVF index")
        else:
            ivf.nprobe = plan.probe

    def _params(self, live: np.ndarray | None, probe: int | None = None):
        if live is None and probe is None:
            return None
        selector = None if live is None else _faiss().IDSelectorBitmap(np.packbits(live, bitorder="little"))
        if self.plan.kind == "flat":
            return _faiss().SearchParameters(sel=selector)
        params = _faiss().SearchParametersIVF(nprobe=probe or self.plan.probe)
        if selector is not None:
            params.sel = selector
        return params

    def search(self, query: np.ndarray, k: int, live: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(cosines, chunk ids), best first; exact cosines in both plans. ``live``: a bool mask,
        the chunks a search may return (tombstoned ones left out inside faiss, not after)."""
        if self.plan.kind == "flat":
            with search_threads(self.threads):
                scores, ids = self.flat.search(np.ascontiguousarray(query, dtype=np.float32)[None, :], k,
                                               params=self._params(live))
            keep = ids[0] >= 0
            return scores[0][keep], ids[0][keep].astype(np.int64)
        _, ids = self.candidates(query, max(k, self.plan.rescore), live)
        return self.rescore(query, ids, k)

    def candidates(self, query: np.ndarray, n: int, live: np.ndarray | None = None,
                   probe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The IVF's ``n`` best (approximate inner products, chunk ids) from ``probe`` lists
        (default: the plan's): what ``rescore`` ranks exactly. Several segments pool theirs
        and re-score the best of all once."""
        with search_threads(self.threads):
            scores, ids = self.ivf.search(np.ascontiguousarray(query, dtype=np.float32)[None, :], n,
                                          params=self._params(live, probe))
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep].astype(np.int64)

    def rescore(self, query: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best of ``ids`` by exact cosine, read from the float32 vectors."""
        ids = np.sort(ids)   # sorted rows read the file in order
        exact = self.vectors[ids] @ np.asarray(query, dtype=np.float32)
        order = np.argsort(-exact, kind="stable")[:k]
        return exact[order], ids[order]


def build_vector_search(vectors: np.ndarray, plan: VectorPlan, seed: int = 0) -> VectorSearch:
    """Dense search over ``vectors`` by ``plan`` (trains the IVF index when the plan needs one)."""
    if plan.kind == "flat":
        return VectorSearch(plan, vectors, vectors.shape[1])
    faiss = _faiss()
    dim = vectors.shape[1]
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFScalarQuantizer(quantizer, dim, plan.lists, faiss.ScalarQuantizer.QT_8bit,
                                        faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(seed).choice(len(vectors), min(len(vectors), 64 * plan.lists), replace=False)
    ivf.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
    for a in range(0, len(vectors), 100_000):
        ivf.add(np.ascontiguousarray(vectors[a:a + 100_000], dtype=np.float32))
    return VectorSearch(plan, vectors, dim, ivf)


def save_vector_search(search: VectorSearch, folder: Path) -> None:
    if search.ivf is not None:
        _faiss().write_index(search.ivf, str(folder / IVF_FILE))


def load_vector_search(folder: Path, plan: VectorPlan, vectors, dim: int) -> VectorSearch:
    """Raises ValueError/RuntimeError on a damaged file (the caller says: rebuild)."""
    if plan.kind == "flat":
        return VectorSearch(plan, np.asarray(vectors[0:len(vectors)]), dim)
    if plan.kind != "ivf-sq8":
        raise ValueError(f"unknown vector index kind '{plan.kind}'")
    ivf = _faiss().read_index(str(folder / IVF_FILE))
    if ivf.ntotal != len(vectors) or ivf.d != dim:
        raise ValueError(f"{IVF_FILE} holds {ivf.ntotal} vectors of dim {ivf.d}, expected {len(vectors)} of {dim}")
    return VectorSearch(plan, vectors, dim, ivf)
