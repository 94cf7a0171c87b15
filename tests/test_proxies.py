import math

import numpy as np
import pytest

from zeronas.errors import ZeronasError
from zeronas.proxies import get_proxies
from zeronas.scoring.scorer import Scorer, ScoringSettings
from zeronas.strategies.combine import freerea, rank_average

ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
NO_PATH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|"
INDEX0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


@pytest.fixture(scope="module")
def scorer(nats, cifar10_images):
    info, x, y = cifar10_images
    return Scorer.create(
        nats,
        info,
        ["naswot", "logsynflow", "synflow", "skip", "params", "flops"],
        x,
        y,
        ScoringSettings(inits=2, seed=0),
    )


def test_proxies_are_finite_seeded_and_differ_across_cells(nats, scorer):
    a = scorer.compute(nats.parse(ALL_CONV3)).values
    b = scorer.compute(nats.parse(INDEX0)).values
    again = scorer.compute(nats.parse(ALL_CONV3)).values
    assert a == again  # same seed, same values, bit for bit
    for name in ("naswot", "logsynflow", "synflow"):
        assert math.isfinite(a[name]) and math.isfinite(b[name]) and a[name] != b[name]
    assert a["logsynflow"] > b["logsynflow"] > 0  # the all-conv cell has far more saliency
    assert a["naswot"] > 500  # log|det| of a 64×64 kernel counting thousands of ReLUs


def test_arch_proxies_order_as_expected(nats, scorer):
    conv = scorer.compute(nats.parse(ALL_CONV3)).values
    skip = scorer.compute(nats.parse(ALL_SKIP)).values
    assert conv["params"] > skip["params"] and conv["flops"] > skip["flops"]
    assert conv["flops"] == pytest.approx(220.11968)
    assert skip["skip"] == pytest.approx((0 + 1 + 0 + 2 + 1 + 0) / 6)


def test_synflow_is_zero_without_a_path_to_the_output(nats, scorer):
    v = scorer.compute(nats.parse(NO_PATH)).values
    assert v["synflow"] == 0.0 and v["logsynflow"] == 0.0


def test_different_seed_changes_data_dependent_scores(nats, cifar10_images):
    info, x, y = cifar10_images
    s0 = Scorer.create(nats, info, ["naswot"], x, y, ScoringSettings(inits=1, seed=0))
    s1 = Scorer.create(nats, info, ["naswot"], x, y, ScoringSettings(inits=1, seed=1))
    arch = nats.parse(INDEX0)
    assert s0.compute(arch).values["naswot"] != s1.compute(arch).values["naswot"]


def test_nonfinite_scores_are_counted_and_ranked_last(nats, cifar10_images):
    info, x, y = cifar10_images
    s = Scorer.create(nats, info, ["naswot", "logsynflow"], x, y, ScoringSettings(inits=1))
    dead = s.compute(nats.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"))
    assert math.isnan(dead.values["naswot"]) and s.nonfinite["naswot"] == 1  # singular kernel: -inf
    live = s.compute(nats.parse(INDEX0))
    combined = freerea([list(dead.values.values()), list(live.values.values())])
    assert combined[0] == -np.inf and np.isfinite(combined[1])
    assert rank_average([[np.nan, 1.0], [2.0, 1.0]])[0] == -np.inf


def test_cache_shares_scores_between_equivalent_cells(nats, cifar10_images):
    info, x, y = cifar10_images
    s = Scorer.create(nats, info, ["naswot"], x, y, ScoringSettings(inits=1))
    first = s.score(nats.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"))
    second = s.score(nats.parse("|avg_pool_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"))
    assert not first.cached and second.cached and first.values == second.values


def test_freerea_combination_penalises_disagreement():
    # equal sums after normalisation, but the second row's proxies disagree
    combined = freerea([[1.0, 1.0], [2.0, 0.0], [0.5, 0.5]])
    assert combined[0] > combined[1] > combined[2] - 1
    assert combined[0] == pytest.approx(0.5 + 1.0 - 0.25)


def test_unknown_proxy_is_a_clear_error():
    with pytest.raises(ZeronasError, match="unknown proxy 'bogus'"):
        get_proxies("naswot,bogus")
