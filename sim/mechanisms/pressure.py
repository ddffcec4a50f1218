"""Sanctions, economic/domestic/military pressure and tension (ODD 7.12-7.15).

Pure functions on per-side arrays; the model owns the arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]


def leakage(leak0: float, laxity: FloatArray, enforcement: FloatArray, client_of: NDArray[np.int64], n_sides: int) -> FloatArray:
    """leak_c = leak0 + sum over c's patrons of chi_m (1 - e_m), clipped to [0, 1] (Early 2015).

    >>> leakage(0.1, np.array([0.3]), np.array([0.5]), np.array([1]), 2).tolist()
    [0.1, 0.25]
    """
    leak = np.full(n_sides, leak0, dtype=float)
    mask = client_of >= 0
    if mask.any():
        np.add.at(leak, client_of[mask], laxity[mask] * (1 - enforcement[mask]))
    return clip(leak, 0.0, 1.0)


def effective_sanctions(stock: FloatArray, leak: FloatArray) -> FloatArray:
    """S_eff = S (1 - leak)."""
    return stock * (1 - leak)


def economic_pain(pain: FloatArray, s_eff: FloatArray, delta_e: float) -> FloatArray:
    """P^E <- (1 - delta_E) P^E + delta_E S_eff: pain approaches effective sanctions.

    >>> economic_pain(np.array([0.0]), np.array([1.0]), 0.04).tolist()
    [0.04]
    """
    return clip((1 - delta_e) * pain + delta_e * s_eff, 0.0, 1.0)


def richardson(hostility: FloatArray, delta_m: float, gamma_r: float) -> FloatArray:
    """H_c <- (1 - delta_M) H_c + gamma_R * (mean hostility of the others) (Richardson 1960).

    Signals' hostile intensities are added by the caller before this step.

    >>> richardson(np.array([0.5, 0.0]), 0.1, 0.1).tolist()
    [0.45, 0.05]
    """
    n = hostility.size
    if n > 1:
        others = (hostility.sum() - hostility) / (n - 1)
    else:
        others = np.zeros_like(hostility)
    return clip((1 - delta_m) * hostility + gamma_r * others, 0.0, 1.0)


def tension(hostility: FloatArray, belligerents: NDArray[np.int64]) -> float:
    """E = mean hostility of the belligerents (by default the two sides at the table).

    >>> tension(np.array([0.2, 0.9, 0.6]), np.array([0, 2]))
    0.4
    """
    return float(hostility[belligerents].mean())


def aggregate(weights: FloatArray, economic: FloatArray, domestic: FloatArray, military: FloatArray) -> FloatArray:
    """P_c = w_E P^E + w_D P^D + w_M P^M, per side (weights shape (C, 3))."""
    return clip(weights[:, 0] * economic + weights[:, 1] * domestic + weights[:, 2] * military, 0.0, 1.0)


def learn_erosion(belief: FloatArray, leak: FloatArray, learns: NDArray[np.bool_], rate: float, scale: float) -> FloatArray:
    """Members' belief in the weekly sanctions-erosion rate, moved toward what the leakage they see implies.

    eps <- eps + rate * (scale * leak - eps) for members that learn (those
    with a horizon); the others keep theirs. More leakage (lax patrons) makes
    hardliners expect sanctions to wear away, which raises their demands.

    >>> learn_erosion(np.array([0.01, 0.01]), np.array([0.5, 0.5]), np.array([True, False]), 0.1, 0.04).round(4).tolist()
    [0.011, 0.01]
    """
    target = scale * np.asarray(leak, dtype=float)
    return np.where(learns, belief + rate * (target - belief), belief)
