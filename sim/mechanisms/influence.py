"""The influence graph and the Friedkin-Johnsen stance update (ODD 7.10-7.11).

The scenario builds a NetworkX DiGraph (what users inspect and export); the
engine converts it once to a CSR matrix with sorted indices and afterwards
rewrites only the leaders' rows in place when factional weights change.
Never a dense N x N matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]


def influence_graph(scenario: Any) -> nx.DiGraph:
    """The scenario's influence graph: an edge i -> j means "i listens to j".

    Edge attribute ``weight`` is the raw weight before row normalisation (a
    negative weight is a contrarian edge: the listener moves away from the
    speaker); ``kind`` is ``leader-faction``, ``faction-leader``, ``self`` or
    ``edge``.
    Factional edges into a leader carry the faction's share ``omega``.
    """
    g = nx.DiGraph()
    for sid, side in scenario.sides.items():
        lead = side.leader
        g.add_node(lead.id, side=sid, role="leader", name=lead.name, stance=lead.stance)
        # a leader without factions is its side's whole weight
        g.add_edge(lead.id, lead.id, weight=lead.self_weight if side.factions else 1.0, kind="self")
        for f in side.factions:
            g.add_node(f.id, side=sid, role=f.role, name=f.name, stance=f.stance)
            omega = (1 - lead.self_weight) * f.influence
            staff_factor = (1 - lead.traits.impulsiveness) if f.role == "staff" else 1.0
            g.add_edge(lead.id, f.id, weight=omega * staff_factor, kind="leader-faction", omega=omega)
            g.add_edge(f.id, lead.id, weight=f.listens_to_leader, kind="faction-leader")
    for tp in scenario.third_parties:
        g.add_node(tp.id, side=None, role=tp.role, name=tp.name, stance=tp.stance)
    for e in scenario.influence:
        g.add_edge(e.listener, e.speaker, weight=e.weight, kind="edge")
    # self-loops of non-leaders: what is left of a unit of attention
    for node in g.nodes:
        if g.nodes[node]["role"] == "leader":
            continue
        out = sum(abs(d["weight"]) for _, _, d in g.out_edges(node, data=True))
        g.add_edge(node, node, weight=max(1.0 - out, 0.0), kind="self")
    return g


def to_csr(graph: nx.DiGraph, order: Sequence[str]) -> sp.csr_matrix:
    """Raw (unnormalised) adjacency in ``order``, CSR with sorted indices."""
    index = {n: i for i, n in enumerate(order)}
    rows, cols, vals = [], [], []
    for u, v, d in graph.edges(data=True):
        rows.append(index[u])
        cols.append(index[v])
        vals.append(float(d["weight"]))
    n = len(order)
    m = sp.csr_matrix((np.asarray(vals, dtype=float), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))), shape=(n, n))
    m.sum_duplicates()
    m.sort_indices()
    return m


def row_normalise(m: sp.csr_matrix) -> sp.csr_matrix:
    """A copy of ``m`` whose rows' absolute values sum to 1 (rows of zeros keep a self-loop of 1).

    Signs are kept: a negative entry is a contrarian edge (:func:`fj_step`).

    Stored entries, explicit zeros included, keep their places, so callers
    that rewrite rows in place by position (the engine's leader rows) stay
    valid; a row of zeros gets its stored diagonal set to 1, and only a row
    without a stored diagonal gains an entry.

    >>> import scipy.sparse as sp
    >>> row_normalise(sp.csr_matrix([[1.0, 3.0], [0.0, 2.0]])).toarray().tolist()
    [[0.25, 0.75], [0.0, 1.0]]
    >>> row_normalise(sp.csr_matrix([[1.0, -3.0], [0.0, 2.0]])).toarray().tolist()
    [[0.25, -0.75], [0.0, 1.0]]
    """
    m = m.tocsr(copy=True)
    m.sort_indices()
    sums = np.asarray(abs(m).sum(axis=1)).ravel()
    counts = np.diff(m.indptr)
    scale = np.where(sums > 0, 1.0 / np.where(sums > 0, sums, 1.0), 0.0)
    m.data = m.data * np.repeat(scale, counts)
    missing = []
    for r in np.flatnonzero(sums <= 0):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        pos = lo + int(np.searchsorted(m.indices[lo:hi], r))
        if pos < hi and m.indices[pos] == r:
            m.data[lo:hi] = 0.0
            m.data[pos] = 1.0
        else:
            missing.append(r)
    if missing:
        # COO -> CSR keeps explicit zeros (sparse addition would drop them)
        coo = m.tocoo()
        extra = np.asarray(missing, dtype=coo.row.dtype)
        m = sp.csr_matrix(
            (np.concatenate([coo.data, np.ones(extra.size)]), (np.concatenate([coo.row, extra]), np.concatenate([coo.col, extra]))),
            shape=m.shape,
        )
        m.sum_duplicates()
        m.sort_indices()
    return m


def normalise_rows_inplace(m: sp.csr_matrix, rows: NDArray[np.int64]) -> None:
    """Rescale the given rows of a CSR matrix so each row's absolute values sum to 1, in place."""
    for r in rows:
        lo, hi = m.indptr[r], m.indptr[r + 1]
        s = np.abs(m.data[lo:hi]).sum()
        if s > 0:
            m.data[lo:hi] /= s


def contrarian_mass(W: sp.csr_matrix) -> FloatArray | None:
    """Per row, the total size of its negative (contrarian) entries; None when W has none.

    >>> import scipy.sparse as sp, numpy as np
    >>> contrarian_mass(sp.csr_matrix(np.array([[0.5, -0.5], [0.0, 1.0]]))).tolist()
    [0.5, 0.0]
    >>> contrarian_mass(sp.csr_matrix(np.array([[0.5, 0.5], [0.0, 1.0]]))) is None
    True
    """
    size = np.maximum(-W.data, 0.0)
    if not size.any():
        return None
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    return np.asarray(np.bincount(rows, weights=size, minlength=W.shape[0]), dtype=float)


def fj_step(
    W: sp.csr_matrix,
    x: FloatArray,
    x0: FloatArray,
    lam: FloatArray,
    u: FloatArray | None = None,
    contrarian: FloatArray | None = None,
) -> FloatArray:
    """One Friedkin-Johnsen iteration: clip(L (W+ x + |W-| (1 - x)) + (I - L) x0 + u, 0, 1).

    A contrarian (negative) entry pulls its listener toward the mirror of the
    speaker's stance, 1 - x_j, with the entry's size: on a stance scale of
    [0, 1] that is moving away from the speaker while staying on the scale.
    ``contrarian`` is :func:`contrarian_mass` of W (None when W has no negative
    entry). Since W x = W+ x - |W-| x, the step is L (W x + contrarian).

    >>> import scipy.sparse as sp, numpy as np
    >>> W = sp.csr_matrix(np.array([[0.5, 0.5], [0.5, 0.5]]))
    >>> fj_step(W, np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0])).tolist()
    [0.5, 0.5]
    >>> S = sp.csr_matrix(np.array([[0.5, -0.5], [0.0, 1.0]]))  # 0 listens half to itself, half against 1
    >>> fj_step(S, np.array([0.5, 0.8]), np.array([0.5, 0.8]), np.array([1.0, 1.0]), contrarian=contrarian_mass(S)).round(6).tolist()
    [0.35, 0.8]
    """
    wx = W @ x
    if contrarian is not None:
        wx = wx + contrarian
    out = lam * wx + (1 - lam) * x0
    if u is not None:
        out = out + u
    return clip(out, 0.0, 1.0)


def fj_relax(
    W: sp.csr_matrix,
    x: FloatArray,
    x0: FloatArray,
    lam: FloatArray,
    u: FloatArray,
    share: float,
    contrarian: FloatArray | None = None,
) -> FloatArray:
    """A step that takes ``share`` of a week's Friedkin-Johnsen move; the signals' pushes ``u`` arrive whole.

    clip(x + share (L (W x + c) + (I - L) x0 - x) + u, 0, 1), c the contrarian
    mass (:func:`fj_step`); with ``share`` 1 it is :func:`fj_step` itself (a
    weekly clock). The fixed point is the same
    for any share: a shorter step moves the stances less, not elsewhere.

    >>> import scipy.sparse as sp, numpy as np
    >>> W = sp.csr_matrix(np.array([[0.5, 0.5], [0.5, 0.5]]))
    >>> fj_relax(W, np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0]), np.zeros(2), 0.25).tolist()
    [0.125, 0.875]
    """
    if share >= 1:
        return fj_step(W, x, x0, lam, u, contrarian)
    wx = W @ x
    if contrarian is not None:
        wx = wx + contrarian
    target = lam * wx + (1 - lam) * x0
    return clip(x + share * (target - x) + u, 0.0, 1.0)


def fj_fixed_point(W: sp.csr_matrix, x0: FloatArray, lam: FloatArray) -> FloatArray:
    """x* = (I - L W)^-1 ((I - L) x0 + L c), the "if left alone" stances (Proskurnikov & Tempo 2017).

    c is the contrarian mass of each row (:func:`contrarian_mass`; zero
    without negative entries). Valid when the spectral radius of L |W| is
    below 1 (e.g. every lambda < 1, since the rows of |W| sum to 1); the
    fixed point then stays in [0, 1] and the unclipped iteration converges
    to it.

    >>> import scipy.sparse as sp, numpy as np
    >>> W = sp.csr_matrix(np.array([[0.5, 0.5], [0.5, 0.5]]))
    >>> [round(float(v), 6) for v in fj_fixed_point(W, np.array([0.0, 1.0]), np.array([0.5, 0.5]))]
    [0.25, 0.75]
    """
    import scipy.sparse.linalg as spla  # heavy (scipy.sparse.linalg): only for the dashboard's 'if left alone' line

    n = W.shape[0]
    A = sp.identity(n, format="csc") - sp.diags(lam) @ W
    rhs = (1 - lam) * x0
    c = contrarian_mass(W)
    if c is not None:
        rhs = rhs + lam * c
    return np.asarray(spla.spsolve(A.tocsc(), rhs), dtype=float)
