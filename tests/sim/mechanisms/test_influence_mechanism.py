"""Hand-computed tests of the influence graph and the Friedkin-Johnsen update (docs/ODD.md 7.10-7.11).

Every expected number was worked out by hand (the arithmetic is in the
comments), not by calling the code under test: the graph the teaching
scenario builds, the self-loops of non-leaders (what is left of a unit of
attention, never negative, contrarian edges counted by their size), the CSR
matrix in a given actor order, row normalisation of signed rows and of rows
of zeros, the contrarian mass, and the relaxed (part-week) stance step.
``make mutate`` runs this file (pyproject.toml, [tool.mutmut]).
"""

from __future__ import annotations

from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from summitry.sim.mechanisms.influence import (
    contrarian_mass,
    fj_relax,
    fj_step,
    influence_graph,
    normalise_rows_inplace,
    row_normalise,
    to_csr,
)

# --------------------------------------------------------------------------- the graph of a scenario

# teaching.yaml: ada (self_weight .4, impulsiveness .5) listens to alpha-hawks (hardliner) and alpha-diplomats
# (staff), influence .5 each: omega = (1 - .4) * .5 = .3; the staff's edge is scaled by 1 - .5: .15.
# bo (self_weight .45) listens to beta-hardliners and beta-reformers (no staff): (1 - .45) * .5 = .275 each.
# Factions listen to their leader with the default listens_to_leader .4. Scenario edges: ada and bo listen
# to gil .1, alpha-hawks to alpha-diplomats .2, beta-reformers to beta-hardliners .2. Non-leaders' self-loops:
# alpha-hawks 1 - (.4 + .2) = .4, alpha-diplomats 1 - .4 = .6, beta-hardliners .6, beta-reformers .4, gil 1.
TEACHING_EDGES = {
    ("ada", "ada"): (0.4, "self"),
    ("ada", "alpha-hawks"): (0.3, "leader-faction"),
    ("ada", "alpha-diplomats"): (0.15, "leader-faction"),
    ("alpha-hawks", "ada"): (0.4, "faction-leader"),
    ("alpha-diplomats", "ada"): (0.4, "faction-leader"),
    ("bo", "bo"): (0.45, "self"),
    ("bo", "beta-hardliners"): (0.275, "leader-faction"),
    ("bo", "beta-reformers"): (0.275, "leader-faction"),
    ("beta-hardliners", "bo"): (0.4, "faction-leader"),
    ("beta-reformers", "bo"): (0.4, "faction-leader"),
    ("ada", "gil"): (0.1, "edge"),
    ("bo", "gil"): (0.1, "edge"),
    ("alpha-hawks", "alpha-diplomats"): (0.2, "edge"),
    ("beta-reformers", "beta-hardliners"): (0.2, "edge"),
    ("alpha-hawks", "alpha-hawks"): (0.4, "self"),
    ("alpha-diplomats", "alpha-diplomats"): (0.6, "self"),
    ("beta-hardliners", "beta-hardliners"): (0.6, "self"),
    ("beta-reformers", "beta-reformers"): (0.4, "self"),
    ("gil", "gil"): (1.0, "self"),
}
TEACHING_NODES = {
    "ada": {"side": "alpha", "role": "leader", "name": "President Ada", "stance": 0.5},
    "alpha-hawks": {"side": "alpha", "role": "hardliner", "name": "Alpha hawks", "stance": 0.8},
    "alpha-diplomats": {"side": "alpha", "role": "staff", "name": "Alpha diplomats", "stance": 0.3},
    "bo": {"side": "beta", "role": "leader", "name": "Chairman Bo", "stance": 0.5},
    "beta-hardliners": {"side": "beta", "role": "hardliner", "name": "Beta hardliners", "stance": 0.8},
    "beta-reformers": {"side": "beta", "role": "reformer", "name": "Beta reformers", "stance": 0.3},
    "gil": {"side": None, "role": "mediator", "name": "Envoy Gil", "stance": 0.3},
}


