"""The hash index returns exactly what a brute-force Hamming scan returns."""

from __future__ import annotations

import numpy as np
import pytest

from engine.dshl.search import HashIndex, code_keys


@pytest.mark.parametrize(("L", "K", "n"), [(8, 4, 3000), (6, 3, 500), (4, 2, 50)])
def test_rings_equal_brute_force(L: int, K: int, n: int) -> None:
    rng = np.random.default_rng(L)
    codes = rng.integers(0, K, size=(n, L)).astype(np.uint8)
    index = HashIndex(codes, K)
    for _ in range(20):
        query = rng.integers(0, K, size=L).astype(np.uint8)
        dist = index.brute_force(query)
        for radius in range(L + 1):
            assert sorted(index.ring(query, radius)) == sorted(np.nonzero(dist == radius)[0])


def test_search_grows_radius_until_enough() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(2000, 8)).astype(np.uint8)
    index = HashIndex(codes, 4)
    query = codes[7]
    ids, dists = index.search(query, min_results=50)
    assert len(ids) >= 50 and 7 in ids
    brute = index.brute_force(query)
    assert (brute[ids] == dists).all()
    # everything closer than the last radius searched was returned
    assert set(np.nonzero(brute < dists.max())[0]) <= set(ids)
    assert list(dists) == sorted(dists)


def test_keys_are_base_k() -> None:
    assert code_keys(np.array([[1, 2, 3]], dtype=np.uint8), 4)[0] == 1 + 2 * 4 + 3 * 16
    index = HashIndex(np.zeros((3, 2), dtype=np.uint8), 4)
    assert sorted(index.bucket(0)) == [0, 1, 2] and len(index.bucket(5)) == 0
