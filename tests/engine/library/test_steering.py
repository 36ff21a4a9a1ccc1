""""Like A, but more like B" steering and the stay-in-the-seed's-cluster rule, on known layouts."""

from __future__ import annotations

import numpy as np

from engine.library.embeddings.options import combine, kmeans_labels
from engine.library.playlists.build import PlaylistRules, build_playlist, steered_queries
from engine.library.playlists.catalogue import Catalogue


def catalogue(vectors: np.ndarray) -> Catalogue:
    n = len(vectors)
    return Catalogue(
        ids=np.arange(1, n + 1, dtype=np.int64), vectors=vectors.astype(np.float32),
        paths=[f"/music/{i}.ogg" for i in range(1, n + 1)], titles=[f"song {i}" for i in
                                                                  range(1, n + 1)],
        artists=[f"artist {i}" for i in range(n)], albums=[""] * n, genres=[""] * n,
        durations=np.full(n, 200.0, np.float32), tempos=np.full(n, 120.0, np.float32))


RNG = np.random.default_rng(0)
CLOUD = catalogue(RNG.normal(size=(300, 6)))


def test_steering_query_moves_toward_b() -> None:
    seed, a, b = 0, 1, 2
    rules = PlaylistRules(length=10, steer_from=str(a + 1), steer_to=str(b + 1), steer_alpha=0.5)
    plain = steered_queries(CLOUD, [seed], PlaylistRules())[0]
    steered = steered_queries(CLOUD, [seed], rules)[0]
    zb = CLOUD.vectors[b]
    assert np.linalg.norm(steered - zb) < np.linalg.norm(plain - zb)
    np.testing.assert_allclose(steered, plain + 0.5 * (zb - CLOUD.vectors[a]), atol=1e-6)

    def mean_distance_to_b(items) -> float:  # noqa: ANN001
        rows = [CLOUD.row_of[i.id] for i in items]
        return float(np.linalg.norm(CLOUD.vectors[rows] - zb, axis=1).mean())

    unsteered = build_playlist(CLOUD, [seed + 1], PlaylistRules(length=10))
    toward_b = build_playlist(CLOUD, [seed + 1], rules)
    assert mean_distance_to_b(toward_b) < mean_distance_to_b(unsteered)


def test_like_defaults_to_the_seed_and_alpha_one_reaches_b() -> None:
    rules = PlaylistRules(length=3, steer_to="6", steer_alpha=1.0, include_seeds=False)
    assert np.allclose(steered_queries(CLOUD, [0], rules)[0], CLOUD.vectors[5])
    assert build_playlist(CLOUD, [1], rules)[0].id == 6  # the nearest to the query is B itself


def test_same_cluster_keeps_the_seeds_cluster() -> None:
    blobs = np.vstack([RNG.normal(0.0, 0.3, (40, 4)), RNG.normal(3.0, 0.3, (40, 4))])
    blobs[0] = 0.6  # the seed sits in the first blob, towards the gap between the two
    cat = catalogue(blobs)
    labels = cat.cluster_labels()
    free = build_playlist(cat, [1], PlaylistRules(length=60))
    kept = build_playlist(cat, [1], PlaylistRules(length=60, same_cluster=True))
    seed_cluster = labels[0]
    assert {int(labels[cat.row_of[i.id]]) for i in kept} == {int(seed_cluster)}
    assert any(labels[cat.row_of[i.id]] != seed_cluster for i in free)
    assert len(kept) == int((labels == seed_cluster).sum()) - 1


def test_combined_blocks_weigh_equally() -> None:
    a, b = RNG.normal(0, 10.0, (50, 3)), RNG.normal(0, 0.01, (50, 16))
    both = combine(a, b)
    assert both.shape == (50, 19)
    ra = float((both[:, :3] ** 2).sum(1).mean())
    rb = float((both[:, 3:] ** 2).sum(1).mean())
    assert abs(ra - 1.0) < 1e-4 and abs(rb - 1.0) < 1e-4
    assert len(set(kmeans_labels(both).tolist())) >= 2