def test_the_teaching_graph_by_hand(teaching) -> None:  # type: ignore[no-untyped-def]
    g = influence_graph(teaching)
    assert dict(g.nodes(data=True)) == TEACHING_NODES
    got = {(u, v): (d["weight"], d["kind"]) for u, v, d in g.edges(data=True)}
    assert set(got) == set(TEACHING_EDGES)
    for edge, (weight, kind) in TEACHING_EDGES.items():
        assert got[edge][0] == pytest.approx(weight, abs=1e-12), edge
        assert got[edge][1] == kind, edge
    # a factional edge into a leader carries the faction's share omega (the staff's before its impulsiveness cut)
    omega = {(u, v): d["omega"] for u, v, d in g.edges(data=True) if "omega" in d}
    assert omega == pytest.approx(
        {("ada", "alpha-hawks"): 0.3, ("ada", "alpha-diplomats"): 0.3, ("bo", "beta-hardliners"): 0.275, ("bo", "beta-reformers"): 0.275}
    )


def _actor(id_: str, role: str, stance: float, **fields: float) -> SimpleNamespace:
    return SimpleNamespace(id=id_, name=id_.upper(), role=role, stance=stance, **fields)


def test_self_loops_leaders_without_factions_and_contrarian_edges_by_hand() -> None:
    """A leader without factions keeps a self-loop of 1; a non-leader's self-loop is 1 minus the size of its other edges, never below 0."""
    lone = _actor("lone", "leader", 0.2, self_weight=0.3)
    lone.traits = SimpleNamespace(impulsiveness=0.2)
    chief = _actor("chief", "leader", 0.6, self_weight=0.6)
    chief.traits = SimpleNamespace(impulsiveness=0.25)
    staff = _actor("aide", "staff", 0.7, influence=0.4, listens_to_leader=0.9)
    hawk = _actor("hawk", "hardliner", 0.9, influence=0.6, listens_to_leader=0.5)
    scenario = SimpleNamespace(
        parameters=None,
        sides={"a": SimpleNamespace(leader=lone, factions=[]), "b": SimpleNamespace(leader=chief, factions=[staff, hawk])},
        third_parties=[_actor("med", "mediator", 0.1)],
        influence=[
            SimpleNamespace(listener="lone", speaker="med", weight=0.2),
            SimpleNamespace(listener="aide", speaker="lone", weight=0.3),
            SimpleNamespace(listener="hawk", speaker="med", weight=-0.3),  # contrarian
        ],
    )
    g = influence_graph(scenario)
    w = {(u, v): d["weight"] for u, v, d in g.edges(data=True)}
    expected = {
        # no factions: the leader is its side's whole weight, 1 (not its self_weight .3), whatever else it hears
        ("lone", "lone"): 1.0,
        ("lone", "med"): 0.2,
        ("chief", "chief"): 0.6,
        # omega = (1 - .6) * .4 = .16, the staff's edge cut by 1 - .25: .12; the hawk's (1 - .6) * .6 = .24
        ("chief", "aide"): 0.12,
        ("chief", "hawk"): 0.24,
        ("aide", "chief"): 0.9,
        ("hawk", "chief"): 0.5,
        ("aide", "lone"): 0.3,
        ("hawk", "med"): -0.3,
        # aide: .9 + .3 = 1.2 > 1, nothing left: 0 (not -.2)
        ("aide", "aide"): 0.0,
        # hawk: .5 + |-.3| = .8 -> .2 (a signed sum, .2, would leave .8)
        ("hawk", "hawk"): 0.2,
        # the mediator hears no one: 1
        ("med", "med"): 1.0,
    }
    assert set(w) == set(expected)
    for edge, weight in expected.items():
        assert w[edge] == pytest.approx(weight, abs=1e-12), edge
    assert g.nodes["med"]["side"] is None and g.nodes["hawk"]["side"] == "b" and g.nodes["lone"]["side"] == "a"
    assert g.edges["chief", "aide"]["omega"] == pytest.approx(0.16, abs=1e-12)


# --------------------------------------------------------------------------- CSR in an actor order


def test_to_csr_by_hand() -> None:
    g = nx.DiGraph()
    g.add_nodes_from(["a", "b", "c", "d"])
    for u, v, w in [("a", "b", 2), ("c", "a", 0.5), ("b", "b", 1.0), ("a", "c", -1.0), ("c", "c", 3.0)]:
        g.add_edge(u, v, weight=w)
    # order c, a, b, d: c = 0, a = 1, b = 2, d = 3 (d has no edges and still gets a row and a column)
    # row c: (c, a) .5, (c, c) 3; row a: (a, b) 2, (a, c) -1; row b: (b, b) 1
    m = to_csr(g, ["c", "a", "b", "d"])
    assert m.shape == (4, 4)
    assert m.dtype == np.float64
    np.testing.assert_array_equal(m.toarray(), [[3.0, 0.5, 0, 0], [-1.0, 0, 2.0, 0], [0, 0, 1.0, 0], [0, 0, 0, 0]])
    assert m.has_sorted_indices
    assert m.indptr.tolist() == [0, 2, 4, 5, 5]
    assert m.indices.tolist() == [0, 1, 0, 2, 2]


# --------------------------------------------------------------------------- row normalisation


def test_row_normalise_signed_and_zero_rows_by_hand() -> None:
    # row 0: one stored zero, at column 2: no stored diagonal, gains (0, 0) = 1, the stored zero stays
    # row 1: one stored zero, at column 0 (before the diagonal): gains (1, 1) = 1
    # row 2: 1 at column 1 and -1 at column 3: sizes sum to 2 -> .5 and -.5 (a signed sum would be 0)
    # row 3: stored zeros at columns 0 and 3 (its diagonal): the diagonal becomes 1, column 0 stays a stored 0
    rows = np.array([0, 1, 2, 2, 3, 3])
    cols = np.array([2, 0, 1, 3, 0, 3])
    data = np.array([0.0, 0.0, 1.0, -1.0, 0.0, 0.0])
    m = sp.csr_matrix((data, (rows, cols)), shape=(4, 4))
    assert m.nnz == 6
    out = row_normalise(m)
    np.testing.assert_array_equal(out.toarray(), [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0.5, 0, -0.5], [0, 0, 0, 1.0]])
    assert out.indptr.tolist() == [0, 2, 4, 6, 8]
    assert out.indices.tolist() == [0, 2, 0, 1, 1, 3, 0, 3]
    assert out.has_sorted_indices
    assert m.data.tolist() == data.tolist() and m.nnz == 6  # the input is untouched


def test_row_normalise_never_divides_by_zero() -> None:
    # a row of zeros (stored or not) is not scaled by 1 / 0: it becomes a self-loop of 1, the other rows as usual
    m = sp.csr_matrix((np.array([0.0, 2.0, 2.0]), (np.array([0, 1, 1]), np.array([1, 0, 1]))), shape=(3, 3))
    with np.errstate(divide="raise", invalid="raise"):
        out = row_normalise(m)
    np.testing.assert_array_equal(out.toarray(), [[1.0, 0, 0], [0.5, 0.5, 0], [0, 0, 1.0]])


def test_row_normalise_keeps_a_square_matrix_square() -> None:
    # 3 x 3 with row 0 empty (gains (0, 0) = 1), row 1 = (4 at column 0), row 2 = (-2 at column 1): no entry in
    # column 2, so the shape must come from the input, not from the entries
    m = sp.csr_matrix((np.array([4.0, -2.0]), (np.array([1, 2]), np.array([0, 1]))), shape=(3, 3))
    out = row_normalise(m)
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out.toarray(), [[1.0, 0, 0], [1.0, 0, 0], [0, -1.0, 0]])


def test_row_normalise_of_ordinary_rows_by_hand() -> None:
    # (1, -3): sizes 4 -> (.25, -.75); (2, 6): 8 -> (.25, .75)
    out = row_normalise(sp.csr_matrix(np.array([[1.0, -3.0], [2.0, 6.0]])))
    np.testing.assert_allclose(out.toarray(), [[0.25, -0.75], [0.25, 0.75]], atol=1e-15)


def test_normalise_rows_inplace_uses_sizes_by_hand() -> None:
    # rows (1, -3) and (1, -1): sizes sum to 4 and 2 -> (.25, -.75) and (.5, -.5); a signed sum (-2, 0)
    # would flip the first row and leave the second alone
    m = sp.csr_matrix(np.array([[1.0, -3.0], [1.0, -1.0]]))
    normalise_rows_inplace(m, np.array([0, 1]))
    np.testing.assert_allclose(m.toarray(), [[0.25, -0.75], [0.5, -0.5]], atol=1e-15)


# --------------------------------------------------------------------------- contrarian mass


def test_contrarian_mass_by_hand() -> None:
    # row 0: (.5, -.25, -.25) -> .5; row 1: (0, 1) -> 0; row 2: (-.4, .6) -> .4; row 3: nothing stored -> 0
    rows = np.array([0, 0, 0, 1, 2, 2])
    cols = np.array([0, 1, 2, 1, 0, 2])
    W = sp.csr_matrix((np.array([0.5, -0.25, -0.25, 1.0, -0.4, 0.6]), (rows, cols)), shape=(4, 4))
    np.testing.assert_allclose(contrarian_mass(W), [0.5, 0.0, 0.4, 0.0], atol=1e-15)  # None would fail here too
    assert contrarian_mass(sp.csr_matrix(np.array([[0.5, 0.5], [0.0, 1.0]]))) is None


# --------------------------------------------------------------------------- the relaxed (part-week) step

# W = [[.5, .5], [.25, .75]], x = (0, 1), x0 = (.2, .6), L = (.5, .8): W x = (.5, .75),
# target = L W x + (1 - L) x0 = (.25 + .1, .6 + .12) = (.35, .72)
W2 = sp.csr_matrix(np.array([[0.5, 0.5], [0.25, 0.75]]))
X, X0, LAM = np.array([0.0, 1.0]), np.array([0.2, 0.6]), np.array([0.5, 0.8])


@pytest.mark.parametrize(
    ("share", "u", "expected"),
    [
        # half a step: x + .5 (target - x) + u = (.175 + .1, 1 - .14 - .05) = (.275, .81)
        (0.5, [0.1, -0.05], [0.275, 0.81]),
        # a quarter, no push: (.0875, 1 - .07) = (.0875, .93)
        (0.25, [0.0, 0.0], [0.0875, 0.93]),
        # pushes past the scale are clipped: (.175 - .5, .86 + .3) -> (0, 1)
        (0.5, [-0.5, 0.3], [0.0, 1.0]),
        # a whole week: the target plus the push, (.45, .67)
        (1.0, [0.1, -0.05], [0.45, 0.67]),
    ],
)
def test_fj_relax_by_hand(share: float, u: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(fj_relax(W2, X, X0, LAM, np.array(u), share), expected, atol=1e-12)


def test_fj_relax_with_a_contrarian_edge_by_hand() -> None:
    # actor 0 listens half to itself and half against actor 1 (at .8): W x + c = .25 - .4 + .5 = .35;
    # L = 1, so target .35; half a step from .5: .5 + .5 (.35 - .5) = .425; actor 1 listens to itself and stays
    S = sp.csr_matrix(np.array([[0.5, -0.5], [0.0, 1.0]]))
    x = np.array([0.5, 0.8])
    out = fj_relax(S, x, x.copy(), np.ones(2), np.zeros(2), 0.5, contrarian=contrarian_mass(S))
    np.testing.assert_allclose(out, [0.425, 0.8], atol=1e-12)
    # a whole week goes to the target, .35, with the push u (.1, 0) on top: .45
    out = fj_relax(S, x, x.copy(), np.ones(2), np.array([0.1, 0.0]), 1.0, contrarian=contrarian_mass(S))
    np.testing.assert_allclose(out, [0.45, 0.8], atol=1e-12)


unit = st.floats(0.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(
    x=st.tuples(unit, unit), x0=st.tuples(unit, unit), lam=st.tuples(unit, unit), u=st.tuples(st.floats(-0.2, 0.2), st.floats(-0.2, 0.2))
)
def test_a_whole_week_is_fj_step_itself(
    x: tuple[float, float], x0: tuple[float, float], lam: tuple[float, float], u: tuple[float, float]
) -> None:
    """With share 1 the relaxed step is the weekly step, to the last bit (the weekly clock's runs do not change)."""
    args = (W2, np.array(x), np.array(x0), np.array(lam), np.array(u))
    np.testing.assert_array_equal(fj_relax(*args, 1.0), fj_step(*args))
